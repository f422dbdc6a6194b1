#!/usr/bin/env bash
# Regenerates chain-spec/dev.json and chain-spec/local.json from the runtime's genesis
# presets (through the node's build-spec). Run it after changing a preset or the runtime;
# the e2e test `checked_in_chain_specs_match_the_presets` fails until you do.
set -euo pipefail
cd "$(dirname "$0")/.."
node=$(scripts/build-node.sh)
for chain in dev local; do
	"$node" build-spec --chain "$chain" --disable-default-bootnode >"chain-spec/$chain.json" 2>/dev/null
	echo "wrote chain-spec/$chain.json"
done
