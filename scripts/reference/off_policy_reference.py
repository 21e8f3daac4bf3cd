#!/usr/bin/env python3
"""Reference values for Kindred's off-policy estimators, from libraries nobody here wrote.

    pip install numpy==2.4.6 scipy==1.17.1 scikit-learn==1.9.1
    python3 scripts/reference/off_policy_reference.py > Tests/KindredLearningTests/Reference/off_policy_reference.json

A fixed log (drawn once from a seeded generator and written into the output) of 600 rounds over
6 actions and 2 slots, with two categorical context fields and a per-action affinity. The
reward model is scikit-learn's LogisticRegression (L2, C = 1, the intercept unpenalized) on
the design Kindred's RewardModel builds: intercept, one-hot action, one-hot slot, one-hot
context values and the round's affinity for the action, cross-fitted over 3 folds (round i in
fold i mod 3). The estimators follow the formulas Open Bandit Pipeline documents
(https://zr-obp.readthedocs.io/en/latest/estimators.html): IPW, SNIPW, DM, DR, with normal
(asymptotic) 95% intervals; SNIPW's by the delta method. OffPolicyReferenceTests recomputes
each value in Swift from the same numbers. Nothing reads this script at test time.
"""
import json

import numpy as np
import scipy
import scipy.stats as st
import sklearn
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(20261206)
n, actions, slots = 600, 6, 2
field_sizes = [3, 2]
context_values = sum(field_sizes)
folds, l2 = 3, 1.0

context = np.stack([rng.integers(0, field_sizes[0], n), field_sizes[0] + rng.integers(0, field_sizes[1], n)], axis=1)
slot = rng.integers(0, slots, n)
affinity = rng.exponential(1.0, (n, actions)) * (rng.random((n, actions)) < 0.3)
# A behaviour policy that prefers low action numbers, differently per round.
logits = rng.normal(0, 1, (n, actions)) - 0.3 * np.arange(actions)
behaviour = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
action = np.array([rng.choice(actions, p=behaviour[i]) for i in range(n)])
propensity = behaviour[np.arange(n), action]
true_logit = -1.5 + 0.4 * (action % 3) - 0.5 * slot + 0.6 * (context[:, 0] == 1) + 0.8 * affinity[np.arange(n), action]
reward = (rng.random(n) < 1 / (1 + np.exp(-true_logit))).astype(float)
timestamp = 1_700_000_000_000 + np.arange(n) * 1000


def design(rows, chosen):
    columns = 1 + actions + slots + context_values + 1
    x = np.zeros((len(rows), columns))
    for r, (i, a) in enumerate(zip(rows, chosen)):
        x[r, 0] = 1
        x[r, 1 + a] = 1
        x[r, 1 + actions + slot[i]] = 1
        for value in context[i]:
            x[r, 1 + actions + slots + value] = 1
        x[r, -1] = affinity[i, a]
    return x


fold_of = np.arange(n) % folds
models = []
for fold in range(folds):
    train = np.where(fold_of != fold)[0]
    # Column 0 of the design is Kindred's unpenalized intercept: sklearn's own intercept
    # (also unpenalized) takes its place, and the other columns are given as they are.
    model = LogisticRegression(C=1 / l2, fit_intercept=True, tol=1e-12, max_iter=100_000, solver="newton-cg")
    model.fit(design(train, action[train])[:, 1:], reward[train])
    models.append(model)


def q(i, a):
    return models[fold_of[i]].predict_proba(design([i], [a])[:, 1:])[0, 1]


q_all = np.array([[q(i, a) for a in range(actions)] for i in range(n)])
q_logged = q_all[np.arange(n), action]
z = st.norm.ppf(0.975)


def estimates(target_prob_logged, direct):
    w = target_prob_logged / propensity
    ips_terms = w * reward
    dr_terms = direct + w * (reward - q_logged)

    def normal(terms):
        value = terms.mean()
        error = terms.std(ddof=1) / np.sqrt(n)
        return {"value": value, "ci_low": value - z * error, "ci_high": value + z * error}

    snips = ips_terms.sum() / w.sum()
    snips_error = np.sqrt((w**2 * (reward - snips) ** 2).sum()) / w.sum()
    return {
        "ips": normal(ips_terms),
        "snips": {"value": snips, "ci_low": snips - z * snips_error, "ci_high": snips + z * snips_error},
        "dm": normal(direct),
        "dr": normal(dr_terms),
        "ess": w.sum() ** 2 / (w**2).sum(),
        "max_weight": w.max(),
    }


out = {
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
    "log": {
        "actions": actions,
        "slots": slots,
        "context_values": context_values,
        "rounds": [
            [int(timestamp[i]), int(action[i]), int(slot[i]), float(reward[i]), float(propensity[i]), *map(int, context[i])]
            for i in range(n)
        ],
        "affinity": [float(v) for v in affinity.reshape(-1)],
    },
    "folds": folds,
    "l2": l2,
    "logged_predictions": q_logged.tolist(),
    "uniform": estimates(np.full(n, 1 / actions), q_all.mean(axis=1)),
    "logged": estimates(propensity, q_logged),
    "mean_reward": reward.mean(),
}
print(json.dumps(out, indent=1))
