"""The spark-runner's PySpark driver as a subprocess, spoken to over its JSON-lines
protocol, the normalized Parquet artifacts it reads (written here with pyarrow, as the
Swift normalizer writes them), and the numpy expectations its answers are checked
against: shared by the Spark driver tests (Tests/spark) and the cluster tests
(Tests/cluster)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

DRIVER = Path(__file__).resolve().parents[2] / "Services" / "spark-runner" / "driver" / "sluice_spark_driver.py"
START_TIMEOUT = 240.0  # JVM start plus warm-up on a busy two-core machine
RESPONSE_TIMEOUT = 120.0
EXIT_TIMEOUT = 30.0
TOLERANCE = {"relative": 1e-9, "absolute": 1e-12}

Row = tuple[int, float, str, float]  # id, value, category, z
# A part of the normalized artifact, as the Swift normalizer writes it: these columns, all required.
SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64(), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("z", pa.float64(), nullable=False),
    ]
)


class Driver:
    """A running driver process with a reader thread feeding its stdout lines into a queue."""

    def __init__(self, log_path: Path, *extra_args: str, master: str = "local[2]", prefix: Sequence[str] = ()) -> None:
        """Starts the driver on ``master``; ``prefix`` runs it inside something (a test host: ``infra/cluster.sh exec HOST``)."""
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            [*prefix, sys.executable, str(DRIVER), "--master", master, *extra_args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self._ready: dict[str, Any] | None = None

    def ready(self) -> dict[str, Any]:
        """The ready event, which must be the driver's first line (waits for it once)."""
        if self._ready is None:
            self._ready = self.next_message(START_TIMEOUT)
            assert self._ready.get("event") == "ready", self._ready
        return self._ready

    def _pump(self) -> None:
        """Forward stdout lines to the queue; ``None`` marks end of output."""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def stderr_tail(self, size: int = 4000) -> str:
        """The end of the driver's stderr, for failure messages."""
        return self.log_path.read_bytes()[-size:].decode("utf-8", "replace")

    def next_message(self, timeout: float = RESPONSE_TIMEOUT) -> dict[str, Any]:
        """The next stdout line, which must be one JSON object."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no line from the driver within {timeout}s; stderr:\n{self.stderr_tail()}")
        if line is None:
            pytest.fail(f"the driver closed stdout (exit {self.process.poll()}); stderr:\n{self.stderr_tail()}")
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"stdout carried a non-JSON line: {line!r}")
        assert isinstance(message, dict), line
        return message

    def send_line(self, text: str) -> dict[str, Any]:
        """Send one raw line and return the response."""
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode("utf-8") + b"\n")
        self.process.stdin.flush()
        return self.next_message()

    def request(self, request_id: str, path: Path | str, **options: Any) -> dict[str, Any]:
        """Send one aggregation request and return its response."""
        request = {"request_id": request_id, "job_id": f"job-{request_id}", "input": str(path)} | options
        response = self.send_line(json.dumps(request))
        assert response["request_id"] == request_id, response
        assert response["job_id"] == f"job-{request_id}", response
        return response

    def close_stdin_and_wait(self, timeout: float = EXIT_TIMEOUT) -> int:
        """Close stdin (EOF) and wait for the exit status."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        """Make sure the process is gone: SIGTERM (the driver then stops its JVM too), SIGKILL if that fails."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=EXIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def write_part(path: Path, rows: Sequence[Row], schema: pa.Schema = SCHEMA, row_group_size: int | None = None) -> Path:
    """Write rows as one Parquet part as the normalizer does: uncompressed, strings dictionary-encoded, no Arrow
    schema in the footer. ``schema`` names and types the four columns of each row (another one makes a wrong part)."""
    columns = list(zip(*rows)) if rows else [()] * len(schema)
    table = pa.Table.from_arrays([pa.array(column, type=field.type) for column, field in zip(columns, schema)], schema=schema)
    strings = [field.name for field in schema if pa.types.is_string(field.type)]
    pq.write_table(table, path, compression="none", use_dictionary=strings, store_schema=False, row_group_size=row_group_size)
    return path


def write_artifact(directory: Path, rows: Sequence[Row], parts: int = 1, row_group_size: int | None = None) -> Path:
    """Create ``directory`` (a job's ``normalized.parquet``) holding ``rows`` in order in ``parts`` parts
    ``part-00000.parquet``, … of nearly equal length, in row groups of at most ``row_group_size`` rows."""
    directory.mkdir(parents=True)
    for index in range(parts):
        piece = rows[index * len(rows) // parts : (index + 1) * len(rows) // parts]
        write_part(directory / f"part-{index:05d}.parquet", piece, row_group_size=row_group_size)
    return directory


def normalized_rows(values: Sequence[float], categories: Sequence[str]) -> list[Row]:
    """Rows whose z is the global (population) z-score of value, as upstream computes it."""
    array = np.asarray(values, dtype=np.float64)
    zs = (array - array.mean()) / array.std()
    return [(index + 1, float(v), c, float(z)) for index, (v, c, z) in enumerate(zip(array, categories, zs))]


def expected_categories(rows: Sequence[Row], threshold: float = 3.0) -> list[dict[str, Any]]:
    """Per-category aggregates of z computed with numpy, sorted by category."""
    by_category: dict[str, list[float]] = {}
    for _, _, category, z in rows:
        by_category.setdefault(category, []).append(z)
    expected = []
    for category in sorted(by_category):
        z = np.asarray(by_category[category], dtype=np.float64)
        expected.append(
            {
                "category": category,
                "count": int(z.size),
                "sum": float(z.sum()),
                "mean": float(z.mean()),
                "std": float(z.std()),
                "min": float(z.min()),
                "max": float(z.max()),
                "outliers": int(np.count_nonzero(np.abs(z) > threshold)),
            }
        )
    return expected


def assert_categories(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Same categories in the same order, exact counts, floats within 1e-9 (relative or absolute)."""
    assert [c["category"] for c in actual] == [c["category"] for c in expected]
    for got, want in zip(actual, expected):
        assert set(got) == set(want), got
        assert (got["count"], got["outliers"]) == (want["count"], want["outliers"]), got["category"]
        for name in ("sum", "mean", "std", "min", "max"):
            assert got[name] == pytest.approx(want[name], rel=1e-9, abs=1e-9), (got["category"], name)


def assert_ok(response: dict[str, Any]) -> None:
    """Fail with the driver's error when a response is not ok."""
    assert response["ok"] is True, response.get("error")


def assert_compared(response: dict[str, Any]) -> None:
    """The RDD and DataFrame pipelines both ran, agreed, and were timed consistently."""
    assert_ok(response)
    records = response["records"]
    for section in ("dataframe", "rdd"):
        timing = response[section]
        assert timing["seconds"] > 0
        assert timing["throughput_records_per_second"] == pytest.approx(records / timing["seconds"])
    assert response["speedup"] == pytest.approx(response["rdd"]["seconds"] / response["dataframe"]["seconds"])
    comparison = response["comparison"]
    assert comparison["agree"] is True
    assert comparison["tolerance"] == TOLERANCE
    assert 0.0 <= comparison["max_abs_difference"] < 1e-9
