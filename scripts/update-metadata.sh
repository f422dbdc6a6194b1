#!/usr/bin/env bash
# Regenerates client/chain/metadata/openledger.scale from the dev runtime (start a dev node,
# fetch its V16 metadata), after a runtime change. The e2e test `metadata` fails until then.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-node.sh >/dev/null
"${CARGO_TARGET_DIR:-$PWD/target}/debug/fetch-metadata" client/chain/metadata/openledger.scale
echo "now rebuild the clients (cargo build -p openledger-cli) to regenerate their calls"
