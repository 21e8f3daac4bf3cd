#!/usr/bin/env bash
# The learned ranker trained on the shop's own logged lists, judged by simulated visitors: the
# sample shop (`kindred demo`) serves a logging day with epsilon-greedy exploration (every
# explored place logs its probability), then the database is copied once per ranker and each
# copy serves the same simulated visitors (same seed) for the next day with exploration off:
#   model      no ranker: the model's own order (the peer every ranker is measured beside);
#   purchases  `kindred ranker train --from purchases`: each person's candidates, labelled by
#              what they bought or carted after the cut;
#   impressions-clip-C  `--from impressions --propensity-clip C` for each C of $CLIPS
#              (default "1 10"; 10 is the default clip): the logged lists, graded by click,
#              cart and purchase, an explored outcome weighing 1 / its probability, at most C
#              (clip 1: every row weighs 1).
# The visitors click, cart and buy with probabilities from their true tastes and the item's
# position, so the on-policy rates of the second day are the truth each ranker is judged by.
# Reported per arm: whether `ranker train` kept the trees (held-out NDCG before and after),
# places shown, clicks, carts and purchases that carry the list's request id, per place.
#
# Usage: bench/ranker-impressions.sh [visitors per day, default 3000] [epsilon, default 0.2]
#        (KINDRED_BIN: the binary to measure; CLIPS: the propensity clips to try)
set -euo pipefail
cd "$(dirname "$0")/.."
visitors=${1:-3000}
epsilon=${2:-0.2}
source bench/lib/bench-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && "$kindred" demo >/dev/null)
db="$work/kindred-demo.sqlite"
"$kindred" settings set exploration.recommendations.epsilon "$epsilon" --db "$db" >/dev/null
"$kindred" simulate --shop sample-data --db "$db" --days 1 --visitors "$visitors" --seed 7 --json > "$work/logging.json"
"$kindred" settings set exploration.recommendations.epsilon 0 --db "$db" >/dev/null
sqlite3 "$db" "SELECT count(*), sum(explored), sum(clicks > 0), sum(carts > 0), sum(purchases > 0) FROM impression_outcomes
               WHERE surface = 'recommendations'" > "$work/logged.txt"

clips=${CLIPS:-1 10}
arms="model purchases"
for clip in $clips; do arms="$arms impressions-clip-$clip"; done
for arm in $arms; do
  mkdir -p "$work/$arm"
  cp "$db" "$work/$arm/shop.sqlite"
  cp "$db.key" "$work/$arm/shop.sqlite.key"
  copy="$work/$arm/shop.sqlite"
  case "$arm" in
    model) echo '{}' > "$work/$arm/ranker.json" ;;
    purchases) "$kindred" ranker train --from purchases --db "$copy" --json > "$work/$arm/ranker.json" ;;
    impressions-clip-*)
      "$kindred" ranker train --from impressions --propensity-clip "${arm#impressions-clip-}" --db "$copy" --json > "$work/$arm/ranker.json" ;;
  esac
  # The second day only: impressions after the logging day's last one.
  last=$(sqlite3 "$copy" "SELECT coalesce(max(impression_pk), 0) FROM impressions")
  "$kindred" simulate --shop sample-data --db "$copy" --days 1 --visitors "$visitors" --seed 8 --json > "$work/$arm/simulate.json"
  sqlite3 "$copy" "SELECT count(*), sum(o.clicks > 0), sum(o.carts > 0), sum(o.purchases > 0)
                   FROM impression_outcomes AS o JOIN impressions AS i USING (request_id)
                   WHERE o.surface = 'recommendations' AND i.impression_pk > $last" > "$work/$arm/day.txt"
done

python3 - "$work" "$epsilon" $arms <<'PY'
import json, math, sys
work, epsilon, arms = sys.argv[1], sys.argv[2], sys.argv[3:]
shown, explored, clicks, carts, buys = map(int, open(f"{work}/logged.txt").read().strip().split("|"))
print(f"logging day (epsilon {epsilon}): {shown} places shown, {explored} explored; "
      f"{clicks} clicked, {carts} carted, {buys} bought from the list")
print()
print("| ranker | learnt from | kept | held-out NDCG@10 before -> after | rows weighted | places | clicks/place | 95% interval | carts/place | purchases/place |")
print("|---|---|---|---|---:|---:|---:|---|---:|---:|")
base = None
for arm in arms:
    r = json.load(open(f"{work}/{arm}/ranker.json"))
    places, c, a, b = (int(x or 0) for x in open(f"{work}/{arm}/day.txt").read().strip().split("|"))
    rate = c / places
    half = 1.96 * math.sqrt(rate * (1 - rate) / places)
    if arm == "model":
        learnt, kept, ndcg, weighted = "-", "-", "-", "-"
    else:
        learnt = f"{r['source']} ({r['train_queries']} + {r['validation_queries']} lists)"
        kept = "yes" if r["kept"] else "no"
        ndcg = f"{r['validation_ndcg_before']:.4f} -> {r['validation_ndcg_after']:.4f}"
        weighted = str(r.get("weighted_rows", 0))
    print(f"| {arm} | {learnt} | {kept} | {ndcg} | {weighted} | {places} | {rate:.4f} | {rate - half:.4f} to {rate + half:.4f} | "
          f"{a / places:.4f} | {b / places:.4f} |")
print()
for arm in arms:
    note = json.load(open(f"{work}/{arm}/ranker.json")).get("position_bias_note")
    if note:
        print(f"{arm}: positions: {note}")
PY
