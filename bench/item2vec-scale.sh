#!/usr/bin/env bash
# item2vec at the benchmark shop's size, beside ALS in the same run: 50,000 people, 100,000
# items, 2,000,000 events (`kindred generate`, sessions included). For each algorithm, with its
# defaults on two threads: `kindred train` (the fit, and the whole command's peak RSS), then
# `kindred latency` (recommendations for known people through the serving pipeline).
#
# Usage: bench/item2vec-scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/bench-shop.sh
source bench/lib/generated-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db="$work/shop.sqlite"
generated_shop "$kindred" "$work/shop" "$db" 50000 100000 2000000

for algorithm in item2vec als; do
  /usr/bin/time -f '%M %e' -o "$work/time-$algorithm" "$kindred" train --db "$db" --algorithm "$algorithm" --threads 2 \
    --validation-days 0 --margin 1 --json > "$work/train-$algorithm.json"
  "$kindred" latency --db "$db" --requests 2000 --json > "$work/latency-$algorithm.json"
done

python3 - "$work" <<'PY'
import json, sys, pathlib
work = pathlib.Path(sys.argv[1])
print("| algorithm | fit s | `kindred train` s | peak RSS MB | latency p50 ms | p99 ms |")
print("|---|---|---|---|---|---|")
for algorithm in ("item2vec", "als"):
    train = json.load(open(work / f"train-{algorithm}.json"))
    rss_kb, seconds = open(work / f"time-{algorithm}").read().split()[-2:]
    latency = json.load(open(work / f"latency-{algorithm}.json"))
    print(f"| {algorithm} | {train['fit_seconds']:.2f} | {float(seconds):.1f} | {int(rss_kb) / 1024:.0f} | "
          f"{latency['p50_ms']:.3f} | {latency['p99_ms']:.3f} |")
PY
