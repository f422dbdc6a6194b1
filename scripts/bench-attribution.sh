#!/usr/bin/env bash
# The worker's attribution (TracIn over the run's kept checkpoints) beside the training it
# follows: one worker run (portable kernels) of SmolLM2-135M-Instruct, LoRA on the GGUF's
# weights dequantized to f32, on Hamlet cut into one file per contributor. Prints each
# phase's seconds and peak RSS (the kernel's high-water mark, reset as each phase begins) and
# the ratios attribution / training. The run lives in offchain-trainer/tests/attribution_bench.rs.
#
# Usage: scripts/bench-attribution.sh   (env: THREADS, SEQ_LEN, BATCH, RANK, CONTRIBUTORS,
#                                         BYTES per contributor)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/openledger-chain/target}"
data=$(scripts/fetch-trainer-data.sh)
export RAYON_NUM_THREADS="${THREADS:-$(nproc)}"
OPENLEDGER_TRAINER_DATA="$data" OPENLEDGER_ATTRIBUTION_BENCH=1 \
	cargo test --release --quiet -p openledger-trainer --test attribution_bench -- \
	--ignored --nocapture --test-threads 1 2>&1 | grep -v -e '^$' -e '^\.$'
