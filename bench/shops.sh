#!/usr/bin/env bash
# `kindred serve --shops DIR` beside `kindred serve --db FILE` (the peer) in the same run, on two
# copies of the 2,000,000-event benchmark shop (bench/events.sh builds it once in
# $KINDRED_BENCH_SHOP), each with 64-factor ALS active. Recommendations at a steady 1,000/s
# (wrk paced by bench/wrk/recommend.lua, as bench/serve.sh paces it) for people drawn from
# 9,000 customers and 1,000 strangers, public key:
#   1. peer: a server of one shop, /v1/users/{id}/recommendations;
#   2. the folder server, the same requests under /shops/alpha/;
#   3. the folder server, routed by the key alone (no shop in the path);
#   4. the folder server, (2) while the other shop takes events in batches of 100 as fast as it
#      files them (bench/wrk/events.lua, 8 connections): what one shop's load does to another.
# wrk and the server share the machine's two cores.
# Usage: bench/shops.sh [seconds per run, default 20]   (KINDRED_BIN=path runs that binary)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
source bench/lib/bench-shop.sh
kindred=$(kindred_binary)
shop=$(bench_shop)
work=$(mktemp -d)
server=
flood=
trap '[ -n "$flood" ] && kill "$flood" 2>/dev/null; [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/shops"
for name in alpha beta; do
  cp "$shop/shop.sqlite" "$work/shops/$name.sqlite"
  cp "$shop/shop.sqlite.key" "$work/shops/$name.sqlite.key"
  chmod 600 "$work/shops/$name.sqlite.key"
  "$kindred" train --db "$work/shops/$name.sqlite" --algorithm als --validation-days 0 --no-anonymous-sessions --json > /dev/null
done
alpha=$("$kindred" keys create --role public --db "$work/shops/alpha.sqlite" 2>/dev/null)
beta=$("$kindred" keys create --role public --db "$work/shops/beta.sqlite" 2>/dev/null)
port=$((20000 + RANDOM % 20000))

start() { # serve flags...
  "$kindred" serve --port "$port" --retrain-every off --log-level warning "$@" > "$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; cat "$work/serve.log" >&2; exit 1
}
stop() { kill -TERM "$server"; wait "$server" 2>/dev/null || true; server=; }
steady() { # name [env...]: a warm-up to find p50, then the paced run
  local name=$1; shift
  env KEY="$alpha" USERS="$shop/users" CONNECTIONS=16 RATE=1000 "$@" \
    wrk -t2 -c16 -d"${seconds}s" -s bench/wrk/recommend.lua "http://127.0.0.1:$port" | tail -1 > "$work/$name-warmup.json"
  local pause
  pause=$(python3 -c "import json; print(max(0.0, 16 - json.load(open('$work/$name-warmup.json'))['p50_ms']))")
  env KEY="$alpha" USERS="$shop/users" CONNECTIONS=16 RATE=1000 DELAY_MS="$pause" "$@" \
    wrk -t2 -c16 -d"${seconds}s" -s bench/wrk/recommend.lua "http://127.0.0.1:$port" | tail -1 > "$work/$name.json"
}

start --db "$work/shops/alpha.sqlite"
steady single
stop
start --shops "$work/shops"
steady by-path PREFIX=/shops/alpha
steady by-key
env KEY="$beta" USERS="$shop/users" ITEMS="$shop/items" BATCH=100 PREFIX=/shops/beta \
  wrk -t1 -c8 -d"$((seconds * 2 + 10))s" -s bench/wrk/events.lua "http://127.0.0.1:$port" > "$work/flood.txt" &
flood=$!
sleep 3
steady beside-flood PREFIX=/shops/alpha
wait "$flood" || true
flood=
stop

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
print("| run | requests/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | non-2xx |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name, label in [("single", "peer: `kindred serve --db alpha.sqlite`"), ("by-path", "`--shops`: /shops/alpha/v1/..."),
                    ("by-key", "`--shops`: /v1/..., routed by the key"), ("beside-flood", "`--shops`: /shops/alpha while beta files events flat out")]:
    r = json.load(open(f"{work}/{name}.json"))
    print(f"| {label} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {r['p999_ms']:.2f} | {r['max_ms']:.1f} | {r['non_2xx'] + r['socket_errors']} |")
PY
echo "beta's events during (4): $(tail -1 "$work/flood.txt")"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
