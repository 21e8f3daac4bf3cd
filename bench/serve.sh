#!/usr/bin/env bash
# `kindred serve` under load from wrk on loopback, on a synthetic shop of 50,000 people,
# 100,000 items and 2,000,000 events with 64-factor ALS active:
#   1. recommendations at a steady 1,000 requests per second (wrk paced by bench/wrk/recommend.lua);
#   2. recommendations as fast as they are answered (maximum throughput);
#   3. GET /healthz as fast as it is answered: the same server's HTTP floor, the peer of (2);
#   4. the steady load of (1) again while POST /v1/models/train retrains on all events;
#   5. events in batches of 100 (bench/wrk/events.lua), then the server is stopped and the
#      events in the database are counted against the events acknowledged;
#   6. the same with --durable-commits (every commit synced to disk);
#   7. recommendations at a steady 1,000/s for known people with their user tokens (personalized);
#   8. the same with business rules, diversity (MMR) and a category cap on;
#   9. pages of content blocks (GET /v1/users/{id}/page) at a steady 1,000/s, everything on.
# wrk stops at its deadline with requests in flight: their events may or may not have been
# committed, and their answers are discarded, so nothing is lost exactly when
# acknowledged <= stored <= acknowledged + 100 x (sent - answered).
# The steady runs pace each connection with a pause of (period - p50),
# p50 taken from a warm-up at the same rate.
# The machine's two cores serve both wrk and the server. Figures go to docs/benchmarks.md.
#
# Usage: bench/serve.sh [seconds per run, default 30]   (KINDRED_BIN: the binary to measure)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
source bench/lib/bench-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

source bench/lib/serve-shop.sh
db="$work/shop.sqlite"
serve_shop "$kindred" "$work"
public=$(cat "$work/public.key")
admin=$("$kindred" keys create --role admin --db "$db" 2>/dev/null)

start_server() {
  "$kindred" serve --db "$db" --port "$port" --retrain-every off --log-level warning "$@" > "$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "server did not start" >&2; cat "$work/serve.log" >&2; exit 1
}
run_wrk() { # name connections script [env...]
  local name=$1 connections=$2 script=$3; shift 3
  env KEY="$public" USERS="$work/users" ITEMS="$work/items" CONNECTIONS="$connections" "$@" \
    wrk -t2 -c"$connections" -d"${seconds}s" -s "$script" "http://127.0.0.1:$port" | tail -1 > "$work/$name.json"
}

start_server
run_wrk warmup 16 bench/wrk/recommend.lua RATE=1000
pause=$(python3 -c "import json; print(max(0.0, 16 * 1000 / 1000 - json.load(open('$work/warmup.json'))['p50_ms']))")
run_wrk steady 16 bench/wrk/recommend.lua RATE=1000 DELAY_MS="$pause"
run_wrk max 32 bench/wrk/recommend.lua
run_wrk healthz 32 bench/wrk/recommend.lua ROUTE=healthz
# Known people with their user tokens (made by serve_shop), as a storefront sends them after login.
run_wrk personal-warmup 16 bench/wrk/recommend.lua RATE=1000 TOKENS="$work/tokens"
personal_pause=$(python3 -c "import json; print(max(0.0, 16 - json.load(open('$work/personal-warmup.json'))['p50_ms']))")
run_wrk personal 16 bench/wrk/recommend.lua RATE=1000 DELAY_MS="$personal_pause" TOKENS="$work/tokens"
# Everything on: rules of each kind, diversity and a cap (seen by the server within two seconds).
everything_on "$kindred" "$work"
sleep 3
run_wrk everything 16 bench/wrk/recommend.lua RATE=1000 DELAY_MS="$personal_pause" TOKENS="$work/tokens"
run_wrk page-warmup 16 bench/wrk/recommend.lua RATE=1000 ROUTE=page TOKENS="$work/tokens"
page_pause=$(python3 -c "import json; print(max(0.0, 16 - json.load(open('$work/page-warmup.json'))['p50_ms']))")
run_wrk page 16 bench/wrk/recommend.lua RATE=1000 DELAY_MS="$page_pause" ROUTE=page TOKENS="$work/tokens"
run_wrk page-max 32 bench/wrk/recommend.lua ROUTE=page TOKENS="$work/tokens"
"$kindred" settings set serving.diversity 1 --db "$db" >/dev/null
"$kindred" settings set serving.max_per_category 0 --db "$db" >/dev/null
for id in $(sqlite3 "$db" "SELECT rule_pk FROM rules WHERE removed_in IS NULL"); do "$kindred" rules remove "$id" --db "$db" >/dev/null; done
sleep 3
# Retrain while the steady load runs; the load lasts as long as the training run.
curl -s -X POST -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/v1/models/train" > "$work/retrain.json" &
trainer=$!
sleep 1
run_wrk retraining 16 bench/wrk/recommend.lua RATE=1000 DELAY_MS="$pause"
wait "$trainer"
# The event writer's own time, from /metrics before and after a run (the inbox is filed within
# a moment of the load ending): seconds in group commits and in filing, events stored and filed.
scrape() {
  sleep 3
  curl -s -H "Authorization: Bearer $admin" "http://127.0.0.1:$port/metrics" \
    | awk '/^kindred_(events_stored_total|events_filed_total|group_commit_seconds_total|event_filing_seconds_total) /{print $1, $2}' > "$work/$1.metrics"
}
before=$(sqlite3 "$db" "SELECT count(*) FROM events")
scrape events-before
run_wrk events 16 bench/wrk/events.lua BATCH=100
scrape events-after
kill -TERM "$server"; wait "$server" || true; server=
after=$(sqlite3 "$db" "SELECT count(*) FROM events")
start_server --durable-commits
scrape durable-before
run_wrk durable 16 bench/wrk/events.lua BATCH=100
scrape durable-after
kill -TERM "$server"; wait "$server" || true; server=
durable_after=$(sqlite3 "$db" "SELECT count(*) FROM events")

python3 - "$work" "$before" "$after" "$durable_after" <<'PY'
import json, sys
work, before, after, durable_after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
load = lambda name: json.load(open(f"{work}/{name}.json"))
train = json.load(open(f"{work}/train.json"))
retrain = json.load(open(f"{work}/retrain.json"))
print(f"shop: 50,000 people x 100,000 items, {train['interactions']:,} user-item pairs, ALS 64 factors")
print()
print("| load | requests/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors |")
print("|---|---|---|---|---|---|---|---|")
for name, label in [("steady", "recommendations, steady 1,000/s"), ("retraining", "the same while retraining"),
                    ("max", "recommendations, maximum"), ("healthz", "GET /healthz, maximum (HTTP floor)"),
                    ("personal", "recommendations with user tokens (personalized), steady 1,000/s"),
                    ("everything", "the same with rules, diversity 0.8 and caps on"),
                    ("page", "pages of blocks with user tokens, everything on, steady 1,000/s"),
                    ("page-max", "pages of blocks, maximum (32 connections)")]:
    r = load(name)
    print(f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {r['p999_ms']:.2f} | {r['max_ms']:.1f} | {r['socket_errors'] + r['non_2xx']} |")
print()
print(f"retraining run: version {retrain.get('version')}, {retrain.get('training_seconds', 0):.1f} s, activated {retrain.get('activated')}")
print()
print("| events in batches of 100 | events/s | p50 ms per batch | p99 ms per batch | acknowledged | in flight at cut-off | stored | acknowledged <= stored <= acknowledged + in flight | errors |")
print("|---|---|---|---|---|---|---|---|---|")
for name, label, stored in [("events", "WAL, synchronous=NORMAL (default)", after - before), ("durable", "--durable-commits (synchronous=FULL)", durable_after - after)]:
    e = load(name)
    in_flight = (e["sent"] - e["requests"]) * 100
    print(f"| {label} | {e['events_per_s']:,.0f} | {e['p50_ms']:.0f} | {e['p99_ms']:.0f} | {e['events_acknowledged']:,} | {in_flight:,} | {stored:,} | "
          f"{e['events_acknowledged'] <= stored <= e['events_acknowledged'] + in_flight} | {e['socket_errors'] + e['non_2xx']} |")
print()
print("| event writer | group commits s | events stored | µs per event stored | filing s | events filed | µs per event filed |")
print("|---|---|---|---|---|---|---|")
def metrics(name):
    return {line.split()[0]: float(line.split()[1]) for line in open(f"{work}/{name}.metrics")}
for name, label in [("events", "WAL, synchronous=NORMAL (default)"), ("durable", "--durable-commits (synchronous=FULL)")]:
    a, b = metrics(f"{name}-before"), metrics(f"{name}-after")
    d = {k: b.get(k, 0) - a.get(k, 0) for k in b}
    stored, filed = d["kindred_events_stored_total"], d["kindred_events_filed_total"]
    commit_s, filing_s = d["kindred_group_commit_seconds_total"], d["kindred_event_filing_seconds_total"]
    print(f"| {label} | {commit_s:.1f} | {stored:,.0f} | {commit_s / max(stored, 1) * 1e6:.1f} | {filing_s:.1f} | {filed:,.0f} | {filing_s / max(filed, 1) * 1e6:.1f} |")
PY
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $(swift --version 2>/dev/null | head -1)"
