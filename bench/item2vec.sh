#!/usr/bin/env bash
# item2vec beside gensim's Word2Vec on the UCI Online Retail log, in one run: invoices as
# sessions, the last 30 days' invoices walked step by step, each step a -> b a hit when b is
# among the model's k most similar items to a (`kindred evaluate --task next-item`; the peer is
# bench/item2vec_peer.py, which builds the same sessions from the CSV and says how many).
# Both train with the same hyper-parameters on two threads; each negative-sampling exponent in
# EXPONENTS is one fit on each side.
#
# Usage: bench/item2vec.sh [PATH/online-retail.csv]   (EXPONENTS=0.75,0,-0.5  K=20)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/online-retail.sh
csv=$(online_retail_csv "${1:-}")
exponents=${EXPONENTS:-0.75,0,-0.5}
k=${K:-20}
python3 -c "import gensim" 2>/dev/null || pip install --quiet gensim==4.4.0
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db="$work/or.sqlite"
import_online_retail "$kindred" "$db" "$csv" "$work"

# Same machine, same moment: each side's fits one after the other, never side by side.
common=(factors=64 window=5 negatives=5 subsampling=0.001 epochs=10 learning_rate=0.025)
IFS=, read -ra list <<<"$exponents"
for e in "${list[@]}"; do
  params=$(IFS=,; echo "${common[*]},negative_exponent=$e")
  /usr/bin/time -f '%M' -o "$work/rss-$e" "$kindred" evaluate --db "$db" --task next-item -k "$k" --threads 2 \
    --algorithm item2vec --params "$params" --json > "$work/kindred-$e.json"
done
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -f '%M' -o "$work/rss-peer" \
  python3 bench/item2vec_peer.py "$csv" --k "$k" --workers 2 --exponents "$exponents" > "$work/peer.jsonl"

python3 - "$work" "$exponents" "$k" <<'PY'
import json, sys, pathlib
work, exponents, k = pathlib.Path(sys.argv[1]), sys.argv[2].split(","), sys.argv[3]
peer = [json.loads(l) for l in open(work / "peer.jsonl")]
split, runs = peer[0], {float(r["negative_exponent"]): r for r in peer[1:]}
first = json.load(open(work / f"kindred-{exponents[0]}.json"))
r0 = first["results"][0]["metrics"]
print(f"gensim {split['gensim']}; cut {split['cut']}")
print(f"sessions: kindred {first['train_sequences']:,} training ({first['train_tokens']:,} items, {first['vocabulary']:,} distinct), "
      f"{first['test_sequences']:,} test, {r0['pairs']:,} steps ({r0['skipped_pairs']:,} skipped)")
print(f"sessions: gensim  {split['train_sequences']:,} training ({split['train_tokens']:,} items, {split['vocabulary']:,} distinct), "
      f"{split['test_sequences']:,} test, {runs[float(exponents[0])]['pairs']:,} steps ({runs[float(exponents[0])]['skipped_pairs']:,} skipped)")
print()
print(f"| negative exponent | Kindred HR@{k} | gensim HR@{k} | Kindred / gensim | Kindred MRR@{k} | gensim MRR@{k} | Kindred fit s | gensim fit s |")
print("|---|---|---|---|---|---|---|---|")
for e in exponents:
    ours = json.load(open(work / f"kindred-{e}.json"))["results"][0]
    theirs = runs[float(e)]
    m = ours["metrics"]
    print(f"| {e} | {m['hit_rate']:.4f} | {theirs['hit_rate']:.4f} | {m['hit_rate'] / theirs['hit_rate']:.3f} | "
          f"{m['mrr']:.4f} | {theirs['mrr']:.4f} | {ours['fit_seconds']:.2f} | {theirs['fit_s']:.2f} |")
rss = [int(open(work / f"rss-{e}").read().split()[-1]) for e in exponents]
print(f"\npeak RSS: kindred evaluate {max(rss) / 1024:.0f} MB (whole command), peer script {int(open(work / 'rss-peer').read().split()[-1]) / 1024:.0f} MB")
PY
