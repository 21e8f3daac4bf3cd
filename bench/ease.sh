#!/usr/bin/env bash
# EASE's dense fit at growing catalogs, beside the paper's numpy code (bench/ease_peer.py,
# float64, numpy's OpenBLAS on both cores) on the same events in the same run. Per size: a
# generated shop (`kindred generate`, 20,000 people, 600,000 events), `kindred train --algorithm
# ease` with its defaults on two threads (the fit, and the whole command's peak RSS), then
# `kindred events export` and the peer on the export.
#
# Usage: bench/ease.sh [ITEMS...]   (default: 5000 10000 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(5000 10000 20000)
python3 -c "import numpy, scipy" 2>/dev/null || pip install --quiet numpy scipy
source bench/lib/bench-shop.sh
source bench/lib/generated-shop.sh
kindred=$(kindred_binary)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| items | people | Kindred fit s | \`kindred train\` s | peak RSS MB | 8 x items² MB | numpy fit s | numpy peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|"
for items in "${sizes[@]}"; do
  db="$work/shop-$items.sqlite"
  generated_shop "$kindred" "$work/shop-$items" "$db" 20000 "$items" 600000
  /usr/bin/time -f '%M %e' -o "$work/time-$items" "$kindred" train --db "$db" --algorithm ease --threads 2 \
    --validation-days 0 --json > "$work/train-$items.json"
  "$kindred" events export --db "$db" --out "$work/export-$items" >/dev/null
  python3 bench/ease_peer.py "$work/export-$items" 500 > "$work/peer-$items.json"
  python3 - "$work" "$items" <<'PY'
import json, sys, pathlib
work, items = pathlib.Path(sys.argv[1]), sys.argv[2]
train = json.load(open(work / f"train-{items}.json"))
rss_kb, seconds = open(work / f"time-{items}").read().split()[-2:]
peer = json.load(open(work / f"peer-{items}.json"))
n = train["items"]
print(f"| {n:,} | {train['users']:,} | {train['fit_seconds']:.2f} | {float(seconds):.1f} | {int(rss_kb) / 1024:,.0f} | "
      f"{8 * n * n / 1048576:,.0f} | {peer['fit_seconds']:.2f} | {peer['peak_rss_mb']:,} |")
PY
done
