#!/usr/bin/env python3
"""gensim's Word2Vec beside `kindred evaluate --task next-item` on the Online Retail log.

The sessions are built from the CSV by the rules Kindred's import and training follow, so both
sides learn from the same item sequences:
- a line is a purchase when Quantity > 0 (a negative quantity is a return, which carries no
  interest) and UnitPrice >= 0 (Kindred refuses negative prices); StockCode is the item;
- an invoice (InvoiceNo) is a session, its lines in file order, an item repeated on
  consecutive lines counted once;
- the cut is 30 days before the newest InvoiceDate of any line Kindred imports (returns too);
  sessions up to the cut train, the later ones are walked step by step;
- a step a -> b counts when a occurs in the training sessions; a hit when b is among gensim's
  `most_similar(a, topn=k)`.

Prints one JSON object per run: the split's counts first, then hit rate, MRR and fit time for
each negative-sampling exponent asked for.

Usage: item2vec_peer.py CSV --k 20 --workers 2 --exponents 0.75,-0.5 [--epochs 10 ...]
"""
import argparse
import csv
import datetime as dt
import json
import time

import gensim
import numpy as np
from gensim.models import Word2Vec


def sessions(path):
    order, lines, last = [], {}, None
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        for row in csv.DictReader(f):
            try:
                quantity = float(row["Quantity"])
                price = float(row["UnitPrice"])
                when = dt.datetime.strptime(row["InvoiceDate"], "%Y-%m-%d %H:%M:%S")
            except (ValueError, KeyError):
                continue
            if not row["StockCode"] or price < 0:
                continue
            last = when if last is None or when > last else last
            if quantity <= 0:
                continue
            invoice = row["InvoiceNo"]
            if invoice not in lines:
                order.append(invoice)
                lines[invoice] = (when, [])
            items = lines[invoice][1]
            if not items or items[-1] != row["StockCode"]:
                items.append(row["StockCode"])
    return [lines[i] for i in order], last


def next_item(model, test, k):
    cache, hits, reciprocal, pairs, skipped = {}, 0, 0.0, 0, 0
    for items in test:
        for a, b in zip(items, items[1:]):
            if a == b:
                continue
            if a not in model.wv:
                skipped += 1
                continue
            pairs += 1
            if a not in cache:
                cache[a] = [w for w, _ in model.wv.most_similar(a, topn=k)]
            ranked = cache[a]
            if b in ranked:
                hits += 1
                reciprocal += 1 / (ranked.index(b) + 1)
    return hits / max(pairs, 1), reciprocal / max(pairs, 1), pairs, skipped


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--test-days", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--exponents", default="0.75")
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negatives", type=int, default=5)
    parser.add_argument("--subsampling", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--learning-rate", type=float, default=0.025)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    all_sessions, last = sessions(args.csv)
    cut = last - dt.timedelta(days=args.test_days)
    train = [items for when, items in all_sessions if when <= cut]
    test = [items for when, items in all_sessions if when > cut]
    print(json.dumps({"gensim": gensim.__version__, "cut": cut.isoformat(), "train_sequences": len(train),
                      "train_tokens": sum(map(len, train)), "vocabulary": len({i for s in train for i in s}),
                      "test_sequences": len(test)}), flush=True)
    for exponent in (float(e) for e in args.exponents.split(",")):
        started = time.perf_counter()
        model = Word2Vec(train, vector_size=args.factors, window=args.window, negative=args.negatives, ns_exponent=exponent,
                         sample=args.subsampling, epochs=args.epochs, alpha=args.learning_rate, min_alpha=0.0001,
                         min_count=1, sg=1, hs=0, workers=args.workers, seed=args.seed)
        fit = time.perf_counter() - started
        hr, mrr, pairs, skipped = next_item(model, test, args.k)
        print(json.dumps({"negative_exponent": exponent, "hit_rate": hr, "mrr": mrr, "pairs": pairs, "skipped_pairs": skipped,
                          "fit_s": fit}), flush=True)


if __name__ == "__main__":
    main()
