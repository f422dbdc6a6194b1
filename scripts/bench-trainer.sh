#!/usr/bin/env bash
# openledger-trainer vs PyTorch + PEFT, side by side in one run on this machine: the same model
# (SmolLM2-135M-Instruct, the GGUF dequantized to f32 so both load identical weights), the same
# text (Hamlet), sequence length, batch, LoRA rank/alpha on all linear layers, AdamW, threads.
# Prints the eval loss of both on the same windows (a forward-pass check), training tokens/s
# (median over steps 2..N) and peak RSS, and the ratios. Needs: pip install torch transformers peft.
#
# Usage: scripts/bench-trainer.sh [STEPS]   (env: THREADS, SEQ_LEN, BATCH, RANK)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/openledger-chain/target}"
steps="${1:-8}"
threads="${THREADS:-$(nproc)}"
seq_len="${SEQ_LEN:-256}"
batch="${BATCH:-4}"
rank="${RANK:-8}"
alpha=$((rank * 2))
. scripts/lib/smollm2-f32.sh
export RAYON_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads"

echo "== openledger-trainer (LoRA, f32 base) ==" >&2
ours_eval=$("$bin" eval --base "$hf" --data "$text" --seq-len "$seq_len" --batch-size 4 --max-windows 4 --json)
/usr/bin/time -f %M -o "$work/ours.rss" "$bin" train --quiet --base "$hf" --data "$text" --seq-len "$seq_len" \
	--batch-size "$batch" --rank "$rank" --alpha "$alpha" --max-steps "$steps" --eval-fraction 0 \
	--checkpoint-every 0 --events "$work/ours.jsonl" --out "$work/ours" >&2
echo "== the saved adapter, loaded by openledger-trainer and by PEFT ==" >&2
ours_adapted=$("$bin" eval --base "$hf" --adapter "$work/ours" --data "$text" --seq-len "$seq_len" --batch-size 4 \
	--max-windows 4 --json)
python3 offchain-trainer/bench/peft_baseline.py "$hf" "$text" --adapter "$work/ours" --steps 0 --seq-len "$seq_len" \
	--threads "$threads" --eval-windows 4 >"$work/peft-loaded.json"
echo "== openledger-trainer (QLoRA, the GGUF's Q4_1 base) ==" >&2
/usr/bin/time -f %M -o "$work/qlora.rss" "$bin" train --quiet --base "$data/SmolLM2-135M-Instruct.Q4_1.gguf" \
	--method qlora --bits 4 --data "$text" --seq-len "$seq_len" --batch-size "$batch" --rank "$rank" --alpha "$alpha" \
	--max-steps "$steps" --eval-fraction 0 --checkpoint-every 0 --events "$work/qlora.jsonl" --out "$work/qlora" >&2
echo "== PyTorch + PEFT (LoRA, f32 base) ==" >&2
/usr/bin/time -f %M -o "$work/torch.rss" python3 offchain-trainer/bench/peft_baseline.py "$hf" "$text" \
	--seq-len "$seq_len" --batch-size "$batch" --rank "$rank" --alpha "$alpha" --steps "$steps" \
	--threads "$threads" --eval-windows 4 >"$work/torch.json"

python3 - "$work" "$ours_eval" "$ours_adapted" "$steps" "$threads" "$seq_len" "$batch" "$rank" <<'PY'
import json, statistics, sys
work, ours_eval, ours_adapted, steps, threads, seq_len, batch, rank = sys.argv[1:]
def ours(name):
    events = [json.loads(l) for l in open(f"{work}/{name}.jsonl")]
    rates = [e["tokens_per_second"] for e in events if e["event"] == "step"]
    return statistics.median(rates[1:] or rates), int(open(f"{work}/{name}.rss").read()) / 1024
torch = json.load(open(f"{work}/torch.json"))
t_rate = statistics.median(torch["tokens_per_second"][1:] or torch["tokens_per_second"])
t_rss = int(open(f"{work}/torch.rss").read()) / 1024
o_rate, o_rss = ours("ours")
q_rate, q_rss = ours("qlora")
print(f"SmolLM2-135M, seq {seq_len}, batch {batch}, LoRA r={rank} all linear, {steps} steps, {threads} threads, torch {torch['torch']}")
print(f"eval loss on the same 4 windows: openledger-trainer {json.loads(ours_eval)['loss']:.4f}, transformers {torch['eval_loss']:.4f}")
peft_loaded = json.load(open(f"{work}/peft-loaded.json"))["eval_loss"]
print(f"same windows with the adapter trained here: openledger-trainer {json.loads(ours_adapted)['loss']:.4f}, PEFT-loaded {peft_loaded:.4f}")
print(f"{'':34} {'tokens/s':>9} {'peak RSS MiB':>13}")
print(f"{'PyTorch + PEFT (LoRA)':34} {t_rate:9.1f} {t_rss:13.0f}")
print(f"{'openledger-trainer (LoRA)':34} {o_rate:9.1f} {o_rss:13.0f}")
print(f"{'openledger-trainer (QLoRA 4-bit)':34} {q_rate:9.1f} {q_rss:13.0f}")
print(f"ratio LoRA: speed {o_rate / t_rate:.2f}x, memory {o_rss / t_rss:.2f}x of PyTorch")
print(f"ratio QLoRA 4-bit: speed {q_rate / t_rate:.2f}x, memory {q_rss / t_rss:.2f}x of PyTorch LoRA")
PY
