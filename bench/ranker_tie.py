#!/usr/bin/env python3
"""Where Kindred's LambdaMART and LightGBM's lambdarank part ways on the same lists, and why.

Fits LightGBM (the settings of bench/ranker_peer.py) on the lists `kindred ranker export` wrote,
and scores the training rows with each fit's first n trees. Kindred's trees come from
`kindred ranker show --json`. It reports three things:

- the first tree after which some row's score differs;
- the leaf where the two trees first split differently (a row of those whose path differs), with
  the split each fit chose there;
- the gains of both splits on that leaf, from LightGBM's lambdarank gradients at the trees
  before. The gradients are recomputed here as LightGBM computes them, and the gains are given
  with the gradients in double and rounded to float32 (LightGBM's `score_t`).

Equal gains in float32 mean an exact tie, and either fit may break it. The fits then
differ only in how the last bits of their histogram sums fall.

Usage: bench/ranker_tie.py LISTS_DIR KINDRED_RANKER_JSON
"""
import json
import sys

import lightgbm
import numpy as np
from sklearn.datasets import load_svmlight_file

from ranker_peer import groups as read_groups, lightgbm_params


def kindred_trees(path):
    def find(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "trees":
                    return value
                found = find(value)
                if found is not None:
                    return found
        return None
    trees = find(json.load(open(path)))
    if trees is None:
        raise SystemExit(f"{path}: no trees (write it with `kindred ranker show --json`)")
    return trees


def kindred_path(tree, row):
    """(feature, threshold, goes left) per split from the root, as Kindred routes in float32."""
    node, path = 0, []
    while node >= 0:
        feature, threshold = tree["split_feature"][node], np.float32(tree["threshold"][node])
        left = np.float32(row[feature]) <= threshold
        path.append((feature, float(threshold), bool(left)))
        node = tree["left_child"][node] if left else tree["right_child"][node]
    return path


def kindred_leaf_value(tree, row):
    node = 0
    while node >= 0:
        left = np.float32(row[tree["split_feature"][node]]) <= np.float32(tree["threshold"][node])
        node = tree["left_child"][node] if left else tree["right_child"][node]
    return tree["leaf_value"][~node]


def lightgbm_path(tree, row):
    node, path = tree, []
    while "split_feature" in node:
        left = row[node["split_feature"]] <= node["threshold"]
        path.append((node["split_feature"], node["threshold"], bool(left)))
        node = node["left_child"] if left else node["right_child"]
    return path


def lambdarank_gradients(scores, labels, groups, truncation):
    """LightGBM's LambdarankNDCG::GetGradientsForOneQuery (sigmoid 1, norm on), in double."""
    bins, low, high = 1 << 20, -25.0, 25.0
    factor = bins / (high - low)
    table = lambda x: 1 / (1 + np.exp((0 if x <= low else bins - 1 if x >= high else int((x - low) * factor)) / factor + low))
    gradients, hessians = np.zeros(len(scores)), np.zeros(len(scores))
    start = 0
    for count in groups:
        s, y = scores[start:start + count], labels[start:start + count]
        order = sorted(range(count), key=lambda i: -s[i])
        ideal = sum((2 ** l - 1) / np.log2(r + 2) for r, l in enumerate(sorted(y, reverse=True)[:truncation]))
        lam, hes = np.zeros(count), np.zeros(count)
        if ideal > 0:
            best, worst, total = s[order[0]], s[order[-1]], 0.0
            for i in range(min(count - 1, truncation)):
                for j in range(i + 1, count):
                    a, b = order[i], order[j]
                    if y[a] == y[b]:
                        continue
                    (hi, hr, lo, lr) = (a, i, b, j) if y[a] > y[b] else (b, j, a, i)
                    delta = s[hi] - s[lo]
                    weight = (2 ** y[hi] - 2 ** y[lo]) * abs(1 / np.log2(hr + 2) - 1 / np.log2(lr + 2)) / ideal
                    if best != worst:
                        weight /= 0.01 + abs(delta)
                    p = table(delta)
                    pull, curvature = -p * weight, p * (1 - p) * weight
                    lam[lo] -= pull; hes[lo] += curvature; lam[hi] += pull; hes[hi] += curvature
                    total -= 2 * pull
            if total > 0:
                norm = np.log2(1 + total) / total
                lam *= norm; hes *= norm
        gradients[start:start + count], hessians[start:start + count] = lam, hes
        start += count
    return gradients, hessians


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    folder, kindred_json = sys.argv[1], sys.argv[2]
    manifest = json.load(open(f"{folder}/manifest.json"))
    p = manifest["lightgbm_params"]
    x, labels = load_svmlight_file(f"{folder}/train.txt", n_features=len(manifest["features"]), zero_based=True)
    x = x.toarray()
    groups = read_groups(f"{folder}/train.txt.query")
    trees = kindred_trees(kindred_json)
    booster = lightgbm.train(lightgbm_params(manifest), lightgbm.Dataset(x, labels, group=groups), num_boost_round=len(trees))
    dumped = booster.dump_model()["tree_info"]
    kindred_scores = np.zeros(len(x))
    for n, tree in enumerate(trees, start=1):
        kindred_scores += np.array([kindred_leaf_value(tree, row) for row in x])
        lightgbm_scores = booster.predict(x, raw_score=True, num_iteration=n)
        differing = np.where(np.abs(lightgbm_scores - kindred_scores) > 1e-6)[0]
        if len(differing):
            break
    else:
        print(json.dumps({"trees": len(trees), "first_differing_tree": None}))
        return
    row = x[differing[0]]
    ours, theirs = kindred_path(trees[n - 1], row), lightgbm_path(dumped[n - 1]["tree_structure"], row)
    depth = next((d for d, (a, b) in enumerate(zip(ours, theirs)) if a[0] != b[0] or abs(a[1] - b[1]) > 1e-6 * max(1, abs(b[1]))), None)
    if depth is None:
        # The row takes the same splits in both trees: the leaves' values differ, not the splits.
        print(json.dumps({"trees": len(trees), "first_differing_tree": n, "rows_differing": int(len(differing)), "splits": []}))
        return
    leaf = np.ones(len(x), bool)
    for feature, threshold, left in theirs[:depth]:
        leaf &= (x[:, feature] <= threshold) if left else (x[:, feature] > threshold)
    before = booster.predict(x, raw_score=True, num_iteration=n - 1) if n > 1 else np.zeros(len(x))
    gradients, hessians = lambdarank_gradients(before, labels, groups, p["lambdarank_truncation_level"])

    def gain(g, h, feature, threshold):
        left = leaf & (x[:, feature] <= threshold)
        gl, hl, gt, ht = g[left].sum(), h[left].sum(), g[leaf].sum(), h[leaf].sum()
        return gl * gl / hl + (gt - gl) ** 2 / (ht - hl) - gt * gt / ht

    g32, h32 = gradients.astype(np.float32).astype(np.float64), hessians.astype(np.float32).astype(np.float64)
    report = {"trees": len(trees), "first_differing_tree": n, "rows_differing": int(len(differing)),
              "leaf_depth": depth, "leaf_rows": int(leaf.sum()), "splits": []}
    for who, (feature, threshold, _) in (("kindred", ours[depth]), ("lightgbm", theirs[depth])):
        report["splits"].append({"chosen_by": who, "feature": manifest["features"][feature], "threshold": threshold,
                                 "gain_double": gain(gradients, hessians, feature, threshold),
                                 "gain_float32": gain(g32, h32, feature, threshold)})
    print(json.dumps(report))


if __name__ == "__main__":
    main()
