#!/usr/bin/env bash
# From a fresh clone to a running development chain on ws://127.0.0.1:9944: installs what
# is missing, builds the node (the first build takes a while on a small machine), and runs
# `openledger-node --dev`. Extra arguments go to the node, e.g. `--sealing instant`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
node=$(scripts/build-node.sh)
exec "$node" --dev "$@"
