#!/usr/bin/env bash
# The spark-runner's RDD and DataFrame pipelines on one warm session configured as
# the driver configures it (infra/bench/spark_table.py imports the driver's
# start_session), on generated normalized Parquet artifacts of 1,000 to 1,000,000 records
# (10,000,000 too with --large): medians of 5 after a warm-up (100 jobs of each
# pipeline, the JVM's steady state, then one per size), then a
# cold run (a fresh process: session start + one DataFrame job) at the smallest size.
# Usage: infra/bench-spark.sh [--sizes 1000,25000] [--large] [--runs N] [--warmup-jobs N] [--master URL] [--conf KEY=VALUE ...]
set -euo pipefail
cd "$(dirname "$0")/.."
python=${SLUICE_PYTHON:-.sluice/venv/bin/python}
exec "$python" infra/bench/spark_table.py "$@"
