#!/usr/bin/env bash
# Gateway fetch throughput (verified, through `openledger ipfs serve`'s trustless gateway on
# loopback, one request per block) against reading from the local store, for 1, 10 and
# 64 MiB files, measured in one run. Prints MiB/s and the ratio; figures go to
# docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
cargo run --quiet --release -p openledger-ipfs --example bench_fetch
