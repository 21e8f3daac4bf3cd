#!/usr/bin/env python3
"""The peer for bench/ease.sh: EASE as its paper publishes it (Steck 2019, numpy in float64:
G = X^T X, G[diag] += lambda, P = inv(G), B = P / -diag(P), B[diag] = 0), with numpy's
LAPACK (OpenBLAS) on both cores, on the very events Kindred trained on (`kindred events export`):
a person's summed weights per item, kept where positive, as the binary X Kindred builds.

Prints one JSON object: items, people, pairs, fit seconds (Gram, inverse and B) and the process's
peak RSS. Usage: bench/ease_peer.py EXPORT_DIR LAMBDA
"""
import csv
import glob
import json
import os
import resource
import sys
import time

import numpy as np
import scipy.sparse as sp


def main():
    folder, lam = sys.argv[1], float(sys.argv[2])
    weights = {}
    for path in sorted(glob.glob(os.path.join(folder, "events", "day=*", "part-*.csv"))):
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                key = (row["person"], row["item"])
                weights[key] = weights.get(key, 0.0) + float(row["weight"])
    pairs = [key for key, weight in weights.items() if weight > 0]
    people = {p: i for i, p in enumerate(sorted({p for p, _ in pairs}))}
    items = {t: i for i, t in enumerate(sorted({t for _, t in pairs}))}
    rows = np.fromiter((people[p] for p, _ in pairs), dtype=np.int64, count=len(pairs))
    cols = np.fromiter((items[t] for _, t in pairs), dtype=np.int64, count=len(pairs))
    x = sp.csr_matrix((np.ones(len(pairs)), (rows, cols)), shape=(len(people), len(items)))

    started = time.perf_counter()
    g = (x.T @ x).toarray()
    g[np.diag_indices_from(g)] += lam
    p = np.linalg.inv(g)
    b = p / (-np.diag(p))
    b[np.diag_indices_from(b)] = 0
    seconds = time.perf_counter() - started
    print(json.dumps({
        "items": len(items), "people": len(people), "pairs": len(pairs), "fit_seconds": round(seconds, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "numpy": np.__version__, "max_abs_b": float(np.abs(b).max()),
    }))


if __name__ == "__main__":
    main()
