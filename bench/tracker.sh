#!/usr/bin/env bash
# The storefront's side, on the demo shop from sample-data/ (`kindred demo`), release build:
#   1. the tracker's size as served, gzipped (gzip -9 -n);
#   2. its main-thread cost per page view in headless Chromium, beside the same page without it
#      (bench/tracker_page.py);
#   3. (after 4, so that 4 meets a quiet server) events per second taken from beacons (text/plain, key in the query, 5 anonymous events
#      each, as a tracker's pagehide sends them), beside the same batches as JSON with the key in
#      a header, in the same run (wrk, bench/wrk/events.lua);
#   4. time from an event to the changed list on the stream, beside refetching the list after
#      the event's POST (bench/stream_latency.py).
# The machine's two cores serve the browser or wrk and the server at once.
#
# Usage: bench/tracker.sh [seconds per wrk run, default 20]   (needs chromium, chromium-driver,
# selenium, wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
db="$work/shop.sqlite"
"$kindred" demo --db "$db" >/dev/null
public=$("$kindred" keys create --role public --db "$db" 2>/dev/null)
"$kindred" tokens secret --db "$db" >/dev/null 2>&1
"$kindred" serve --db "$db" --port "$port" --retrain-every off --cors-origins '*' --log-level warning > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

echo "== 1. tracker size"
curl -s "http://127.0.0.1:$port/v1/tracker.js" > "$work/tracker.js"
echo "served $(wc -c < "$work/tracker.js") bytes, $(gzip -9 -n -c "$work/tracker.js" | wc -c) gzipped"

echo "== 2. main-thread time per page view"
python3 bench/tracker_page.py --origin "http://127.0.0.1:$port" --key "$public" --views 10

echo "== 4. event to changed list"
python3 bench/stream_latency.py --url "http://127.0.0.1:$port" --key "$public" --token-cmd "$kindred tokens mint --db $db" --rounds 200

echo "== 3. events per second: beacons beside JSON with a header"
sqlite3 "$db" "SELECT item_id FROM items" > "$work/items.txt"
echo unused > "$work/users.txt"
for form in beacon header; do
  beacon=$([ "$form" = beacon ] && echo 1 || echo 0)
  result=$(KEY="$public" USERS="$work/users.txt" ITEMS="$work/items.txt" BATCH=5 ANONYMOUS=1 BEACON=$beacon RUN="$form" \
    wrk -t2 -c32 -d"${seconds}s" -s bench/wrk/events.lua "http://127.0.0.1:$port" | tail -1)
  echo "$form: $result"
done
