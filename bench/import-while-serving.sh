#!/usr/bin/env bash
# An import into the file a server is using, as a shop's nightly script would run it: a steady
# `POST /v1/events` load (bench/post_load.py: 4 connections, batches of 10) against
# `kindred serve`, and meanwhile `kindred import events` of a 2,000,000-row CSV into the same
# file, then `kindred import catalog` of the shop's 100,000 products with every category
# renamed (so that favourite categories are recounted). Reports how long each import took and,
# for the requests that ran during it, the statuses, p50, p99 and the longest wait, beside the
# same load with no import (the peer in this run). The goal (the hardening issue): no request
# waits more than a second, none fails. The same file imported into an unserved copy first
# gives the import's own time without a server (one transaction).
#
# Usage: bench/import-while-serving.sh [events to import, default 2000000]
# (KINDRED_BIN=path runs that binary instead of building this checkout: for before and after.)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-2000000}
if [ -n "${KINDRED_BIN:-}" ]; then
  kindred=$KINDRED_BIN
else
  swift build -c release --product kindred >/dev/null
  kindred=$(swift build -c release --show-bin-path)/kindred
fi
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

# A served shop (catalog of 100,000 items, a month of events) and a separate log to import.
"$kindred" generate --out "$work/shop" --users 50000 --items 100000 --events 300000 --days 30 >/dev/null
"$kindred" generate --out "$work/log" --users 50000 --items 100000 --events "$events" --days 60 \
  --end-date 2026-09-30 --seed 7 >/dev/null
first=1
for f in "$work"/log/events-*.csv; do
  if [ $first = 1 ]; then cat "$f"; first=0; else tail -n +2 "$f"; fi
done > "$work/import.csv"
rows=$(($(wc -l < "$work/import.csv") - 1))
db="$work/shop.sqlite"
"$kindred" init --db "$db" >/dev/null
"$kindred" import catalog "$work/shop/catalog.csv" --db "$db" >/dev/null
for f in "$work"/shop/events-*.csv; do "$kindred" import events "$f" --db "$db" >/dev/null; done
key=$("$kindred" keys create --role public --db "$db" 2>/dev/null)
tail -n +2 "$work/shop/events-2026-11.csv" | cut -d, -f1 | sort -u | awk "NR <= 5000" > "$work/users"
tail -n +2 "$work/shop/catalog.csv" | cut -d, -f1 > "$work/items"

# Peer for the import's own time: the same file into a copy nobody serves (one transaction).
cp "$db" "$work/alone.sqlite"; cp "$db.key" "$work/alone.sqlite.key"
/usr/bin/time -f "%e" -o "$work/alone.time" "$kindred" import events "$work/import.csv" --db "$work/alone.sqlite" > /dev/null
rm -f "$work"/alone.sqlite*

port=$((20000 + RANDOM % 20000))
"$kindred" serve --db "$db" --port "$port" --retrain-every off --log-level warning > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

# Prints: label requests statuses p50 p99 max (latencies in ms) for requests started in [from, to).
summarize() {
  python3 - "$1" "$2" "$3" "$4" <<'PY'
import sys
path, label, start, end = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
rows = [line.split() for line in open(path)]
rows = [(float(s), float(l), int(c)) for s, l, c in rows if start <= float(s) < end]
lat = sorted(l * 1000 for _, l, _ in rows)
statuses = {}
for _, _, c in rows:
    statuses[c] = statuses.get(c, 0) + 1
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
print(f"| {label} | {len(rows)} | {' '.join(f'{k}:{v}' for k, v in sorted(statuses.items()))} "
      f"| {pick(0.5):.1f} | {pick(0.99):.1f} | {lat[-1] if lat else float('nan'):.1f} |")
PY
}

# Starts the load in the background (in this shell, so that `wait` can wait for it).
load() {
  rm -f "$work/stop"
  env PORT="$port" KEY="$key" USERS="$work/users" ITEMS="$work/items" STOP="$work/stop" OUT="$work/$1" \
    python3 bench/post_load.py > /dev/null 2>&1 &
  loader=$!
}

# The peer: the same load for 20 s with nothing else running.
load quiet.txt
sleep 20; touch "$work/stop"; wait "$loader"

load busy.txt
sleep 2
monotonic() { python3 -c 'import time; print(time.monotonic())'; }
import_start=$(monotonic)
/usr/bin/time -f "%e" -o "$work/import.time" "$kindred" import events "$work/import.csv" --db "$db" --json > "$work/import.json" \
  2> "$work/import.err" || { echo "the import failed:"; cat "$work/import.err"; }
import_end=$(monotonic)
sleep 2
sed -e '1!s/,\([a-z]*\)\//,\1-renamed\//' "$work/shop/catalog.csv" > "$work/catalog.csv"
catalog_start=$(monotonic)
/usr/bin/time -f "%e" -o "$work/catalog.time" "$kindred" import catalog "$work/catalog.csv" --db "$db" --json > "$work/catalog.json" \
  2> "$work/catalog.err" || { echo "the catalog import failed:"; cat "$work/catalog.err"; }
catalog_end=$(monotonic)
sleep 2; touch "$work/stop"; wait "$loader"
import_seconds=$(cat "$work/import.time")
echo "import of $rows rows into the served file: ${import_seconds} s (into an unserved copy, one transaction: $(cat "$work/alone.time") s)"
python3 -c "import json; d = json.load(open('$work/import.json')); print('imported', d['counts']['imported'], 'duplicates', d['counts']['duplicates'])" 2>/dev/null || cat "$work/import.json"
echo
echo "| load | requests | statuses | p50 ms | p99 ms | max ms |"
echo "|---|---:|---|---:|---:|---:|"
summarize "$work/quiet.txt" "alone (20 s)" 0 1e9
summarize "$work/busy.txt" "during the events import" "$import_start" "$import_end"
summarize "$work/busy.txt" "during the catalog import ($(cat "$work/catalog.time") s)" "$catalog_start" "$catalog_end"
kill -TERM "$server"; wait "$server" || true; server=
