#!/usr/bin/env bash
# Off-policy evaluation on the Open Bandit Dataset's small sample (ZOZOTOWN, campaign "all"):
# a uniform-random log and a Bernoulli Thompson sampling log of the same 80 items and
# 3 positions, 10,000 rows each, run on the same traffic in the same week. Each policy's own
# click rate is the ground truth for estimating it from the other's log:
#   1. the uniform policy from the Thompson sampling log (its propensities are exact);
#   2. the Thompson sampling policy from the uniform log, known only through the propensities its
#      own log recorded (target log:bts: the last recorded per item and position, normalized).
# Prints a markdown table for docs/benchmarks.md: each estimator's value, interval, relative
# error |estimate - truth| / truth, and whether the interval covers the truth.
#
# Usage: bench/open-bandit.sh [interval: bootstrap|asymptotic, default bootstrap]
set -euo pipefail
cd "$(dirname "$0")/.."
interval=${1:-bootstrap}
data=../shared/data/open-bandit/all
[ -f "$data/bts.csv" ] || { echo "needs $data (the shared data sets)" >&2; exit 1; }
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/obd.sqlite"
"$kindred" init --db "$db" >/dev/null
for log in random bts; do
  /usr/bin/time -f "%e s, peak RSS %M KB" -o "$work/import-$log.time" \
    "$kindred" import impressions "$data/$log.csv" --format obd --db "$db" --json > "$work/import-$log.json"
done
evaluate() { # name target log
  /usr/bin/time -f "%e s, peak RSS %M KB" -o "$work/$1.time" \
    "$kindred" policies evaluate --db "$db" --target "$2" --log "$3" --interval "$interval" --json > "$work/$1.json"
}
evaluate uniform-from-bts uniform bts
evaluate bts-from-random log:bts random
evaluate uniform-itself uniform random
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
load = lambda name: json.load(open(f"{work}/{name}.json"))
truth = {"uniform": load("import-random")["mean_reward"], "log:bts": load("import-bts")["mean_reward"]}
for name in ["random", "bts"]:
    print(f"import {name}: {open(f'{work}/import-{name}.time').read().strip()}")
print()
print("| target (truth) | log | estimator | estimate | 95% interval | relative error | interval covers truth |")
print("|---|---|---|---:|---|---:|---|")
for run in ["uniform-from-bts", "bts-from-random", "uniform-itself"]:
    r = load(run)
    t = truth[r["target"]]
    for est in ["ips", "snips", "dm", "dr"]:
        e = r[est]
        covers = "yes" if e["ci_low"] <= t <= e["ci_high"] else "no"
        print(f"| {r['target']} ({t:.4f}) | {r['log']['name']} | {est} | {e['value']:.5f} | {e['ci_low']:.5f} to {e['ci_high']:.5f} | {abs(e['value'] - t) / t:.3f} | {covers} |")
print()
for run in ["uniform-from-bts", "bts-from-random", "uniform-itself"]:
    r = load(run)
    mass = r.get("target_recorded_mass")
    extra = f", target's recorded mass per position {mass:.3f}" if mass is not None else ""
    print(f"{run}: ess {r['ess']:.1f} of {r['log']['rounds']}, max weight {r['max_weight']:.2f}, "
          f"interval {r['interval']['method']}{extra}; {open(f'{work}/{run}.time').read().strip()}")
PY
