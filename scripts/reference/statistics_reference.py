#!/usr/bin/env python3
"""Reference values for Kindred's experiment statistics, from libraries nobody here wrote.

    pip install scipy==1.17.1 statsmodels==0.15.0 gbstats==0.8.0
    python3 scripts/reference/statistics_reference.py > Tests/KindredLearningTests/Reference/statistics_reference.json

Every input is fixed (vectors drawn once from a seeded generator and written into the output),
so StatisticsReferenceTests recomputes each value in Swift from the same numbers. Nothing
reads this script at test time; rerun it only to add cases.
"""
import json
import math

import numpy as np
import scipy
import scipy.stats as st
import statsmodels
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    test_proportions_2indep,
)
import gbstats
from gbstats.frequentist.tests import (
    FrequentistConfig,
    SequentialConfig,
    SequentialTwoSidedTTest,
    TwoSidedTTest,
)
from gbstats.models.statistics import (
    ProportionStatistic,
    RatioStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
    compute_theta,
)

rng = np.random.default_rng(20261201)
out = {
    "made_by": "python3 scripts/reference/statistics_reference.py",
    "versions": {
        "scipy": scipy.__version__,
        "statsmodels": statsmodels.__version__,
        "gbstats": "0.8.0",
        "numpy": np.__version__,
    },
}

# Distributions (scipy.stats).
out["normal"] = [
    {"x": x, "cdf": st.norm.cdf(x), "sf": st.norm.sf(x)} for x in [-8.5, -3.1, -1.0, 0.0, 0.3, 1.96, 4.2, 9.0]
]
out["normal_quantile"] = [{"p": p, "q": st.norm.ppf(p)} for p in [1e-12, 0.001, 0.0249, 0.025, 0.3, 0.5, 0.8, 0.975, 0.9999]]
out["t"] = [
    {"t": t, "df": df, "cdf": st.t.cdf(t, df), "two_sided_p": 2 * st.t.sf(abs(t), df)}
    for t, df in [(-2.3, 3.0), (0.5, 1.0), (1.7, 7.5), (2.01, 49.3), (-0.2, 1200.0), (6.0, 12.25), (3.3, 6839.7)]
]
out["t_quantile"] = [
    {"p": p, "df": df, "q": st.t.ppf(p, df)}
    for p, df in [(0.975, 1.0), (0.975, 2.5), (0.995, 9.0), (0.9, 30.7), (0.975, 6866.2), (0.6, 4.0), (0.025, 17.0)]
]
out["chi2"] = [
    {"x": x, "df": k, "sf": st.chi2.sf(x, k)} for x, k in [(0.3, 1), (3.84, 1), (12.0, 2), (25.0, 3), (1.0, 5), (60.0, 4)]
]


def vector(kind, n, *params):
    if kind == "normal":
        return [round(float(v), 4) for v in rng.normal(params[0], params[1], n)]
    if kind == "lognormal":
        return [round(float(v), 4) for v in rng.lognormal(params[0], params[1], n)]
    if kind == "poisson":
        return [float(v) for v in rng.poisson(params[0], n)]


# Welch's t-test on fixed vectors (scipy): treatment b against control a.
out["welch"] = []
for a, b in [
    (vector("normal", 40, 10.0, 2.0), vector("normal", 55, 10.9, 3.5)),
    (vector("lognormal", 300, 1.0, 1.2), vector("lognormal", 280, 1.05, 1.2)),
    (vector("normal", 8, 0.0, 1.0), vector("normal", 5, 0.2, 4.0)),
]:
    r = st.ttest_ind(b, a, equal_var=False)
    ci = r.confidence_interval(0.95)
    ci90 = r.confidence_interval(0.90)
    out["welch"].append({
        "control": a, "treatment": b, "statistic": r.statistic, "p_value": r.pvalue, "df": r.df,
        "ci95": [ci.low, ci.high], "ci90": [ci90.low, ci90.high],
    })

# Two-proportion z-test, unpooled Wald (statsmodels).
out["two_proportion"] = []
for c1, n1, c2, n2 in [(120, 3000, 151, 3050), (14, 28, 16, 30), (530, 10000, 468, 9800)]:
    test = test_proportions_2indep(c2, n2, c1, n1, method="wald", compare="diff")
    ci = confint_proportions_2indep(c2, n2, c1, n1, method="wald", compare="diff", alpha=0.05)
    out["two_proportion"].append({
        "control": [c1, n1], "treatment": [c2, n2], "statistic": test.statistic, "p_value": test.pvalue,
        "ci95": [ci[0], ci[1]],
    })

# Chi-square goodness of fit for sample ratio mismatch (scipy).
out["srm"] = []
for counts, weights in [([5000, 5100], [1, 1]), ([5000, 5400], [1, 1]), ([2100, 2950, 5010], [20, 30, 50]), ([990, 1010], [50, 50])]:
    total = sum(counts)
    expected = [total * w / sum(weights) for w in weights]
    r = st.chisquare(counts, expected)
    out["srm"].append({"counts": counts, "weights": weights, "chi_square": r.statistic, "p_value": r.pvalue})

# Multiple comparisons (statsmodels).
pvals = [0.01, 0.04, 0.03, 0.005, 0.2, 0.049]
out["multiple"] = {
    "p_values": pvals,
    "holm": list(multipletests(pvals, method="holm")[1]),
    "bh": list(multipletests(pvals, method="fdr_bh")[1]),
}

# Sample size (statsmodels): people per variant, two-sided, equal split.
out["power"] = []
for baseline, lift, alpha, power in [(0.04, 0.1, 0.05, 0.8), (0.2, 0.05, 0.05, 0.9), (0.5, -0.1, 0.01, 0.8)]:
    h = proportion_effectsize(baseline * (1 + lift), baseline)
    n = NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, ratio=1.0, alternative="two-sided")
    out["power"].append({"baseline": baseline, "lift": lift, "alpha": alpha, "power": power, "effect_size": h, "people": n})


# GrowthBook's frequentist engine (gbstats from PyPI) on per-person vectors: relative effects
# by the delta method, ratio metrics, CUPED and the sequential test.
def sums(values):
    return dict(n=len(values), sum=float(np.sum(values)), sum_squares=float(np.sum(np.square(values))))


def result(r):
    return {"effect": r.expected, "ci": list(r.ci), "p_value": r.p_value, "sd": r.uplift.stddev}


gb = []
for a, b in [
    (vector("normal", 40, 10.0, 2.0), vector("normal", 55, 10.9, 3.5)),
    (vector("lognormal", 300, 1.0, 1.2), vector("lognormal", 280, 1.05, 1.2)),
]:
    sa, sb = SampleMeanStatistic(**sums(a)), SampleMeanStatistic(**sums(b))
    case = {"control": a, "treatment": b}
    case["relative"] = result(TwoSidedTTest(sa, sb, FrequentistConfig(difference_type="relative")).compute_result())
    case["absolute"] = result(TwoSidedTTest(sa, sb, FrequentistConfig(difference_type="absolute")).compute_result())
    case["relative_90"] = result(TwoSidedTTest(sa, sb, FrequentistConfig(difference_type="relative", alpha=0.1)).compute_result())
    case["sequential_relative"] = result(SequentialTwoSidedTTest(sa, sb, SequentialConfig(difference_type="relative")).compute_result())
    case["sequential_absolute_tuned"] = result(
        SequentialTwoSidedTTest(sa, sb, SequentialConfig(difference_type="absolute", sequential_tuning_parameter=200)).compute_result())
    gb.append(case)
out["gbstats_means"] = gb


def ratio_stat(m, d):
    return RatioStatistic(
        n=len(m), m_statistic=SampleMeanStatistic(**sums(m)), d_statistic=SampleMeanStatistic(**sums(d)),
        m_d_sum_of_products=float(np.dot(m, d)))


impressions_a = vector("poisson", 400, 6.0)
impressions_b = vector("poisson", 420, 6.0)
clicks_a = [float(rng.binomial(int(i), 0.08)) for i in impressions_a]
clicks_b = [float(rng.binomial(int(i), 0.095)) for i in impressions_b]
ra, rb = ratio_stat(clicks_a, impressions_a), ratio_stat(clicks_b, impressions_b)
out["gbstats_ratio"] = {
    "control": {"numerator": clicks_a, "denominator": impressions_a},
    "treatment": {"numerator": clicks_b, "denominator": impressions_b},
    "control_mean": ra.mean, "control_variance": ra.variance,
    "relative": result(TwoSidedTTest(ra, rb, FrequentistConfig(difference_type="relative")).compute_result()),
    "absolute": result(TwoSidedTTest(ra, rb, FrequentistConfig(difference_type="absolute")).compute_result()),
}

pre_a = vector("lognormal", 500, 2.0, 0.8)
pre_b = vector("lognormal", 500, 2.0, 0.8)
post_a = [round(0.8 * p + float(rng.normal(1.0, 2.0)), 4) for p in pre_a]
post_b = [round(0.8 * p + float(rng.normal(1.6, 2.0)), 4) for p in pre_b]


def ra_stat(post, pre):
    return RegressionAdjustedStatistic(
        n=len(post), post_statistic=SampleMeanStatistic(**sums(post)), pre_statistic=SampleMeanStatistic(**sums(pre)),
        post_pre_sum_of_products=float(np.dot(post, pre)), theta=0)


ca, cb = ra_stat(post_a, pre_a), ra_stat(post_b, pre_b)
theta = compute_theta(ca, cb)
ca.theta = theta
cb.theta = theta
plain_a, plain_b = SampleMeanStatistic(**sums(post_a)), SampleMeanStatistic(**sums(post_b))
out["gbstats_cuped"] = {
    "control": {"post": post_a, "pre": pre_a},
    "treatment": {"post": post_b, "pre": pre_b},
    "theta": theta,
    "relative": result(TwoSidedTTest(ca, cb, FrequentistConfig(difference_type="relative")).compute_result()),
    "absolute": result(TwoSidedTTest(ca, cb, FrequentistConfig(difference_type="absolute")).compute_result()),
    "unadjusted_absolute": result(TwoSidedTTest(plain_a, plain_b, FrequentistConfig(difference_type="absolute")).compute_result()),
}


def plain(value):
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


print(json.dumps(plain(out), indent=1))
