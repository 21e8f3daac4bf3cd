#!/usr/bin/env bash
# Event ingestion alone, for tuning the event writer: `POST /v1/events` in batches of 100
# (bench/wrk/events.lua) against a fresh copy of a benchmark shop, then the writer's own account
# from /metrics and each server thread's CPU seconds from /proc. Shorter and more often run than
# bench/serve.sh, whose shop it builds the same way (once, kept in $KINDRED_BENCH_SHOP).
#
# Usage: bench/events.sh [seconds, default 20] [connections, default 16] [serve flags...]
# (KINDRED_BIN=path runs that binary; the shop is built once, by whichever binary runs first.)
# SEGMENTS=1 builds k-means segments (k = 8) on the run's copy first, so that the server keeps
# them current as it files. PEOPLE=1 posts with an ingest key (a shop's backend), so that the
# events are about the named people and fill the feature store's person tables; with the
# public key and no user token, as by default, they are kept without a person.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-16}
shift $(($# < 2 ? $# : 2))
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
# KINDRED_BIN=path serves with that binary instead of building this checkout (before and after).
if [ -n "${KINDRED_BIN:-}" ]; then
  kindred=$KINDRED_BIN
else
  swift build -c release --product kindred >/dev/null
  kindred=$(swift build -c release --show-bin-path)/kindred
fi
shop=${KINDRED_BENCH_SHOP:-${TMPDIR:-/tmp}/kindred-bench-shop}
if [ ! -f "$shop/ready" ]; then
  rm -rf "$shop" && mkdir -p "$shop"
  "$kindred" generate --out "$shop/files" --users 50000 --items 100000 --events 2000000 >/dev/null
  "$kindred" init --db "$shop/shop.sqlite" >/dev/null
  "$kindred" import catalog "$shop/files/catalog.csv" --db "$shop/shop.sqlite" >/dev/null
  for f in "$shop"/files/events-*.csv "$shop"/files/events-recent.jsonl; do "$kindred" import events "$f" --db "$shop/shop.sqlite" >/dev/null; done
  "$kindred" keys create --role public --db "$shop/shop.sqlite" 2>/dev/null > "$shop/public"
  "$kindred" keys create --role admin --db "$shop/shop.sqlite" 2>/dev/null > "$shop/admin"
  tail -n +2 "$shop/files/events-2026-11.csv" | cut -d, -f1 | sort -u | awk "NR <= 9000" > "$shop/users"
  for n in $(seq 1 1000); do echo "visitor-$n"; done >> "$shop/users"
  tail -n +2 "$shop/files/catalog.csv" | cut -d, -f1 > "$shop/items"
  touch "$shop/ready"
fi
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
cp "$shop/shop.sqlite" "$work/run.sqlite"
cp "$shop/shop.sqlite.key" "$work/run.sqlite.key"
key=$(cat "$shop/public")
if [ "${PEOPLE:-}" = 1 ]; then key=$("$kindred" keys create --role ingest --db "$work/run.sqlite" 2>/dev/null); fi
if [ "${SEGMENTS:-}" = 1 ]; then
  "$kindred" segments build --db "$work/run.sqlite" --k 8 --json | python3 -c "import json, sys; r = json.load(sys.stdin); print(f\"segments: {r['k']} of {r['people']} people in {r['seconds']:.1f} s\")"
fi
port=$((20000 + RANDOM % 20000))
"$kindred" serve --db "$work/run.sqlite" --port "$port" --retrain-every off --log-level warning "$@" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
env KEY="$key" USERS="$shop/users" ITEMS="$shop/items" BATCH=100 \
  wrk -t2 -c"$connections" -d"${seconds}s" -s bench/wrk/events.lua "http://127.0.0.1:$port" | tail -1
sleep 3
curl -s -H "Authorization: Bearer $(cat "$shop/admin")" "http://127.0.0.1:$port/metrics" \
  | grep -E "^kindred_(events_stored_total|events_filed_total|group_commit_seconds_total|event_filing_seconds_total) "
# Threads by CPU seconds (user + system); the busiest `kindred` one is the event writer.
for task in /proc/"$server"/task/*; do
  echo "cpu_s $(cat "$task/comm")-$(basename "$task") $(awk '{print ($14 + $15) / 100}' "$task/stat")"
done | sort -k3 -rn | head -6
kill -TERM "$server"; wait "$server" || true; server=
