#!/usr/bin/env bash
# Accuracy on the UCI Online Retail log, side by side in one run with the peers' reference
# script (../shared/peers/online_retail_implicit.py: implicit's ALS, cosine and BM25 item-item
# and popularity, tuned on the test period itself, so upper bounds for them).
#
# Kindred runs the same protocol with `kindred evaluate`: purchases with a customer,
# weight = lines per (customer, product) (purchase=1, return=0), no anonymous sessions,
# test period = the last 30 days, discovery protocol, recall@20 and NDCG@20. Twice: with the
# defaults, and with --tune (hyper-parameters chosen on the 30 days before the test period).
# Both runs include the row `default`: what `kindred train` would choose (the search, run on
# the 30 days before the test period), fitted on the training period and scored on the test.
#
# Usage: bench/accuracy.sh [PATH/online-retail.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/online-retail.sh
csv=$(online_retail_csv "${1:-}")
peer_script=${PEER_SCRIPT:-../shared/peers/online_retail_implicit.py}
python3 -c "import implicit" 2>/dev/null || pip install --quiet implicit==0.7.3 scipy numpy
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db="$work/or.sqlite"
import_online_retail "$kindred" "$db" "$csv" "$work"
protocol=(--weights purchase=1,return=0 --no-anonymous-sessions --relevant purchase --test-days 30 -k 20)
"$kindred" evaluate --db "$db" "${protocol[@]}" --json > "$work/defaults.json"
"$kindred" evaluate --db "$db" "${protocol[@]}" --tune --json > "$work/tuned.json"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 "$peer_script" "$csv" 2>/dev/null > "$work/peer.jsonl"

python3 - "$work/defaults.json" "$work/tuned.json" "$work/peer.jsonl" <<'PY'
import json, sys
defaults, tuned = (json.load(open(p)) for p in sys.argv[1:3])
peer = [json.loads(line) for line in open(sys.argv[3]) if line.startswith("{")]
split = peer[0]
print(f"Peer split: {split['users_evaluated']:,} users evaluated, {split['train_users']:,} training users, "
      f"{split['items']:,} products, {split['train_nnz']:,} training pairs, test after {split['cut']}.")
print(f"Kindred split: {defaults['evaluated_users']:,} users evaluated, {defaults['train_users']:,} users, "
      f"{defaults['items']:,} catalog items, {defaults['train_interactions']:,} training pairs.")
print()
print("| model | hyper-parameters chosen on | recall@20 | NDCG@20 |")
print("|---|---|---|---|")
for p in peer[1:]:
    params = ", ".join(f"{k}={v}" for k, v in p.items() if k not in ("model", "recall@20", "ndcg@20", "fit_s"))
    print(f"| peer: {p['model']} {params} | the test period | {p['recall@20']:.4f} | {p['ndcg@20']:.4f} |")
for label, report in (("defaults (none)", defaults), ("validation before the test period", tuned)):
    for r in report["results"]:
        params = ",".join(f"{k}={v:g}" for k, v in sorted(r["parameters"].items()) if k != "seed")
        m = r["metrics"]
        name = f"{r['algorithm']} ({r['chosen']})" if r.get("chosen") else r["algorithm"]
        print(f"| kindred: {name} {params} | {label} | {m['recall']:.4f} | {m['ndcg']:.4f} |")
for label, report in (("defaults (none)", defaults),):
    for r in report["results"]:
        if r.get("search"):
            s = r["search"]
            print(f"\nThe default row's search: {s['method']}; {s['configurations']} configurations, "
                  f"{s['fits']:.2f} fits, {s['seconds']:.1f} s; winner {s['winner']} "
                  + ",".join(f"{k}={v:g}" for k, v in sorted(s['winner_parameters'].items())))
PY
