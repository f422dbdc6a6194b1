#!/usr/bin/env bash
# The project's test command (README, .ci/run): formatting, lints, then every test of the
# default workspace members, with the pallets' benchmarks run as tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# Pallet tests run natively on mock runtimes: no wasm runtime build needed.
export SKIP_WASM_BUILD=1
features="pallet-datanets/runtime-benchmarks,pallet-datanets/try-runtime"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (warnings are errors)"
cargo clippy --all-targets --features "$features" -- -D warnings
echo "== cargo test"
cargo test --features "$features"
