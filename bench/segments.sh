#!/usr/bin/env bash
# RFM segmentation of the Online Retail log (the analysis the data set was published with, Chen,
# Sain and Guo 2012), Kindred beside scikit-learn on the very same matrix: Kindred imports the log,
# computes recency, frequency and monetary value as of the day after the last invoice, exports the
# standardized matrix (`kindred features export --standardized`) and builds k-means, Gaussian
# mixture and DBSCAN segments on it (`kindred segments build`, timed whole: features, clustering,
# naming and writing); bench/segments_peer.py fits scikit-learn's KMeans, MiniBatchKMeans,
# GaussianMixture and DBSCAN on the exported file and compares.
#
# Usage: bench/segments.sh [PATH/online-retail.csv] [k, default 4]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/online-retail.sh
csv=$(online_retail_csv "${1:-}")
k=${2:-4}
python3 -c "import sklearn" 2>/dev/null || pip install --quiet scikit-learn==1.9.1 numpy
swift build -c release --product kindred >/dev/null
kindred=$(swift build -c release --show-bin-path)/kindred
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db="$work/or.sqlite"
import_online_retail "$kindred" "$db" "$csv" "$work"

at=2011-12-10   # the day after the last invoice
features=recency_days,frequency,monetary
"$kindred" features export --db "$db" --at "$at" --features "$features" --standardized --out "$work/rfm.csv" >/dev/null

seconds() { python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$1" "$2"; }
labels() { sqlite3 "$db" "SELECT u.pseudonym || ',' || s.key FROM segment_members JOIN segments AS s USING (segment_pk) JOIN users AS u USING (user_pk) WHERE s.retired_ms IS NULL" > "$1"; }
run() {  # algorithm, then build flags
  local algorithm=$1; shift
  local start end
  start=$(date +%s.%N)
  "$kindred" segments build --db "$db" --at "$at" --features "$features" --algorithm "$algorithm" "$@" --json > "$work/$algorithm.json"
  end=$(date +%s.%N)
  labels "$work/$algorithm.labels"
  echo "$(seconds "$start" "$end")" > "$work/$algorithm.seconds"
}
run kmeans --k "$k"
run gmm --k "$k"
run dbscan --radius 0.3 --min-points 10

python3 - "$work" <<'PY' > "$work/kindred.json"
import json, sys
work = sys.argv[1]
out = {}
for algorithm in ["kmeans", "gmm", "dbscan"]:
    report = json.load(open(f"{work}/{algorithm}.json"))
    entry = {"seconds": float(open(f"{work}/{algorithm}.seconds").read()), "labels_file": f"{work}/{algorithm}.labels"}
    for key in ["inertia", "log_likelihood", "bic", "noise"]:
        if report.get(key) is not None: entry[key] = report[key]
    if algorithm == "dbscan":
        entry.update(radius=0.3, min_points=10, clusters=report["k"] - (1 if report.get("noise") else 0))
    out[algorithm] = entry
print(json.dumps(out))
PY
python3 bench/segments_peer.py "$work/rfm.csv" "$k" "$work/kindred.json"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(swift --version 2>/dev/null | head -1)"
