#!/usr/bin/env bash
# Builds openledger-node (with its wasm runtime) and the openledger CLI, and prints the
# node binary's path.
#
# The node is always built together with the runtime and e2e crates: cargo unifies
# dependency features over the packages of one invocation, and the e2e crate's client
# (subxt) adds features to crates the node shares. Building the node alone would give
# those crates other features, and a second full build of the node when the tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -p openledger-runtime -p openledger-node -p openledger-e2e -p openledger-cli >&2
echo "${CARGO_TARGET_DIR:-$PWD/target}/debug/openledger-node"
