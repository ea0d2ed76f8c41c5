"""End-to-end tests of the spark-runner PySpark driver over its JSON-lines protocol.

The real driver runs as a subprocess on ``local[2]``: one warm driver serves
every request test in this module, and each lifecycle test ends a driver of its
own. Its inputs are normalized artifacts (directories of Parquet parts) written
with pyarrow as the Swift normalizer writes them, and expected values are
computed with numpy from the rows the tests write (``Tests/support/spark_driver.py``,
which the cluster tests share).

Run with: ``.sluice/venv/bin/python -m pytest -q Tests/spark``
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyspark
import pytest
from spark_driver import (
    DRIVER,
    EXIT_TIMEOUT,
    SCHEMA,
    Driver,
    Row,
    assert_categories,
    assert_compared,
    assert_ok,
    expected_categories,
    normalized_rows,
    write_artifact,
    write_part,
)

sys.path.insert(0, str(DRIVER.parent))
import sluice_pipelines  # noqa: E402  (the driver's own module, for what the protocol cannot reach)

# The lifecycle tests' drivers serve no job: skip the warm-up and start a lighter JVM (C1 only, serial GC).
IDLE_DRIVER_ARGS = ("--no-warmup", "--conf", "spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
ONE_SPLIT_BYTES = 4 * 1024 * 1024  # up to this size the DataFrame pipeline reads an input in one task


@pytest.fixture(scope="module")
def drivers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Driver]]:
    """The shared driver and the drivers the lifecycle tests end, started together: start-up dominates."""
    directory = tmp_path_factory.mktemp("drivers")
    started = {
        # Two request lines at once, as the spark-runner runs it.
        "shared": Driver(directory / "shared.log", "--concurrency", "2"),
        "eof": Driver(directory / "eof.log", *IDLE_DRIVER_ARGS),
        "sigterm": Driver(directory / "sigterm.log", *IDLE_DRIVER_ARGS),
        "jvm-killed": Driver(directory / "jvm-killed.log", *IDLE_DRIVER_ARGS),
    }
    yield started
    for running in started.values():
        running.stop()


@pytest.fixture(scope="module")
def driver(drivers: dict[str, Driver]) -> Iterator[Driver]:
    """One warm driver shared by the request tests of this module; it must exit 0 on EOF at the end."""
    shared = drivers["shared"]
    shared.ready()
    yield shared
    assert shared.close_stdin_and_wait() == 0, shared.stderr_tail()


# --- helpers ---------------------------------------------------------------


def assert_still_serving(driver: Driver, tmp_path: Path) -> None:
    """The driver answers a valid request, both pipelines run, after an error."""
    rows = [(1, 1.0, "A", -0.5), (2, 2.0, "B", 0.5), (3, 3.0, "A", 1.5)]
    path = tmp_path / "after.parquet"
    if not path.exists():
        write_artifact(path, rows)
    response = driver.request("after-error", path)
    assert_compared(response)
    assert_categories(response["categories"], expected_categories(rows))


def assert_invalid(response: dict[str, Any], *fragments: str) -> str:
    """An ``input_invalid`` error whose message holds every fragment; returns the message."""
    assert response["ok"] is False, response
    assert response["error"]["kind"] == "input_invalid", response["error"]
    message = response["error"]["message"]
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def random_rows(count: int, seed: int, categories: str = "ABCDE") -> list[Row]:
    """``count`` rows over ``categories``, z the global z-score of a normal value."""
    rng = np.random.default_rng(seed)
    return normalized_rows(rng.normal(50.0, 10.0, count).tolist(), [categories[i] for i in rng.integers(0, len(categories), count)])


def artifact_bytes(directory: Path) -> int:
    return sum(part.stat().st_size for part in directory.iterdir())


def z_chunk(part: Path) -> pq.ColumnChunkMetaData:
    """Where the footer places the z column of the part's first row group."""
    return pq.read_metadata(part).row_group(0).column(SCHEMA.get_field_index("z"))


def truncate(part: Path) -> None:
    """Keep the first half of the part: its footer is lost, as when a write stops short."""
    data = part.read_bytes()
    part.write_bytes(data[: len(data) // 2])


def cut_short(part: Path) -> None:
    """Take 64 bytes out of the middle of the z column's data; the footer stays, and now places that column past the data."""
    chunk = z_chunk(part)
    data = part.read_bytes()
    middle = chunk.data_page_offset + chunk.total_compressed_size // 2
    part.write_bytes(data[:middle] + data[middle + 64 :])


def damage_page_header(part: Path) -> None:
    """Overwrite the start of the z column's first page header: the file keeps its size and footer, and only reading the page shows the damage."""
    chunk = z_chunk(part)
    data = bytearray(part.read_bytes())
    data[chunk.data_page_offset : chunk.data_page_offset + 8] = b"\xff" * 8
    part.write_bytes(bytes(data))


def send_batch(driver: Driver, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send one batch line and collect one response per request."""
    assert driver.process.stdin is not None
    driver.process.stdin.write(json.dumps({"batch": requests}).encode("utf-8") + b"\n")
    driver.process.stdin.flush()
    return [driver.next_message() for _ in requests]


# --- startup and results ---------------------------------------------------


def test_ready_line_comes_first(driver: Driver) -> None:
    ready = driver.ready()
    assert ready["event"] == "ready"
    assert ready["spark_version"] == pyspark.__version__
    assert ready["master"] == "local[2]"
    assert ready["startup_seconds"] > 0


def test_seed_sample(driver: Driver, tmp_path: Path) -> None:
    rows = normalized_rows([10.5, 20.3, 15.7], ["A", "B", "A"])
    response = driver.request("seed", write_artifact(tmp_path / "seed.parquet", rows))
    assert_compared(response)
    assert response["records"] == 3
    assert_categories(response["categories"], expected_categories(rows))
    b = response["categories"][1]
    assert (b["count"], b["std"], b["min"], b["max"]) == (1, 0.0, rows[1][3], rows[1][3])


def test_random_records_with_outliers(driver: Driver, tmp_path: Path) -> None:
    # One part of four row groups (four RDD tasks to merge), small enough to be one DataFrame task.
    rng = random.Random(20240611)
    categories = ["alpha", "beta", "delta", "epsilon", "gamma"]
    rows: list[Row] = []
    for index in range(10_000):
        z = rng.gauss(0.0, 1.0) if index % 97 else rng.choice([-1, 1]) * rng.uniform(3.01, 8.0)
        rows.append((index, 50.0 + 10.0 * z, categories[index % 5], z))
    expected = expected_categories(rows)
    assert all(c["outliers"] > 0 for c in expected)  # the data really has outliers in every category
    path = write_artifact(tmp_path / "random.parquet", rows, row_group_size=3_000)
    assert pq.read_metadata(path / "part-00000.parquet").num_row_groups == 4

    response = driver.request("random", path, outlier_threshold=3.0)

    assert_compared(response)
    assert response["records"] == len(rows)
    assert_categories(response["categories"], expected)


def test_an_artifact_of_several_parts_is_one_input(driver: Driver, tmp_path: Path) -> None:
    # A large job's artifact: 4 parts of 3 row groups each, over 4 MiB in all: several
    # DataFrame splits and a shuffle, 12 row groups for the RDD tasks.
    rows = random_rows(200_000, seed=11)
    path = write_artifact(tmp_path / "normalized.parquet", rows, parts=4, row_group_size=20_000)
    assert sorted(part.name for part in path.iterdir()) == [f"part-0000{index}.parquet" for index in range(4)]
    assert all(pq.read_metadata(part).num_row_groups == 3 for part in path.iterdir())
    assert artifact_bytes(path) > ONE_SPLIT_BYTES

    response = driver.request("parts", path)

    assert_compared(response)
    assert response["records"] == len(rows)
    assert_categories(response["categories"], expected_categories(rows))


def test_single_record_category_has_zero_std(driver: Driver, tmp_path: Path) -> None:
    rows = [(1, 1.0, "many", -1.25), (2, 2.0, "many", 0.5), (3, 3.0, "many", 2.0), (4, 9.0, "solo", 4.5)]
    response = driver.request("solo", write_artifact(tmp_path / "solo.parquet", rows))
    assert_compared(response)
    assert_categories(response["categories"], expected_categories(rows))
    solo = response["categories"][1]
    assert solo == {
        "category": "solo",
        "count": 1,
        "sum": 4.5,
        "mean": 4.5,
        "std": 0.0,
        "min": 4.5,
        "max": 4.5,
        "outliers": 1,
    }


def test_pipelines_agree_when_a_category_sums_to_zero(driver: Driver, tmp_path: Path) -> None:
    rng = random.Random(7)
    rows = normalized_rows([rng.uniform(0.0, 100.0) for _ in range(5_000)], ["only"] * 5_000)
    response = driver.request("zero-sum", write_artifact(tmp_path / "zero-sum.parquet", rows))
    assert_compared(response)
    assert_categories(response["categories"], expected_categories(rows))
    assert abs(response["categories"][0]["sum"]) < 1e-9


def test_outlier_threshold_and_unusual_category_names(driver: Driver, tmp_path: Path) -> None:
    rows = [(1, 1.0, "x, y", 1.5), (2, 2.0, "x, y", -2.5), (3, 3.0, 'say "z"', 0.5), (4, 4.0, "ünï ✓", -1.25)]
    response = driver.request("threshold", write_artifact(tmp_path / "names.parquet", rows), outlier_threshold=1.0)
    assert_compared(response)
    assert_categories(response["categories"], expected_categories(rows, threshold=1.0))
    assert [c["outliers"] for c in response["categories"]] == [0, 2, 1]


def test_compare_pipelines_false_runs_the_dataframe_pipeline_alone(driver: Driver, tmp_path: Path) -> None:
    rows = normalized_rows([1.0, 2.0, 4.0, 8.0], ["A", "B", "A", "B"])
    response = driver.request("df-only", write_artifact(tmp_path / "df-only.parquet", rows), compare_pipelines=False)
    assert_ok(response)
    assert {"rdd", "comparison", "speedup"}.isdisjoint(response)
    assert response["dataframe"]["seconds"] > 0
    assert_categories(response["categories"], expected_categories(rows))


def test_the_pipelines_run_at_once_unless_asked_to_run_one_after_the_other(driver: Driver, tmp_path: Path) -> None:
    rows = random_rows(500, seed=5)
    path = write_artifact(tmp_path / "normalized.parquet", rows)
    at_once = driver.request("at-once", path)
    one_after_the_other = driver.request("sequential", path, pipelines="sequential")
    for response in (at_once, one_after_the_other):
        assert_compared(response)
        assert_categories(response["categories"], expected_categories(rows))
    assert (at_once["pipelines_concurrent"], one_after_the_other["pipelines_concurrent"]) == (True, False)
    other = write_artifact(tmp_path / "other" / "normalized.parquet", random_rows(40, seed=6))
    batched = send_batch(driver, [{"request_id": f"s{i}", "job_id": f"job-s{i}", "input": str(p), "pipelines": "sequential"} for i, p in enumerate([path, other])])
    assert [r["batch"]["pipelines_concurrent"] for r in batched] == [False, False]
    assert all(r["pipelines_concurrent"] is False for r in batched)
    wrong = driver.request("wrong", path, pipelines="parallel")
    assert wrong["ok"] is False and wrong["error"] == {"kind": "bad_request", "message": "'pipelines' must be \"concurrent\" or \"sequential\""}


def test_an_artifact_without_records_has_no_categories(driver: Driver, tmp_path: Path) -> None:
    path = write_artifact(tmp_path / "empty.parquet", [])
    assert pq.read_metadata(path / "part-00000.parquet").num_rows == 0
    response = driver.request("empty", path)
    assert_compared(response)
    assert (response["records"], response["categories"]) == (0, [])


def test_a_batch_answers_each_request_as_if_alone(driver: Driver, tmp_path: Path) -> None:
    rng = random.Random(3)
    inputs = []
    for index in range(6):
        size = rng.randint(1, 40)
        rows = normalized_rows([rng.uniform(-5.0, 5.0) for _ in range(size)], [rng.choice("XYZ") for _ in range(size)])
        # One folder name Spark must URL-encode (a space, a percent sign) and another it need not;
        # one input in two parts (both grouped under their input).
        directory = tmp_path / (f"job {index} 100%" if index == 1 else f"job-{index}")
        inputs.append((write_artifact(directory / "normalized.parquet", rows, parts=2 if index == 2 else 1), rows))
    bad = write_artifact(tmp_path / "job-bad" / "normalized.parquet", [(1, 1.0, "A", 0.5), (2, 2.0, "A", float("nan"))])
    requests = [{"request_id": f"b{i}", "job_id": f"job-b{i}", "input": str(path)} for i, (path, _) in enumerate(inputs)]
    requests.insert(2, {"request_id": "bad", "job_id": "job-bad", "input": str(bad)})
    requests.append({"request_id": "gone", "job_id": "job-gone", "input": str(tmp_path / "gone.parquet")})
    requests.append({"request_id": "alone", "job_id": "job-alone", "input": str(inputs[0][0]), "compare_pipelines": False})

    responses = send_batch(driver, requests)

    assert [r["request_id"] for r in responses] == [r["request_id"] for r in requests]
    by_id = {r["request_id"]: r for r in responses}
    total = sum(len(rows) for _, rows in inputs)
    for index, (_, rows) in enumerate(inputs):
        response = by_id[f"b{index}"]
        assert_ok(response)
        assert response["job_id"] == f"job-b{index}"
        assert response["records"] == len(rows)
        assert_categories(response["categories"], expected_categories(rows))
        assert response["comparison"]["agree"] is True
        # Seven inputs went into the Spark job (not the missing one); its records are those of the six that succeeded.
        assert response["batch"] == {"jobs": 7, "records": total, "pipelines_concurrent": True}
        assert response["dataframe"]["throughput_records_per_second"] == pytest.approx(total / response["dataframe"]["seconds"])
    assert_invalid(by_id["bad"], str(bad), "1 record with a z that is not a finite number")
    assert by_id["gone"]["ok"] is False and by_id["gone"]["error"]["kind"] == "input_missing"
    # Other options: a group of its own, here of one, run alone.
    assert_ok(by_id["alone"])
    assert "batch" not in by_id["alone"] and "rdd" not in by_id["alone"]
    assert_categories(by_id["alone"]["categories"], expected_categories(inputs[0][1]))
    assert_still_serving(driver, tmp_path)


def test_a_damaged_part_in_a_batch_fails_only_its_request(driver: Driver, tmp_path: Path) -> None:
    inputs = [(write_artifact(tmp_path / f"job-{index}" / "normalized.parquet", rows), rows) for index, rows in enumerate(random_rows(30, seed) for seed in range(3))]
    damaged = write_artifact(tmp_path / "job-damaged" / "normalized.parquet", random_rows(30, seed=9))
    damage_page_header(damaged / "part-00000.parquet")
    requests = [{"request_id": f"d{i}", "job_id": f"job-d{i}", "input": str(path)} for i, (path, _) in enumerate(inputs)]
    requests.insert(1, {"request_id": "damaged", "job_id": "job-damaged", "input": str(damaged)})

    responses = send_batch(driver, requests)

    assert [r["request_id"] for r in responses] == [r["request_id"] for r in requests]
    by_id = {r["request_id"]: r for r in responses}
    assert_invalid(by_id["damaged"], str(damaged / "part-00000.parquet"), "row group 0 cannot be read")
    for index, (_, rows) in enumerate(inputs):
        response = by_id[f"d{index}"]
        # The batch's read (pyarrow, in the driver) found the damaged page: the others still ran as one batch.
        assert_ok(response)
        assert response["comparison"]["agree"] is True
        assert response["batch"]["jobs"] == len(inputs)
        assert response["batch"]["records"] == sum(len(rows) for _, rows in inputs)
        assert_categories(response["categories"], expected_categories(rows))


def test_a_small_request_is_answered_while_a_large_one_runs(driver: Driver, tmp_path: Path) -> None:
    # One row group: each of the large request's Spark jobs reads it in one task, leaving the other core to the small one.
    large_rows = random_rows(2_000_000, seed=11, categories="ABCD")
    small_rows = normalized_rows([1.0, 2.0, 4.0], ["A", "B", "A"])
    large = write_artifact(tmp_path / "large.parquet", large_rows, row_group_size=len(large_rows))
    lines = [
        {"request_id": "large", "job_id": "job-large", "input": str(large)},
        {"request_id": "small", "job_id": "job-small", "input": str(write_artifact(tmp_path / "small.parquet", small_rows))},
    ]
    assert driver.process.stdin is not None
    driver.process.stdin.write(b"".join(json.dumps(line).encode("utf-8") + b"\n" for line in lines))
    driver.process.stdin.flush()

    first, second = driver.next_message(), driver.next_message()

    # One at a time, the large request would be answered first.
    assert [first["request_id"], second["request_id"]] == ["small", "large"]
    for response, rows in ((first, small_rows), (second, large_rows)):
        assert_ok(response)
        assert_compared(response)
        assert_categories(response["categories"], expected_categories(rows))


# --- errors ----------------------------------------------------------------


def test_missing_input(driver: Driver, tmp_path: Path) -> None:
    missing = tmp_path / "does-not-exist.parquet"
    response = driver.request("missing", missing)
    assert response["ok"] is False
    assert response["error"] == {"kind": "input_missing", "message": f"input not found: {missing}"}
    assert_still_serving(driver, tmp_path)


def test_an_input_that_is_not_a_directory_of_parts(driver: Driver, tmp_path: Path) -> None:
    part = write_part(tmp_path / "part-00000.parquet", [(1, 1.0, "A", 0.5)])
    assert_invalid(driver.request("a-file", part), f"{part}: not a directory of part-*.parquet files")
    empty = tmp_path / "empty-folder.parquet"
    empty.mkdir()
    (empty / "normalized.csv").write_text("id,value,category,z\n1,1.0,A,0.5\n", encoding="utf-8")
    assert_invalid(driver.request("no-parts", empty), f"{empty}: a directory without part-*.parquet files")
    assert_still_serving(driver, tmp_path)


@pytest.mark.parametrize(
    ("column", "field", "problem"),
    [
        ("category", pa.field("group", pa.string(), nullable=False), "columns id, value, group, z"),
        ("z", pa.field("z", pa.float32(), nullable=False), "z is FLOAT REQUIRED"),
        ("z", pa.field("z", pa.float64(), nullable=True), "z is DOUBLE OPTIONAL"),
        ("id", pa.field("id", pa.string(), nullable=False), "id is BYTE_ARRAY String REQUIRED"),
    ],
)
def test_a_part_of_another_schema_is_named(driver: Driver, tmp_path: Path, column: str, field: pa.Field, problem: str) -> None:
    folder = write_artifact(tmp_path / "normalized.parquet", [(1, 1.0, "A", 0.5)])
    schema = SCHEMA.set(SCHEMA.get_field_index(column), field)
    bad = write_part(folder / "part-00001.parquet", [(2 if column != "id" else "2", 2.0, "B", -0.5)], schema=schema)
    message = assert_invalid(driver.request("bad-schema", folder), f"{bad}: wrong schema: {problem}; expected ")
    assert "id INT64, value DOUBLE, category BYTE_ARRAY String, z DOUBLE, all REQUIRED" in message
    assert_still_serving(driver, tmp_path)


def test_a_part_that_is_not_parquet_or_lost_its_footer_is_named(driver: Driver, tmp_path: Path) -> None:
    folder = write_artifact(tmp_path / "truncated.parquet", random_rows(2_000, seed=1), parts=2)
    truncate(folder / "part-00001.parquet")
    assert_invalid(driver.request("truncated", folder), f"{folder / 'part-00001.parquet'}: not a readable Parquet file: ", "magic bytes")
    text = write_artifact(tmp_path / "text.parquet", [(1, 1.0, "A", 0.5)])
    (text / "part-00000.parquet").write_text("id,value,category,z\n1,1.0,A,0.5\n", encoding="utf-8")
    assert_invalid(driver.request("text", text), f"{text / 'part-00000.parquet'}: not a readable Parquet file: ")
    assert_still_serving(driver, tmp_path)


def test_a_part_cut_short_before_its_footer_is_named(driver: Driver, tmp_path: Path) -> None:
    folder = write_artifact(tmp_path / "cut.parquet", random_rows(2_000, seed=2), parts=2)
    cut_short(folder / "part-00000.parquet")
    assert_invalid(driver.request("cut", folder), f"{folder / 'part-00000.parquet'}: truncated or corrupt: column z of row group 0 spans bytes ")
    assert_still_serving(driver, tmp_path)


@pytest.mark.parametrize("compare_pipelines", [True, False])
def test_a_damaged_page_fails_its_request_in_spark_and_the_driver_goes_on(driver: Driver, tmp_path: Path, compare_pipelines: bool) -> None:
    folder = write_artifact(tmp_path / "damaged.parquet", random_rows(2_000, seed=3), parts=2)
    damage_page_header(folder / "part-00001.parquet")
    sluice_pipelines.check_input(str(folder))  # the footers are sound: only the Spark job can meet the damage
    response = driver.request("damaged", folder, compare_pipelines=compare_pipelines)
    assert_invalid(response, f"{folder / 'part-00001.parquet'}: row group 0 cannot be read: ", "page header")
    assert_still_serving(driver, tmp_path)


def test_a_z_that_is_not_finite_fails_the_request(driver: Driver, tmp_path: Path) -> None:
    rows = [(1, 1.0, "A", 0.5), (2, 2.0, "B", float("nan")), (3, 3.0, "A", float("inf")), (4, 4.0, "B", -0.5)]
    path = write_artifact(tmp_path / "not-finite.parquet", rows)
    assert_invalid(driver.request("not-finite", path), f"{path}: 2 records with a z that is not a finite number (NaN or infinite)")
    assert_still_serving(driver, tmp_path)


def test_the_comparison_reports_each_disagreement() -> None:
    # The pipelines read the same Parquet pages, so no input makes them disagree: the comparison itself, directly.
    stats = sluice_pipelines.CategoryStats
    frame = {"A": stats(2, 1.0, 0.5, 0.5, 0.0, 1.0, 0), "B": stats(1, 3.0, 3.0, 0.0, 3.0, 3.0, 1)}
    close = {"A": stats(2, 1.0 + 1e-12, 0.5, 0.5, 0.0, 1.0, 0), "B": stats(1, 3.0, 3.0, 0.0, 3.0, 3.0, 1)}
    agreed = sluice_pipelines.compare(frame, close, sluice_pipelines.Tolerance())
    assert agreed.disagreements == [] and 0.0 < agreed.max_abs_difference < 1e-11
    apart = {"A": stats(3, 1.0, 0.5, 0.5, 0.0, 1.0, 0), "C": stats(1, 0.0, 0.0, 0.0, 0.0, 0.0, 0)}
    assert sluice_pipelines.compare(frame, apart, sluice_pipelines.Tolerance()).disagreements == [
        "categories only in the DataFrame result: ['B']",
        "categories only in the RDD result: ['C']",
        "category 'A': count 2 (DataFrame) vs 3 (RDD)",
    ]
    shifted = {"A": stats(2, 1.0 + 1e-6, 0.5, 0.5, 0.0, 1.0, 0), "B": frame["B"]}
    assert sluice_pipelines.compare(frame, shifted, sluice_pipelines.Tolerance()).disagreements == [
        "category 'A': sum 1.0 (DataFrame) vs 1.000001 (RDD)"
    ]


def test_malformed_request_line(driver: Driver, tmp_path: Path) -> None:
    response = driver.send_line('{"request_id": "r", "input": ')
    assert response["ok"] is False
    assert response["request_id"] is None and response["job_id"] is None
    assert response["error"]["kind"] == "bad_request"
    assert_still_serving(driver, tmp_path)


def test_request_with_a_missing_field_echoes_its_ids(driver: Driver, tmp_path: Path) -> None:
    response = driver.send_line(json.dumps({"request_id": "no-input", "job_id": "job-no-input"}))
    assert response["ok"] is False
    assert (response["request_id"], response["job_id"]) == ("no-input", "job-no-input")
    assert response["error"]["kind"] == "bad_request" and "input" in response["error"]["message"]
    assert_still_serving(driver, tmp_path)


# --- lifecycle -------------------------------------------------------------


def test_end_of_input_stops_the_driver_with_status_zero(drivers: dict[str, Driver]) -> None:
    idle = drivers["eof"]
    idle.ready()
    assert idle.close_stdin_and_wait() == 0, idle.stderr_tail()


def test_a_driver_whose_jvm_died_answers_with_an_error_and_exits_with_status_one(drivers: dict[str, Driver], tmp_path: Path) -> None:
    orphaned = drivers["jvm-killed"]
    orphaned.ready()
    jvm = os.pidfd_open(child_pid(orphaned.process.pid, "java"))  # readable once the process has ended
    try:
        signal.pidfd_send_signal(jvm, signal.SIGKILL)
        assert select.select([jvm], [], [], EXIT_TIMEOUT)[0], "the JVM did not die"
    finally:
        os.close(jvm)
    response = orphaned.request("after-the-jvm", write_artifact(tmp_path / "after.parquet", [(1, 1.0, "A", 0.5)]))
    assert response["ok"] is False and response["error"]["kind"] == "spark_error", response
    assert orphaned.process.wait(timeout=EXIT_TIMEOUT) == 1, orphaned.stderr_tail()


def child_pid(parent: int, name: str) -> int:
    """The process id of ``parent``'s child called ``name``."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            command, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
            if command == name and int(fields[1]) == parent:
                return int(entry.name)
    pytest.fail(f"process {parent} has no child called {name}")


def test_sigterm_stops_the_driver_with_status_zero(drivers: dict[str, Driver]) -> None:
    idle = drivers["sigterm"]
    idle.ready()
    idle.process.send_signal(signal.SIGTERM)
    assert idle.process.wait(timeout=EXIT_TIMEOUT) == 0, idle.stderr_tail()
