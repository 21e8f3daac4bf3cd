#!/usr/bin/env python3
"""scikit-learn on the matrix `kindred features export --standardized` wrote, beside Kindred's
segments of the same people: inertia (k-means), mean log-likelihood (mixtures), the adjusted
Rand index between the two sides' labels, and each side's time.

    python3 bench/segments_peer.py MATRIX.csv K KINDRED_RESULTS.json

KINDRED_RESULTS.json maps each algorithm to {"seconds", "inertia" or "log_likelihood",
"labels_file"}; labels files hold `pseudonym,segment` lines. Prints one JSON object per
algorithm. scikit-learn 1.9.1 (PyPI), the same settings as Kindred's defaults: k-means++ with 10
restarts, at most 300 iterations, tol 1e-4; MiniBatchKMeans with 10 restarts; GaussianMixture
with diagonal covariances, k-means initialisation, reg_covar 1e-6, 5 restarts; DBSCAN with the
radius and minimum given.
"""
import csv
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN, KMeans, MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

matrix_path, k, results_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(matrix_path) as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
pseudonyms = [r[0] for r in body]
X = np.array([[float(x) for x in r[1:]] for r in body])
kindred = json.load(open(results_path))


def kindred_labels(algorithm):
    labels = {}
    with open(kindred[algorithm]["labels_file"]) as f:
        for line in f:
            p, segment = line.strip().split(",")
            labels[p] = segment
    return [labels.get(p, "none") for p in pseudonyms]


def timed(fit):
    started = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - started


out = {"sklearn": sklearn.__version__, "people": len(body), "features": header[1:], "k": k}
print(json.dumps(out))

km, seconds = timed(lambda: KMeans(n_clusters=k, init="k-means++", n_init=10, max_iter=300, tol=1e-4, random_state=1).fit(X))
print(json.dumps({
    "algorithm": "kmeans", "sklearn_inertia": km.inertia_, "kindred_inertia": kindred["kmeans"]["inertia"],
    "ratio": kindred["kmeans"]["inertia"] / km.inertia_, "ari": adjusted_rand_score(km.labels_, kindred_labels("kmeans")),
    "sklearn_seconds": seconds, "kindred_seconds": kindred["kmeans"]["seconds"],
}))

mb, seconds = timed(lambda: MiniBatchKMeans(n_clusters=k, n_init=10, random_state=1).fit(X))
print(json.dumps({
    "algorithm": "minibatch-kmeans (scikit-learn) vs kindred kmeans", "sklearn_inertia": mb.inertia_,
    "kindred_inertia": kindred["kmeans"]["inertia"], "ratio": kindred["kmeans"]["inertia"] / mb.inertia_,
    "ari": adjusted_rand_score(mb.labels_, kindred_labels("kmeans")), "sklearn_seconds": seconds,
    "kindred_seconds": kindred["kmeans"]["seconds"],
}))

gm, seconds = timed(lambda: GaussianMixture(
    n_components=k, covariance_type="diag", init_params="kmeans", reg_covar=1e-6, n_init=5, max_iter=100, tol=1e-3,
    random_state=1).fit(X))
print(json.dumps({
    "algorithm": "gmm", "sklearn_mean_log_likelihood": gm.score(X),
    "kindred_mean_log_likelihood": kindred["gmm"]["log_likelihood"] / len(body), "sklearn_bic": gm.bic(X),
    "kindred_bic": kindred["gmm"]["bic"], "ari": adjusted_rand_score(gm.predict(X), kindred_labels("gmm")),
    "sklearn_seconds": seconds, "kindred_seconds": kindred["gmm"]["seconds"],
}))

radius, minimum = kindred["dbscan"]["radius"], kindred["dbscan"]["min_points"]
db, seconds = timed(lambda: DBSCAN(eps=radius, min_samples=minimum).fit(X))
print(json.dumps({
    "algorithm": "dbscan", "radius": radius, "min_points": minimum,
    "sklearn_clusters": int(db.labels_.max() + 1), "sklearn_noise": int((db.labels_ == -1).sum()),
    "kindred_clusters": kindred["dbscan"]["clusters"], "kindred_noise": kindred["dbscan"]["noise"],
    "ari": adjusted_rand_score(db.labels_, kindred_labels("dbscan")),
    "sklearn_seconds": seconds, "kindred_seconds": kindred["dbscan"]["seconds"],
}))
