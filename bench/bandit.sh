#!/usr/bin/env bash
# The contextual bandits under load, on a synthetic shop of 50,000 people, 100,000 items and
# 1,000,000 events with 64-factor ALS active, known people with their user tokens and a device,
# hour and country on every request (bench/wrk/recommend.lua with CONTEXT=1):
#   1. recommendations at a steady 1,000/s with exploration off (the peer: what every other
#      policy is measured beside, on a server of its own so that its peak RSS is its own);
#   2. the same with epsilon-greedy (epsilon 0.1), then on a second server with each bandit
#      policy (contextual, softmax, linucb, thompson) in turn; the server's updater folds every
#      displayed list into the bandit as the load runs (displays folded are reported);
#   3. outcome to bandit: 200 times, a list is fetched, a click on its second item is posted with
#      its request id, and GET /v1/bandits is polled every 5 ms until the click is folded in;
#      the time from the click's acknowledgement to the bandit showing it.
# The steady runs pace each connection with a pause of (period - p50) from a warm-up.
# Usage: bench/bandit.sh [seconds per run, default 20]   (KINDRED_BIN: the binary to measure)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
source bench/lib/bench-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

source bench/lib/serve-shop.sh
db="$work/shop.sqlite"
serve_shop "$kindred" "$work" 1000000 0
public=$(cat "$work/public.key")
admin=$("$kindred" keys create --role admin --db "$db" 2>/dev/null)

start_server() {
  "$kindred" serve --db "$db" --port "$port" --retrain-every off --log-level warning > "$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; cat "$work/serve.log" >&2; exit 1
}
stop_server() { # name: records the server's peak RSS (kB)
  grep VmHWM "/proc/$server/status" | awk '{print $2}' > "$work/$1.rss"
  kill -TERM "$server"; wait "$server" || true; server=
}
steady() { # name
  env KEY="$public" TOKENS="$work/tokens" CONNECTIONS=16 RATE=1000 CONTEXT=1 \
    wrk -t2 -c16 -d"${seconds}s" -s bench/wrk/recommend.lua "http://127.0.0.1:$port" | tail -1 > "$work/$1-warmup.json"
  local pause
  pause=$(python3 -c "import json; print(max(0.0, 16 - json.load(open('$work/$1-warmup.json'))['p50_ms']))")
  env KEY="$public" TOKENS="$work/tokens" CONNECTIONS=16 RATE=1000 CONTEXT=1 DELAY_MS="$pause" \
    wrk -t2 -c16 -d"${seconds}s" -s bench/wrk/recommend.lua "http://127.0.0.1:$port" | tail -1 > "$work/$1.json"
  curl -s -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/v1/bandits" > "$work/$1.bandits"
}
policy() { "$kindred" settings set "exploration.recommendations.$1" "$2" --db "$db" >/dev/null; }

start_server
steady off
policy epsilon 0.1
sleep 3
steady epsilon
stop_server off
policy epsilon 0
start_server
for p in contextual softmax linucb thompson; do
  policy policy "$p"
  sleep 3
  steady "$p"
done
python3 - "$port" "$public" "$admin" "$work/tokens" "$work/latency.json" <<'PY'
import json, sys, time, urllib.request
port, public, admin, tokens, out = sys.argv[1:6]
people = [line.rstrip("\n").split("\t") for line in open(tokens)][:200]
def call(method, path, key, token=None, body=None):
    headers = {"Authorization": f"Bearer {key}"}
    if token: headers["X-Kindred-User-Token"] = token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=headers)
    with urllib.request.urlopen(request) as response:
        return json.load(response)
def outcomes():
    return sum(b["outcomes"] for b in call("GET", "/v1/bandits", admin)["bandits"] if b["status"] == "active")
seconds = []
for user, token in people:
    deadline = time.monotonic() + 30
    listed = call("GET", f"/v1/users/{user}/recommendations?k=5&device=mobile&hour=8&country=GB", public, token)
    before = outcomes()
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    call("POST", "/v1/events", public, token, {"events": [{"type": "click", "user_id": user, "item_id": listed["items"][1]["item_id"], "ts": now, "request_id": listed["request_id"]}]})
    acknowledged = time.monotonic()
    while outcomes() == before:
        if time.monotonic() > deadline: sys.exit(f"the click on {listed['request_id']} did not reach the bandit in 30 s")
        time.sleep(0.005)
    seconds.append(time.monotonic() - acknowledged)
seconds.sort()
q = lambda p: seconds[min(len(seconds) - 1, int(p * len(seconds)))]
json.dump({"samples": len(seconds), "p50_ms": 1000 * q(0.5), "p99_ms": 1000 * q(0.99), "max_ms": 1000 * seconds[-1]}, open(out, "w"))
PY
stop_server bandits

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
load = lambda name: json.load(open(f"{work}/{name}.json"))
rss = lambda name: int(open(f"{work}/{name}.rss").read()) / 1024
train = json.load(open(f"{work}/train.json"))
def folded(name):
    try:
        active = [b for b in json.load(open(f"{work}/{name}.bandits"))["bandits"] if b["status"] == "active"]
        return f"{active[0]['displays']:,}" if active else "-"
    except (OSError, ValueError, KeyError):
        return "-"
print(f"shop: 50,000 people x 100,000 items, {train['interactions']:,} user-item pairs, ALS 64 factors; personalized requests with device, hour and country")
print()
print("| exploration.recommendations | requests/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | displays folded (cumulative) |")
print("|---|---|---|---|---|---|---|---|---|")
for name, label in [("off", "off (epsilon 0): the peer"), ("epsilon", "epsilon_greedy, epsilon 0.1"), ("contextual", "contextual"),
                    ("softmax", "softmax, temperature 0.05"), ("linucb", "linucb, alpha 1"), ("thompson", "thompson, scale 0.25, 128 draws")]:
    r = load(name)
    print(f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {r['p999_ms']:.2f} | {r['max_ms']:.2f} | {r['socket_errors'] + r['non_2xx']} | {folded(name)} |")
print()
print(f"peak RSS: {rss('off'):,.0f} MB (server with exploration off and epsilon-greedy), {rss('bandits'):,.0f} MB (server with the four bandit policies)")
latency = load("latency")
print(f"click to bandit ({latency['samples']} clicks, each posted with its list's request id): p50 {latency['p50_ms']:.0f} ms, p99 {latency['p99_ms']:.0f} ms, max {latency['max_ms']:.0f} ms")
PY
