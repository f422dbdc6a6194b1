#!/usr/bin/env bash
# Formatting and clippy (warnings are errors) over the whole workspace: the pallets with
# their benchmark and try-runtime code, the runtime, node and e2e crates, and the trainer. CI lints the
# pallets only (scripts/test.sh); run this before sending a change to the runtime or node.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
SKIP_WASM_BUILD=1 cargo clippy --all-targets \
	--features pallet-attribution/runtime-benchmarks,pallet-attribution/try-runtime,pallet-datanets/runtime-benchmarks,pallet-datanets/try-runtime,pallet-models/runtime-benchmarks,pallet-models/try-runtime \
	-- -D warnings
cargo clippy --all-targets -p openledger-runtime -p openledger-node -p openledger-e2e -- -D warnings
cargo clippy --all-targets -p openledger-trainer -- -D warnings
