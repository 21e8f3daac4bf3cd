#!/usr/bin/env python3
"""Reference values for Kindred's LambdaMART: LightGBM's `lambdarank` on a fixed learning-to-rank
data set, fitted with the settings Kindred uses by default (100 trees at most, 31 leaves, learning
rate 0.1, min_data_in_leaf 20, max_bin 255, truncation level 30, no sampling) and scored by NDCG@10
on a validation set, round by round.

The data set is not stored: both sides regenerate it from a 64-bit linear congruential generator
(Knuth's MMIX constants) with integer features, so Python and Swift build exactly the same rows.
Each query has 20 candidates with 8 features in 0..63; a hidden score mixes them non-linearly
(a product, a threshold, an interaction with a feature that is pure noise for the rest) plus noise,
and the label is 0 to 3 by thresholds on it. Queries where every label is equal are dropped, as
Kindred's exporter drops them.

Writes Tests/KindredLearningTests/Reference/lambdamart_reference.json.
Run: python3 scripts/reference/lambdamart_reference.py (needs lightgbm and numpy from PyPI).
"""
import json
import pathlib

import lightgbm
import numpy as np

MASK = (1 << 64) - 1
FEATURES, CANDIDATES = 8, 20
TRAIN_QUERIES, VALIDATION_QUERIES = 400, 150
SEED = 20261207


class Generator:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & MASK
        return self.state >> 33


def hidden_score(f, noise):
    score = f[0] * f[1] // 64 + (20 if f[2] > 40 else 0) - f[3] // 2
    score += f[4] // 4 if f[5] > 31 else -(f[4] // 4)
    return score + noise


def label(score):
    return 3 if score > 80 else 2 if score > 65 else 1 if score > 50 else 0


def queries(generator, count):
    rows, labels, groups = [], [], []
    while len(groups) < count:
        query_rows, query_labels = [], []
        for _ in range(CANDIDATES):
            f = [generator.next() % 64 for _ in range(FEATURES)]
            noise = generator.next() % 48
            query_rows.append(f)
            query_labels.append(label(hidden_score(f, noise)))
        if len(set(query_labels)) > 1:
            rows += query_rows
            labels += query_labels
            groups.append(CANDIDATES)
    return np.array(rows, dtype=np.float64), np.array(labels), groups


def ndcg_at(labels, scores, groups, k=10):
    total, start = 0.0, 0
    for size in groups:
        lab, sc = labels[start:start + size], scores[start:start + size]
        order = sorted(range(size), key=lambda i: (-sc[i], i))
        gains = (2.0 ** lab) - 1
        dcg = sum(gains[order[r]] / np.log2(r + 2) for r in range(min(k, size)))
        ideal = sorted(gains, reverse=True)
        idcg = sum(ideal[r] / np.log2(r + 2) for r in range(min(k, size)))
        total += dcg / idcg if idcg > 0 else 1.0
        start += size
    return total / len(groups)


def main():
    generator = Generator(SEED)
    x_train, y_train, g_train = queries(generator, TRAIN_QUERIES)
    x_valid, y_valid, g_valid = queries(generator, VALIDATION_QUERIES)
    params = dict(objective="lambdarank", num_leaves=31, learning_rate=0.1, min_data_in_leaf=20,
                  min_sum_hessian_in_leaf=1e-3, lambda_l2=0.0, max_bin=255, lambdarank_truncation_level=30,
                  eval_at=[10], metric="ndcg", deterministic=True, num_threads=1, verbosity=-1, seed=1)
    train = lightgbm.Dataset(x_train, y_train, group=g_train)
    booster = lightgbm.train(params, train, num_boost_round=100)
    curve = [ndcg_at(y_valid, booster.predict(x_valid, num_iteration=i), g_valid) for i in range(1, 101)]
    out = {
        "generator": {"seed": SEED, "features": FEATURES, "candidates": CANDIDATES,
                      "train_queries": TRAIN_QUERIES, "validation_queries": VALIDATION_QUERIES},
        "lightgbm_version": lightgbm.__version__,
        "params": {k: v for k, v in params.items() if k not in ("eval_at", "metric", "verbosity")},
        "train_rows": int(len(y_train)),
        "train_label_counts": [int((y_train == v).sum()) for v in range(4)],
        "validation_ndcg10_before": ndcg_at(y_valid, np.zeros(len(y_valid)), g_valid),
        "validation_ndcg10_by_trees": curve,
        "first_rows": x_train[:3].astype(int).tolist(),
        "first_labels": y_train[:3].astype(int).tolist(),
    }
    path = pathlib.Path(__file__).resolve().parents[2] / "Tests/KindredLearningTests/Reference/lambdamart_reference.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}: NDCG@10 {out['validation_ndcg10_before']:.4f} before, "
          f"{curve[9]:.4f} at 10 trees, {curve[-1]:.4f} at 100; labels {out['train_label_counts']}")


if __name__ == "__main__":
    main()
