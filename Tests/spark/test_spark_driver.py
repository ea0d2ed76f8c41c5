"""End-to-end tests of the spark-runner PySpark driver over its JSON-lines protocol.

The real driver runs as a subprocess on ``local[2]``: one warm driver serves
every request test in this module, and each lifecycle test ends a driver of its
own. Expected values are computed with numpy from the rows the tests write
(``Tests/support/spark_driver.py``, which the cluster tests share).

Run with: ``.sluice/venv/bin/python -m pytest -q Tests/spark``
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyspark
import pytest
from spark_driver import (
    EXIT_TIMEOUT,
    HEADER,
    Driver,
    Row,
    assert_categories,
    assert_compared,
    assert_ok,
    expected_categories,
    normalized_rows,
    write_csv,
)

# The lifecycle tests' drivers serve no job: skip the warm-up and start a lighter JVM (C1 only, serial GC).
IDLE_DRIVER_ARGS = ("--no-warmup", "--conf", "spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")


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
        # Every file too large to read whole: the RDD pipeline reads lines, in splits.
        "lines": Driver(directory / "lines.log", "--no-warmup", "--conf", "spark.sluice.rdd.wholeFileMaxBytes=0"),
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
    """The driver answers a valid request after an error."""
    rows = [(1, 1.0, "A", -0.5), (2, 2.0, "B", 0.5)]
    response = driver.request("after-error", write_csv(tmp_path / "after.csv", rows), compare_pipelines=False)
    assert_ok(response)
    assert_categories(response["categories"], expected_categories(rows))


# --- startup and results ---------------------------------------------------


def test_ready_line_comes_first(driver: Driver) -> None:
    ready = driver.ready()
    assert ready["event"] == "ready"
    assert ready["spark_version"] == pyspark.__version__
    assert ready["master"] == "local[2]"
    assert ready["startup_seconds"] > 0


def test_seed_sample(driver: Driver, tmp_path: Path) -> None:
    rows = normalized_rows([10.5, 20.3, 15.7], ["A", "B", "A"])
    response = driver.request("seed", write_csv(tmp_path / "seed.csv", rows))
    assert_compared(response)
    assert response["records"] == 3
    assert_categories(response["categories"], expected_categories(rows))
    b = response["categories"][1]
    assert (b["count"], b["std"], b["min"], b["max"]) == (1, 0.0, rows[1][3], rows[1][3])


# 10,000 records are read as one split (the DataFrame aggregates without a shuffle);
# 120,000 are more than 4 MiB, several splits, a shuffle, several RDD partitions to merge.
@pytest.mark.parametrize("records", [10_000, 120_000])
def test_random_records_with_outliers(driver: Driver, tmp_path: Path, records: int) -> None:
    rng = random.Random(20240611)
    categories = ["alpha", "beta", "delta", "epsilon", "gamma"]
    rows: list[Row] = []
    for index in range(records):
        z = rng.gauss(0.0, 1.0) if index % 97 else rng.choice([-1, 1]) * rng.uniform(3.01, 8.0)
        rows.append((index, 50.0 + 10.0 * z, categories[index % 5], z))
    expected = expected_categories(rows)
    assert all(c["outliers"] > 0 for c in expected)  # the data really has outliers in every category
    path = write_csv(tmp_path / "random.csv", rows)
    assert (path.stat().st_size > 4 * 1024 * 1024) == (records > 100_000)

    response = driver.request(f"random-{records}", path, outlier_threshold=3.0)

    assert_compared(response)
    assert response["records"] == records
    assert_categories(response["categories"], expected)


def test_single_record_category_has_zero_std(driver: Driver, tmp_path: Path) -> None:
    rows = [(1, 1.0, "many", -1.25), (2, 2.0, "many", 0.5), (3, 3.0, "many", 2.0), (4, 9.0, "solo", 4.5)]
    response = driver.request("solo", write_csv(tmp_path / "solo.csv", rows))
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
    response = driver.request("zero-sum", write_csv(tmp_path / "zero-sum.csv", rows))
    assert_compared(response)
    assert_categories(response["categories"], expected_categories(rows))
    assert abs(response["categories"][0]["sum"]) < 1e-9


def test_outlier_threshold_and_quoted_category(driver: Driver, tmp_path: Path) -> None:
    rows = [(1, 1.0, '"x, y"', 1.5), (2, 2.0, '"x, y"', -2.5), (3, 3.0, "z", 0.5)]
    response = driver.request("threshold", write_csv(tmp_path / "quoted.csv", rows), outlier_threshold=1.0)
    assert_compared(response)
    expected = expected_categories([(i, v, c.strip('"'), z) for i, v, c, z in rows], threshold=1.0)
    assert_categories(response["categories"], expected)


def test_compare_pipelines_false_runs_the_dataframe_pipeline_alone(driver: Driver, tmp_path: Path) -> None:
    rows = normalized_rows([1.0, 2.0, 4.0, 8.0], ["A", "B", "A", "B"])
    response = driver.request("df-only", write_csv(tmp_path / "df-only.csv", rows), compare_pipelines=False)
    assert_ok(response)
    assert {"rdd", "comparison", "speedup"}.isdisjoint(response)
    assert response["dataframe"]["seconds"] > 0
    assert_categories(response["categories"], expected_categories(rows))


def test_header_only_input_has_no_categories(driver: Driver, tmp_path: Path) -> None:
    response = driver.request("empty", write_csv(tmp_path / "empty.csv", []))
    assert_compared(response)
    assert (response["records"], response["categories"]) == (0, [])


def test_a_directory_of_parts_is_one_input(driver: Driver, tmp_path: Path) -> None:
    # A large job's artifact: normalized.csv as a directory of part files, each with the header.
    rng = random.Random(11)
    rows = normalized_rows([rng.gauss(10.0, 3.0) for _ in range(30_000)], [f"c{i % 3}" for i in range(30_000)])
    folder = tmp_path / "normalized.csv"
    folder.mkdir()
    for index, start in enumerate(range(0, len(rows), 7_000)):
        write_csv(folder / f"part-{index:05d}.csv", rows[start : start + 7_000])
    response = driver.request("parts", folder)
    assert_compared(response)
    assert response["records"] == len(rows)
    assert_categories(response["categories"], expected_categories(rows))


def test_a_directory_with_a_bad_part_names_it(driver: Driver, tmp_path: Path) -> None:
    folder = tmp_path / "normalized.csv"
    folder.mkdir()
    write_csv(folder / "part-00000.csv", [(1, 1.0, "A", 0.5)])
    (folder / "part-00001.csv").write_text("id,value,group,z\n2,2.0,B,-0.5\n", encoding="utf-8")
    response = driver.request("bad-part", folder)
    assert response["ok"] is False and response["error"]["kind"] == "input_invalid"
    assert "part-00001.csv" in response["error"]["message"]
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    response = driver.request("no-parts", empty)
    assert response["ok"] is False and "without part-*.csv" in response["error"]["message"]
    assert_still_serving(driver, tmp_path)


def send_batch(driver: Driver, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send one batch line and collect one response per request."""
    assert driver.process.stdin is not None
    driver.process.stdin.write(json.dumps({"batch": requests}).encode("utf-8") + b"\n")
    driver.process.stdin.flush()
    return [driver.next_message() for _ in requests]


def test_a_batch_answers_each_request_as_if_alone(driver: Driver, tmp_path: Path) -> None:
    rng = random.Random(3)
    inputs = []
    for index in range(6):
        size = rng.randint(1, 40)
        rows = normalized_rows([rng.uniform(-5.0, 5.0) for _ in range(size)], [rng.choice("XYZ") for _ in range(size)])
        # One folder name Spark must URL-encode (a space, a percent sign) and another it need not.
        directory = tmp_path / (f"job {index} 100%" if index == 1 else f"job-{index}")
        directory.mkdir()
        inputs.append((write_csv(directory / "normalized.csv", rows), rows))
    bad = tmp_path / "job-bad.csv"
    bad.write_text(f"{HEADER}\n1,1.0,A,0.5\n2,oops,A,0.25\n", encoding="utf-8")
    requests = [{"request_id": f"b{i}", "job_id": f"job-b{i}", "input": str(path)} for i, (path, _) in enumerate(inputs)]
    requests.insert(2, {"request_id": "bad", "job_id": "job-bad", "input": str(bad)})
    requests.append({"request_id": "gone", "job_id": "job-gone", "input": str(tmp_path / "gone.csv")})
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
    assert by_id["bad"]["ok"] is False and by_id["bad"]["error"]["kind"] == "input_invalid"
    assert "line 3" in by_id["bad"]["error"]["message"] and "'oops'" in by_id["bad"]["error"]["message"]
    assert by_id["gone"]["ok"] is False and by_id["gone"]["error"]["kind"] == "input_missing"
    # Other options: a group of its own, here of one, run alone.
    assert_ok(by_id["alone"])
    assert "batch" not in by_id["alone"] and "rdd" not in by_id["alone"]
    assert_categories(by_id["alone"]["categories"], expected_categories(inputs[0][1]))
    assert_still_serving(driver, tmp_path)


def test_a_small_request_is_answered_while_a_large_one_runs(driver: Driver, tmp_path: Path) -> None:
    rng = random.Random(11)
    values = [rng.uniform(-5.0, 5.0) for _ in range(300_000)]
    large_rows = normalized_rows(values, [rng.choice("ABCD") for _ in values])
    small_rows = normalized_rows([1.0, 2.0, 4.0], ["A", "B", "A"])
    lines = [
        {"request_id": "large", "job_id": "job-large", "input": str(write_csv(tmp_path / "large.csv", large_rows))},
        {"request_id": "small", "job_id": "job-small", "input": str(write_csv(tmp_path / "small.csv", small_rows))},
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


def test_files_too_large_to_read_whole_are_read_as_lines(drivers: dict[str, Driver], tmp_path: Path) -> None:
    lines = drivers["lines"]
    lines.ready()
    rng = random.Random(5)
    values = [rng.gauss(50.0, 10.0) for _ in range(120_000)]
    rows = normalized_rows(values, [rng.choice("ABCDE") for _ in values])
    response = lines.request("as-lines", write_csv(tmp_path / "as-lines.csv", rows))
    assert_ok(response)
    assert_compared(response)
    assert_categories(response["categories"], expected_categories(rows))
    # The JVM reads "0.5d" as 0.5; the line parser, as Arrow, does not.
    odd = tmp_path / "java-literal.csv"
    odd.write_text(f"{HEADER}\n1,1.0,A,0.25\n2,2.0,A,0.5d\n", encoding="utf-8")
    assert "count 2 (DataFrame) vs 1 (RDD)" in lines.request("odd", odd)["error"]["message"]
    assert lines.close_stdin_and_wait() == 0, lines.stderr_tail()


# --- errors ----------------------------------------------------------------


def test_missing_file(driver: Driver, tmp_path: Path) -> None:
    missing = tmp_path / "does-not-exist.csv"
    response = driver.request("missing", missing)
    assert response["ok"] is False
    assert response["error"]["kind"] == "input_missing"
    assert str(missing) in response["error"]["message"]
    assert_still_serving(driver, tmp_path)


def test_bad_header(driver: Driver, tmp_path: Path) -> None:
    path = tmp_path / "bad-header.csv"
    path.write_text("id,value,group,z\n1,1.0,A,0.5\n", encoding="utf-8")
    response = driver.request("bad-header", path)
    assert response["ok"] is False
    assert response["error"]["kind"] == "input_invalid"
    message = response["error"]["message"]
    assert str(path) in message and "line 1" in message and HEADER in message and "id,value,group,z" in message
    assert_still_serving(driver, tmp_path)


def test_non_numeric_value(driver: Driver, tmp_path: Path) -> None:
    path = tmp_path / "non-numeric.csv"
    path.write_text(f"{HEADER}\n1,1.0,A,0.5\n2,2.0,B,-0.5\n3,abc,A,0.25\n4,4.0,B,1.0\n", encoding="utf-8")
    response = driver.request("non-numeric", path)
    assert response["ok"] is False
    assert response["error"]["kind"] == "input_invalid"
    message = response["error"]["message"]
    assert str(path) in message and "line 4" in message and "value" in message and "'abc'" in message
    assert_still_serving(driver, tmp_path)


def test_pipelines_that_read_the_file_differently_disagree(driver: Driver, tmp_path: Path) -> None:
    # The JVM parses the Java literal "0.5d" as 0.5; the RDD pipeline's Python parser rejects it.
    path = tmp_path / "java-literal.csv"
    path.write_text(f"{HEADER}\n1,1.0,A,0.25\n2,2.0,A,0.5d\n", encoding="utf-8")
    response = driver.request("disagree", path)
    assert response["ok"] is False
    assert response["error"]["kind"] == "pipelines_disagree"
    assert "count 2 (DataFrame) vs 1 (RDD)" in response["error"]["message"]
    assert_still_serving(driver, tmp_path)


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
    response = orphaned.request("after-the-jvm", write_csv(tmp_path / "after.csv", [(1, 1.0, "A", 0.5)]))
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
