#!/usr/bin/env python3
"""Reference values for Kindred's EASE: the closed form of Steck (2019) computed in float64 with
scipy's inverse, on a fixed random data set of weighted interactions (70 items, so that Kindred's
blocked factorization crosses blocks of 32 and ends on a partial one).

B = I - P diag(1/diag(P)) with P = (T^T T + lambda I)^-1, T the binary matrix of who took what
(as the paper; Kindred's weights do not enter the Gram matrix), then diag(B) = 0; a user's scores
are their weighted row X times B. Writes
Tests/KindredLearningTests/Reference/ease_reference.json with the interactions, lambda, B and the
scores X B of every user, so the Swift test fits the very same data.
Run: python3 scripts/reference/ease_reference.py (needs numpy and scipy from PyPI).
"""
import json
import pathlib

import numpy as np
import scipy
import scipy.linalg

USERS, ITEMS, GROUPS = 120, 70, 5
LAMBDA = 20.0


def interactions(rng):
    """Each user leans to one group of items (80% of their picks) and picks 4 to 12 items;
    a pick is a view (weight 1) or, one time in four, a purchase (weight 3)."""
    entries = {}
    per_group = ITEMS // GROUPS
    for user in range(USERS):
        group = user % GROUPS
        for _ in range(int(rng.integers(4, 13))):
            if rng.random() < 0.8:
                item = group * per_group + int(rng.integers(per_group))
            else:
                item = int(rng.integers(ITEMS))
            weight = 3.0 if rng.random() < 0.25 else 1.0
            entries[(user, item)] = max(entries.get((user, item), 0.0), weight)
    return sorted((u, i, w) for (u, i), w in entries.items())


def main():
    rng = np.random.default_rng(2019)
    entries = interactions(rng)
    x = np.zeros((USERS, ITEMS))
    for user, item, weight in entries:
        x[user, item] = weight
    taken = (x > 0).astype(float)
    gram = taken.T @ taken + LAMBDA * np.eye(ITEMS)
    p = scipy.linalg.inv(gram)
    b = -p / np.diag(p)[np.newaxis, :]
    np.fill_diagonal(b, 0.0)
    scores = x @ b
    out = {
        "about": "scripts/reference/ease_reference.py: EASE in float64 with scipy.linalg.inv",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "users": USERS,
        "items": ITEMS,
        "lambda": LAMBDA,
        "entries": [[u, i, w] for u, i, w in entries],
        "b": [[round(float(v), 7) for v in row] for row in b],
        "scores": [[round(float(v), 7) for v in row] for row in scores],
    }
    path = pathlib.Path(__file__).resolve().parents[2] / "Tests/KindredLearningTests/Reference/ease_reference.json"
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {path}: {len(entries)} interactions, max |B| {np.abs(b).max():.4f}")


if __name__ == "__main__":
    main()
