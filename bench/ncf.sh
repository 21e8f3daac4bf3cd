#!/usr/bin/env bash
# Neural collaborative filtering (`--algorithm ncf`) beside the matrix factorizations in the
# same run, on two threads:
#
# 1. Accuracy on the UCI Online Retail log, the protocol of bench/accuracy.sh (purchases with a
#    customer, the last 30 days as test, discovery, recall@20 and NDCG@20): ncf, bpr and als with
#    their defaults, then with --tune (hyper-parameters chosen on the 30 days before the test
#    period), each with its fit time.
# 2. Serving cost on the same log: `kindred train` with the defaults, then `kindred latency`
#    (recommendations for known people through the serving pipeline, and how much of the
#    exhaustive top 10 the candidate path returns), for ncf and for als.
# 3. The same at the benchmark shop's size: 50,000 people, 100,000 items, 2,000,000 events
#    (`kindred generate`), with the whole `kindred train` command's peak RSS.
#
# Usage: bench/ncf.sh [PATH/online-retail.csv]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/online-retail.sh
csv=$(online_retail_csv "${1:-}")
source bench/lib/bench-shop.sh
source bench/lib/generated-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

retail="$work/or.sqlite"
import_online_retail "$kindred" "$retail" "$csv" "$work"
protocol=(--weights purchase=1,return=0 --no-anonymous-sessions --relevant purchase --test-days 30 -k 20)
"$kindred" evaluate --db "$retail" "${protocol[@]}" --algorithm ncf --algorithm bpr --algorithm als --json > "$work/defaults.json"
"$kindred" evaluate --db "$retail" "${protocol[@]}" --algorithm ncf --algorithm bpr --algorithm als --tune --json > "$work/tuned.json"

# Train and measure serving: DB LABEL ALGORITHM...
serve_cost() {
  local db=$1 label=$2
  shift 2
  local algorithm
  for algorithm in "$@"; do
    /usr/bin/time -f '%M %e' -o "$work/time-$label-$algorithm" "$kindred" train --db "$db" --algorithm "$algorithm" \
      --threads 2 --validation-days 0 --margin 1 --json > "$work/train-$label-$algorithm.json"
    "$kindred" latency --db "$db" --requests 2000 --json > "$work/latency-$label-$algorithm.json"
  done
}
serve_cost "$retail" retail ncf als
shop="$work/shop.sqlite"
generated_shop "$kindred" "$work/shop" "$shop" 50000 100000 2000000
serve_cost "$shop" shop ncf als

python3 - "$work" <<'PY'
import json, sys, pathlib
work = pathlib.Path(sys.argv[1])
print("| algorithm | hyper-parameters chosen on | recall@20 | NDCG@20 | fit s |")
print("|---|---|---|---|---|")
for label, name in (("defaults (none)", "defaults"), ("validation before the test period", "tuned")):
    report = json.load(open(work / f"{name}.json"))
    for r in report["results"]:
        params = ",".join(f"{k}={v:g}" for k, v in sorted(r["parameters"].items()) if k != "seed")
        m = r["metrics"]
        print(f"| {r['algorithm']} {params} | {label} | {m['recall']:.4f} | {m['ndcg']:.4f} | {r['fit_seconds']:.2f} |")
print()
print("| data | algorithm | items | fit s | `kindred train` s | peak RSS MB | latency p50 ms | p99 ms | candidate overlap |")
print("|---|---|---|---|---|---|---|---|---|")
for label, data in (("retail", "Online Retail"), ("shop", "generated shop")):
    for algorithm in ("ncf", "als"):
        train = json.load(open(work / f"train-{label}-{algorithm}.json"))
        rss_kb, seconds = open(work / f"time-{label}-{algorithm}").read().split()[-2:]
        latency = json.load(open(work / f"latency-{label}-{algorithm}.json"))
        print(f"| {data} | {algorithm} | {train['items']:,} | {train['fit_seconds']:.2f} | {float(seconds):.1f} | "
              f"{int(rss_kb) / 1024:.0f} | {latency['p50_ms']:.3f} | {latency['p99_ms']:.3f} | "
              f"{latency['candidate_overlap']:.3f} |")
PY
