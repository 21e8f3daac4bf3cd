#!/usr/bin/env python3
"""LightGBM's lambdarank on the lists `kindred ranker export` wrote, with the parameters its
manifest records (the settings `kindred ranker train` used): same trees, leaves, learning rate,
leaf limits, bins and truncation level, no sampling, two threads. Prints one JSON line: NDCG@10 of
the validation lists before (the model's order) and after, by LightGBM's own evaluation and by
the definition Kindred reports (`RankingNDCG`: gains 2^label - 1, ties in row order), the training
time (Dataset construction included, as Kindred's fit includes its binning) and the peak RSS.

Usage: python3 bench/ranker_peer.py EXPORT_DIR [TREES]
"""
import json
import resource
import sys
import time

import lightgbm
import numpy as np


def groups(path):
    return [int(line) for line in open(path) if line.strip()]


def lightgbm_params(manifest):
    """LightGBM's settings for the lists of `manifest`: what `kindred ranker train` used, no
    sampling, two threads, deterministic."""
    p = manifest["lightgbm_params"]
    return dict(objective="lambdarank", num_leaves=p["num_leaves"], learning_rate=p["learning_rate"],
                min_data_in_leaf=p["min_data_in_leaf"], min_sum_hessian_in_leaf=p["min_sum_hessian_in_leaf"],
                lambda_l2=p["lambda_l2"], max_bin=p["max_bin"], lambdarank_truncation_level=p["lambdarank_truncation_level"],
                num_threads=2, deterministic=True, verbosity=-1, seed=1)


def ndcg_at(labels, scores, sizes, k=10):
    total, start = 0.0, 0
    for size in sizes:
        lab, sc = labels[start:start + size], scores[start:start + size]
        order = sorted(range(size), key=lambda i: (-sc[i], i))
        gains = (2.0 ** lab) - 1
        dcg = sum(gains[order[r]] / np.log2(r + 2) for r in range(min(k, size)))
        ideal = sorted(gains, reverse=True)
        idcg = sum(ideal[r] / np.log2(r + 2) for r in range(min(k, size)))
        total += dcg / idcg if idcg > 0 else 1.0
        start += size
    return total / len(sizes)


def main():
    folder = sys.argv[1]
    manifest = json.load(open(f"{folder}/manifest.json"))
    p = manifest["lightgbm_params"]
    trees = int(sys.argv[2]) if len(sys.argv) > 2 else p["num_iterations"]
    features = len(manifest["features"])
    from sklearn.datasets import load_svmlight_file
    x_train, y_train = load_svmlight_file(f"{folder}/train.txt", n_features=features, zero_based=True)
    x_valid, y_valid = load_svmlight_file(f"{folder}/valid.txt", n_features=features, zero_based=True)
    x_train, x_valid = x_train.toarray(), x_valid.toarray()
    g_train, g_valid = groups(f"{folder}/train.txt.query"), groups(f"{folder}/valid.txt.query")
    params = dict(lightgbm_params(manifest), eval_at=[10], metric="ndcg")
    started = time.perf_counter()
    train = lightgbm.Dataset(x_train, y_train, group=g_train)
    valid = lightgbm.Dataset(x_valid, y_valid, group=g_valid, reference=train)
    evals = {}
    booster = lightgbm.train(params, train, num_boost_round=trees, valid_sets=[valid], valid_names=["valid"],
                             callbacks=[lightgbm.record_evaluation(evals)])
    seconds = time.perf_counter() - started
    scores = booster.predict(x_valid)
    print(json.dumps({
        "lightgbm_version": lightgbm.__version__, "trees": booster.num_trees(), "fit_seconds": seconds,
        "train_rows": int(len(y_train)), "validation_rows": int(len(y_valid)),
        "ndcg10_before": ndcg_at(y_valid, np.zeros(len(y_valid)), g_valid),
        "ndcg10_after": ndcg_at(y_valid, scores, g_valid),
        "lightgbm_eval_ndcg10": evals["valid"]["ndcg@10"][-1],
        "curve": evals["valid"]["ndcg@10"],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }))


if __name__ == "__main__":
    main()
