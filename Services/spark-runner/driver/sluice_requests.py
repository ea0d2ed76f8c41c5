"""Running requests: the Spark jobs behind one request line (a request, or a batch run as one
job per pipeline, the two pipelines at once or one after the other), every failure turned
into an error response, and the warm-up that runs them on tiny inputs before the driver is ready."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent import futures
from pathlib import Path
from typing import Any, TypeVar

from pyspark.sql import SparkSession

from sluice_lifecycle import session_alive
from sluice_logging import log
from sluice_pipelines import (
    RequestFailed,
    check_input,
    dataframe_aggregates,
    dataframe_batch_aggregates,
    rdd_aggregates,
    rdd_batch_aggregates,
    read_batch,
    read_failure,
    write_part,
)
from sluice_protocol import (
    DEFAULT_OUTLIER_THRESHOLD,
    Request,
    decode,
    describe,
    echo_ids,
    error_response,
    success_fields,
    validate,
)

T = TypeVar("T")
# Where a batch's RDD job runs while its DataFrame job runs on the thread serving the
# batch: a thread for each batch at once (up to the pool's default, min(32, cores + 4)).
_RDD_THREADS = futures.ThreadPoolExecutor(thread_name_prefix="sluice-rdd")


def run_request(spark: SparkSession, request: Request) -> dict[str, Any]:
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
        if session_alive(spark) and (unreadable := read_failure(request.input)) is not None:
            raise unreadable from None
        raise
    return success_fields(request, frame_stats, rdd_stats, None, frame_seconds, rdd_seconds)


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


def run_batch(spark: SparkSession, requests: list[Request]) -> list[dict[str, Any] | RequestFailed]:
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
            log.warning("a batch of %d requests failed in Spark (%s); running them one by one", len(paths), describe(exc))
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
                    outcomes[index] = success_fields(request, stats, rdd_stats, total, frame_seconds, rdd_seconds) | {"batch": batch}
                except RequestFailed as failure:
                    outcomes[index] = failure
    # Not batched (one input, a repeated input, or the batch failed in Spark): one run each.
    for index in checked:
        if outcomes[index] is None:
            try:
                outcomes[index] = run_request(spark, requests[index])
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


def serve_line(spark: SparkSession, raw: bytes) -> list[dict[str, Any]]:
    """Answer one request line (a request or a batch): one response per request, every failure an error response."""
    try:
        document = decode(raw)
    except RequestFailed as failure:
        return [error_response({"request_id": None, "job_id": None}, failure)]
    if "batch" not in document:
        return [_serve_one(spark, document)]
    items = document["batch"]
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        return [error_response({"request_id": None, "job_id": None}, RequestFailed("bad_request", "'batch' must be a non-empty list of request objects"))]
    responses: list[dict[str, Any] | None] = [None] * len(items)
    groups: dict[tuple[bool, float, bool], list[tuple[int, Request]]] = {}
    for index, item in enumerate(items):
        try:
            request = validate(item)
        except RequestFailed as failure:
            responses[index] = error_response(echo_ids(item), failure)
            continue
        groups.setdefault((request.compare_pipelines, request.outlier_threshold, request.concurrent_pipelines), []).append((index, request))
    for members in groups.values():
        try:
            outcomes = run_batch(spark, [request for _, request in members])
        except Exception as exc:  # noqa: BLE001 - Spark and Py4J failures must not end the driver
            log.exception("a batch of %d requests failed", len(members))
            outcomes = [RequestFailed("spark_error", describe(exc))] * len(members)
        for (index, request), outcome in zip(members, outcomes):
            echo = {"request_id": request.request_id, "job_id": request.job_id}
            responses[index] = error_response(echo, outcome) if isinstance(outcome, RequestFailed) else echo | {"ok": True} | outcome
    return [response for response in responses if response is not None]


def _serve_one(spark: SparkSession, document: dict[str, Any]) -> dict[str, Any]:
    """Answer one request object; every failure becomes an error response."""
    echo = echo_ids(document)
    try:
        return echo | {"ok": True} | run_request(spark, validate(document))
    except RequestFailed as failure:
        return error_response(echo, failure)
    except Exception as exc:  # noqa: BLE001 - Spark and Py4J failures must not end the driver
        log.exception("request %s failed", echo["request_id"])
        return error_response(echo, RequestFailed("spark_error", describe(exc)))


def warm_up(spark: SparkSession) -> None:
    """Run both pipelines, alone and batched, on tiny temporary inputs, compiling and starting what the first job would."""
    with tempfile.TemporaryDirectory(prefix="sluice-spark-warmup-") as directory:
        paths = [Path(directory) / f"warmup-{index}" / "normalized.parquet" for index in range(2)]
        for path in paths:
            path.mkdir(parents=True)
            write_part(path / "part-00000.parquet", {"id": [1, 2, 3], "value": [1.0, 2.0, 3.0], "category": ["A", "B", "A"], "z": [-1.0, 0.5, 1.0]})
        requests = [Request(f"warmup-{index}", "warmup", str(path), True, DEFAULT_OUTLIER_THRESHOLD) for index, path in enumerate(paths)]
        run_request(spark, requests[0])
        for outcome in run_batch(spark, requests):
            if isinstance(outcome, RequestFailed) or "batch" not in outcome:
                raise RuntimeError(f"the batched warm-up failed: {outcome}")
