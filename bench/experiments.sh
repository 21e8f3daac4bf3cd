#!/usr/bin/env bash
# Experiments, release build:
#   1. error rates of the tests on 20,000 simulated A/A experiments (14 days of 500 people per
#      variant, conversion 5%), looked at once and every day (`kindred experiments calibrate`),
#      beside the same simulation in numpy with statsmodels and gbstats (bench/peer_aa.py);
#   2. power at the planned size: `kindred experiments plan` for +20% on 5%, then 5,000
#      simulated experiments of that size with that true lift;
#   3. `kindred simulate` on the demo shop from sample-data/ (`kindred demo`): 10,000 visitors
#      in a day with an experiment running (popularity against the shop's hybrid model),
#      beside the same day with no experiment;
#   4. `kindred experiments report` on what 3 left, beside `kindred experiments list` (the
#      same process start and database open, without the statistics).
#
# Usage: bench/experiments.sh   (needs numpy, statsmodels, gbstats==0.8.0 for the peer)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== 1. A/A error rates, 20,000 experiments"
/usr/bin/time -f "kindred: %e s, %M KB peak" "$kindred" experiments calibrate --experiments 20000 --days 14 --people-per-day 500 --baseline 0.05 --json \
  | python3 -c "import json,sys; r=json.load(sys.stdin)['rates']; print('kindred', json.dumps(r))"
/usr/bin/time -f "peer: %e s" python3 bench/peer_aa.py --experiments 20000 --days 14 --people-per-day 500 --baseline 0.05

echo "== 2. power at the planned size"
people=$("$kindred" experiments plan --baseline 0.05 --lift 0.2 --power 0.8 --db "$work/none.sqlite" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['people_per_variant'])")
echo "plan: $people people per variant for +20% on 5% at 80% power"
"$kindred" experiments calibrate --experiments 5000 --days 1 --people-per-day "$people" --baseline 0.05 --lift 0.2 --json \
  | python3 -c "import json,sys; r=json.load(sys.stdin)['rates']; print('power (fixed, looked at once):', r['fixed_once'])"

echo "== 3. a simulated day of 10,000 visitors"
"$kindred" demo --db "$work/plain.sqlite" >/dev/null
"$kindred" backup "$work/experiment.sqlite" --db "$work/plain.sqlite" >/dev/null
cp "$work/plain.sqlite.key" "$work/experiment.sqlite.key"
"$kindred" experiments create home-recs --variant control=algorithm:popularity --variant personal=default --db "$work/experiment.sqlite" >/dev/null
/usr/bin/time -f "with the experiment: %e s, %M KB peak" "$kindred" simulate --shop sample-data --days 1 --visitors 10000 --db "$work/experiment.sqlite"
/usr/bin/time -f "without: %e s, %M KB peak" "$kindred" simulate --shop sample-data --days 1 --visitors 10000 --db "$work/plain.sqlite"

echo "== 4. the report"
for run in 1 2 3; do
  /usr/bin/time -f "report: %e s" "$kindred" experiments report home-recs --db "$work/experiment.sqlite" > "$work/report.txt"
  /usr/bin/time -f "list: %e s" "$kindred" experiments list --db "$work/experiment.sqlite" >/dev/null
done
cat "$work/report.txt"
