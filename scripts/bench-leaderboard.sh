#!/usr/bin/env bash
# Leaderboard query latency through the node's RPC at 1k, 100k and 1M contributors, and
# the ratios of the largest size to the smallest (targets: top-100 <= 1.5x, rank <= 10 ms).
# Each size starts a dev node whose genesis seeds that many ranked contributors; the 1M
# genesis takes several minutes on a 2-core machine.
#
#   scripts/bench-leaderboard.sh                       # 1000,100000,1000000; 300 calls each
#   SIZES=1000,10000 CALLS=100 scripts/bench-leaderboard.sh
set -euo pipefail
cd "$(dirname "$0")/.."
node=$(scripts/build-node.sh)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), node: debug build"
OPENLEDGER_NODE="$node" "$(dirname "$node")/bench-leaderboard"
