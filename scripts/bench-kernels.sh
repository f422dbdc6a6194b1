#!/usr/bin/env bash
# openledger-trainer's two determinism classes on the real model: the same short LoRA run
# (SmolLM2-135M-Instruct dequantized to f32, Hamlet) with `--kernels fast` (candle's gemm and
# SIMD sums) and `--kernels portable` at the CPU's best level, at AVX2 and at baseline.
# Prints training tokens/s of each (median over steps 2..N, best of ROUNDS interleaved rounds,
# as other load on the machine only ever slows a run down), the ratio portable/fast, and the
# model hash of each run; exits 1 if the portable runs' hashes differ.
#
# Usage: scripts/bench-kernels.sh [STEPS]   (env: THREADS, SEQ_LEN, BATCH, RANK, ROUNDS)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/openledger-chain/target}"
steps="${1:-4}"
threads="${THREADS:-$(nproc)}"
seq_len="${SEQ_LEN:-128}"
batch="${BATCH:-2}"
rank="${RANK:-8}"
rounds="${ROUNDS:-2}"
. scripts/lib/smollm2-f32.sh
export RAYON_NUM_THREADS="$threads"

run() {
	local name=$1
	shift
	echo "== $name ($*) ==" >&2
	"$bin" train --quiet --base "$hf" --data "$text" --seq-len "$seq_len" --batch-size "$batch" \
		--rank "$rank" --alpha $((rank * 2)) --max-steps "$steps" --eval-fraction 0 \
		--checkpoint-every 0 --events "$work/$name.jsonl" --out "$work/$name" "$@" >&2
}
for round in $(seq "$rounds"); do
	run "fast.$round" --kernels fast
	run "portable.$round" --kernels portable
	run "portable-avx2.$round" --kernels portable --kernel-level avx2
	run "portable-baseline.$round" --kernels portable --kernel-level baseline
done

python3 - "$work" "$steps" "$threads" "$seq_len" "$batch" "$rank" "$rounds" <<'PY'
import json, statistics, sys
work, steps, threads, seq_len, batch, rank, rounds = sys.argv[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
def read_round(name):
    events = [json.loads(l) for l in open(f"{work}/{name}.jsonl")]
    rates = [e["tokens_per_second"] for e in events if e["event"] == "step"]
    done = next(e for e in events if e["event"] == "done")
    return statistics.median(rates[1:] or rates), done["model_hash"]
def read(name):
    results = [read_round(f"{name}.{r}") for r in range(1, int(rounds) + 1)]
    hashes = {h for _, h in results}
    if len(hashes) != 1:
        print(f"FAIL: {name} gave different model hashes in different rounds: {hashes}")
        sys.exit(1)
    return max(rate for rate, _ in results), hashes.pop()
runs = {n: read(n) for n in ["fast", "portable", "portable-avx2", "portable-baseline"]}
fast_rate = runs["fast"][0]
print(f"SmolLM2-135M f32, seq {seq_len}, batch {batch}, LoRA r={rank} all linear, {steps} steps, "
      f"{threads} threads, best of {rounds} rounds, {cpu}")
print(f"{'kernels':30} {'tokens/s':>9} {'vs fast':>8}  model hash")
for name, label in [("fast", "fast"), ("portable", "portable (CPU's best level)"),
                    ("portable-avx2", "portable --kernel-level avx2"),
                    ("portable-baseline", "portable --kernel-level baseline")]:
    rate, model_hash = runs[name]
    print(f"{label:30} {rate:9.1f} {rate / fast_rate:7.2f}x  {model_hash}")
portable = {runs[n][1] for n in runs if n.startswith("portable")}
if len(portable) != 1:
    print("FAIL: the portable runs' model hashes differ")
    sys.exit(1)
print("portable model hashes: identical at every level")
PY
