#!/usr/bin/env python3
"""Time from an event to the changed list, on loopback, two ways in the same run:

  stream: a page holds GET /v1/users/{id}/recommendations/stream open; it posts a purchase of the
          list's first item (which must then leave the list) and waits for the next list;
  refetch (the peer): the same purchase, then GET /v1/users/{id}/recommendations right after the
          POST returns (again until the item has left), as a page without the stream would
          refresh its block.

    bench/stream_latency.py --url http://127.0.0.1:8080 --key kd_pub_... --token-cmd "kindred tokens mint"
"""
import argparse
import http.client
import json
import statistics
import subprocess
import time
import urllib.parse


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Stream:
    """A server-sent event stream read from a raw HTTP connection."""

    def __init__(self, host, port, path, headers):
        self.connection = http.client.HTTPConnection(host, port, timeout=30)
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()
        assert self.response.status == 200, self.response.read()
        self.buffer = b""

    def next_list(self):
        while True:
            while b"\n\n" not in self.buffer:
                chunk = self.response.read1(65536)
                if not chunk:
                    raise EOFError("the stream ended")
                self.buffer += chunk
            block, self.buffer = self.buffer.split(b"\n\n", 1)
            if b"event: recommendations" in block:
                data = [line[6:] for line in block.split(b"\n") if line.startswith(b"data: ")]
                return json.loads(data[0])


def post(connection, key, token, body):
    connection.request("POST", "/v1/events", body=json.dumps(body),
                       headers={"Authorization": "Bearer " + key, "X-Kindred-User-Token": token, "Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    assert response.status == 200, response.status


def purchase(user, item, n):
    return {"events": [{"event_id": f"bench-{user}-{n}", "type": "purchase", "user_id": user, "item_id": item,
                        "ts": int(time.time() * 1000), "value": 1}]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--token-cmd", required=True, help="prints a token for the user given as its last argument")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    target = urllib.parse.urlparse(args.url)
    results = {}
    for mode in ("stream", "refetch"):
        user = f"bench-{mode}-{int(time.time())}"
        token = subprocess.run(args.token_cmd.split() + [user], capture_output=True, text=True, check=True).stdout.strip()
        headers = {"Authorization": "Bearer " + args.key, "X-Kindred-User-Token": token}
        poster = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        path = f"/v1/users/{user}/recommendations"
        stream = Stream(target.hostname, target.port, path + "/stream?k=10", headers) if mode == "stream" else None
        if stream:
            current = stream.next_list()
        else:
            poster.request("GET", path + "?k=10", headers=headers)
            current = json.loads(poster.getresponse().read())
        seconds = []
        for n in range(args.rounds):
            first = current["items"][0]["item_id"]
            started = time.perf_counter()
            post(poster, args.key, token, purchase(user, first, n))
            while True:
                if stream:
                    current = stream.next_list()
                else:
                    poster.request("GET", path + "?k=10", headers=headers)
                    current = json.loads(poster.getresponse().read())
                # Until the bought item has left the list: at once when the server is quiet and
                # files events before answering; after the next filing under load.
                if first not in [i["item_id"] for i in current["items"]]:
                    break
            seconds.append(time.perf_counter() - started)
        results[mode] = seconds
    for mode, seconds in results.items():
        ms = [s * 1000 for s in seconds]
        print(f"{mode:8} rounds {len(ms)}  p50 {statistics.median(ms):.2f} ms  p99 {percentile(ms, 99):.2f} ms  max {max(ms):.2f} ms")


if __name__ == "__main__":
    main()
