"""The shapes of the driver's JSON-lines protocol (documented at the top of
``sluice_spark_driver.py``): decoding and validating a request line, building the
success and error responses, and writing one protocol line."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, TextIO

from py4j.protocol import Py4JJavaError

from sluice_pipelines import CategoryStats, RequestFailed, Tolerance, compare

TOLERANCE = Tolerance()
DEFAULT_OUTLIER_THRESHOLD = 3.0


@dataclass(frozen=True)
class Request:
    """One validated aggregation request."""

    request_id: str
    job_id: str
    input: str
    compare_pipelines: bool
    outlier_threshold: float
    concurrent_pipelines: bool = True


def decode(raw: bytes) -> dict[str, Any]:
    """Decode one request line into a JSON object or fail with ``bad_request``."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestFailed("bad_request", f"request is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise RequestFailed("bad_request", "request must be a JSON object")
    return document


def validate(document: dict[str, Any]) -> Request:
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


def success_fields(
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


def echo_ids(document: dict[str, Any]) -> dict[str, Any]:
    """The request and job ids of a request object, where they are strings."""
    return {key: document.get(key) if isinstance(document.get(key), str) else None for key in ("request_id", "job_id")}


def error_response(echo: dict[str, Any], failure: RequestFailed) -> dict[str, Any]:
    """An error response."""
    return echo | {"ok": False, "error": {"kind": failure.kind, "message": failure.message}}


def describe(exc: BaseException) -> str:
    """A short, single-line description of a Spark, Py4J or Python failure (a ``spark_error`` message)."""
    if isinstance(exc, Py4JJavaError):
        text = str(exc.java_exception.toString())
    else:
        text = f"{type(exc).__name__}: {exc}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    summary = lines[0] if len(lines) < 2 else f"{lines[0]} ... {lines[-1]}"
    return summary if len(summary) <= 1000 else summary[:1000] + "..."


def emit(protocol: TextIO, message: dict[str, Any]) -> None:
    """Write one protocol line."""
    protocol.write(json.dumps(message, allow_nan=False, separators=(",", ":")) + "\n")
    protocol.flush()
