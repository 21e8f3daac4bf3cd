#!/usr/bin/env bash
# Where the tail of a recommendation's latency comes from: bench/tail_probe.py (one client, each
# request sent when the last was answered, so nothing queues) against `kindred serve` on the shop
# of bench/serve.sh with everything on (rules of each kind, diversity 0.8, 3 per category) and
# user tokens. It asks whether some people are slow to serve (two passes over 2,000 people,
# correlated), how the slow requests are spaced in time, and what another process burning 5 ms of
# CPU in every 50 ms does to them. Figures go to docs/benchmarks.md.
#
# Usage: bench/tail.sh [seconds per timeline, default 8]   (KINDRED_BIN: the binary to measure)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
source bench/lib/bench-shop.sh
source bench/lib/serve-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
serve_shop "$kindred" "$work"
everything_on "$kindred" "$work"
"$kindred" serve --db "$work/shop.sqlite" --port "$port" --retrain-every off --log-level warning > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
echo "binary: $kindred"
python3 bench/tail_probe.py "http://127.0.0.1:$port" "$(cat "$work/public.key")" "$work/tokens" "$seconds"
