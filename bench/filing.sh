#!/usr/bin/env bash
# What filing the server's inbox costs, index by index: on a copy of the benchmark shop (built
# as bench/events.sh builds it, kept in $KINDRED_BENCH_SHOP), 50,000 events wait in
# `event_inbox` (copies of the shop's latest events, a day later and with new ids), and the
# sqlite3 shell files them into `events` as the server's writer does (one transaction, no
# foreign-key checks, the server's connection settings), timing the INSERT and the COMMIT.
# Then the same with each index of `events` dropped beforehand, to show what each one costs.
#
# Usage: bench/filing.sh [events waiting, default 50000]
set -euo pipefail
cd "$(dirname "$0")/.."
waiting=${1:-50000}
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3" >&2; exit 1; }
shop=${KINDRED_BENCH_SHOP:-${TMPDIR:-/tmp}/kindred-bench-shop}
[ -f "$shop/ready" ] || { echo "no benchmark shop in $shop: run bench/events.sh once first" >&2; exit 1; }
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
columns="event_key, source_event_id, type, user_pk, item_pk, session_id, ts_ms, value, price, device, country, region, local_hour, referrer, experiment, variant, request_id, received_ms, latitude, longitude"

# The shop at the current schema, with the inbox filled.
cp "$shop/shop.sqlite" "$work/base.sqlite"
cp "$shop/shop.sqlite.key" "$work/base.sqlite.key"
"$kindred" status --db "$work/base.sqlite" >/dev/null
sqlite3 "$work/base.sqlite" >/dev/null <<SQL
INSERT INTO event_inbox ($columns)
SELECT event_key + 1, 'filing-' || event_pk, type, user_pk, item_pk, session_id, ts_ms + 86400000, value, price, device,
       country, region, local_hour, referrer, experiment, variant, request_id, received_ms, latitude, longitude
FROM events WHERE event_pk > (SELECT max(event_pk) FROM events) - $waiting ORDER BY event_pk;
PRAGMA wal_checkpoint(TRUNCATE);
SQL

# Seconds for BEGIN, the INSERT, the DELETE and the COMMIT, after `$1` (SQL run beforehand).
time_filing() {
  cp "$work/base.sqlite" "$work/run.sqlite"
  rm -f "$work/run.sqlite-wal" "$work/run.sqlite-shm"
  [ -n "$1" ] && sqlite3 "$work/run.sqlite" "$1" >/dev/null
  sqlite3 "$work/run.sqlite" <<SQL 2>&1 | awk '/^Run Time/ {printf "%s ", $4} END {print ""}'
PRAGMA cache_size = -65536;
PRAGMA synchronous = NORMAL;
PRAGMA secure_delete = ON;
PRAGMA foreign_keys = OFF;
SELECT count(*) FROM events WHERE user_pk > 0 AND ts_ms > 0;
.timer on
BEGIN;
INSERT INTO events ($columns) SELECT $columns FROM event_inbox ORDER BY inbox_pk ON CONFLICT DO NOTHING;
DELETE FROM event_inbox;
COMMIT;
SQL
}

echo "$(sqlite3 "$work/base.sqlite" "SELECT count(*) FROM events") events in the shop, $waiting waiting in the inbox"
echo
echo "| indexes of events | insert s | commit s |"
echo "|---|---|---|"
# The unique (ts_ms, event_key) constraint belongs to the table and stays.
for drop in "" events_by_user_time events_by_source_id; do
  if [ -z "$drop" ]; then label="all (as shipped)"; sql=""; else label="without $drop"; sql="DROP INDEX $drop"; fi
  read -r _ insert _ commit < <(time_filing "$sql")
  echo "| $label | $insert | $commit |"
done
