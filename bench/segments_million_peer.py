#!/usr/bin/env python3
"""scikit-learn's KMeans on the matrix `kindred features export --standardized` wrote, beside
the k-means segments `kindred segments build` stored for the same people (bench/segments-million.sh).

    python3 bench/segments_million_peer.py MATRIX.csv K KINDRED_BUILD.json KINDRED_LABELS.csv

The same settings as Kindred's defaults: k-means++ (greedy, scikit-learn's own), 10 restarts,
at most 300 iterations, tol 1e-4, Lloyd's algorithm on every core the machine has (two here).
Prints one JSON object: the fit's seconds (the matrix already in memory), inertia, the adjusted
Rand index between the two sides' labels, scikit-learn's version and its thread count.
"""
import csv
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_info

matrix_path, k, build_path, labels_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(matrix_path) as f:
    reader = csv.reader(f)
    header = next(reader)
    pseudonyms, values = [], []
    for row in reader:
        pseudonyms.append(row[0])
        values.append([float(x) for x in row[1:]])
X = np.array(values)
del values
build = json.load(open(build_path))
assert header[1:] == build["features"], (header[1:], build["features"])

started = time.perf_counter()
model = KMeans(n_clusters=k, init="k-means++", n_init=10, max_iter=300, tol=1e-4, algorithm="lloyd", random_state=3).fit(X)
fit_seconds = time.perf_counter() - started

ours = {}
with open(labels_path) as f:
    for line in f:
        pseudonym, segment = line.strip().split(",")
        ours[pseudonym] = segment
kindred_labels = [ours.get(p, "none") for p in pseudonyms]
threads = max((entry.get("num_threads", 1) for entry in threadpool_info() if entry.get("user_api") == "openmp"), default=1)
print(json.dumps({
    "people": len(pseudonyms), "fit_seconds": fit_seconds, "inertia": float(model.inertia_),
    "iterations": int(model.n_iter_), "ari": adjusted_rand_score(kindred_labels, model.labels_),
    "sklearn": sklearn.__version__, "threads": threads,
}))
