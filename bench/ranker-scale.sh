#!/usr/bin/env bash
# The learned ranker on a large generated shop: how many lists, how long, how much memory.
# A shop from `kindred generate` (20,000 people, 100,000 items, 600,000 events by default);
# BM25 item-kNN trained with a 30-day validation period, then `kindred ranker train` with its
# defaults (200 candidates, 30 features, early stopping), its peak RSS measured by
# /usr/bin/time, and the report's stage timing. Beside it, in the same run, the same
# command's lists exported (`kindred ranker export`) and fitted by LightGBM (bench/ranker_peer.py)
# with the same trees Kindred kept.
#
# Usage: bench/ranker-scale.sh [PEOPLE] [ITEMS] [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
people=${1:-20000}
items=${2:-100000}
events=${3:-600000}
python3 -c "import lightgbm, sklearn" 2>/dev/null || pip install --quiet lightgbm==4.6.0 scikit-learn
source bench/lib/bench-shop.sh
source bench/lib/generated-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db="$work/shop.sqlite"
generated_shop "$kindred" "$work/shop" "$db" "$people" "$items" "$events"
"$kindred" train --db "$db" --algorithm item-knn-bm25 --validation-days 30 --json > "$work/train.json"
/usr/bin/time -f '%M %e' -o "$work/ranker.time" "$kindred" ranker train --db "$db" --json > "$work/ranker.json"
trees=$(python3 -c "import json; print(max(1, json.load(open('$work/ranker.json'))['trees']))")
/usr/bin/time -f '%M %e' -o "$work/export.time" "$kindred" ranker export --db "$db" --out "$work/lists" --json > "$work/export.json"
python3 bench/ranker_peer.py "$work/lists" "$trees" > "$work/peer.json"

python3 - "$work" <<'PY'
import json, sys, pathlib
work = pathlib.Path(sys.argv[1])
train, ranker, export, peer = (json.load(open(work / n)) for n in ("train.json", "ranker.json", "export.json", "peer.json"))
rss, seconds = open(work / "ranker.time").read().split()[-2:]
stage = ranker["stage"]
print(f"Shop: {train['users']:,} people, {train['items']:,} items; lists: {ranker['train_queries']:,} learnt from "
      f"({ranker['train_rows']:,} rows), {ranker['validation_queries']:,} held out.")
print()
print("| | trees | NDCG@10 held out, model order -> re-ranked | fit s | command s | peak RSS MB |")
print("|---|---|---|---|---|---|")
print(f"| `kindred ranker train` (defaults) | {ranker['trees']} of {ranker['rounds_run']} rounds | "
      f"{ranker['validation_ndcg_before']:.4f} -> {ranker['validation_ndcg_after']:.4f} ({'kept' if ranker['kept'] else 'not kept'}) | "
      f"{ranker['fit_seconds']:.2f} | {float(seconds):.1f} | {int(rss) / 1024:,.0f} |")
print(f"| LightGBM {peer['lightgbm_version']}, same lists and trees | {peer['trees']} | "
      f"{peer['ndcg10_before']:.4f} -> {peer['ndcg10_after']:.4f} | {peer['fit_seconds']:.2f} | - | {peer['peak_rss_mb']:,} (Python) |")
print(f"\nThe stage in process: {stage['candidates']} candidates re-ranked in {stage['p50_ms']:.3f} ms at p50, "
      f"{stage['p99_ms']:.3f} ms at p99 over {stage['lists']} held-out lists.")
PY
