#!/usr/bin/env python3
"""Trains implicit ALS with Spark MLlib on an export written by `kindred events export`.

`kindred train --engine spark` writes this file next to its export and runs it with
`spark-submit` (a cluster, or SPARK_HOME) or with the `python3` that has PySpark (local mode);
a shop can also run it by hand and load the result with `kindred models import`.

Input: the export folder (manifest.json and events/day=YYYY-MM-DD/part-*.csv|jsonl). The
person column holds pseudonyms (or `~session-N` for an anonymous visit), never a raw id.
Output, in --out:
  full/users, full/items            the factors fitted on every exported event
  validation/users, validation/items   the factors fitted on the validation training part
                                    (events whose validation_weight > 0), with --validation
  manifest.json                     what was fitted, with what, how long it took
Factors are JSON lines: {"person": "...", "factors": [...]} and {"item": "...", "factors": [...]}.

Kindred's confidence is 1 + alpha * weight over each (person, item) pair's summed weight, pairs
whose sum is not positive dropped; MLlib's implicit ALS takes the same confidence when given
the summed weight as the rating. MLlib scales the regularization by each row's number of
ratings (ALS-WR); Kindred's does not. The manifest says so, so that a reader comparing the two
knows why the same parameters give close rather than equal factors.
"""

import argparse
import json
import os
import sys
import time


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", required=True, help="the folder `kindred events export` wrote")
    parser.add_argument("--out", required=True, help="where the factors go (must not exist yet)")
    parser.add_argument("--master", default=None, help="Spark master; default: spark-submit's, else PySpark's local mode")
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--regularization", type=float, default=0.1)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--validation", action="store_true", help="also fit on the validation training part")
    parser.add_argument(
        "--driver-memory",
        default=os.environ.get("KINDRED_SPARK_DRIVER_MEMORY", "4g"),
        help="local mode only: the JVM's heap, where all the work happens (Spark's own default, 1g, is too small for millions of events)",
    )
    return parser.parse_args(argv)


def fail(message):
    print("kindred_als: " + message, file=sys.stderr)
    sys.exit(65)


def read_manifest(folder):
    path = os.path.join(folder, "manifest.json")
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except OSError as error:
        fail(f"{path}: cannot read the export's manifest ({error.strerror})")
    except json.JSONDecodeError as error:
        fail(f"{path}: line {error.lineno}: not JSON ({error.msg})")
    if manifest.get("kind") != "kindred-events-export":
        fail(f"{path}: not a Kindred events export (kind is {manifest.get('kind')!r})")
    if manifest.get("format") not in ("csv", "jsonl"):
        fail(f"{path}: format {manifest.get('format')!r} is not one this job reads (csv, jsonl)")
    return manifest


def load_events(spark, folder, manifest):
    from pyspark.sql import types as T

    schema = T.StructType(
        [T.StructField(column["name"], spark_type(column["type"]), True) for column in manifest["schema"]]
    )
    root = os.path.join(folder, "events")
    if manifest["format"] == "csv":
        frame = spark.read.csv(root, schema=schema, header=True, mode="FAILFAST", escape='"')
    else:
        frame = spark.read.json(root, schema=schema, mode="FAILFAST")
    return frame


def spark_type(name):
    from pyspark.sql import types as T

    return {"string": T.StringType(), "int64": T.LongType(), "float64": T.DoubleType()}[name]


def fit(frame, weight_column, arguments):
    """Sums each pair's weight, keeps positive sums, indexes people and items, fits ALS."""
    from pyspark.ml.feature import StringIndexer
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import functions as F

    pairs = (
        frame.groupBy("person", "item")
        .agg(F.sum(weight_column).alias("weight"))
        .where(F.col("weight") > 0)
        .cache()
    )
    people = StringIndexer(inputCol="person", outputCol="person_index", stringOrderType="alphabetAsc").fit(pairs)
    items = StringIndexer(inputCol="item", outputCol="item_index", stringOrderType="alphabetAsc").fit(pairs)
    indexed = items.transform(people.transform(pairs)).select(
        F.col("person_index").cast("int"), F.col("item_index").cast("int"), F.col("weight").cast("float")
    )
    als = ALS(
        rank=arguments.factors,
        regParam=arguments.regularization,
        alpha=arguments.alpha,
        maxIter=arguments.iterations,
        seed=arguments.seed,
        implicitPrefs=True,
        userCol="person_index",
        itemCol="item_index",
        ratingCol="weight",
        nonnegative=False,
        coldStartStrategy="drop",
    )
    started = time.monotonic()
    model = als.fit(indexed)
    # Fitting is lazy until the factors are read: count them inside the timed part.
    user_rows, item_rows = model.userFactors.count(), model.itemFactors.count()
    seconds = time.monotonic() - started
    pair_count = pairs.count()
    pairs.unpersist()
    return model, people.labels, items.labels, seconds, pair_count, user_rows, item_rows


def write_factors(spark, model, labels, key, factors, folder):
    from pyspark.sql import functions as F

    lookup = spark.createDataFrame([(index, label) for index, label in enumerate(labels)], ["id", key])
    (
        factors.join(lookup, "id")
        .select(F.col(key), F.col("features").alias("factors"))
        .write.mode("error")
        .json(folder)
    )


def main(argv):
    arguments = parse_arguments(argv)
    manifest = read_manifest(arguments.events)
    if os.path.exists(arguments.out):
        fail(f"{arguments.out}: already exists; give a new folder so that no earlier factors are mixed in")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("kindred-als")
    if arguments.master:
        builder = builder.master(arguments.master)
    if (arguments.master or "local").startswith("local"):
        # Takes effect when this process starts the JVM (PySpark); spark-submit sets its own.
        builder = builder.config("spark.driver.memory", arguments.driver_memory)
    spark = builder.config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "8").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    try:
        frame = load_events(spark, arguments.events, manifest).cache()
        rows = frame.count()
        if rows != manifest["rows"]:
            fail(f"{arguments.events}: the manifest counts {manifest['rows']} events, the files hold {rows}")
        fits = {}
        runs = [("full", "weight")] + ([("validation", "validation_weight")] if arguments.validation else [])
        for name, column in runs:
            model, people, items, seconds, pairs, user_rows, item_rows = fit(frame, column, arguments)
            write_factors(spark, model, people, "person", model.userFactors, os.path.join(arguments.out, name, "users"))
            write_factors(spark, model, items, "item", model.itemFactors, os.path.join(arguments.out, name, "items"))
            fits[name] = {
                "fit_seconds": round(seconds, 3),
                "pairs": pairs,
                "people": user_rows,
                "items": item_rows,
            }
        result = {
            "kind": "kindred-factors",
            "algorithm": "als",
            "engine": "spark",
            "spark_version": spark.version,
            "master": spark.sparkContext.master,
            "parameters": {
                "factors": arguments.factors,
                "regularization": arguments.regularization,
                "alpha": arguments.alpha,
                "iterations": arguments.iterations,
                "seed": arguments.seed,
            },
            "regularization_scaling": "per row's number of ratings (MLlib ALS-WR)",
            # What Kindred needs to rebuild the same data and split when it imports the factors.
            "export": {key: value for key, value in manifest.items() if key not in ("partitions", "schema")},
            "fits": fits,
        }
        with open(os.path.join(arguments.out, "manifest.json"), "w", encoding="utf-8") as handle:
            json.dump(result, handle, indent=2, sort_keys=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
