#!/usr/bin/env bash
# What `kindred train` costs by default, now that it searches, beside the single fit it replaced
# (`--algorithm hybrid`, the former default), in the same run: the benchmark shop's size, 50,000
# people, 100,000 items, 2,000,000 events (`kindred generate`), where EASE is beyond its
# max_items and the search is over hybrid, ALS and BM25 item-kNN. Per command: its seconds, peak
# RSS, the validation NDCG@20 of what it stored and (for the search) the winner and its fits.
#
# Usage: bench/search.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/bench-shop.sh
source bench/lib/generated-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db="$work/shop.sqlite"
generated_shop "$kindred" "$work/shop" "$db" 50000 100000 2000000

/usr/bin/time -f '%M %e' -o "$work/time-hybrid" "$kindred" train --db "$db" --algorithm hybrid --margin 1 --json > "$work/train-hybrid.json"
/usr/bin/time -f '%M %e' -o "$work/time-search" "$kindred" train --db "$db" --margin 1 --json > "$work/train-search.json"

python3 - "$work" <<'PY'
import json, sys, pathlib
work = pathlib.Path(sys.argv[1])
print("| `kindred train` | chose | s | peak RSS MB | validation NDCG@20 | recall@20 | fits |")
print("|---|---|---|---|---|---|---|")
for label, name in (("--algorithm hybrid (the former default)", "hybrid"), ("no flags (the search)", "search")):
    train = json.load(open(work / f"train-{name}.json"))
    rss_kb, seconds = open(work / f"time-{name}").read().split()[-2:]
    v = train.get("validation") or {}
    search = train.get("search")
    chose = train["algorithm"] + " " + ",".join(f"{k}={v:g}" for k, v in sorted(train["parameters"].items()) if k != "max_items")
    fits = f"{search['fits']:.2f} ({search['configurations']} configurations, {search['seconds']:.1f} s)" if search else "1"
    if search:
        budget = search.get("time_budget_seconds")
        fits += f"; time budget {budget:.0f} s, {search.get('cut_for_time', 0)} trials cut for time" if budget else "; no time budget"
    print(f"| {label} | {chose} | {float(seconds):.1f} | {int(rss_kb) / 1024:,.0f} | {v.get('ndcg', 0):.4f} | {v.get('recall', 0):.4f} | {fits} |")
PY
