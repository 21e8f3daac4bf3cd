#!/usr/bin/env python3
"""Reference values for Kindred's item2vec: gensim's Word2Vec (skip-gram, negative sampling) on a
fixed corpus of synthetic sessions, scored by next-item hit rate and MRR at 5 exactly as
Kindred's NextItemEvaluation scores (each step a -> b, a != b, of a test session whose first item
was trained; a hit when b is among a's 5 most similar items).

Writes Tests/KindredLearningTests/Reference/item2vec_reference.json with the corpus itself, so
the Swift test trains on the very same sessions. Run: python3 scripts/reference/item2vec_reference.py
(needs gensim 4.4.0 and numpy from PyPI).
"""
import json
import pathlib

import gensim
import numpy as np
from gensim.models import Word2Vec

TOPICS, PER_TOPIC = 6, 10
ITEMS = TOPICS * PER_TOPIC
K = 5
PARAMS = dict(vector_size=16, window=3, negative=5, ns_exponent=0.75, sample=0, epochs=40, alpha=0.025, min_alpha=0.0001,
              min_count=1, sg=1, hs=0, workers=1)


def sessions(rng, count):
    """Walks inside one topic: the next item is the topic's following item half the time, another
    item of the topic 40% of the time, any item 10% of the time; repeats are collapsed."""
    result = []
    for _ in range(count):
        topic = rng.integers(TOPICS)
        item = topic * PER_TOPIC + rng.integers(PER_TOPIC)
        walk = [int(item)]
        for _ in range(int(rng.integers(5, 10))):
            u = rng.random()
            if u < 0.5:
                item = topic * PER_TOPIC + (item - topic * PER_TOPIC + 1) % PER_TOPIC
            elif u < 0.9:
                item = topic * PER_TOPIC + rng.integers(PER_TOPIC)
            else:
                item = rng.integers(ITEMS)
            if int(item) != walk[-1]:
                walk.append(int(item))
        result.append(walk)
    return result


def next_item(model, test, k):
    hits = reciprocal = pairs = 0
    for walk in test:
        for a, b in zip(walk, walk[1:]):
            if a == b or str(a) not in model.wv:
                continue
            pairs += 1
            ranked = [int(w) for w, _ in model.wv.most_similar(str(a), topn=k)]
            if b in ranked:
                hits += 1
                reciprocal += 1 / (ranked.index(b) + 1)
    return hits / pairs, reciprocal / pairs, pairs


def main():
    rng = np.random.default_rng(20261206)
    train, test = sessions(rng, 1500), sessions(rng, 300)
    runs = []
    for seed in (1, 2, 3, 4, 5):
        model = Word2Vec([[str(i) for i in s] for s in train], seed=seed, **PARAMS)
        hr, mrr, pairs = next_item(model, test, K)
        runs.append({"seed": seed, "hit_rate": hr, "mrr": mrr, "pairs": pairs})
    out = {
        "made_by": f"scripts/reference/item2vec_reference.py with gensim {gensim.__version__}",
        "parameters": {k: v for k, v in PARAMS.items() if k not in ("sg", "hs", "workers")},
        "k": K, "items": ITEMS, "topics": TOPICS, "per_topic": PER_TOPIC,
        "train": train, "test": test,
        "gensim": {"runs": runs, "mean_hit_rate": float(np.mean([r["hit_rate"] for r in runs])),
                   "mean_mrr": float(np.mean([r["mrr"] for r in runs]))},
    }
    path = pathlib.Path(__file__).resolve().parents[2] / "Tests/KindredLearningTests/Reference/item2vec_reference.json"
    path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(json.dumps(out["gensim"], indent=1))


if __name__ == "__main__":
    main()
