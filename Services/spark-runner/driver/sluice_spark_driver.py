#!/usr/bin/env python3
"""Sluice spark-runner driver: one warm SparkSession answering aggregation requests over stdin/stdout.

The Swift ``spark-runner`` service starts this script as a child process and
talks to it in JSON lines (UTF-8, one JSON object per line, ``\\n``-terminated).

Command line::

    sluice_spark_driver.py [--master URL] [--conf KEY=VALUE ...] [--concurrency N] [--no-warmup]

``--master`` defaults to ``local[*]``; ``--conf`` is repeatable and overrides the
built-in settings (small-job tuning: ``spark.sql.shuffle.partitions=2``,
adaptive execution off, no listing job for batches of many files, Arrow on, UI and console progress bar off). With a
local master the driver runs both pipelines once on tiny temporary Parquet
inputs before it is ready, so that JVM and Python-worker warm-up is not timed as
part of the first job; ``--no-warmup`` skips that.

Channels
    stdout carries protocol lines and nothing else: the driver moves file
    descriptor 1 onto stderr before Spark starts, so the JVM, log4j, the
    Python workers and stray prints all write to stderr (log level WARN).
    stderr is free-form diagnostics.

Startup
    The driver creates one SparkSession, warms it up, and writes exactly one line::

        {"event": "ready", "spark_version": "4.3.0", "master": "local[*]", "startup_seconds": 9.8}

    startup_seconds covers the session start and the warm-up. If either
    fails, the driver exits with status 1 without that line.

Requests (stdin), one response line per request (blank lines are ignored,
unknown keys are ignored). The driver works on up to ``--concurrency`` request
lines at once (default 1: one at a time, answered in order), each in a Spark
job of its own, so a small request need not wait for a large one; responses to
lines it works on at once come in the order they finish. It reads a line only
when it has room for it::

    {"request_id": "r-1", "job_id": "…", "input": "/path/to/normalized.parquet",
     "compare_pipelines": true, "outlier_threshold": 3.0}

    request_id, job_id  strings, echoed in the response
    input               local path (on a cluster: the same path on every host,
                        e.g. an NFS mount) of the job's normalized artifact: a
                        directory of Parquet files part-00000.parquet,
                        part-00001.parquet, … (see "Input" below)
    compare_pipelines   optional boolean, default true: also run the RDD
                        pipeline and compare it with the DataFrame pipeline
    outlier_threshold   optional finite number >= 0, default 3.0: a row is an
                        outlier when |z| > outlier_threshold
    pipelines           optional, "concurrent" (default) or "sequential": run
                        the RDD pipeline at the same time as the DataFrame
                        pipeline (faster, each one's seconds overlap the
                        other's) or after it (an undisturbed comparison)

Batches: a line ``{"batch": [request, request, ...]}`` asks for several small
requests at once. The driver answers it with one response line per request,
in order, each as if it had come alone. Requests with the same
compare_pipelines, outlier_threshold and pipelines run as one Spark job per pipeline
(all their inputs read in one scan, grouped by input and category); their
responses carry ``"batch": {"jobs": n, "records": r, "pipelines_concurrent": c}``
(n requests, r records in that Spark job), and their timings are the Spark
job's: seconds for all n, throughput r / seconds (c: whether the two
pipelines ran at once). One request's bad input fails that request alone; if
the batched job itself fails, each request is run on its own.

Input
    A directory holding one part (a small job) or several (a large one),
    named part-*.parquet (other files in it are ignored), each of one or more
    row groups, with exactly these required (non-nullable) columns, in any
    order: id INT64 (or INT64 with the logical type INT(64, signed)), value
    DOUBLE, category BYTE_ARRAY with the logical type STRING, z DOUBLE (the
    normalized value, what is aggregated). The footers are checked before any
    Spark job; the pages when they are read. Every z must be finite: one NaN
    or infinity fails the request.

Success response (aggregates from the DataFrame pipeline, categories sorted)::

    {"request_id": "r-1", "job_id": "…", "ok": true, "records": 3,
     "categories": [{"category": "A", "count": 2, "sum": …, "mean": …, "std": …,
                     "min": …, "max": …, "outliers": 0}, …],
     "dataframe": {"seconds": 0.41, "throughput_records_per_second": 7.3},
     "rdd": {"seconds": 0.62, "throughput_records_per_second": 4.8},
     "comparison": {"agree": true, "tolerance": {"relative": 1e-09, "absolute": 1e-12},
                    "max_abs_difference": 0.0},
     "speedup": 1.51, "pipelines_concurrent": true}

    std is the population standard deviation (0 for a single row). seconds is
    the wall clock of one pipeline (reading, aggregating, collecting the
    per-category rows), speedup = rdd seconds / dataframe seconds.
    "rdd", "comparison", "speedup" and "pipelines_concurrent" are present only
    when the pipelines were compared; pipelines_concurrent says whether they
    ran at once, their seconds overlapping. Counts and outliers must be equal; a float aggregate a
    (DataFrame) and b (RDD) agree when
    |a - b| <= absolute + relative * max(|a|, |b|, m), m being the category's
    largest |z| (times its count for the sum). An input whose parts hold no
    rows gives "records": 0 and "categories": []. No number is ever NaN or
    infinite.

Error response; the driver keeps serving::

    {"request_id": "r-1", "job_id": "…", "ok": false,
     "error": {"kind": "…", "message": "…"}}

    bad_request         the line is not a JSON object or a field is missing or
                        wrong (request_id and job_id are null unless they could
                        be read from the line)
    input_missing       the input does not exist:
                            input not found: PATH
    input_invalid       the input cannot be read as a normalized artifact; the
                        message starts with the input (PATH, as requested) or
                        the part at fault (PART: PATH/part-NNNNN.parquet):
                            PATH: not a directory of part-*.parquet files
                            PATH: a directory without part-*.parquet files
                            PART: not a readable Parquet file: REASON
                                (not Parquet, or its footer cut off)
                            PART: wrong schema: WHAT; expected id INT64, value
                                DOUBLE, category BYTE_ARRAY String, z DOUBLE,
                                all REQUIRED
                                (WHAT: "columns id, value, group, z" or, per
                                column, "z is FLOAT REQUIRED")
                            PART: truncated or corrupt: column C of row group
                                R spans bytes S to E, outside the data (bytes
                                4 to D)   (cut short before its footer)
                            PART: row group R cannot be read: REASON
                                (a damaged page: found when a Spark job over
                                the input fails, by reading its pages again)
                            PATH: N records with a z that is not a finite
                                number (NaN or infinite)
                            PATH: the aggregates of z overflow a double
    pipelines_disagree  the RDD and DataFrame results differ beyond the tolerance
    spark_error         Spark failed; if the session itself is gone, the driver
                        answers the request and then exits with status 1

Shutdown
    End of stdin, SIGTERM or SIGINT: the driver stops the session and exits
    with status 0, in about a second. A signal stops the session at once: a
    request in progress is answered with kind spark_error and the message
    "cancelled: the driver is stopping (SIGTERM)", and request lines not yet
    read are left unanswered. A signal during startup takes effect as soon as
    the session exists (no ready line is written).

Modules (beside this script, imported from its directory)
    sluice_protocol   request and response shapes: decoding, validation,
                      building responses, writing protocol lines
    sluice_requests   running a request line: the pipelines' Spark jobs,
                      batches, error responses, the warm-up
    sluice_serving    stdout for protocol lines, reading stdin, answering up
                      to --concurrency lines at once
    sluice_lifecycle  starting the session, its liveness, stopping it on a
                      signal
    sluice_logging    diagnostics on stderr (SLUICE_LOG_FORMAT=json: JSON lines)
    sluice_pipelines  the DataFrame and RDD pipelines, the input checks
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from sluice_lifecycle import Shutdown, start_session
from sluice_logging import configure_logging, log
from sluice_protocol import describe, emit
from sluice_requests import warm_up
from sluice_serving import claim_stdout, serve


def _conf_item(text: str) -> tuple[str, str]:
    """Parse one ``--conf KEY=VALUE``."""
    key, separator, value = text.partition("=")
    if not separator or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value


def _positive(text: str) -> int:
    """Parse a whole number of at least 1 (an argparse type)."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return number


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse ``--master``, the repeatable ``--conf KEY=VALUE``, ``--concurrency`` and ``--no-warmup``."""
    parser = argparse.ArgumentParser(description="Sluice spark-runner PySpark driver (JSON lines on stdin/stdout).")
    parser.add_argument("--master", default="local[*]", help="Spark master URL (default: local[*])")
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        type=_conf_item,
        metavar="KEY=VALUE",
        help="extra Spark setting, overriding the built-in ones (repeatable)",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=1,
        metavar="N",
        help="request lines to work on at once (default: 1, one at a time)",
    )
    parser.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help="do not run the pipelines on a tiny input before announcing readiness",
    )
    return parser.parse_args(argv)


def _run_driver(args: argparse.Namespace, protocol: TextIO, shutdown: Shutdown) -> int:
    """Start and warm up the session, announce readiness, serve; return the exit status."""
    started = time.perf_counter()
    try:
        spark = start_session(args.master, args.conf)
        shutdown.attach(spark)
        if args.warmup and args.master.startswith("local") and not shutdown.requested:
            warm_up(spark)
    except Exception as exc:  # noqa: BLE001 - report and exit; there is nothing to serve with
        if not shutdown.requested:
            log.error("startup failed: %s", describe(exc))
        return 1
    if shutdown.requested:
        return 0
    emit(
        protocol,
        {
            "event": "ready",
            "spark_version": spark.version,
            "master": spark.sparkContext.master,
            "startup_seconds": time.perf_counter() - started,
        },
    )
    return serve(spark, sys.stdin.fileno(), protocol, shutdown, args.concurrency)


def main(argv: list[str] | None = None) -> int:
    """Run the driver; a stop signal at any point means a clean stop and status 0."""
    protocol = claim_stdout()
    configure_logging()
    args = _parse_args(argv)
    shutdown = Shutdown()
    try:
        status = _run_driver(args, protocol, shutdown)
    finally:
        shutdown.stop_session()
    if shutdown.requested:
        log.info("stopped on %s", shutdown.signal_name)
        return 0
    return status


if __name__ == "__main__":
    sys.exit(main())
