"""Steady event load for bench/import-while-serving.sh: THREADS persistent connections, each
posting batches of BATCH events in a loop until the file STOP exists, every request's start
(CLOCK_MONOTONIC seconds, as `time.monotonic()` in any process), latency and status written to
OUT (one line each: start_s latency_s status)."""
import http.client
import json
import os
import random
import sys
import threading
import time

port = int(os.environ["PORT"])
key = os.environ["KEY"]
threads = int(os.environ.get("THREADS", "4"))
batch = int(os.environ.get("BATCH", "10"))
stop_file = os.environ["STOP"]
out_path = os.environ["OUT"]
users = [line.strip() for line in open(os.environ["USERS"]) if line.strip()]
items = [line.strip() for line in open(os.environ["ITEMS"]) if line.strip()]
types = ["view", "view", "view", "click", "add_to_cart", "purchase"]
records = []
lock = threading.Lock()


def run(worker):
    rng = random.Random(worker)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    sent = 0
    mine = []
    while not os.path.exists(stop_file):
        sent += 1
        now_ms = int(time.time() * 1000)
        events = [
            {"event_id": f"load-{worker}-{sent}-{n}", "type": rng.choice(types), "user_id": rng.choice(users),
             "item_id": rng.choice(items), "ts": now_ms + n, "device": "mobile", "country": "GB"}
            for n in range(batch)
        ]
        body = json.dumps({"events": events})
        started = time.monotonic()
        try:
            connection.request("POST", "/v1/events", body=body,
                               headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            status = response.status
        except Exception:
            status = 0
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        finished = time.monotonic()
        mine.append((started, finished - started, status))
        if status == 503:
            time.sleep(0.05)
    with lock:
        records.extend(mine)


workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
with open(out_path, "w") as out:
    for started, latency, status in sorted(records):
        out.write(f"{started:.4f} {latency:.4f} {status}\n")
