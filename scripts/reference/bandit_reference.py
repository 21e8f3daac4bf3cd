#!/usr/bin/env python3
"""Reference values for Kindred's linear contextual bandit, from libraries nobody here wrote.

    pip install numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1
    python3 scripts/reference/bandit_reference.py > Tests/KindredLearningTests/Reference/bandit_reference.json

A fixed stream (drawn once from a seeded generator and written into the output) of 300 displayed
candidates with sparse features in 12 dimensions, each with the rewards that followed it (none,
one or two outcomes; a display's reward is their sum). Kindred's LinearBanditState folds the
displays and outcomes in one by one; its posterior mean must equal scikit-learn's Ridge
(alpha = lambda, no intercept) fitted to the rewards less the prior's prediction, plus the prior
mean (ridge shrinking towards mu0). Confidence widths sqrt(x^T A^-1 x) come from numpy's
inverse, softmax probabilities from scipy.special.softmax, and Thompson sampling's chance that
one candidate beats another from the normal CDF of their posterior difference. Nothing reads
this script at test time.
"""
import json

import numpy as np
import scipy
import scipy.special
import scipy.stats as st
import sklearn
from sklearn.linear_model import Ridge

rng = np.random.default_rng(20261206)
n, d, lam = 300, 12, 1.5
prior = np.zeros(d)
prior[1] = 0.1

rows = []
X = np.zeros((n, d))
for i in range(n):
    active = np.sort(rng.choice(d, size=4, replace=False))
    values = np.round(rng.uniform(0.1, 1.0, 4), 4)
    X[i, active] = values
    rows.append([[int(a), float(v)] for a, v in zip(active, values)])
true_weights = rng.normal(0, 0.5, d)
outcomes = []
y = np.zeros(n)
for i in range(n):
    rewards = []
    mean = X[i] @ true_weights
    for _ in range(int(rng.integers(0, 3))):
        if rng.random() < 1 / (1 + np.exp(-mean)):
            reward = float(rng.choice([1.0, 2.0, 5.0]))
            rewards.append(reward)
    outcomes.append(rewards)
    y[i] = sum(rewards)

ridge = Ridge(alpha=lam, fit_intercept=False, solver="cholesky").fit(X, y - X @ prior)
mean = ridge.coef_ + prior
A = lam * np.eye(d) + X.T @ X
inverse = np.linalg.inv(A)

probes = [rows[i] for i in (0, 1, 2, 3, 4)]
P = np.zeros((len(probes), d))
for k, probe in enumerate(probes):
    for a, v in probe:
        P[k, a] = v
expected = P @ mean
widths = np.sqrt(np.einsum("ij,jk,ik->i", P, inverse, P))
temperature = 0.5
softmax = scipy.special.softmax(expected / temperature)
scale = 0.8
difference_sd = scale * np.sqrt(P[0] @ inverse @ P[0] + P[1] @ inverse @ P[1] - 2 * P[0] @ inverse @ P[1])
first_beats_second = st.norm.cdf((expected[0] - expected[1]) / difference_sd)

print(json.dumps({
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
    "dimension": d, "lambda": lam, "prior_mean": prior.tolist(),
    "displays": rows, "outcomes": outcomes,
    "mean": mean.tolist(),
    "probes": probes, "expected": expected.tolist(), "widths": widths.tolist(),
    "temperature": temperature, "softmax": softmax.tolist(),
    "scale": scale, "first_beats_second": float(first_beats_second),
}))
