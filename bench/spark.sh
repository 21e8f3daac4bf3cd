#!/usr/bin/env bash
# Training on Spark beside training here, on the 2,000,000-event benchmark shop (50,000 people,
# 100,000 items; built once by bench/serve.sh or bench/events.sh in $KINDRED_BENCH_SHOP):
#   1. `kindred events export` alone: rows, seconds, events/s, peak RSS;
#   2. `kindred train --algorithm als` here (the peer), validation fit and final fit;
#   3. `kindred train --engine spark --spark-master local[2]`: export, spark-submit / PySpark
#      (JVM start, both fits, writing the factors), import; the final fit as the job timed it;
#   4. `kindred models compare` of the two versions: how far their lists agree.
# Both trainings use ALS's defaults (64 factors, 15 iterations, alpha 1, regularization 0.1).
# Needs Java and PySpark (apt-get install -y openjdk-17-jre-headless && pip install pyspark==3.5.7).
# Usage: bench/spark.sh   (KINDRED_BIN=path runs that binary)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/bench-shop.sh
kindred=$(kindred_binary)
shop=$(bench_shop)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$shop/shop.sqlite" "$work/run.sqlite"
cp "$shop/shop.sqlite.key" "$work/run.sqlite.key"
db=(--db "$work/run.sqlite")
field() { python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'r': r}))" "$@"; }

echo "== export"
/usr/bin/time -f "%e s wall, %M KB peak RSS" -o "$work/export.time" "$kindred" events export --out "$work/export" "${db[@]}" --json > "$work/export.json"
echo "events: $(field "$work/export.json" "r['rows']"), files: $(field "$work/export.json" "r['partitions']"), bytes: $(field "$work/export.json" "r['bytes']")"
echo "seconds: $(field "$work/export.json" "round(r['seconds'], 2)"), events/s: $(field "$work/export.json" "round(r['events_per_second'])"); $(cat "$work/export.time")"

echo "== kindred train --algorithm als (here)"
/usr/bin/time -f "%e s wall, %M KB peak RSS" -o "$work/local.time" "$kindred" train --algorithm als --no-activate "${db[@]}" --json > "$work/local.json"
echo "version $(field "$work/local.json" "r['version']"): final fit $(field "$work/local.json" "round(r['fit_seconds'], 2)") s, whole run $(field "$work/local.json" "round(r['training_seconds'], 2)") s, validation ndcg@20 $(field "$work/local.json" "round(r['validation']['ndcg'], 4)"); $(cat "$work/local.time")"

echo "== kindred train --engine spark --spark-master local[2]"
/usr/bin/time -f "%e s wall, %M KB peak RSS (kindred or its largest child, the JVM)" -o "$work/spark.time" \
  "$kindred" train --engine spark --spark-master 'local[2]' --no-activate --work-folder "$work/spark" --keep-work "${db[@]}" --json > "$work/spark.json"
echo "version $(field "$work/spark.json" "r['training']['version']"): export $(field "$work/spark.json" "round(r['export_seconds'], 2)") s, spark job $(field "$work/spark.json" "round(r['spark_seconds'], 2)") s (final fit $(field "$work/spark.json" "round(r['spark_fit_seconds'], 2)") s, validation fit $(field "$work/spark/factors/manifest.json" "r['fits']['validation']['fit_seconds']") s), import $(field "$work/spark.json" "round(r['import_seconds'], 2)") s"
echo "validation ndcg@20 $(field "$work/spark.json" "round(r['training']['validation']['ndcg'], 4)"); $(cat "$work/spark.time")"
echo "spark: $(field "$work/spark/factors/manifest.json" "r['spark_version'] + ' ' + r['master']")"

echo "== agreement"
"$kindred" models compare "$(field "$work/spark.json" "r['training']['version']")" "$(field "$work/local.json" "r['version']")" "${db[@]}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB"
