#!/usr/bin/env bash
# Import speed, side by side in one run: `kindred import events` of the UCI Online Retail log
# against the sqlite3 shell's own `.import` of the same CSV into a table with the same
# columns, the same kind of indexes and the same connection settings (WAL,
# synchronous=NORMAL, 64 MiB page cache). Prints a Markdown table for docs/benchmarks.md.
#
# Usage: bench/import.sh [PATH/online-retail.csv] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/online-retail.sh
csv=$(online_retail_csv "${1:-}")
runs=${2:-3}
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3" >&2; exit 1; }

swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

map="user_id=CustomerID,item_id=StockCode,ts=InvoiceDate,session_id=InvoiceNo,value=Quantity,price=UnitPrice,country=Country"

cat > "$work/baseline.sql" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA cache_size = -65536;
CREATE TABLE events (InvoiceNo TEXT, StockCode TEXT, Description TEXT, Quantity TEXT,
                     InvoiceDate TEXT, UnitPrice TEXT, CustomerID TEXT, Country TEXT);
-- The counterparts of Kindred's events indexes: (ts, key), (user, ts) partial (schema 5 has
-- no index by item).
CREATE INDEX events_by_time_key ON events (InvoiceDate, InvoiceNo, StockCode);
CREATE INDEX events_by_user_time ON events (CustomerID, InvoiceDate) WHERE CustomerID <> '';
.mode csv
.import --skip 1 $csv events
SQL

# seconds and peak resident memory (KiB) of one command
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null
  cat "$work/time"
}

kindred_runs=(); sqlite_runs=(); kindred_mem=0; sqlite_mem=0
for i in $(seq "$runs"); do
  rm -f "$work"/k.sqlite*
  "$kindred" init --db "$work/k.sqlite" >/dev/null
  # --skip-bad: the log's two "Adjust bad debt" rows have negative prices, which are refused.
  read -r seconds memory < <(measure "$kindred" import events "$csv" --db "$work/k.sqlite" --map "$map" --type purchase \
    --skip-bad --rejects "$work/rejects.csv")
  kindred_runs+=("$seconds"); kindred_mem=$(( memory > kindred_mem ? memory : kindred_mem ))
  rows=$(sqlite3 "$work/k.sqlite" "SELECT count(*) FROM events")

  rm -f "$work"/b.sqlite*
  read -r seconds memory < <(measure sqlite3 "$work/b.sqlite" ".read $work/baseline.sql")
  sqlite_runs+=("$seconds"); sqlite_mem=$(( memory > sqlite_mem ? memory : sqlite_mem ))
  baseline_rows=$(sqlite3 "$work/b.sqlite" "SELECT count(*) FROM events")
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
k=$(median "${kindred_runs[@]}"); s=$(median "${sqlite_runs[@]}")
echo "| what | rows | median seconds ($runs runs) | rows/s | peak RSS |"
echo "|---|---|---|---|---|"
echo "| kindred import events (parse, validate, pseudonymize, dedupe, profiles) | $rows | $k | $(awk "BEGIN {printf \"%.0f\", $rows / $k}") | $((kindred_mem / 1024)) MiB |"
echo "| sqlite3 .import (text columns, no checks) | $baseline_rows | $s | $(awk "BEGIN {printf \"%.0f\", $baseline_rows / $s}") | $((sqlite_mem / 1024)) MiB |"
echo
echo "kindred / sqlite3 = $(awk "BEGIN {printf \"%.2f\", $k / $s}")x  (runs: kindred ${kindred_runs[*]}; sqlite3 ${sqlite_runs[*]})"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sqlite3 --version | cut -d' ' -f1-2 | sed 's/^/SQLite /'), $(swift --version 2>/dev/null | head -1)"
