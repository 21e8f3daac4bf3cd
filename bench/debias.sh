#!/usr/bin/env bash
# What the long-tail quota (serving.long_tail_share) costs in accuracy and buys in exposure, on
# the UCI Online Retail log with the default algorithm: for each share, `kindred evaluate`
# (NDCG@10, recall@10 on the last 30 days, the quota applied as serving applies it) beside
# `kindred audit bias` of the same configuration (long-tail share of places, exposure Gini,
# coverage, mean recommended popularity, the NDCG gap between countries). Share 0 is the peer:
# the same model without the quota, in the same run.
#
# Usage: bench/debias.sh [PATH/online-retail.csv]   (SHARES="0 0.1 0.2 0.3 0.5")
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/online-retail.sh
csv=$(online_retail_csv "${1:-}")
shares=${SHARES:-0 0.1 0.2 0.3 0.5}
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/or.sqlite"
import_online_retail "$kindred" "$db" "$csv" "$work"
"$kindred" train --db "$db" --json > "$work/train.json"
algorithm=$(python3 -c "import json; print(json.load(open('$work/train.json'))['algorithm'])")
for share in $shares; do
  "$kindred" settings set serving.long_tail_share "$share" --db "$db" >/dev/null
  "$kindred" evaluate --db "$db" --algorithm "$algorithm" -k 10 --json > "$work/evaluate-$share.json"
  "$kindred" audit bias --db "$db" -k 10 --json > "$work/bias-$share.json"
done
python3 - "$work" "$algorithm" $shares <<'PY'
import json, sys
work, algorithm, shares = sys.argv[1], sys.argv[2], sys.argv[3:]
print(f"algorithm {algorithm} (the default `kindred train` chose), lists of 10, last 30 days held out")
print()
print("| long-tail share asked | ndcg@10 | recall@10 | long tail of places | exposure Gini | coverage | mean popularity shown | ndcg gap by country |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for share in shares:
    e = json.load(open(f"{work}/evaluate-{share}.json"))
    m = [r for r in e["results"] if r["algorithm"] == algorithm][0]["metrics"]
    b = json.load(open(f"{work}/bias-{share}.json"))
    p = b["popularity"]
    gap = [g for g in b["accuracy_gaps"] if g["grouping"] == "country"][0]
    print(f"| {share} | {m['ndcg']:.4f} | {m['recall']:.4f} | {p['long_tail_share']:.3f} | {p['exposure_gini']:.3f} | "
          f"{p['coverage']:.3f} | {p['mean_recommended_popularity']:.1f} | {gap['ndcg_gap']:.4f} ({gap['ndcg_gap_low']:.4f} to {gap['ndcg_gap_high']:.4f}) |")
PY
