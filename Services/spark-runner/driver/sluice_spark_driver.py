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
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import math
import os
import selectors
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO, TypeVar

from py4j.protocol import Py4JJavaError
from pyspark.sql import SparkSession

from sluice_pipelines import (
    CategoryStats,
    RequestFailed,
    Tolerance,
    check_input,
    compare,
    dataframe_aggregates,
    dataframe_batch_aggregates,
    rdd_aggregates,
    rdd_batch_aggregates,
    read_batch,
    read_failure,
    write_part,
)

APP_NAME = "sluice-spark-runner"
TOLERANCE = Tolerance()
DEFAULT_OUTLIER_THRESHOLD = 3.0
STOP_TIMEOUT_SECONDS = 15.0

_SESSION_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # A job's aggregate is a few rows per category: adaptive execution's re-planning
    # after the shuffle costs more than it saves (make bench-spark, one window: DataFrame
    # at 25,000 records 0.255 -> 0.164 s), and two reduce partitions suffice.
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "false",
    # A batch reads up to a few hundred small files: listing them must not start a Spark
    # job of its own, as it does past 32 paths (make bench-spark --batch, 64 files:
    # 0.37 -> 0.16 s).
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
    # A large job's artifact is a few parts of up to 128 MiB: read as splits of that size,
    # 3 parts leave one of two cores idle through the last third (DataFrame on the
    # 10^7-record job's CSV artifact, one warm session: 7.7 -> 6.6 s). Parquet is split
    # at row groups, so this counts where a part holds several.
    "spark.sql.files.maxPartitionBytes": "32m",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "true",
}
# A local session needs no network interface: bind the driver to loopback.
_LOCAL_DEFAULTS = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}

log = logging.getLogger("sluice.spark_driver")
T = TypeVar("T")
# Where a batch's RDD job runs while its DataFrame job runs on the thread serving the
# batch: a thread for each batch at once (up to the pool's default, min(32, cores + 4)).
_RDD_THREADS = futures.ThreadPoolExecutor(thread_name_prefix="sluice-rdd")


@dataclass(frozen=True)
class Request:
    """One validated aggregation request."""

    request_id: str
    job_id: str
    input: str
    compare_pipelines: bool
    outlier_threshold: float
    concurrent_pipelines: bool = True


# --- process plumbing ------------------------------------------------------


def _claim_stdout() -> TextIO:
    """Keep the original stdout for protocol lines and point descriptor 1 at stderr.

    The JVM that PySpark launches, and the Python workers it forks, inherit
    descriptor 1, so after this nothing but the returned stream reaches the
    parent's stdout pipe.
    """
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1)


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


def start_session(master: str, extra_conf: list[tuple[str, str]]) -> SparkSession:
    """Create the one SparkSession this driver serves with (infra/bench/spark_table.py times this session too)."""
    local = master.startswith("local")
    # Python workers, local or on a cluster's executors, run this interpreter (same
    # version, same packages: hosts set up alike, from the image or the same venv path)
    # unless PYSPARK_PYTHON names another; Spark would otherwise run whatever `python3` is.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = _SESSION_DEFAULTS | (_LOCAL_DEFAULTS if local else {}) | dict(extra_conf)
    builder = SparkSession.builder.master(master).appName(APP_NAME)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    # The RDD pipeline's functions live in this module; ship it to the executors.
    spark.sparkContext.addPyFile(str(Path(__file__).with_name("sluice_pipelines.py")))
    return spark


def _warm_up(spark: SparkSession) -> None:
    """Run both pipelines, alone and batched, on tiny temporary inputs, compiling and starting what the first job would."""
    with tempfile.TemporaryDirectory(prefix="sluice-spark-warmup-") as directory:
        paths = [Path(directory) / f"warmup-{index}" / "normalized.parquet" for index in range(2)]
        for path in paths:
            path.mkdir(parents=True)
            write_part(path / "part-00000.parquet", {"id": [1, 2, 3], "value": [1.0, 2.0, 3.0], "category": ["A", "B", "A"], "z": [-1.0, 0.5, 1.0]})
        requests = [Request(f"warmup-{index}", "warmup", str(path), True, DEFAULT_OUTLIER_THRESHOLD) for index, path in enumerate(paths)]
        _run(spark, requests[0])
        for outcome in _run_batch(spark, requests):
            if isinstance(outcome, RequestFailed) or "batch" not in outcome:
                raise RuntimeError(f"the batched warm-up failed: {outcome}")


def _session_alive(spark: SparkSession) -> bool:
    """True while the JVM answers and its SparkContext is not stopped."""
    try:
        return not spark.sparkContext._jsc.sc().isStopped()
    except Exception:  # noqa: BLE001 - any failure to ask means the session is gone
        return False


# --- requests --------------------------------------------------------------


def _decode(raw: bytes) -> dict[str, Any]:
    """Decode one request line into a JSON object or fail with ``bad_request``."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestFailed("bad_request", f"request is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise RequestFailed("bad_request", "request must be a JSON object")
    return document


def _validate(document: dict[str, Any]) -> Request:
    """Check the fields of a decoded request."""
    for key in ("request_id", "job_id", "input"):
        if not isinstance(document.get(key), str) or not document[key]:
            raise RequestFailed("bad_request", f"'{key}' must be a non-empty string")
    compare_pipelines = document.get("compare_pipelines", True)
    if not isinstance(compare_pipelines, bool):
        raise RequestFailed("bad_request", "'compare_pipelines' must be a boolean")
    threshold = document.get("outlier_threshold", DEFAULT_OUTLIER_THRESHOLD)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold < math.inf:
        raise RequestFailed("bad_request", "'outlier_threshold' must be a finite number >= 0")
    pipelines = document.get("pipelines", "concurrent")
    if pipelines not in ("concurrent", "sequential"):
        raise RequestFailed("bad_request", "'pipelines' must be \"concurrent\" or \"sequential\"")
    return Request(
        request_id=document["request_id"],
        job_id=document["job_id"],
        input=document["input"],
        compare_pipelines=compare_pipelines,
        outlier_threshold=float(threshold),
        concurrent_pipelines=pipelines == "concurrent",
    )


def _timing(records: int, seconds: float) -> dict[str, float]:
    """The timing section of one pipeline."""
    return {"seconds": seconds, "throughput_records_per_second": records / seconds}


def _category_rows(stats: dict[str, CategoryStats]) -> list[dict[str, Any]]:
    """Per-category response rows, sorted by category."""
    return [
        {
            "category": category,
            "count": row.count,
            "sum": row.sum,
            "mean": row.mean,
            "std": row.std,
            "min": row.min,
            "max": row.max,
            "outliers": row.outliers,
        }
        for category, row in sorted(stats.items())
    ]


def _run(spark: SparkSession, request: Request) -> dict[str, Any]:
    """Run the pipelines for one request and build the success fields of the response.

    A Spark job that fails over an input that passed ``check_input`` may have
    met a damaged page: if the session is alive and a part's pages cannot be
    read, the request fails with ``input_invalid`` naming that part; any other
    failure goes on as it is (``spark_error``).
    """
    check_input(request.input)
    path, threshold = request.input, request.outlier_threshold
    try:
        (frame_stats, frame_seconds), rdd = _pipelines(
            lambda: _timed(dataframe_aggregates, spark, path, threshold),
            (lambda: _timed(rdd_aggregates, spark, path, threshold)) if request.compare_pipelines else None,
            concurrent=request.concurrent_pipelines,
        )
        rdd_stats, rdd_seconds = rdd if rdd is not None else (None, 0.0)
    except RequestFailed:
        raise
    except Exception:
        if _session_alive(spark) and (unreadable := read_failure(request.input)) is not None:
            raise unreadable from None
        raise
    return _result(request, frame_stats, rdd_stats, None, frame_seconds, rdd_seconds)


def _pipelines(frame: Callable[[], T], rdd: Callable[[], T] | None, concurrent: bool) -> tuple[T, T | None]:
    """Run the DataFrame pipeline and, if given, the RDD pipeline: at once (the RDD
    one on a thread of its own) or one after the other; their results (None for an
    RDD pipeline not run).

    At once is the default: the two mostly wait on scheduling, Py4J round trips and
    each other's tasks, so together they take less than one after the other (one
    10^6-record input on two cores, warm session: 0.36 against 0.53 s; one batch of
    16 small inputs: 0.12-0.13 against 0.16-0.19 s), but each one's seconds, its own
    start to end, then overlap the other's. ``"pipelines": "sequential"`` keeps an
    undisturbed comparison.
    """
    if rdd is None:
        return frame(), None
    if not concurrent:
        return frame(), rdd()
    rdd_run = _RDD_THREADS.submit(rdd)
    try:
        frame_result = frame()
    except BaseException:
        futures.wait([rdd_run])  # the caller's fallback runs after this request's jobs
        raise
    return frame_result, rdd_run.result()


def _result(
    request: Request,
    frame_stats: dict[str, CategoryStats],
    rdd_stats: dict[str, CategoryStats] | None,
    spark_records: int | None,
    frame_seconds: float,
    rdd_seconds: float,
) -> dict[str, Any]:
    """The success fields of one request's response; ``spark_records`` were aggregated in the timed
    Spark jobs (None: this request's own records, it ran alone)."""
    records = sum(row.count for row in frame_stats.values())
    if spark_records is None:
        spark_records = records
    if not all(math.isfinite(x) for row in frame_stats.values() for x in (row.sum, row.mean, row.std)):
        raise RequestFailed("input_invalid", f"{request.input}: the aggregates of z overflow a double")
    result: dict[str, Any] = {
        "records": records,
        "categories": _category_rows(frame_stats),
        "dataframe": _timing(spark_records, frame_seconds),
    }
    if rdd_stats is not None:
        comparison = compare(frame_stats, rdd_stats, TOLERANCE)
        if comparison.disagreements:
            raise RequestFailed(
                "pipelines_disagree", f"{request.input}: " + "; ".join(comparison.disagreements[:5])
            )
        result["rdd"] = _timing(spark_records, rdd_seconds)
        result["comparison"] = {
            "agree": True,
            "tolerance": {"relative": TOLERANCE.relative, "absolute": TOLERANCE.absolute},
            "max_abs_difference": comparison.max_abs_difference,
        }
        result["speedup"] = rdd_seconds / frame_seconds
        result["pipelines_concurrent"] = request.concurrent_pipelines
    return result


def _run_batch(spark: SparkSession, requests: list[Request]) -> list[dict[str, Any] | RequestFailed]:
    """Run requests that share their options as one Spark job per pipeline; a result or a failure per request.

    A request whose input fails the checks is left out of the Spark job. If the
    batched job fails in Spark, every request is run on its own, so that one
    input Spark cannot read (a damaged page) costs only its own job.
    """
    outcomes: list[dict[str, Any] | RequestFailed | None] = [None] * len(requests)
    checked: list[int] = []
    for index, request in enumerate(requests):
        try:
            check_input(request.input)
            checked.append(index)
        except RequestFailed as failure:
            outcomes[index] = failure
    paths = [requests[index].input for index in checked]
    if len(set(paths)) == len(paths) > 1:
        first = requests[checked[0]]
        try:
            (frames, frame_seconds), (rdds, rdd_seconds), batched = _both_pipelines(spark, paths, first)
        except Exception as exc:  # noqa: BLE001 - any Spark failure: the requests get a run of their own
            log.warning("a batch of %d requests failed in Spark (%s); running them one by one", len(paths), _describe(exc))
        else:
            total = sum(row.count for stats in frames.values() if isinstance(stats, dict) for row in stats.values())
            batch = {"jobs": batched, "records": total, "pipelines_concurrent": first.compare_pipelines and first.concurrent_pipelines}
            for index in checked:
                request = requests[index]
                stats = frames[request.input]
                try:
                    if isinstance(stats, RequestFailed):
                        raise stats
                    rdd_stats = rdds[request.input] if rdds is not None else None
                    outcomes[index] = _result(request, stats, rdd_stats, total, frame_seconds, rdd_seconds) | {"batch": batch}
                except RequestFailed as failure:
                    outcomes[index] = failure
    # Not batched (one input, a repeated input, or the batch failed in Spark): one run each.
    for index in checked:
        if outcomes[index] is None:
            try:
                outcomes[index] = _run(spark, requests[index])
            except RequestFailed as failure:
                outcomes[index] = failure
    return [outcome for outcome in outcomes if outcome is not None]


def _both_pipelines(spark: SparkSession, paths: list[str], options: Request) -> tuple[tuple[Any, float], tuple[Any, float], int]:
    """The batched DataFrame and (if compared) RDD results with their seconds (see ``_pipelines``),
    and how many inputs the jobs took (those whose pages could be read).

    The inputs are read once, by pyarrow here, into one in-memory table
    (``read_batch``) that both pipelines take: the JVM opens no file of a small
    job.
    """
    threshold = options.outlier_threshold
    batch, read_seconds = _timed(read_batch, paths)
    (frames, frame_seconds), rdd = _pipelines(
        lambda: _timed(dataframe_batch_aggregates, spark, batch, threshold),
        (lambda: _timed(rdd_batch_aggregates, spark, batch, threshold)) if options.compare_pipelines else None,
        concurrent=options.concurrent_pipelines,
    )
    rdds, rdd_seconds = rdd if rdd is not None else (None, 0.0)
    # The inputs were read once for both: each pipeline's seconds include that read.
    frames |= batch.failures
    return (frames, read_seconds + frame_seconds), (rdds, read_seconds + rdd_seconds if rdds is not None else 0.0), len(batch.paths)


def _timed(function: Callable[..., Any], *arguments: Any) -> tuple[Any, float]:
    """``function(*arguments)`` and the seconds it took."""
    started = time.perf_counter()
    result = function(*arguments)
    return result, time.perf_counter() - started


def _describe(exc: BaseException) -> str:
    """A short, single-line description of a Spark, Py4J or Python failure."""
    if isinstance(exc, Py4JJavaError):
        text = str(exc.java_exception.toString())
    else:
        text = f"{type(exc).__name__}: {exc}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    summary = lines[0] if len(lines) < 2 else f"{lines[0]} ... {lines[-1]}"
    return summary if len(summary) <= 1000 else summary[:1000] + "..."


def _serve_line(spark: SparkSession, raw: bytes) -> list[dict[str, Any]]:
    """Answer one request line (a request or a batch): one response per request, every failure an error response."""
    try:
        document = _decode(raw)
    except RequestFailed as failure:
        return [_failed({"request_id": None, "job_id": None}, failure)]
    if "batch" not in document:
        return [_serve_one(spark, document)]
    items = document["batch"]
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        return [_failed({"request_id": None, "job_id": None}, RequestFailed("bad_request", "'batch' must be a non-empty list of request objects"))]
    responses: list[dict[str, Any] | None] = [None] * len(items)
    groups: dict[tuple[bool, float, bool], list[tuple[int, Request]]] = {}
    for index, item in enumerate(items):
        try:
            request = _validate(item)
        except RequestFailed as failure:
            responses[index] = _failed(_echo(item), failure)
            continue
        groups.setdefault((request.compare_pipelines, request.outlier_threshold, request.concurrent_pipelines), []).append((index, request))
    for members in groups.values():
        try:
            outcomes = _run_batch(spark, [request for _, request in members])
        except Exception as exc:  # noqa: BLE001 - Spark and Py4J failures must not end the driver
            log.exception("a batch of %d requests failed", len(members))
            outcomes = [RequestFailed("spark_error", _describe(exc))] * len(members)
        for (index, request), outcome in zip(members, outcomes):
            echo = {"request_id": request.request_id, "job_id": request.job_id}
            responses[index] = _failed(echo, outcome) if isinstance(outcome, RequestFailed) else echo | {"ok": True} | outcome
    return [response for response in responses if response is not None]


def _echo(document: dict[str, Any]) -> dict[str, Any]:
    """The request and job ids of a request object, where they are strings."""
    return {key: document.get(key) if isinstance(document.get(key), str) else None for key in ("request_id", "job_id")}


def _failed(echo: dict[str, Any], failure: RequestFailed) -> dict[str, Any]:
    """An error response."""
    return echo | {"ok": False, "error": {"kind": failure.kind, "message": failure.message}}


def _serve_one(spark: SparkSession, document: dict[str, Any]) -> dict[str, Any]:
    """Answer one request object; every failure becomes an error response."""
    echo = _echo(document)
    try:
        return echo | {"ok": True} | _run(spark, _validate(document))
    except RequestFailed as failure:
        return _failed(echo, failure)
    except Exception as exc:  # noqa: BLE001 - Spark and Py4J failures must not end the driver
        log.exception("request %s failed", echo["request_id"])
        return _failed(echo, RequestFailed("spark_error", _describe(exc)))


def _emit(protocol: TextIO, message: dict[str, Any]) -> None:
    """Write one protocol line."""
    protocol.write(json.dumps(message, allow_nan=False, separators=(",", ":")) + "\n")
    protocol.flush()


def _log_response(response: dict[str, Any]) -> None:
    """One diagnostic line per request on stderr."""
    if response["ok"]:
        log.info(
            "request %s job %s: %d records, dataframe %.3fs%s%s",
            response["request_id"],
            response["job_id"],
            response["records"],
            response["dataframe"]["seconds"],
            f", rdd {response['rdd']['seconds']:.3f}s" if "rdd" in response else "",
            f" (batched: {response['batch']['jobs']} jobs, {response['batch']['records']} records)" if "batch" in response else "",
        )
    else:
        log.warning(
            "request %s job %s: %s: %s",
            response["request_id"],
            response["job_id"],
            response["error"]["kind"],
            response["error"]["message"],
        )


# --- lifecycle -------------------------------------------------------------


class _Shutdown:
    """Turns SIGTERM and SIGINT into a prompt, orderly stop.

    The first signal is remembered, wakes the request reader through a
    self-pipe (``signal.set_wakeup_fd``), and stops the session on a thread
    of its own, so that a job in progress fails at once and its request is
    answered. The stop runs on its own Py4J connection, and no exception is
    ever raised into the main thread's Py4J calls, which would leave their
    connection out of step. A signal that arrives while the session is
    starting takes effect once it has started: interrupting PySpark while it
    launches the JVM can leave that JVM running without a parent.
    """

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self._spark: SparkSession | None = None
        self._stopper: threading.Thread | None = None
        self.wake_fd, wake_write_fd = os.pipe()
        os.set_blocking(wake_write_fd, False)
        signal.set_wakeup_fd(wake_write_fd)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    @property
    def requested(self) -> bool:
        """Whether a stop signal has arrived."""
        return self.signal_name is not None

    def attach(self, spark: SparkSession) -> None:
        """From now on a signal stops this session (the caller checks ``requested`` afterwards).

        Also takes SIGINT back from the handler PySpark installs when its context starts.
        """
        self._spark = spark
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        """Remember the first signal and start stopping (runs on the main thread, between bytecodes)."""
        if self.signal_name is not None:
            return
        self.signal_name = signal.Signals(signum).name
        self._start_stopper()

    def _start_stopper(self) -> None:
        """Start stopping the session, once."""
        if self._stopper is None and self._spark is not None:
            self._stopper = threading.Thread(target=_stop_quietly, args=(self._spark,), name="spark-stop", daemon=True)
            self._stopper.start()

    def stop_session(self) -> None:
        """Stop the session if there is one, waiting at most ``STOP_TIMEOUT_SECONDS``.

        If the stop hangs the process exits anyway, and the JVM follows as
        soon as its stdin pipe from this process closes.
        """
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self._start_stopper()
        if self._stopper is not None:
            self._stopper.join(STOP_TIMEOUT_SECONDS)
            if self._stopper.is_alive():
                log.warning("the Spark session did not stop within %ss; exiting anyway", STOP_TIMEOUT_SECONDS)


def _stop_quietly(spark: SparkSession) -> None:
    """``spark.stop()``, tolerating a JVM that is already gone."""
    try:
        spark.stop()
    except Exception as exc:  # noqa: BLE001 - shutting down regardless
        log.warning("stopping the Spark session failed: %s", _describe(exc))


class _LineReader:
    """Request lines from standard input that stop early once one of the wake-up pipes is readable."""

    def __init__(self, fd: int, *wake_fds: int) -> None:
        self._fd = fd
        self._wake_fds = set(wake_fds)
        self._selector = selectors.DefaultSelector()
        for watched in (fd, *wake_fds):
            self._selector.register(watched, selectors.EVENT_READ)
        self._buffer = b""

    def next_line(self) -> bytes | None:
        """The next line without its newline, or None at end of input or on a wake-up."""
        while b"\n" not in self._buffer:
            ready = {key.fd for key, _ in self._selector.select()}
            if ready & self._wake_fds:
                return None
            chunk = os.read(self._fd, 65536)
            if not chunk:
                line, self._buffer = self._buffer, b""
                return line or None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line


def serve(spark: SparkSession, reader_fd: int, protocol: TextIO, shutdown: _Shutdown, concurrency: int = 1) -> int:
    """Answer request lines, up to ``concurrency`` at once, until end of input or a stop signal; return the exit status.

    Each line is answered on a thread of a pool; the next line is read once a
    thread is free. A line that finds the session gone, or that cannot be
    answered at all, ends the serving with status 1: the lines in progress are
    answered, the rest are left unread (the service fails them and starts a new
    driver).
    """
    broken_read_fd, broken_write_fd = os.pipe()
    reader = _LineReader(reader_fd, shutdown.wake_fd, broken_read_fd)
    room = threading.Semaphore(concurrency)
    emitting = threading.Lock()
    broken = threading.Event()

    def answer(raw: bytes) -> None:
        try:
            healthy = _answer_line(spark, raw, protocol, shutdown, emitting)
            if not healthy:
                log.error("the Spark session is gone; exiting")
        except Exception:  # noqa: BLE001 - its requests would wait forever: end the driver instead
            log.exception("a request line could not be answered; exiting")
            healthy = False
        try:
            if not healthy:
                broken.set()
                os.write(broken_write_fd, b"x")
        finally:
            room.release()

    with futures.ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sluice-serve") as pool:
        while room.acquire() and not (broken.is_set() or shutdown.requested) and (raw := reader.next_line()) is not None:
            if raw.strip():
                pool.submit(answer, raw)
            else:
                room.release()
    os.close(broken_read_fd)
    os.close(broken_write_fd)
    return 1 if broken.is_set() else 0


def _answer_line(spark: SparkSession, raw: bytes, protocol: TextIO, shutdown: _Shutdown, emitting: threading.Lock) -> bool:
    """Answer one request line; False when a request failed in Spark because the session is gone."""
    failed_in_spark = False
    responses = _serve_line(spark, raw)
    with emitting:
        for response in responses:
            if not response["ok"] and response["error"]["kind"] == "spark_error":
                failed_in_spark = True
                if shutdown.requested:
                    response["error"]["message"] = f"cancelled: the driver is stopping ({shutdown.signal_name})"
            _emit(protocol, response)
            _log_response(response)
    return not failed_in_spark or shutdown.requested or _session_alive(spark)


def _run_driver(args: argparse.Namespace, protocol: TextIO, shutdown: _Shutdown) -> int:
    """Start and warm up the session, announce readiness, serve; return the exit status."""
    started = time.perf_counter()
    try:
        spark = start_session(args.master, args.conf)
        shutdown.attach(spark)
        if args.warmup and args.master.startswith("local") and not shutdown.requested:
            _warm_up(spark)
    except Exception as exc:  # noqa: BLE001 - report and exit; there is nothing to serve with
        if not shutdown.requested:
            log.error("startup failed: %s", _describe(exc))
        return 1
    if shutdown.requested:
        return 0
    _emit(
        protocol,
        {
            "event": "ready",
            "spark_version": spark.version,
            "master": spark.sparkContext.master,
            "startup_seconds": time.perf_counter() - started,
        },
    )
    return serve(spark, sys.stdin.fileno(), protocol, shutdown, args.concurrency)


class _JSONLinesFormatter(logging.Formatter):
    """One JSON object a line, as the Swift services write with SLUICE_LOG_FORMAT=json."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "label": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    """Run the driver; a stop signal at any point means a clean stop and status 0."""
    protocol = _claim_stdout()
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("SLUICE_LOG_FORMAT") == "json":
        handler.setFormatter(_JSONLinesFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("py4j").setLevel(logging.WARNING)
    args = _parse_args(argv)
    shutdown = _Shutdown()
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
