#!/usr/bin/env bash
# Regenerates each pallet's src/weights.rs (pallet-datanets, pallet-models, pallet-attribution; or those named in
# PALLETS, e.g. PALLETS=models) with frame-omni-bencher against the runtime's
# wasm, built with `runtime-benchmarks`: execution in the compiled wasm executor, database
# reads and writes as the benchmarks make them, proof sizes from each storage item's
# MaxEncodedLen. Installs frame-omni-bencher (cargo install, once; its RocksDB needs
# libclang) when it is missing. STEPS and REPEAT tune the sweep.
#
#   scripts/bench-pallet-weights.sh              # 20 steps, 10 repeats: ~10 min on 2 cores
#   STEPS=5 REPEAT=2 scripts/bench-pallet-weights.sh     # a quick look
#   PALLETS=models scripts/bench-pallet-weights.sh        # one pallet
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${STEPS:-20}"
repeat="${REPEAT:-10}"
pallets="${PALLETS:-datanets models attribution}"
target="${CARGO_TARGET_DIR:-$PWD/target}"
omni_version=0.28.0

if ! command -v frame-omni-bencher >/dev/null 2>&1; then
	if ! ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1; then
		sudo_cmd=""
		[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
		$sudo_cmd apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq libclang-dev >/dev/null
	fi
	echo "installing frame-omni-bencher $omni_version (once; about half an hour on 2 cores)"
	cargo install --locked frame-omni-bencher --version "$omni_version"
fi

# The wasm-builder builds the runtime's wasm with the crate's features from its build
# script, which `cargo check` runs too.
cargo check -p openledger-runtime --features runtime-benchmarks
mkdir -p "$target/benchmarks"
wasm="$target/benchmarks/openledger_runtime.wasm"
cp "$target/debug/wbuild/openledger-runtime/openledger_runtime.wasm" "$wasm"
# That build left its wasm where the node's build finds it: make the next node build
# rebuild the runtime's (benchmark-free) wasm rather than embed this one.
touch runtime/build.rs

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for pallet in $pallets; do
	frame-omni-bencher v1 benchmark pallet \
		--runtime "$wasm" \
		--genesis-builder-preset development \
		--pallet "pallet_$pallet" --extrinsic '*' \
		--steps "$steps" --repeat "$repeat" \
		--template scripts/weight-template.hbs \
		--output "pallets/$pallet/src/weights.rs"
done
