#!/usr/bin/env bash
# Leaderboard query latency through the node's RPC at 1k, 100k and 1M contributors, and
# the ratios of the largest size to the smallest (targets: top-100 <= 1.5x, rank <= 10 ms).
# Each size starts a dev node whose genesis seeds that many ranked contributors; the 1M
# genesis takes several minutes on a 2-core machine. The seeding genesis field exists only
# in a node built with the `bench-genesis` feature, which this builds in its own target
# directory (a full node build the first time, ~45 minutes on 2 cores), so that the
# project's normal node never carries it.
#
#   scripts/bench-leaderboard.sh                       # 1000,100000,1000000; 300 calls each
#   SIZES=1000,10000 CALLS=100 scripts/bench-leaderboard.sh
set -euo pipefail
cd "$(dirname "$0")/.."
harness=$(scripts/build-node.sh)
bench_target="${CARGO_TARGET_DIR:-$PWD/target}/bench-genesis"
CARGO_TARGET_DIR="$bench_target" cargo build -p openledger-node --features bench-genesis >&2
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), node: debug build"
OPENLEDGER_NODE="$bench_target/debug/openledger-node" "$(dirname "$harness")/bench-leaderboard"
