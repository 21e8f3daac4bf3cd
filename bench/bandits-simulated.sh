#!/usr/bin/env bash
# The contextual bandits in the simulator: the sample shop (`kindred demo`) is copied once per
# policy and each copy serves the same simulated visitors (same seed) for several days, the
# bandit learning after every batch of 20 visits as the server's updater would. The simulated
# visitors click with a probability that depends on their true taste for the item and on its
# position; the model alone (exploration off) is the peer every policy is measured beside.
# Reported per policy: click rate per displayed place, day by day and over the whole run.
# Then off-policy evaluation on the Thompson sampling run's own log estimates the model alone
# (greedy) and the contextual bandit's learned state, beside their on-policy truths.
#
# Usage: bench/bandits-simulated.sh [days, default 3] [visitors per day, default 3000]
set -euo pipefail
cd "$(dirname "$0")/.."
days=${1:-3}
visitors=${2:-3000}
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && "$kindred" demo >/dev/null)
policies="off epsilon-0.1 contextual softmax linucb thompson thompson-1"
for run in $policies; do
  mkdir -p "$work/$run"
  cp "$work/kindred-demo.sqlite" "$work/$run/shop.sqlite"
  cp "$work/kindred-demo.sqlite.key" "$work/$run/shop.sqlite.key"
  db="$work/$run/shop.sqlite"
  case "$run" in
    off) ;;
    epsilon-0.1) "$kindred" settings set exploration.recommendations.epsilon 0.1 --db "$db" >/dev/null ;;
    thompson-1)
      "$kindred" settings set exploration.recommendations.policy thompson --db "$db" >/dev/null
      "$kindred" settings set exploration.recommendations.scale 1 --db "$db" >/dev/null ;;
    *) "$kindred" settings set exploration.recommendations.policy "$run" --db "$db" >/dev/null ;;
  esac
  start=$(date +%s.%N)
  "$kindred" simulate --shop sample-data --db "$db" --days "$days" --visitors "$visitors" --seed 7 --json > "$work/$run/simulate.json"
  echo "$(date +%s.%N) - $start" | bc > "$work/$run/seconds"
  # Places shown per day and those clicked (by the list's request id); the simulated days are the last ones.
  sqlite3 "$db" "SELECT date(shown_at), count(*), sum(clicks > 0) FROM impression_outcomes
                 WHERE surface = 'recommendations' GROUP BY 1 ORDER BY 1" > "$work/$run/daily.txt"
  sqlite3 "$db" "SELECT coalesce(sum(displays), 0), coalesce(sum(outcomes), 0) FROM bandit_versions" > "$work/$run/bandit.txt"
done
thompson="$work/thompson/shop.sqlite"
for target in greedy bandit:contextual; do
  "$kindred" policies evaluate --db "$thompson" --target "$target" --json > "$work/estimate-$target.json"
done
python3 - "$work" "$policies" "$days" <<'PY'
import json, sys
work, policies, days = sys.argv[1], sys.argv[2].split(), int(sys.argv[3])
def daily(run):
    rows = [line.split("|") for line in open(f"{work}/{run}/daily.txt").read().split()]
    return rows[-days:]
print("| policy | " + " | ".join(f"day {d + 1} click rate" for d in range(days)) + " | all days | relative to off | places | displays, outcomes folded | seconds |")
print("|---|" + "---:|" * days + "---:|---:|---:|---|---:|")
base = None
results = {}
for run in policies:
    rows = daily(run)
    places = sum(int(r[1]) for r in rows)
    clicks = sum(int(r[2]) for r in rows)
    rate = clicks / places
    results[run] = (rate, places)
    if run == "off": base = rate
    displays, outcomes = open(f"{work}/{run}/bandit.txt").read().strip().split("|")
    seconds = float(open(f"{work}/{run}/seconds").read())
    per_day = " | ".join(f"{int(r[2]) / int(r[1]):.4f}" for r in rows)
    print(f"| {run} | {per_day} | {rate:.4f} | {rate / base:.3f} | {places:,} | {int(displays):,}, {int(outcomes):,} | {seconds:.0f} |")
print()
print("Off-policy estimates on the thompson run's own log, beside each target's on-policy run:")
print()
print("| target | truth (its own run) | estimator | estimate | 95% interval | covers |")
print("|---|---:|---|---:|---|---|")
for target, truth_run in [("greedy", "off"), ("bandit:contextual", "contextual")]:
    r = json.load(open(f"{work}/estimate-{target}.json"))
    truth = results[truth_run][0]
    for est in ["ips", "snips", "dm", "dr"]:
        e = r[est]
        covers = "yes" if e["ci_low"] <= truth <= e["ci_high"] else "no"
        print(f"| {r['target']} | {truth:.4f} | {est} | {e['value']:.4f} | {e['ci_low']:.4f} to {e['ci_high']:.4f} | {covers} |")
    print(f"| | | ess {r['ess']:.0f} of {r['log']['rounds']:,}, max weight {r['max_weight']:.1f} | | | |")
PY
