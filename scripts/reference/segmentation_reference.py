#!/usr/bin/env python3
"""Reference values for Kindred's segmentation algorithms, from scikit-learn.

    pip install scikit-learn==1.9.1 numpy
    python3 scripts/reference/segmentation_reference.py > Tests/KindredLearningTests/Reference/segmentation_reference.json

Every data set is drawn once from a seeded generator and written into the output with what
scikit-learn made of it, so SegmentationReferenceTests runs Kindred's algorithms on the same
points. Nothing reads this script at test time; rerun it only to add cases.
"""
import json

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN, KMeans
from sklearn.datasets import make_blobs, make_moons
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler


def rounded(points):
    # Twelve significant digits survive the trip through JSON exactly enough for both sides to
    # cluster the very same numbers.
    return [[float(f"{x:.12g}") for x in row] for row in points]


cases = {"sklearn": sklearn.__version__, "numpy": np.__version__}

# Well separated blobs: every algorithm must find them.
blobs, blob_labels = make_blobs(n_samples=300, centers=4, n_features=3, cluster_std=0.6, random_state=7)
blobs = np.array(rounded(blobs))
km = KMeans(n_clusters=4, init="k-means++", n_init=10, random_state=0).fit(blobs)
gmm = GaussianMixture(n_components=4, covariance_type="diag", n_init=5, random_state=0).fit(blobs)
cases["blobs"] = {
    "points": blobs.tolist(),
    "truth": blob_labels.tolist(),
    "kmeans": {"k": 4, "n_init": 10, "inertia": float(km.inertia_), "labels": km.labels_.tolist()},
    "gmm": {
        "k": 4, "n_init": 5,
        "log_likelihood": float(gmm.score(blobs) * len(blobs)),
        "bic": float(gmm.bic(blobs)),
        "labels": gmm.predict(blobs).tolist(),
        "bic_by_k": {str(k): float(GaussianMixture(n_components=k, covariance_type="diag", n_init=5, random_state=0).fit(blobs).bic(blobs)) for k in range(2, 8)},
    },
    "silhouette_by_k": {str(k): float(silhouette_score(blobs, KMeans(n_clusters=k, n_init=10, random_state=0).fit(blobs).labels_)) for k in range(2, 8)},
    "dbscan": {"eps": 1.0, "min_samples": 5, "labels": DBSCAN(eps=1.0, min_samples=5).fit(blobs).labels_.tolist()},
}

# Overlapping clusters in more dimensions, standardized as `kindred features export --standardized`
# writes them: k-means finds a local optimum, and the restarts decide how good it is.
raw, _ = make_blobs(n_samples=600, centers=6, n_features=5, cluster_std=2.5, random_state=11)
raw = raw * np.array([1, 10, 100, 0.1, 5]) + np.array([0, 50, 1000, 3, -20])
raw = np.array(rounded(raw))
scaled = StandardScaler().fit_transform(raw)
km6 = KMeans(n_clusters=6, init="k-means++", n_init=10, random_state=0).fit(scaled)
gmm6 = GaussianMixture(n_components=6, covariance_type="diag", n_init=3, random_state=0).fit(scaled)
cases["overlapping"] = {
    "points": raw.tolist(),
    "standardized": scaled.tolist(),
    "kmeans": {"k": 6, "n_init": 10, "inertia": float(km6.inertia_), "labels": km6.labels_.tolist()},
    "gmm": {"k": 6, "n_init": 3, "log_likelihood": float(gmm6.score(scaled) * len(scaled)), "bic": float(gmm6.bic(scaled)),
            "labels": gmm6.predict(scaled).tolist()},
}

# Two interleaved half moons: DBSCAN recovers them, k-means cannot.
moons, moon_labels = make_moons(n_samples=400, noise=0.05, random_state=3)
moons = np.array(rounded(moons))
db = DBSCAN(eps=0.2, min_samples=5).fit(moons)
km2 = KMeans(n_clusters=2, n_init=10, random_state=0).fit(moons)
cases["moons"] = {
    "points": moons.tolist(),
    "truth": moon_labels.tolist(),
    "dbscan": {"eps": 0.2, "min_samples": 5, "labels": db.labels_.tolist(), "ari_truth": float(adjusted_rand_score(moon_labels, db.labels_))},
    "kmeans": {"k": 2, "inertia": float(km2.inertia_), "ari_truth": float(adjusted_rand_score(moon_labels, km2.labels_))},
}

# Moons with scattered noise: DBSCAN's noise points, exactly.
rng = np.random.default_rng(5)
noisy = np.vstack([moons, rng.uniform(-1.5, 2.5, size=(40, 2))])
noisy = np.array(rounded(noisy))
cases["noisy_moons"] = {
    "points": noisy.tolist(),
    "dbscan": {"eps": 0.15, "min_samples": 6, "labels": DBSCAN(eps=0.15, min_samples=6).fit(noisy).labels_.tolist()},
}

# Adjusted Rand index on fixed labelings.
a = rng.integers(0, 4, size=200)
b = np.where(rng.uniform(size=200) < 0.7, a, rng.integers(0, 5, size=200))
cases["ari"] = {"a": a.tolist(), "b": b.tolist(), "value": float(adjusted_rand_score(a, b))}

print(json.dumps(cases))
