#!/usr/bin/env bash
# Training speed and query latency, side by side with the Python `implicit` library in one
# run, on synthetic shops written by `kindred generate` (power-law popularity, latent tastes):
# 50,000 users x 20,000 items x 2,000,000 events, and the same with 100,000 items.
#
# Both sides train on the same matrix: bench/peer_implicit.py reads the generated files and
# applies Kindred's default event weights; both print the number of user-item pairs.
# Kindred: `kindred train` (read from SQLite, fit, write weights) and `kindred latency`
# (in-process queries with filters), twice: with ALS alone (the like-for-like row beside the
# peer), and as a user runs it, a plain `kindred train` (the default hybrid: ALS plus content
# similarity, with its validation split and activation rule). implicit:
# AlternatingLeastSquares(use_cg=True).fit and single-user recommend calls. 64 factors, 15
# iterations, 2 threads.
#
# Usage: bench/recommender.sh [items ...]   (default: 20000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(20000 100000)
python3 -c "import implicit" 2>/dev/null || pip install --quiet implicit==0.7.3 scipy numpy threadpoolctl
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| items | side | user-item pairs | fit s | whole train s | peak RSS | query p50 ms | query p99 ms | validation ndcg@20 |"
echo "|---|---|---|---|---|---|---|---|---|"
for items in "${sizes[@]}"; do
  shop="$work/shop-$items"
  "$kindred" generate --out "$shop" --users 50000 --items "$items" --events 2000000 >/dev/null
  db="$work/k-$items.sqlite"
  "$kindred" init --db "$db" >/dev/null
  "$kindred" import catalog "$shop/catalog.csv" --db "$db" >/dev/null
  for f in "$shop"/events-*.csv "$shop"/events-recent.jsonl; do "$kindred" import events "$f" --db "$db" >/dev/null; done

  cp "$db" "$work/default-$items.sqlite"; cp "$db.key" "$work/default-$items.sqlite.key"
  /usr/bin/time -f "%M" -o "$work/rss" "$kindred" train --db "$db" --algorithm als \
    --params factors=64,iterations=15,regularization=0.1,alpha=1 --validation-days 0 --no-anonymous-sessions --threads 2 --json > "$work/train.json"
  latency=$("$kindred" latency --db "$db" --requests 5000 --json)
  # The default, as `kindred train` runs with no options.
  /usr/bin/time -f "%M" -o "$work/rss-default" "$kindred" train --db "$work/default-$items.sqlite" --json > "$work/train-default.json"
  latency_default=$("$kindred" latency --db "$work/default-$items.sqlite" --requests 5000 --json)
  # implicit, on the same files; OpenBLAS settings of this workplace are lifted for the peer
  # alone, as its docs advise for benchmarking numpy.
  peer=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/peer_implicit.py "$shop" 64 15 2 5000 2>/dev/null | tail -1)

  python3 - "$items" "$work/train.json" "$work/rss" "$latency" "$peer" "$work/train-default.json" "$work/rss-default" "$latency_default" <<'PY'
import json, sys
items, train_path, rss_path, latency, peer, default_path, default_rss_path, default_latency = sys.argv[1:]
t = json.load(open(train_path)); l = json.loads(latency); p = json.loads(peer)
d = json.load(open(default_path)); dl = json.loads(default_latency)
rss = int(open(rss_path).read().strip()) // 1024
drss = int(open(default_rss_path).read().strip()) // 1024
print(f"| {int(items):,} | kindred als | {t['interactions']:,} | {t['fit_seconds']:.2f} | {t['training_seconds']:.2f} | {rss} MiB | {l['p50_ms']:.3f} | {l['p99_ms']:.3f} | (not validated) |")
print(f"| {int(items):,} | kindred default ({d['algorithm']}, with validation) | {d['interactions']:,} | {d['fit_seconds']:.2f} | {d['training_seconds']:.2f} | {drss} MiB | {dl['p50_ms']:.3f} | {dl['p99_ms']:.3f} | {d.get('validation', {}).get('ndcg', float('nan')):.6f} |")
print(f"| {int(items):,} | implicit 0.7.3 | {p['nnz']:,} | {p['fit_s']:.2f} | (fit only) | | {p['recommend_p50_ms']:.3f} | {p['recommend_p99_ms']:.3f} | |")
print(f"| {int(items):,} | ratio | | {t['fit_seconds'] / p['fit_s']:.2f}x | {t['training_seconds'] / p['fit_s']:.2f}x of implicit's fit | | | | |", file=sys.stdout)
PY
done
echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(swift --version 2>/dev/null | head -1)"
