#!/usr/bin/env bash
# Regenerates pallets/datanets/src/weights.rs from a release-mode run of the pallet's
# benchmarks on its mock runtime (see pallets/datanets/src/weight_generator.rs for how
# storage reads and writes are counted). STEPS and REPEAT tune the sweep.
#
#   scripts/bench-pallet-weights.sh            # 20 steps, 50 repeats
#   STEPS=5 REPEAT=5 scripts/bench-pallet-weights.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export SKIP_WASM_BUILD=1
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
cargo test --release -p pallet-datanets --features runtime-benchmarks --lib \
	-- --ignored --nocapture --exact weight_generator::generate_weights
cargo fmt -p pallet-datanets
