#!/usr/bin/env bash
# The default `kindred train` (the search) with its time budget (24 x one fit of hybrid's
# defaults, at least 30 s) beside the same search with no time limit (--budget-time 0), in the
# same run, on two threads: what the budget saves, and whether it changes the winner.
#
# 1. Online Retail as bench/accuracy.sh imports it (4,070 products: EASE is cheap).
# 2. A generated shop where EASE is dear: 20,000 people, 15,000 products, 600,000 events
#    (`kindred generate`); an EASE fit holds 1.7 GB and takes about a minute here.
#
# Usage: bench/search-budget.sh [PATH/online-retail.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/online-retail.sh
csv=$(online_retail_csv "${1:-}")
source bench/lib/bench-shop.sh
source bench/lib/generated-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

import_online_retail "$kindred" "$work/retail.sqlite" "$csv" "$work"
generated_shop "$kindred" "$work/shop" "$work/shop.sqlite" 20000 15000 600000

for data in retail shop; do
  for budget in 0 24; do
    cp "$work/$data.sqlite" "$work/run.sqlite"
    cp "$work/$data.sqlite.key" "$work/run.sqlite.key"
    /usr/bin/time -f '%M %e' -o "$work/time-$data-$budget" "$kindred" train --db "$work/run.sqlite" --threads 2 \
      --budget-time "$budget" --json > "$work/train-$data-$budget.json"
  done
done

python3 - "$work" <<'PY'
import json, sys, pathlib
work = pathlib.Path(sys.argv[1])
print("| data | time budget | budget s | search s | trials | cut for time | winner | validation NDCG | `kindred train` s | peak RSS MB |")
print("|---|---|---|---|---|---|---|---|---|---|")
for data, label in (("retail", "Online Retail"), ("shop", "generated, 15,000 items")):
    for budget in ("0", "24"):
        train = json.load(open(work / f"train-{data}-{budget}.json"))
        search = train["search"]
        rss_kb, seconds = open(work / f"time-{data}-{budget}").read().split()[-2:]
        params = ",".join(f"{k}={v:g}" for k, v in sorted(search["winner_parameters"].items()) if k != "seed")
        ndcg = (train.get("validation") or {}).get("ndcg", float("nan"))
        limit = search.get("time_budget_seconds")
        print(f"| {label} | {'none' if budget == '0' else budget + ' x one fit'} | {'-' if limit is None else f'{limit:.1f}'} | "
              f"{search['seconds']:.1f} | {len(search['trials'])} | {search.get('cut_for_time', 0)} | {search['winner']} {params} | "
              f"{ndcg:.4f} | {float(seconds):.1f} | {int(rss_kb) / 1024:,.0f} |")
PY
