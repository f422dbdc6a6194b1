#!/usr/bin/env bash
# Starts the `local` network by hand: N of its four validators (Alice, Bob, Charlie, Dave;
# Aura + GRANDPA) and FULL full nodes, each with its own base path, loopback ports and
# node key; waits until the first has finalized a block, prints where everything is, and
# stops them all cleanly (SIGTERM) on Ctrl-C. The e2e harness of the same network, with
# faults: tests/src/net.rs and tests/tests/faults.rs.
#
#   scripts/local-net.sh                  # 4 validators: RPC ws://127.0.0.1:9944 … 9947
#   N=3 FULL=1 scripts/local-net.sh       # 3 validators (finality needs 3 of 4) + 1 full
#   DIR=/var/tmp/net scripts/local-net.sh # keep the state: started again, the chain goes on
#
# RPC_PORT (9944) and P2P_PORT (30333) are the first node's ports; the others count up.
# NODE=path runs that openledger-node binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
validators="${N:-4}"
full="${FULL:-0}"
rpc_base="${RPC_PORT:-9944}"
p2p_base="${P2P_PORT:-30333}"
if ! [[ "$validators" =~ ^[1-4]$ ]]; then
	echo "N must be 1 to 4 (the local spec has four validators)" >&2
	exit 2
fi
dir="${DIR:-$(mktemp -d "${TMPDIR:-/tmp}/openledger-net.XXXXXX")}"
mkdir -p "$dir"
node="${NODE:-$(scripts/build-node.sh)}"
names=(alice bob charlie dave)

pids=()
stop() {
	trap - EXIT INT TERM
	echo "stopping ${#pids[@]} node(s)"
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	wait || true
	echo "state and logs kept in $dir"
}
trap stop EXIT INT TERM

# rpc PORT METHOD PARAMS: the JSON response (HTTP on the RPC port).
rpc() {
	curl -sf -H 'Content-Type: application/json' \
		-d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":$3}" \
		"http://127.0.0.1:$1"
}
# A response's result, when it is a string.
text() { sed -n 's/.*"result":"\([^"]*\)".*/\1/p'; }

bootnodes=()
for i in $(seq 0 $((validators + full - 1))); do
	if [ "$i" -lt "$validators" ]; then name="${names[$i]}"; role=(--"$name"); else name="full-$i"; role=(); fi
	rpc_port=$((rpc_base + i))
	p2p_port=$((p2p_base + i))
	boot=()
	if [ ${#bootnodes[@]} -gt 0 ]; then boot=(--bootnodes "${bootnodes[@]}"); fi
	"$node" --chain local --base-path "$dir/$name" "${role[@]}" \
		--node-key "$(printf '%064x' $((i + 1)))" \
		--rpc-port "$rpc_port" --port "$p2p_port" \
		--no-prometheus --no-telemetry --no-mdns "${boot[@]}" \
		>>"$dir/$name.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 600); do
		peer="$(rpc "$rpc_port" system_localPeerId '[]' | text || true)"
		[ -n "$peer" ] && break
		kill -0 "${pids[-1]}" 2>/dev/null || { echo "$name exited; see $dir/$name.log" >&2; exit 1; }
		sleep 0.2
	done
	[ -n "$peer" ] || { echo "$name serves no RPC; see $dir/$name.log" >&2; exit 1; }
	bootnodes+=("/ip4/127.0.0.1/tcp/$p2p_port/p2p/$peer")
	echo "$name: ws://127.0.0.1:$rpc_port  p2p $p2p_port  peer $peer  log $dir/$name.log"
done

echo "waiting for the first finalized block (6 s slots)…"
for _ in $(seq 1 120); do
	head="$(rpc "$rpc_base" chain_getFinalizedHead '[]' | text || true)"
	number="$(rpc "$rpc_base" chain_getHeader "[\"$head\"]" | sed -n 's/.*"number":"\(0x[0-9a-f]*\)".*/\1/p' || true)"
	if [ -n "$number" ] && [ $((number)) -ge 1 ]; then
		echo "finalized #$((number)); Ctrl-C stops the network"
		wait
		exit 0
	fi
	sleep 2
done
echo "nothing finalized after 4 minutes: finality needs 3 of the 4 validators; see $dir/*.log" >&2
exit 1
