#!/usr/bin/env python3
"""Where the tail of a recommendation's latency comes from, asked of a running server by one
client that sends each request only after the last was answered (so nothing queues):

  people   two passes over the same people: if some people were slow to serve (long histories,
           many candidates filtered), their latencies in the two passes would correlate;
  timeline requests back to back for a while: p50, p99 and how the slow ones are spaced;
  burner   the same while another process burns CPU for BURN_MS of every PERIOD_MS, as the
           server's own writer and checkpointer threads, or wrk, do under load.

Usage: bench/tail_probe.py URL PUBLIC_KEY TOKENS_FILE [seconds, default 8]
TOKENS_FILE holds "user<TAB>token" lines (as bench/serve.sh writes them). Prints one JSON
object per probe.
"""
import http.client
import json
import multiprocessing
import random
import statistics
import sys
import time
import urllib.parse

BURN_MS, PERIOD_MS = 5.0, 50.0


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class Client:
    def __init__(self, url, key):
        parsed = urllib.parse.urlparse(url)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
        self.key = key

    def recommend(self, user, token):
        started = time.perf_counter()
        self.connection.request(
            "GET", f"/v1/users/{urllib.parse.quote(user)}/recommendations?k=10",
            headers={"Authorization": f"Bearer {self.key}", "X-Kindred-User-Token": token})
        response = self.connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"GET recommendations for {user}: HTTP {response.status}")
        return (time.perf_counter() - started) * 1000


def people(client, pairs):
    sample = random.Random(1).sample(pairs, min(2000, len(pairs)))
    for user, token in sample[:200]:
        client.recommend(user, token)
    first = [client.recommend(user, token) for user, token in sample]
    second = [client.recommend(user, token) for user, token in sample]
    return {"probe": "people", "people": len(sample), "p50_ms": round(statistics.median(first), 3),
            "p99_ms": round(percentile(first, 99), 3),
            "pearson_between_passes": round(statistics.correlation(first, second), 3)}


def timeline(client, pairs, seconds, label):
    chooser = random.Random(2)
    began = time.perf_counter()
    samples = []
    while time.perf_counter() - began < seconds:
        user, token = chooser.choice(pairs)
        at = time.perf_counter() - began
        samples.append((at, client.recommend(user, token)))
    latencies = [ms for _, ms in samples]
    p50 = statistics.median(latencies)
    slow = [at for at, ms in samples if ms > 2 * p50]
    gaps = [b - a for a, b in zip(slow, slow[1:])]
    return {"probe": label, "requests": len(samples), "p50_ms": round(p50, 3),
            "p99_ms": round(percentile(latencies, 99), 3), "p999_ms": round(percentile(latencies, 99.9), 3),
            "slower_than_twice_p50": len(slow), "share_slow": round(len(slow) / len(samples), 4),
            "median_gap_between_slow_ms": round(statistics.median(gaps) * 1000, 1) if gaps else None}


def burn(seconds):
    end = time.time() + seconds
    while time.time() < end:
        started = time.perf_counter()
        while (time.perf_counter() - started) * 1000 < BURN_MS:
            pass
        time.sleep((PERIOD_MS - BURN_MS) / 1000)


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    url, key, tokens = sys.argv[1], sys.argv[2], sys.argv[3]
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 8.0
    pairs = [tuple(line.rstrip("\n").split("\t", 1)) for line in open(tokens) if "\t" in line]
    if not pairs:
        raise SystemExit(f"{tokens}: no 'user<TAB>token' lines")
    client = Client(url, key)
    print(json.dumps(people(client, pairs)), flush=True)
    print(json.dumps(timeline(client, pairs, seconds, "timeline")), flush=True)
    burner = multiprocessing.Process(target=burn, args=(seconds + 1,))
    burner.start()
    try:
        result = timeline(client, pairs, seconds, f"burner {BURN_MS:g} ms of every {PERIOD_MS:g} ms")
    finally:
        burner.join()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
