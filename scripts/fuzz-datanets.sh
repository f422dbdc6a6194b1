#!/usr/bin/env bash
# A long run of pallet-datanets' random call sequences (src/tests/property.rs): every
# invariant and the conservation of funds checked after each block. Seeds are reproducible.
#
#   scripts/fuzz-datanets.sh                 # 100 000 calls, seed 1
#   CALLS=1000000 SEED=7 scripts/fuzz-datanets.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export SKIP_WASM_BUILD=1
DATANETS_FUZZ_CALLS="${CALLS:-100000}" DATANETS_FUZZ_SEED="${SEED:-1}" \
	cargo test --release -p pallet-datanets --features try-runtime --lib \
	tests::property -- --nocapture
