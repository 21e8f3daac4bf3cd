#!/usr/bin/env bash
# Segments at scale: a generated shop of 1,000,000 people, Kindred beside scikit-learn on the same
# matrix. Kindred's figure is the whole `kindred segments build --k 20` command (process start,
# reading the feature store, computing everyone's features, k-means with k-means++ seeding and
# 10 restarts on two threads, naming, writing a million memberships), and, apart, the same
# features written by `kindred features export --standardized`; bench/segments_million_peer.py
# fits scikit-learn's KMeans on that very file with the same settings (k-means++, 10 restarts,
# max 300 iterations, tol 1e-4, two threads) and compares inertia and labels. Peak RSS of each
# side from /usr/bin/time.
#
# The shop (a `kindred generate` catalog of 20,000 items and bench/million_people.py's events:
# every person has a session or more, and one of six personas) is built once into
# $KINDRED_MILLION_SHOP (default /tmp/kindred-million-shop-PEOPLE) and reused; each run works on
# a copy.
#
# Usage: bench/segments-million.sh [people, default 1000000] [k, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
people=${1:-1000000}
k=${2:-20}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
python3 -c "import sklearn" 2>/dev/null || pip install --quiet scikit-learn==1.9.1 numpy
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
shop=${KINDRED_MILLION_SHOP:-${TMPDIR:-/tmp}/kindred-million-shop-$people}
if [ ! -f "$shop/ready" ]; then
  rm -rf "$shop" && mkdir -p "$shop"
  start=$(date +%s)
  "$kindred" generate --out "$shop/files" --users 1000 --items 20000 --events 1000 >/dev/null
  python3 bench/million_people.py "$shop/files/catalog.csv" "$people" "$shop/events.csv"
  "$kindred" init --db "$shop/shop.sqlite" >/dev/null
  "$kindred" import catalog "$shop/files/catalog.csv" --db "$shop/shop.sqlite" >/dev/null
  "$kindred" import events "$shop/events.csv" --db "$shop/shop.sqlite" >/dev/null
  echo "shop built in $(($(date +%s) - start)) s: $shop ($(sqlite3 "$shop/shop.sqlite" "SELECT count(*) FROM events") events)"
  touch "$shop/ready"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$shop/shop.sqlite" "$work/run.sqlite"
cp "$shop/shop.sqlite.key" "$work/run.sqlite.key"

timed() {  # name, then the command: wall seconds and peak RSS (KiB) into $work/name.time
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@"
}
timed export "$kindred" features export --db "$work/run.sqlite" --standardized --out "$work/matrix.csv" >/dev/null
timed build "$kindred" segments build --db "$work/run.sqlite" --k "$k" --threads 2 --json > "$work/build.json"
sqlite3 "$work/run.sqlite" \
  "SELECT u.pseudonym || ',' || s.key FROM segment_members JOIN segments AS s USING (segment_pk) JOIN users AS u USING (user_pk) WHERE s.retired_ms IS NULL AND s.kind = 'cluster'" \
  > "$work/labels.csv"
timed peer python3 bench/segments_million_peer.py "$work/matrix.csv" "$k" "$work/build.json" "$work/labels.csv" > "$work/peer.json"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def timing(name):
    seconds, kib = open(f"{work}/{name}.time").read().split()
    return float(seconds), int(kib) / 1024
build = json.load(open(f"{work}/build.json"))
peer = json.load(open(f"{work}/peer.json"))
export_s, export_mb = timing("export")
build_s, build_mb = timing("build")
peer_s, peer_mb = timing("peer")
print(f"people clustered: {build['people']:,}, features: {len(build['features'])}, k = {build['k']}")
print(f"segments build: features {build['feature_seconds']:.1f} s, k-means {build['clustering_seconds']:.1f} s "
      f"({build['iterations']} iterations in the restart kept), naming and writing {build['writing_seconds']:.1f} s")
print("| what | seconds | peak RSS MB |")
print("|---|---|---|")
print(f"| kindred segments build --k {build['k']} (whole command) | {build_s:.1f} | {build_mb:.0f} |")
print(f"| kindred features export --standardized (whole command) | {export_s:.1f} | {export_mb:.0f} |")
print(f"| scikit-learn KMeans fit (matrix in memory) | {peer['fit_seconds']:.1f} | |")
print(f"| scikit-learn: read the matrix and fit (whole process) | {peer_s:.1f} | {peer_mb:.0f} |")
print(f"inertia: Kindred {build['inertia']:.6f}, scikit-learn {peer['inertia']:.6f}, ratio {build['inertia'] / peer['inertia']:.5f}")
print(f"adjusted Rand index, Kindred against scikit-learn: {peer['ari']:.4f}; scikit-learn {peer['sklearn']}, threads {peer['threads']}")
PY
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(swift --version 2>/dev/null | head -1)"
