# The shop of the serving benchmarks (bench/serve.sh, bench/serve-ab.sh, bench/tail.sh,
# bench/bandit.sh): 50,000 people, 100,000 items, EVENTS events (default 2,000,000), ALS with 64
# factors active.
# Usage (sourced): serve_shop KINDRED WORK [EVENTS] [STRANGERS]
# leaves in WORK: shop/ (the generated CSVs), shop.sqlite, train.json, public.key, users (9,000
# known people, then STRANGERS never seen, default 1,000), items, and tokens ("user<TAB>user
# token" for the 9,000 known people, valid a day).
serve_shop() {
  local kindred=$1 work=$2 events=${3:-2000000} strangers=${4:-1000}
  local shop="$work/shop" db="$work/shop.sqlite"
  "$kindred" generate --out "$shop" --users 50000 --items 100000 --events "$events" >/dev/null
  "$kindred" init --db "$db" >/dev/null
  "$kindred" import catalog "$shop/catalog.csv" --db "$db" >/dev/null
  for f in "$shop"/events-*.csv "$shop"/events-recent.jsonl; do "$kindred" import events "$f" --db "$db" >/dev/null; done
  "$kindred" train --db "$db" --algorithm als --params factors=64,iterations=15,regularization=0.1,alpha=1 \
    --validation-days 0 --no-anonymous-sessions --threads 2 --json > "$work/train.json"
  "$kindred" keys create --role public --db "$db" 2>/dev/null > "$work/public.key"
  # People who bought or browsed (known to the model) and a share of strangers (never seen).
  tail -n +2 "$shop/events-2026-11.csv" | cut -d, -f1 | sort -u | awk "NR <= 9000" > "$work/users"
  for n in $(seq 1 "$strangers"); do echo "visitor-$n"; done >> "$work/users"
  tail -n +2 "$shop/catalog.csv" | cut -d, -f1 > "$work/items"
  # Known people's user tokens, as a storefront sends them after login.
  local secret
  secret=$("$kindred" tokens secret --db "$db" 2>/dev/null)
  python3 - "$secret" "$work/users" "$work/tokens" <<'PY'
import base64, hashlib, hmac, sys, time
secret, users, out = sys.argv[1], sys.argv[2], sys.argv[3]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
with open(out, "w") as f:
    for user in [line.strip() for line in open(users)][:9000]:
        body = f"kt1.{b64(user.encode())}.{int(time.time()) + 86400}"
        f.write(f"{user}\t{body}.{b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())}\n")
PY
}

# Business rules of each kind, diversity 0.8 and 3 per category: "everything on" in bench/serve.sh.
everything_on() {
  local kindred=$1 work=$2
  local db="$work/shop.sqlite"
  "$kindred" settings set serving.diversity 0.8 --db "$db" >/dev/null
  "$kindred" settings set serving.max_per_category 3 --db "$db" >/dev/null
  local top_category pinned
  top_category=$(sqlite3 "$db" "SELECT category FROM items WHERE category IS NOT NULL GROUP BY category ORDER BY count(*) DESC LIMIT 1")
  pinned=$(head -1 "$work/items")
  "$kindred" rules add "boost 1.5 where category = '$top_category' and in_stock
bury where price > person.p75_price
pin $pinned at 3 for device = 'mobile'
filter where tags contains 'adult'
cap 2 per brand" --db "$db" >/dev/null
}
