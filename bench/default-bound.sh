#!/usr/bin/env bash
# The default beside the best single algorithm tuned on the same validation, shop by shop: for
# each shop, `kindred evaluate --tune` with the row `default` (what `kindred train` would choose,
# its search run on the validation period before the test period) and the algorithms the search
# chooses among (hybrid, ALS, BM25 item-kNN, EASE), each tuned on that same validation period.
# The gap is the default's NDCG@20 (and recall@20) against the best tuned row's, on the test
# period. Shops:
#   1. the sample shop (the database `kindred demo` builds from sample-data/, generated with
#      `kindred generate`'s defaults: 3,000 people, 1,000 products);
#   2. a larger generated shop: 20,000 people, 5,000 products, 600,000 events (seed 7);
#   3. UCI Online Retail with the protocol of bench/accuracy.sh, when the shared data is there.
# Usage: bench/default-bound.sh [PATH/online-retail.csv]   (KINDRED_BIN=path runs that binary)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/bench-shop.sh
source bench/lib/generated-shop.sh
source bench/lib/online-retail.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
compared=(--algorithm default --algorithm hybrid --algorithm als --algorithm item-knn-bm25 --algorithm ease)

"$kindred" demo --data sample-data --db "$work/sample.sqlite" > /dev/null
"$kindred" evaluate --db "$work/sample.sqlite" --tune "${compared[@]}" --json > "$work/sample.json"

generated_shop "$kindred" "$work/generated" "$work/generated.sqlite" 20000 5000 600000
"$kindred" evaluate --db "$work/generated.sqlite" --tune "${compared[@]}" --json > "$work/generated.json"

shops=(sample generated)
if csv=$(online_retail_csv "${1:-}" 2> /dev/null); then
  import_online_retail "$kindred" "$work/retail.sqlite" "$csv" "$work"
  "$kindred" evaluate --db "$work/retail.sqlite" --weights purchase=1,return=0 --no-anonymous-sessions --relevant purchase \
    --test-days 30 -k 20 --tune "${compared[@]}" --json > "$work/retail.json"
  shops+=(retail)
else
  echo "no Online Retail data: that shop is skipped" >&2
fi

python3 - "$work" "${shops[@]}" <<'PY'
import json, sys, pathlib
work = pathlib.Path(sys.argv[1])
names = {"sample": "sample shop", "generated": "generated shop (20,000 x 5,000)", "retail": "Online Retail"}
print("| shop | evaluated | default chose | default recall / NDCG | best tuned single | its recall / NDCG | NDCG gap | recall gap |")
print("|---|---|---|---|---|---|---|---|")
for shop in sys.argv[2:]:
    report = json.load(open(work / f"{shop}.json"))
    rows = report["results"]
    default = next(r for r in rows if r["algorithm"] == "default")
    singles = [r for r in rows if r["algorithm"] != "default"]
    best = max(singles, key=lambda r: (r["metrics"]["ndcg"], r["metrics"]["recall"]))
    def described(r):
        params = ",".join(f"{k}={v:g}" for k, v in sorted(r["parameters"].items()) if k not in ("seed",))
        name = r.get("search", {}).get("winner", r["algorithm"]) if r["algorithm"] == "default" else r["algorithm"]
        return f"{name} {params}"
    d, b = default["metrics"], best["metrics"]
    print(f"| {names[shop]} | {report['evaluated_users']:,} | {described(default)} | {d['recall']:.4f} / {d['ndcg']:.4f} | "
          f"{described(best)} | {b['recall']:.4f} / {b['ndcg']:.4f} | {100 * (d['ndcg'] / b['ndcg'] - 1):+.1f}% | "
          f"{100 * (d['recall'] / b['recall'] - 1):+.1f}% |")
print()
for shop in sys.argv[2:]:
    rows = json.load(open(work / f"{shop}.json"))["results"]
    search = next(r for r in rows if r["algorithm"] == "default").get("search", {})
    print(f"- {names[shop]}: {search.get('method', '?')}; {search.get('configurations', '?')} configurations, "
          f"{search.get('left_out', 0)} left out, {search.get('seconds', 0):.1f} s")
PY
