#!/usr/bin/env bash
# A/B of the recommendation route: two kindred binaries, OLD (an earlier commit's release build,
# e.g. from a git worktree) and NEW, on one database (built by OLD, migrated forward by NEW), with the
# same wrk script at a steady 1,000/s: strangers (the public key alone) and known people with
# their user tokens. Usage: bench/serve-ab.sh OLD_BIN NEW_BIN [seconds, default 30]
set -euo pipefail
old=$1; new=$2; seconds=${3:-30}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
source bench/lib/serve-shop.sh
db="$work/shop.sqlite"
serve_shop "$old" "$work"
public=$(cat "$work/public.key")
run() { # binary label
  "$1" serve --db "$db" --port "$port" --retrain-every off --log-level warning > "$work/serve-$2.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  for kind in strangers personal; do
    extra=""; [ "$kind" = personal ] && extra="TOKENS=$work/tokens"
    env KEY="$public" USERS="$work/users" CONNECTIONS=16 RATE=1000 $extra wrk -t2 -c16 -d"${seconds}s" -s bench/wrk/recommend.lua "http://127.0.0.1:$port" | tail -1 > "$work/$2-$kind-warm.json"
    pause=$(python3 -c "import json; print(max(0.0, 16 - json.load(open('$work/$2-$kind-warm.json'))['p50_ms']))")
    env KEY="$public" USERS="$work/users" CONNECTIONS=16 RATE=1000 DELAY_MS="$pause" $extra wrk -t2 -c16 -d"${seconds}s" -s bench/wrk/recommend.lua "http://127.0.0.1:$port" | tail -1 > "$work/$2-$kind.json"
    echo "$2 $kind $(cat "$work/$2-$kind.json")"
  done
  kill -TERM "$server"; wait "$server" || true; server=
}
run "$old" old
run "$new" new
