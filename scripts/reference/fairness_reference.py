#!/usr/bin/env python3
"""Reference values for Kindred's bias report, from libraries nobody here wrote.

    pip install numpy==2.4.6 fairlearn==0.15.0
    python3 scripts/reference/fairness_reference.py > Tests/KindredLearningTests/Reference/fairness_reference.json

Per-person recall@10 and NDCG@10 (drawn once from a seeded generator and written into the output)
for 400 people in 4 groups (one smaller than the 20-person minimum, as a bias report leaves it
out of the gaps), and fairlearn's MetricFrame of each metric's mean by group with its
`difference(method="between_groups")`: the gap as fairlearn defines it (largest group value less
the smallest), which Kindred's AccuracyGaps reports. The Gini index of a fixed exposure vector is
computed by the mean-absolute-difference definition (numpy), beside Kindred's sorted formula.
Equal opportunity: per person, held-out items (positives) and how many of them the list found
(hits); fairlearn's equal_opportunity_difference over one sample per held-out item (y_true 1,
y_pred 1 for a found one) is the gap in true positive rate, sum(hits) / sum(positives), between
the counted groups. Demographic parity: per person, the places of their list (10) and how many
hold a long-tail item; fairlearn's demographic_parity_difference over one sample per place
(y_pred 1 for a long-tail item) is the gap in that selection rate between the counted groups.
BiasAuditReferenceTests recomputes each value in Swift. Nothing reads this script at test time.
"""
import json

import fairlearn
import numpy as np
from fairlearn.metrics import MetricFrame, demographic_parity_difference, equal_opportunity_difference

rng = np.random.default_rng(20261206)
groups = np.array(["mobile"] * 180 + ["desktop"] * 150 + ["tablet"] * 58 + ["tv"] * 12)
rng.shuffle(groups)
base = {"mobile": 0.10, "desktop": 0.16, "tablet": 0.08, "tv": 0.3}
ndcg = np.array([min(1.0, rng.exponential(base[g])) if rng.random() < 0.6 else 0.0 for g in groups])
recall = np.array([min(1.0, v * rng.uniform(1.0, 2.0)) for v in ndcg])
counted = [g for g in ["mobile", "desktop", "tablet", "tv"] if (groups == g).sum() >= 20]
mask = np.isin(groups, counted)


def frame(values, where):
    return MetricFrame(
        metrics=lambda y_true, y_pred: float(np.mean(y_true)),
        y_true=values[where], y_pred=values[where], sensitive_features=groups[where])


out = {"versions": {"numpy": np.__version__, "fairlearn": fairlearn.__version__}, "minimum_people": 20}
out["groups"] = groups.tolist()
out["recall"] = recall.tolist()
out["ndcg"] = ndcg.tolist()
out["by_group"] = {
    g: {"people": int((groups == g).sum()), "recall": frame(recall, np.ones(len(groups), bool)).by_group[g],
        "ndcg": frame(ndcg, np.ones(len(groups), bool)).by_group[g]}
    for g in ["mobile", "desktop", "tablet", "tv"]
}
out["recall_gap"] = frame(recall, mask).difference(method="between_groups")
out["ndcg_gap"] = frame(ndcg, mask).difference(method="between_groups")

exposure = rng.exponential(1.0, 300) * (rng.random(300) < 0.7)
out["exposure"] = exposure.tolist()
out["gini"] = float(np.abs(exposure[:, None] - exposure[None, :]).sum() / (2 * len(exposure) ** 2 * exposure.mean()))


def samples(counts, totals):
    """One sample per unit of each person's total (their group, and 1 for the first `count`)."""
    return np.repeat(groups, totals), np.concatenate([[1] * c + [0] * (t - c) for c, t in zip(counts, totals)])


positives = rng.integers(1, 6, len(groups))
hit_rate = {"mobile": 0.2, "desktop": 0.3, "tablet": 0.15, "tv": 0.5}
hits = np.array([rng.binomial(p, hit_rate[g]) for p, g in zip(positives, groups)])
out["positives"] = positives.tolist()
out["hits"] = hits.tolist()
sample_group, sample_hit = samples(hits, positives)
in_counted = np.isin(sample_group, counted)
out["true_positive_rate"] = {g: float(hits[groups == g].sum() / positives[groups == g].sum()) for g in ["mobile", "desktop", "tablet", "tv"]}
out["equal_opportunity_difference"] = float(equal_opportunity_difference(
    np.ones(int(in_counted.sum())), sample_hit[in_counted], sensitive_features=sample_group[in_counted]))

places = np.full(len(groups), 10)
tail_rate = {"mobile": 0.05, "desktop": 0.12, "tablet": 0.08, "tv": 0.3}
tail = np.array([rng.binomial(p, tail_rate[g]) for p, g in zip(places, groups)])
out["places"] = places.tolist()
out["long_tail_places"] = tail.tolist()
place_group, place_tail = samples(tail, places)
in_counted = np.isin(place_group, counted)
out["selection_rate"] = {g: float(tail[groups == g].sum() / places[groups == g].sum()) for g in ["mobile", "desktop", "tablet", "tv"]}
out["demographic_parity_difference"] = float(demographic_parity_difference(
    place_tail[in_counted], place_tail[in_counted], sensitive_features=place_group[in_counted]))
print(json.dumps(out, indent=1))
