#!/usr/bin/env bash
# The project's test command (README, .ci/run): formatting, lints, then every test.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - started ))s)"; }
# cargo's own last line is a doc-test summary; keep every summary to print one total.
summaries=$(mktemp)
trap 'rm -f "$summaries"' EXIT
run_tests() { "$@" 2>&1 | tee >(grep '^test result:' >>"$summaries"); }

step "cargo fmt --check"
cargo fmt --all -- --check

# Pallets (natively on mock runtimes, benchmarks run as tests) and their runtime-API and
# RPC crates (unit tests): the default members; no wasm build needed.
pallet_features="pallet-attribution/runtime-benchmarks,pallet-attribution/try-runtime,pallet-datanets/runtime-benchmarks,pallet-datanets/try-runtime,pallet-models/runtime-benchmarks,pallet-models/try-runtime"
step "clippy: pallets (warnings are errors)"
SKIP_WASM_BUILD=1 cargo clippy --all-targets --features "$pallet_features" -- -D warnings
step "tests: pallets"
run_tests env SKIP_WASM_BUILD=1 cargo test --features "$pallet_features"

# The off-chain trainer, built optimised: its real-model tests (ignored by a plain
# `cargo test`) train SmolLM2-135M from scripts/fetch-trainer-data.sh. Its clippy pass is in
# scripts/lint.sh (a second compile of candle here would cost minutes on every cold run).
step "tests: trainer (release; real SmolLM2 runs included)"
trainer_data=$(scripts/fetch-trainer-data.sh)
run_tests env OPENLEDGER_TRAINER_DATA="$trainer_data" \
	cargo test --release -p openledger-trainer -- --include-ignored

# Runtime, node and end-to-end tests share one build of the node (with its wasm runtime)
# and of the openledger CLI;
# the e2e tests start that binary, and the worker's e2e test the optimised openledger-trainer
# the trainer step built, on the real base model and texts. Their lints run in scripts/lint.sh: a clippy pass over
# the node's dependency tree would add a second full compile to every cold CI run.
step "build: node"
scripts/build-node.sh
step "tests: runtime, node, end to end"
run_tests env OPENLEDGER_TRAINER_DATA="$trainer_data" \
	cargo test -p openledger-runtime -p openledger-node -p openledger-e2e
sleep 1 # let the summary collector finish
passed=$(awk '{sum += $4} END {print sum + 0}' "$summaries")
failed=$(awk '{sum += $6} END {print sum + 0}' "$summaries")
step "all tests passed"
echo "tests: $passed passed, $failed failed"
