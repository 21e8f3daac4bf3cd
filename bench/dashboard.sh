#!/usr/bin/env bash
# The dashboard's pages on a copy of the 2,000,000-event benchmark shop (built by bench/events.sh,
# kept in $KINDRED_BENCH_SHOP: 50,000 people, 100,000 items, 2,000,000 events), after what the
# pages draw has been made: k-means segments, an experiment, 2,000 simulated visits (VISITS=N
# for more) served through it and its report. `kindred serve` (release build, retraining off) then answers each
# page N times in a row for a signed-in session (curl, one connection per request, as a browser
# opening the page would), and the script prints p50, p95 and the largest time per page.
#
# Beside them, in the same run: GET /v1/kpis (the JSON API over the same rollups), and the
# overview's per-day figures counted straight from the events and impressions tables with the
# sqlite3 shell (what the overview would cost without the rollups filing keeps).
#
# Usage: bench/dashboard.sh [requests per page, default 50]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-50}
visits=${VISITS:-2000}
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3" >&2; exit 1; }
shop=${KINDRED_BENCH_SHOP:-${TMPDIR:-/tmp}/kindred-bench-shop}
[ -f "$shop/ready" ] || { echo "no benchmark shop in $shop: run bench/events.sh once first" >&2; exit 1; }
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
db="$work/shop.sqlite"
cp "$shop/shop.sqlite" "$db"
cp "$shop/shop.sqlite.key" "$db.key"
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }

echo "$(sqlite3 "$db" "SELECT count(*) FROM events") events, $(sqlite3 "$db" "SELECT count(*) FROM users") people, $(sqlite3 "$db" "SELECT count(*) FROM items") items"
if [ "$(sqlite3 "$db" "SELECT count(*) FROM model_versions WHERE status = 'active'")" = 0 ]; then
  echo "train popularity (so that the visits are served): $(seconds "$kindred" train --algorithm popularity --db "$db") s"
fi
[ -f "$shop/files/tastes.json" ] || "$kindred" generate --out "$shop/files" --users 50000 --items 100000 --events 2000000 >/dev/null
echo "segments build: $(seconds "$kindred" segments build --k 8 --db "$db") s"
echo "experiments create: $(seconds "$kindred" experiments create bench-recs --variant control=default --variant popular=algorithm:popularity --db "$db") s"
echo "simulate $visits visits: $(seconds "$kindred" simulate --shop "$shop/files" --db "$db" --days 1 --visitors "$visits") s ($(sqlite3 "$db" "SELECT count(*) FROM impressions") lists logged)"
echo "experiments report: $(seconds "$kindred" experiments report bench-recs --db "$db") s"
admin=$("$kindred" keys create --role admin --db "$db" 2>/dev/null | tail -1)
# A person of the shop, by raw id as the owner would type it (the page pseudonymizes it).
user=$(head -1 "$shop/users")

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$kindred" serve --db "$db" --port "$port" --retrain-every off --log-level warning > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
base="http://127.0.0.1:$port"
cookie=$(curl -s -i -X POST --data-urlencode "key=$admin" "$base/dashboard/login" | tr -d '\r' | sed -n 's/^set-cookie: \(kindred_dashboard=[0-9a-f]*\).*/\1/Ip')
[ -n "$cookie" ] || { echo "could not sign in: $(tail -5 "$work/serve.log")" >&2; exit 1; }

# p50, p95 and the largest of N sequential requests, in milliseconds, and the page's size.
measure() {
  local url=$1 header=$2 times=() size status
  status=$(curl -s -o "$work/body" -w '%{http_code}' -H "$header" "$url")
  [ "$status" = 200 ] || { echo "$url answered $status: $(head -c 300 "$work/body")" >&2; exit 1; }
  size=$(wc -c < "$work/body")
  for _ in $(seq 1 "$requests"); do times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "$header" "$url")"); done
  printf '%s\n' "${times[@]}" | sort -n | awk -v n="$requests" -v size="$size" '
    { t[NR] = $1 * 1000 }
    END { p50 = t[int((n + 1) * 0.5)]; i = int(n * 0.95 + 0.999); if (i > n) i = n; printf "%.1f | %.1f | %.1f | %d KB", p50, t[i], t[n], size / 1024 }'
}

echo
echo "| page ($requests requests each, sequential) | p50 ms | p95 ms | max ms | size |"
echo "|---|---:|---:|---:|---:|"
for page in "/dashboard" "/dashboard?days=90" "/dashboard/recommendations" "/dashboard/recommendations?user=$user" \
  "/dashboard/experiments" "/dashboard/experiments/bench-recs" "/dashboard/segments" "/dashboard/models" "/dashboard/privacy" \
  "/dashboard/csv/overview/events"; do
  echo "| $page | $(measure "$base$page" "Cookie: $cookie") |"
done
echo "| peer: GET /v1/kpis (30 days, per day; JSON) | $(measure "$base/v1/kpis" "Authorization: Bearer $admin") |"
echo "| peer: GET /v1/kpis?by=position | $(measure "$base/v1/kpis?by=position" "Authorization: Bearer $admin") |"
from_ms=$(sqlite3 "$db" "SELECT (max(day) - 13) * 86400000 FROM kpi_rollups WHERE dimension = 'all'")
raw="SELECT e.ts_ms / 86400000 AS day, count(*), sum(e.type = 'view'), sum(e.type = 'click'), sum(e.type = 'add_to_cart'), sum(e.type = 'purchase'),
  sum(e.type = 'click' AND i.impression_pk IS NOT NULL)
  FROM events AS e LEFT JOIN impressions AS i ON e.request_id IS NOT NULL AND i.request_id = e.request_id
  WHERE e.ts_ms >= $from_ms GROUP BY 1;
  SELECT ts_ms / 86400000, count(*), sum(json_array_length(items)) FROM impressions WHERE ts_ms >= $from_ms GROUP BY 1;"
runs=()
for _ in 1 2 3 4 5; do runs+=("$(seconds sqlite3 "$db" "$raw")"); done
echo "| peer: the overview's per-day figures from events and impressions (sqlite3, 14 days, median of 5) | $(printf '%s\n' "${runs[@]}" | sort -n | awk 'NR == 3 { printf "%.0f", $1 * 1000 }') | | | |"
echo
echo "server peak RSS: $(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' "/proc/$server/status")"
