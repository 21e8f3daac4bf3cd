#!/usr/bin/env bash
# What the trend weight costs a request: `kindred latency` (in process, business rules on, 10
# items) on a generated shop of 100,000 items, with ALS trained alone and with a trend weight
# in turn, ROUNDS times, so that each blended figure has a plain one measured beside it in the
# same run. The ALS settings are those the search chose on this shop (bench/search.sh).
#
# Usage: bench/trend-blend.sh [ROUNDS] [WEIGHT]   (defaults 2 and 1)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/bench-shop.sh
source bench/lib/generated-shop.sh
rounds=${1:-2}
weight=${2:-1}
kindred=$(kindred_binary)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db="$work/shop.sqlite"
generated_shop "$kindred" "$work/shop" "$db" 50000 100000 2000000

echo "| model | round | p50 ms | p90 ms | p99 ms | mean ms |"
echo "|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  for extra in "" ",trend_weight=$weight"; do
    "$kindred" train --db "$db" --algorithm als --params "factors=32,alpha=1,regularization=0.1$extra" \
      --validation-days 0 --json > "$work/train.json"
    "$kindred" latency --db "$db" --requests 5000 --json > "$work/latency.json"
    python3 - "$work/latency.json" "$round" "${extra#,}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
label = "ALS" + (f" + {sys.argv[3].replace('_', ' ').replace('=', ' ')}" if sys.argv[3] else " alone")
print(f"| {label} | {sys.argv[2]} | {d['p50_ms']:.3f} | {d['p90_ms']:.3f} | {d['p99_ms']:.3f} | {d['mean_ms']:.3f} |")
PY
  done
done
