"""The spark-runner's two pipelines on one warm session, by input size, and one cold start.

Generates normalized artifacts of each size as the driver reads them (a
directory of Parquet parts with the columns id, value, category and z, written
as the normalizer writes them: uncompressed, category dictionary-encoded, parts
of up to ``PART_RECORDS`` records, row groups of pyarrow's default length),
starts ONE SparkSession with the driver's own
``start_session`` (so the settings are exactly the service's), runs each
pipeline ``--warmup-jobs`` times on the smallest input to bring the JVM to its
steady state, then per size once more to warm up and ``--runs`` times timed,
printing the medians as a Markdown table. Then a cold run: a fresh Python
process that starts a session and runs the DataFrame pipeline once on the
smallest input, timed end to end from outside, and the ratio of that to the
warm time.

Usage: spark_table.py [--sizes 1000,5000,...] [--large] [--runs 5] [--warmup-jobs 100]
                      [--master local[*]] [--conf KEY=VALUE ...]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DRIVER_DIR = Path(__file__).resolve().parents[2] / "Services" / "spark-runner" / "driver"
sys.path.insert(0, str(DRIVER_DIR))

from sluice_pipelines import dataframe_aggregates, rdd_aggregates, write_part  # noqa: E402
from sluice_spark_driver import _conf_item, start_session  # noqa: E402

SIZES = (1_000, 5_000, 10_000, 25_000, 100_000, 1_000_000)
LARGE = 10_000_000
CATEGORIES = ("A", "B", "C", "D", "E", "F", "G", "H")
# Records of a part, as the normalizer writes them (SLUICE_NORMALIZE_PART_RECORDS, 2^21).
PART_RECORDS = 1 << 21
THRESHOLD = 3.0

# What the cold process runs: a session as the driver starts it, one DataFrame job, exit.
COLD = """
import sys
sys.path.insert(0, sys.argv[1])
from sluice_pipelines import dataframe_aggregates
from sluice_spark_driver import _conf_item, start_session
spark = start_session(sys.argv[2], [_conf_item(item) for item in sys.argv[4:]])
dataframe_aggregates(spark, sys.argv[3], 3.0)
spark.stop()
"""


def write_input(directory: Path, records: int, seed: int) -> None:
    """Create ``directory`` holding ``records`` rows the way the normalizer leaves them: value, and its
    z-score over the job, in parts of up to ``PART_RECORDS`` records."""
    rng = np.random.default_rng(seed)
    values = rng.normal(50.0, 12.0, records)
    z = (values - values.mean()) / values.std()
    categories = pc.take(pa.array(CATEGORIES), rng.integers(0, len(CATEGORIES), records))
    ids = np.arange(1, records + 1, dtype=np.int64)
    directory.mkdir()
    for index, start in enumerate(range(0, records, PART_RECORDS)):
        stop = min(start + PART_RECORDS, records)
        columns = {"id": ids[start:stop], "value": values[start:stop], "category": categories[start:stop], "z": z[start:stop]}
        write_part(directory / f"part-{index:05d}.parquet", columns)


def median_seconds(job: Callable[[], object], runs: int) -> float:
    """The median wall clock of ``runs`` calls after one untimed warm-up call."""
    job()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cold_seconds(master: str, path: Path, conf: list[str], log: Path) -> float:
    """A fresh interpreter: start a session, one DataFrame job, stop; timed from launch to exit."""
    started = time.perf_counter()
    with log.open("wb") as stderr:
        subprocess.run(
            [sys.executable, "-c", COLD, str(DRIVER_DIR), master, str(path), *conf],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")], default=list(SIZES))
    parser.add_argument("--large", action="store_true", help=f"also {LARGE:,} records")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--warmup-jobs",
        type=int,
        default=100,
        metavar="N",
        help="jobs of each pipeline on the smallest input before timing (default 100: the JVM's steady state)",
    )
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="as the driver's --conf")
    args = parser.parse_args()
    sizes = sorted(set(args.sizes + ([LARGE] if args.large else [])))

    with tempfile.TemporaryDirectory(prefix="sluice-bench-spark-") as directory:
        folder = Path(directory)
        inputs = {}
        for n in sizes:
            inputs[n] = folder / f"normalized-{n}.parquet"
            write_input(inputs[n], n, seed=n)
        print(f"inputs written to {folder}", file=sys.stderr)

        spark = start_session(args.master, [_conf_item(item) for item in args.conf])
        # The JVM compiles its hot paths over the first hundred or so jobs (a service's
        # session is past them within its first minutes of work): warm both pipelines
        # before any size is timed.
        warming = time.perf_counter()
        for _ in range(args.warmup_jobs):
            rdd_aggregates(spark, str(inputs[sizes[0]]), THRESHOLD)
            dataframe_aggregates(spark, str(inputs[sizes[0]]), THRESHOLD)
        print(f"Spark {spark.version}, master {spark.sparkContext.master}, "
              f"default parallelism {spark.sparkContext.defaultParallelism}, "
              f"warm-up {args.warmup_jobs} jobs of each pipeline on {sizes[0]:,} records "
              f"({time.perf_counter() - warming:.1f} s), runs {args.runs} (medians)")
        print("| records | RDD s | DataFrame s | speedup (RDD/DataFrame) | RDD records/s | DataFrame records/s |")
        print("|---:|---:|---:|---:|---:|---:|")
        warm = {}
        for n in sizes:
            path = str(inputs[n])
            rdd = median_seconds(lambda: rdd_aggregates(spark, path, THRESHOLD), args.runs)
            frame = median_seconds(lambda: dataframe_aggregates(spark, path, THRESHOLD), args.runs)
            warm[n] = frame
            print(f"| {n:,} | {rdd:.3f} | {frame:.3f} | {rdd / frame:.2f}× | {n / rdd:,.0f} | {n / frame:,.0f} |", flush=True)
        spark.stop()

        smallest = sizes[0]
        cold = cold_seconds(args.master, inputs[smallest], args.conf, folder / "cold.log")
        print(f"\ncold (fresh process: session start + one DataFrame job + stop) at {smallest:,} records: {cold:.1f} s; "
              f"warm DataFrame {warm[smallest]:.3f} s; warm is {cold / warm[smallest]:.0f}× faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
