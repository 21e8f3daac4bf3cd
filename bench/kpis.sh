#!/usr/bin/env bash
# KPI reports over 2,000,000 events: on a copy of the benchmark shop (built as bench/events.sh
# builds it, kept in $KINDRED_BENCH_SHOP: 50,000 people, 100,000 items, 2,000,000 events), with
# 2,000 simulated visits served on top so that recommendations have clicks to count:
#   - opening the copy at schema 9 (the migration counts every stored event once), and
#     `kindred kpis --rebuild` (the same count again);
#   - `kindred kpis` (per day, by category, by position, a year by country), each five times
#     as a process, beside the same per-day figures counted straight from `events` and
#     `impressions` with the sqlite3 shell (what a report would cost without rollups);
#   - filing 50,000 inbox events as the writer does, and then adding them to the rollups (the
#     statement KPIRollups.addEvents runs, with its sums cut to the count).
#
# Usage: bench/kpis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3" >&2; exit 1; }
shop=${KINDRED_BENCH_SHOP:-${TMPDIR:-/tmp}/kindred-bench-shop}
[ -f "$shop/ready" ] || { echo "no benchmark shop in $shop: run bench/events.sh once first" >&2; exit 1; }
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/shop.sqlite"
cp "$shop/shop.sqlite" "$db"
cp "$shop/shop.sqlite.key" "$db.key"

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); echo "$end - $start" | bc; }
# The median of five runs, in milliseconds.
median_ms() {
  local runs=()
  for _ in 1 2 3 4 5; do runs+=("$(seconds "$@")"); done
  printf '%s\n' "${runs[@]}" | sort -n | awk 'NR == 3 { printf "%.0f", $1 * 1000 }'
}

echo "schema before: $(sqlite3 "$db" "SELECT max(version) FROM schema_migrations"); $(sqlite3 "$db" "SELECT count(*) FROM events") events"
echo "open and migrate (counting every event once): $(seconds "$kindred" status --db "$db") s"
if [ "$(sqlite3 "$db" "SELECT count(*) FROM model_versions WHERE status = 'active'")" = 0 ]; then
  echo "train popularity (for the simulated visits): $(seconds "$kindred" train --algorithm popularity --db "$db") s"
fi
[ -f "$shop/files/tastes.json" ] || "$kindred" generate --out "$shop/files" --users 50000 --items 100000 --events 2000000 >/dev/null
echo "simulate 2,000 visits: $(seconds "$kindred" simulate --shop "$shop/files" --db "$db" --days 1 --visitors 2000) s"
echo "kindred kpis --rebuild: $(seconds "$kindred" kpis --rebuild --db "$db") s ($(sqlite3 "$db" "SELECT count(*) FROM kpi_rollups") rollup rows)"
last=$(sqlite3 "$db" "SELECT date(max(day) * 86400, 'unixepoch') FROM kpi_rollups")
first30=$(sqlite3 "$db" "SELECT date((max(day) - 29) * 86400, 'unixepoch') FROM kpi_rollups")
year=$(sqlite3 "$db" "SELECT date((max(day) - 364) * 86400, 'unixepoch') FROM kpi_rollups")
from_ms=$(sqlite3 "$db" "SELECT (max(day) - 29) * 86400000 FROM kpi_rollups")
echo
echo "| report (median of 5 processes) | ms |"
echo "|---|---|"
echo "| kindred kpis (30 days, per day) | $(median_ms "$kindred" kpis --db "$db" --json) |"
echo "| kindred kpis --by category (30 days) | $(median_ms "$kindred" kpis --db "$db" --by category --json) |"
echo "| kindred kpis --by position (30 days) | $(median_ms "$kindred" kpis --db "$db" --by position --json) |"
echo "| kindred kpis --by country --from $year --to $last | $(median_ms "$kindred" kpis --db "$db" --by country --from "$year" --to "$last" --json) |"
echo "| kindred status (a process that opens the database, for scale) | $(median_ms "$kindred" status --db "$db" --json) |"
# The peer: the per-day figures of `kindred kpis` counted from the raw tables.
peer_sql="SELECT e.ts_ms / 86400000 AS day, count(*), sum(e.type = 'view'), sum(e.type = 'click'), sum(e.type = 'purchase'),
  total(CASE e.type WHEN 'purchase' THEN 1 WHEN 'return' THEN -1 ELSE 0 END * coalesce(e.price, 0) * coalesce(e.value, 1)),
  sum(e.type = 'click' AND i.impression_pk IS NOT NULL)
  FROM events AS e LEFT JOIN impressions AS i ON e.request_id IS NOT NULL AND i.request_id = e.request_id
  WHERE e.ts_ms >= $from_ms GROUP BY 1;
  SELECT ts_ms / 86400000, count(*), sum(json_array_length(items)) FROM impressions WHERE ts_ms >= $from_ms GROUP BY 1;"
echo "| sqlite3: the same per-day figures from events and impressions (30 days) | $(median_ms sqlite3 "$db" "$peer_sql") |"
echo "| sqlite3: the same from daily_kpis (30 days) | $(median_ms sqlite3 "$db" "SELECT * FROM daily_kpis WHERE day >= '$first30'") |"

# Filing 50,000 events, as bench/filing.sh does, then the rollups' share of it.
columns="event_key, source_event_id, type, user_pk, item_pk, session_id, ts_ms, value, price, device, country, region, local_hour, referrer, experiment, variant, request_id, received_ms, latitude, longitude"
sqlite3 "$db" >/dev/null <<SQL
INSERT INTO event_inbox ($columns)
SELECT event_key + 1, 'kpi-bench-' || event_pk, type, user_pk, item_pk, session_id, ts_ms + 86400000, value, price, device,
       country, region, local_hour, referrer, experiment, variant, request_id, received_ms, latitude, longitude
FROM events WHERE event_pk > (SELECT max(event_pk) FROM events) - 50000 ORDER BY event_pk;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
mark=$(sqlite3 "$db" "SELECT max(event_pk) FROM events")
sqlite3 "$db" <<SQL 2>&1 | awk '/^Run Time/ {n++; if (n == 1) f = $4; if (n == 2) r = $4; if (n == 3) c = $4} END {printf "\nfiling 50,000 events: insert %s s, rollups %s s, commit %s s\n", f, r, c}'
PRAGMA cache_size = -65536;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = OFF;
SELECT count(*) FROM events WHERE user_pk > 0 AND ts_ms > 0;
BEGIN;
.timer on
INSERT INTO events ($columns) SELECT $columns FROM event_inbox ORDER BY inbox_pk ON CONFLICT DO NOTHING;
WITH grouped AS (
    SELECT day, device, country, category, surface, position, model, variant, count(*) AS events
    FROM kpi_event_rows WHERE event_pk > $mark
    GROUP BY day, device, country, category, surface, position, model, variant)
INSERT INTO kpi_rollups (day, dimension, value, events)
SELECT g.day, d.dimension,
       CASE d.dimension WHEN 'all' THEN '' WHEN 'device' THEN g.device WHEN 'country' THEN g.country WHEN 'category' THEN g.category
            WHEN 'surface' THEN g.surface WHEN 'position' THEN g.position WHEN 'model' THEN g.model WHEN 'variant' THEN g.variant END AS value,
       sum(g.events)
FROM grouped AS g CROSS JOIN kpi_dimensions AS d WHERE value IS NOT NULL GROUP BY g.day, d.dimension, value
ON CONFLICT (dimension, day, value) DO UPDATE SET events = events + excluded.events;
COMMIT;
SQL
