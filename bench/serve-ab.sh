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
shop="$work/shop"; db="$work/shop.sqlite"
"$old" generate --out "$shop" --users 50000 --items 100000 --events 2000000 >/dev/null
"$old" init --db "$db" >/dev/null
"$old" import catalog "$shop/catalog.csv" --db "$db" >/dev/null
for f in "$shop"/events-*.csv "$shop"/events-recent.jsonl; do "$old" import events "$f" --db "$db" >/dev/null; done
"$old" train --db "$db" --algorithm als --params factors=64,iterations=15,regularization=0.1,alpha=1 --validation-days 0 --no-anonymous-sessions --threads 2 --json > /dev/null
public=$("$old" keys create --role public --db "$db" 2>/dev/null)
secret=$("$old" tokens secret --db "$db" 2>/dev/null)
tail -n +2 "$shop/events-2026-11.csv" | cut -d, -f1 | sort -u | awk "NR <= 9000" > "$work/users"
for n in $(seq 1 1000); do echo "visitor-$n"; done >> "$work/users"
python3 - "$secret" "$work/users" "$work/tokens" <<'PY'
import base64, hashlib, hmac, sys, time
secret, users, out = sys.argv[1], sys.argv[2], sys.argv[3]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
with open(out, "w") as f:
    for user in [line.strip() for line in open(users)][:9000]:
        body = f"kt1.{b64(user.encode())}.{int(time.time()) + 86400}"
        f.write(f"{user}\t{body}.{b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())}\n")
PY
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
