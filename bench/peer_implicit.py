#!/usr/bin/env python3
"""The peer side of bench/recommender.sh: implicit's conjugate-gradient ALS on exactly the
matrix Kindred trains on.

Reads the files `kindred generate` writes (events-*.csv and events-recent.jsonl), builds the
user x item matrix with Kindred's default event weights (see EventWeights in
Sources/KindredLearning/Core/Interactions.swift: view 1, click 2, dwell 1 per minute up to
5 minutes, scroll x depth, add_to_cart 4, remove_from_cart -2, purchase 8, return -8,
rating 2 per star above 3, impressions and searches 0; pairs summing to <= 0 dropped),
confidence 1 + alpha * weight, then times implicit's fit and its single-user recommend call
(with already-bought items filtered, N=10), and prints one JSON object.

Usage: peer_implicit.py DIR [factors] [iterations] [threads] [requests]
"""
import csv, glob, json, os, sys, time
from collections import defaultdict

import numpy as np
import scipy.sparse as sp
import threadpoolctl

directory = sys.argv[1]
factors = int(sys.argv[2]) if len(sys.argv) > 2 else 64
iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 15
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
requests = int(sys.argv[5]) if len(sys.argv) > 5 else 2000

WEIGHTS = {"view": 1.0, "click": 2.0, "add_to_cart": 4.0, "remove_from_cart": -2.0, "purchase": 8.0, "return": -8.0,
           "impression": 0.0, "search": 0.0}

def weight(kind, value):
    if kind in WEIGHTS:
        return WEIGHTS[kind]
    v = float(value) if value not in (None, "") else 0.0
    if kind == "dwell":
        return min(max(v, 0.0), 300.0) / 60.0
    if kind == "scroll":
        return min(max(v, 0.0), 1.0)
    if kind == "rating":
        return 2.0 * (v - 3.0)
    raise ValueError(kind)

def rows():
    for path in sorted(glob.glob(os.path.join(directory, "events-*.csv"))):
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                yield r["user_id"], r["item_id"], r["type"], r["value"]
    recent = os.path.join(directory, "events-recent.jsonl")
    if os.path.exists(recent):
        with open(recent) as f:
            for line in f:
                o = json.loads(line)
                yield o["user_id"], o.get("item_id", ""), o["type"], o.get("value")

t0 = time.perf_counter()
pairs = defaultdict(float)
users, items = {}, {}
with open(os.path.join(directory, "catalog.csv"), newline="") as f:
    for r in csv.DictReader(f):
        items.setdefault(r["item_id"], len(items))
for user, item, kind, value in rows():
    if not item:
        continue
    w = weight(kind, value)
    if w == 0:
        continue
    u = users.setdefault(user, len(users))
    i = items.setdefault(item, len(items))
    pairs[(u, i)] += w
keys = [k for k, w in pairs.items() if w > 0]
ui = np.array(keys, dtype=np.int64)
w = np.array([pairs[k] for k in keys], dtype=np.float32)
alpha = 1.0
C = sp.csr_matrix((1.0 + alpha * w, (ui[:, 0], ui[:, 1])), shape=(len(users), len(items)), dtype=np.float32)
read_s = time.perf_counter() - t0

from implicit.als import AlternatingLeastSquares
import implicit

with threadpoolctl.threadpool_limits(1, "blas"):
    model = AlternatingLeastSquares(factors=factors, regularization=0.1, alpha=1.0, iterations=iterations,
                                    use_cg=True, num_threads=threads, random_state=0)
    t0 = time.perf_counter()
    model.fit(C, show_progress=False)
    fit_s = time.perf_counter() - t0

    rng = np.random.default_rng(1)
    sample = rng.integers(0, C.shape[0], size=requests + 1)
    latencies = []
    for n, u in enumerate(sample):
        t0 = time.perf_counter()
        model.recommend(int(u), C[int(u)], N=10, filter_already_liked_items=True)
        if n:
            latencies.append((time.perf_counter() - t0) * 1000)
lat = np.array(latencies)
print(json.dumps({
    "peer": f"implicit {implicit.__version__} AlternatingLeastSquares(use_cg=True)",
    "users": C.shape[0], "items": C.shape[1], "nnz": int(C.nnz), "factors": factors, "iterations": iterations,
    "threads": threads, "read_and_build_s": round(read_s, 2), "fit_s": round(fit_s, 3),
    "recommend_p50_ms": round(float(np.percentile(lat, 50)), 3), "recommend_p99_ms": round(float(np.percentile(lat, 99)), 3),
}))
