#!/usr/bin/env python3
"""The peer of `kindred experiments calibrate`: the same A/A simulation in numpy, tested with
statsmodels' two-proportion z-test (unpooled) looked at once and every day, and gbstats'
sequential test (GrowthBook's engine) looked at every day. Its own random numbers, so the
rates agree with Kindred's within simulation error, not exactly.

    pip install numpy statsmodels gbstats==0.8.0
    python3 bench/peer_aa.py --experiments 20000 --days 14 --people-per-day 500 --baseline 0.05
"""
import argparse
import json
import time

import numpy as np
from statsmodels.stats.proportion import test_proportions_2indep
from gbstats.frequentist.tests import SequentialConfig, SequentialTwoSidedTTest
from gbstats.models.statistics import ProportionStatistic

parser = argparse.ArgumentParser()
parser.add_argument("--experiments", type=int, default=2000)
parser.add_argument("--days", type=int, default=14)
parser.add_argument("--people-per-day", type=int, default=500)
parser.add_argument("--baseline", type=float, default=0.05)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()

rng = np.random.default_rng(args.seed)
started = time.time()
fixed_once = fixed_peeking = sequential_peeking = 0
for _ in range(args.experiments):
    a = np.cumsum(rng.binomial(args.people_per_day, args.baseline, args.days))
    b = np.cumsum(rng.binomial(args.people_per_day, args.baseline, args.days))
    declared_fixed = declared_sequential = False
    for day in range(args.days):
        n = args.people_per_day * (day + 1)
        if a[day] in (0, n) and b[day] in (0, n):
            continue
        p = test_proportions_2indep(b[day], n, a[day], n, method="wald", compare="diff").pvalue
        if p < 0.05:
            declared_fixed = True
        config = SequentialConfig(difference_type="absolute")
        sequential = SequentialTwoSidedTTest(ProportionStatistic(n=n, sum=int(a[day])), ProportionStatistic(n=n, sum=int(b[day])), config)
        if sequential.compute_result().p_value < 0.05:
            declared_sequential = True
        if day == args.days - 1 and p < 0.05:
            fixed_once += 1
    fixed_peeking += declared_fixed
    sequential_peeking += declared_sequential
n = args.experiments
print(json.dumps({
    "experiments": n,
    "fixed_once": fixed_once / n,
    "fixed_peeking_daily": fixed_peeking / n,
    "sequential_peeking_daily": sequential_peeking / n,
    "seconds": round(time.time() - started, 1),
}))
