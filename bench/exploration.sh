#!/usr/bin/env bash
# Off-policy evaluation on the shop's own exploring lists, checked in the simulator: the
# sample shop (`kindred demo`) is copied three times and each copy serves the same simulated
# visitors (same seed) for a day with a different exploration rate:
#   epsilon 0.2  the logging run: `kindred policies evaluate` on its impressions estimates the
#                model alone (greedy), epsilon 0.05 and the uniform draw;
#   epsilon 0    the model alone, on-policy: its click rate per place is the truth for greedy;
#   epsilon 1    the uniform draw, on-policy: the truth for uniform.
# The simulated visitors click with a probability that depends on their true taste for the item
# and on its position, so the model (trained on their history) should beat the uniform draw:
# the known best policy the estimates must find.
#
# Usage: bench/exploration.sh [visitors per day, default 3000]
set -euo pipefail
cd "$(dirname "$0")/.."
visitors=${1:-3000}
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && "$kindred" demo >/dev/null)
for epsilon in 0.2 0 1; do
  mkdir -p "$work/e$epsilon"
  cp "$work/kindred-demo.sqlite" "$work/e$epsilon/shop.sqlite"
  cp "$work/kindred-demo.sqlite.key" "$work/e$epsilon/shop.sqlite.key"
  db="$work/e$epsilon/shop.sqlite"
  "$kindred" settings set exploration.recommendations.epsilon "$epsilon" --db "$db" >/dev/null
  "$kindred" simulate --shop sample-data --db "$db" --days 1 --visitors "$visitors" --seed 7 --json > "$work/e$epsilon/simulate.json"
  # On-policy click rate per place: places shown, and clicks that carry the list's request id.
  sqlite3 "$db" "SELECT count(*), sum(clicks > 0) FROM impression_outcomes WHERE surface = 'recommendations'" > "$work/e$epsilon/truth.txt"
done
logging="$work/e0.2/shop.sqlite"
for target in logged greedy epsilon:0.05 uniform; do
  "$kindred" policies evaluate --db "$logging" --target "$target" --json > "$work/estimate-$target.json"
done
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def truth(e):
    places, clicks = open(f"{work}/e{e}/truth.txt").read().strip().split("|")
    return int(clicks) / int(places), int(places)
t = {"logged": truth("0.2"), "greedy": truth("0"), "uniform": truth("1")}
print(f"logging run (epsilon 0.2): {t['logged'][1]} places; on-policy click rate per place: "
      f"epsilon 0.2 {t['logged'][0]:.4f}, greedy (epsilon 0) {t['greedy'][0]:.4f}, uniform (epsilon 1) {t['uniform'][0]:.4f}")
print()
print("| target | truth (its own run) | estimator | estimate | 95% interval | relative error | covers |")
print("|---|---:|---|---:|---|---:|---|")
for target in ["logged", "greedy", "epsilon:0.05", "uniform"]:
    r = json.load(open(f"{work}/estimate-{target}.json"))
    truth_value = t.get(target, (None,))[0]
    for est in ["ips", "snips", "dm", "dr"]:
        e = r[est]
        if truth_value is None:
            print(f"| {target} | - | {est} | {e['value']:.4f} | {e['ci_low']:.4f} to {e['ci_high']:.4f} | - | - |")
        else:
            covers = "yes" if e["ci_low"] <= truth_value <= e["ci_high"] else "no"
            print(f"| {target} | {truth_value:.4f} | {est} | {e['value']:.4f} | {e['ci_low']:.4f} to {e['ci_high']:.4f} | "
                  f"{abs(e['value'] - truth_value) / truth_value:.3f} | {covers} |")
print()
for target in ["logged", "greedy", "epsilon:0.05", "uniform"]:
    r = json.load(open(f"{work}/estimate-{target}.json"))
    print(f"{target}: ess {r['ess']:.0f} of {r['log']['rounds']}, max weight {r['max_weight']:.2f}, {r['seconds']:.2f} s")
PY
