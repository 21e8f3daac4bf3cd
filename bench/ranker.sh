#!/usr/bin/env bash
# The learned ranker (LambdaMART) beside LightGBM's lambdarank on the same lists, in one run.
#
# Online Retail imported as bench/accuracy.sh imports it, EASE trained with that protocol
# (purchase=1,return=0, no anonymous sessions, relevant = purchase, the last 30 days as
# validation); then `kindred ranker export` writes the lists (each validation person's top 200
# EASE candidates fitted before the cut, 30 features, label 1 when bought after it) and
# bench/ranker_peer.py fits LightGBM on them with the same trees, leaves, learning rate and leaf
# limits, while `kindred ranker train --early-stopping-rounds 0` fits Kindred on the very same
# lists (the "before" NDCG, the row and list counts must agree). Both on two threads; NDCG@10
# of the held-out lists by the same definition. Then the default (early stopping) as a user
# runs it; `kindred evaluate --algorithm default` without and with --ranker (what the ranker does
# to the test period's recall and NDCG); and `kindred latency` with the ranker off and on: the
# stage's cost on the serving path.
#
# Usage: bench/ranker.sh [PATH/online-retail.csv] [TREES]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/online-retail.sh
csv=$(online_retail_csv "${1:-}")
trees=${2:-100}
python3 -c "import lightgbm, sklearn" 2>/dev/null || pip install --quiet lightgbm==4.6.0 scikit-learn
source bench/lib/bench-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db="$work/or.sqlite"
import_online_retail "$kindred" "$db" "$csv" "$work"
protocol=(--weights purchase=1,return=0 --no-anonymous-sessions --relevant purchase --validation-days 30)
"$kindred" train --db "$db" --algorithm ease "${protocol[@]}" --json > "$work/train.json"
"$kindred" ranker export --db "$db" "${protocol[@]}" --trees "$trees" --out "$work/lists" --json > "$work/export.json"
python3 bench/ranker_peer.py "$work/lists" "$trees" > "$work/peer.json"
/usr/bin/time -f '%M' -o "$work/fixed.rss" \
  "$kindred" ranker train --db "$db" "${protocol[@]}" --trees "$trees" --early-stopping-rounds 0 --json > "$work/fixed.json"
# Where the two fits part, and the gains of the two splits there (bench/ranker_tie.py).
"$kindred" ranker show --db "$db" --json > "$work/fixed-trees.json"
python3 bench/ranker_tie.py "$work/lists" "$work/fixed-trees.json" > "$work/tie.json"
/usr/bin/time -f '%M' -o "$work/default.rss" "$kindred" ranker train --db "$db" "${protocol[@]}" --json > "$work/default.json"
eval_protocol=(--weights purchase=1,return=0 --no-anonymous-sessions --relevant purchase --test-days 30 -k 20)
"$kindred" evaluate --db "$db" "${eval_protocol[@]}" --algorithm default --json > "$work/default-row.json"
"$kindred" evaluate --db "$db" "${eval_protocol[@]}" --algorithm default --ranker --json > "$work/default-row-ranker.json"
"$kindred" settings set serving.ranker off --db "$db" >/dev/null
"$kindred" latency --db "$db" --requests 2000 --json > "$work/latency-off.json"
"$kindred" settings set serving.ranker on --db "$db" >/dev/null
"$kindred" latency --db "$db" --requests 2000 --json > "$work/latency-on.json"

python3 - "$work" <<'PY'
import json, sys, pathlib
work = pathlib.Path(sys.argv[1])
load = lambda name: json.load(open(work / name))
export, peer, fixed, default = load("export.json"), load("peer.json"), load("fixed.json"), load("default.json")
off, on = load("latency-off.json"), load("latency-on.json")
rss = lambda name: int(open(work / name).read().split()[-1]) / 1024
assert export["train_rows"] == peer["train_rows"] == fixed["train_rows"], "not the same lists"
assert abs(fixed["validation_ndcg_before"] - peer["ndcg10_before"]) < 1e-9, "not the same held-out lists"
print(f"Lists: {export['train_queries']:,} to learn from ({export['train_rows']:,} rows), "
      f"{export['validation_queries']:,} held out ({export['validation_rows']:,} rows), {len(export['features'])} features; "
      f"sha256 {export['sha256'][:16]}...")
print()
print("| ranker | trees | NDCG@10 held out (model order) | NDCG@10 held out (re-ranked) | fit s | peak RSS MB |")
print("|---|---|---|---|---|---|")
print(f"| LightGBM {peer['lightgbm_version']} lambdarank | {peer['trees']} | {peer['ndcg10_before']:.4f} | "
      f"{peer['ndcg10_after']:.4f} | {peer['fit_seconds']:.2f} | {peer['peak_rss_mb']:,} (Python process) |")
print(f"| Kindred LambdaMART, same settings | {fixed['trees']} | {fixed['validation_ndcg_before']:.4f} | "
      f"{fixed['validation_ndcg_after']:.4f} | {fixed['fit_seconds']:.2f} | {rss('fixed.rss'):,.0f} (whole command) |")
print(f"| Kindred LambdaMART, defaults (early stopping 20) | {default['trees']} of {default['rounds_run']} rounds | "
      f"{default['validation_ndcg_before']:.4f} | {default['validation_ndcg_after']:.4f} | {default['fit_seconds']:.2f} | "
      f"{rss('default.rss'):,.0f} (whole command) |")
ratio = fixed["validation_ndcg_after"] / peer["ndcg10_after"]
print(f"\nKindred / LightGBM NDCG@10 at {fixed['trees']} trees: {ratio:.6f}")
same = next((i for i, (a, b) in enumerate(zip(fixed["validation_curve"], peer["curve"])) if abs(a - b) > 1e-9), len(peer["curve"]))
print(f"The two validation curves are equal (to 1e-9) for the first {same} trees; "
      + (f"at tree {same + 1}: Kindred {fixed['validation_curve'][same]:.6f}, LightGBM {peer['curve'][same]:.6f}." if same < len(peer["curve"]) else "all of them."))
tie = load("tie.json")
if tie["first_differing_tree"] and not tie["splits"]:
    print(f"Scores of the training rows part after tree {tie['first_differing_tree']} ({tie['rows_differing']} rows) "
          "with the same splits: the leaves' values differ.")
elif tie["first_differing_tree"]:
    a, b = tie["splits"]
    print(f"Scores of the training rows part after tree {tie['first_differing_tree']} ({tie['rows_differing']} rows), on a leaf of "
          f"{tie['leaf_rows']} rows at depth {tie['leaf_depth']}: Kindred split on {a['feature']} (gain {a['gain_double']!r} in double, "
          f"{a['gain_float32']!r} in float32), LightGBM on {b['feature']} (gain {b['gain_double']!r} in double, {b['gain_float32']!r} in float32).")
for trees in (10, 20, 30, 50, 100):
    if trees <= len(peer["curve"]):
        a, b = fixed["validation_curve"][trees - 1], peer["curve"][trees - 1]
        print(f"  {trees} trees: Kindred {a:.4f}, LightGBM {b:.4f} ({(a / b - 1) * 100:+.1f}%)")
stage = default["stage"]
print(f"\nThe stage alone, in process (`kindred ranker train`'s report, defaults: {default['trees']} trees): "
      f"{stage['candidates']} candidates x {len(default['features'])} features re-ranked in {stage['p50_ms']:.3f} ms at p50, "
      f"{stage['p99_ms']:.3f} ms at p99, {stage['max_ms']:.3f} ms at most over {stage['lists']} held-out lists.")
print()
print("| `kindred evaluate --algorithm default` (bench/accuracy.sh's protocol) | recall@20 | NDCG@20 | the ranker's held-out NDCG@10 |")
print("|---|---|---|---|")
for name in ("default-row.json", "default-row-ranker.json"):
    row = load(name)["results"][0]
    r = row.get("ranker")
    held = f"{r['validation_ndcg_before']:.4f} -> {r['validation_ndcg_after']:.4f} ({'kept' if r['kept'] else 'not kept'}, {r['trees']} trees)" if r else "-"
    print(f"| default ({row['chosen']}) | {row['metrics']['recall']:.4f} | {row['metrics']['ndcg']:.4f} | {held} |")
print()
print("| `kindred latency` (2,000 requests, k = 10) | p50 ms | p90 ms | p99 ms | max ms |")
print("|---|---|---|---|---|")
for label, r in (("serving.ranker off", off), ("serving.ranker on", on)):
    print(f"| {label} | {r['p50_ms']:.3f} | {r['p90_ms']:.3f} | {r['p99_ms']:.3f} | {r['max_ms']:.3f} |")
PY
