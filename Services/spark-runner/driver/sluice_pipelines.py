"""Per-category aggregates of the z-score column of a normalized Sluice artifact.

The input is a directory (``…/normalized.parquet``) of Parquet files
``part-00000.parquet``, ``part-00001.parquet``, … (one for a small job, several
for a large one), each of one or more row groups, uncompressed, with exactly the
required (non-nullable) columns ``id`` INT64, ``value`` DOUBLE, ``category``
BYTE_ARRAY STRING (dictionary-encoded) and ``z`` DOUBLE, the normalized value.
For every category both pipelines compute count, sum, mean, population standard
deviation, min and max of ``z`` and the number of outliers (rows with
``|z| > threshold``):

* ``dataframe_aggregates`` reads the parts with Spark's (vectorized) Parquet
  reader and runs one ``groupBy().agg(...)``;
* ``rdd_aggregates`` uses no Spark reader: tasks over (part, row group) pairs,
  spread with ``SparkContext.parallelize``, read each row group's ``category``
  and ``z`` with pyarrow and summarize ``z`` per category with numpy
  (deviations from the category's own mean); the summaries are merged here with
  Chan's (count, mean, M2) merge, so it stays accurate for large counts.

Both return ``{category: CategoryStats}`` to the driver; only those per-category
rows (never the records) travel back to Python. ``dataframe_batch_aggregates``
and ``rdd_batch_aggregates`` do the same for many small inputs at once, in one
Spark job each, grouped by input and category, on one in-memory input that
``read_batch`` makes of them (no file of a small job is opened by the JVM). ``check_input`` checks an input
from its parts' footers before any job runs; ``read_failure`` reads its pages
after a job over it failed, since damage inside a page shows only then.
``compare`` checks that the two results agree. This module also runs on the
executors (the driver ships it with ``SparkContext.addPyFile``), so it must stay
importable without the driver. Inputs are local paths (an NFS mount shared by
the hosts, for a cluster): the RDD tasks and the checks read them with pyarrow.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import Column, DataFrameReader, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

PART_PREFIX, PART_SUFFIX = "part-", ".parquet"
COLUMNS = ("id", "value", "category", "z")
# The columns as Arrow types them, for writing a part (the driver's warm-up, the benchmark).
ARROW_SCHEMA = pa.schema(
    [
        pa.field("id", pa.int64(), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("z", pa.float64(), nullable=False),
    ]
)
# What a part's footer may say of each column, as _column_kind words it: physical type,
# logical type (if any), repetition. id may carry the logical type INT(64, signed).
_PARQUET_KINDS = {
    "id": ("INT64 REQUIRED", "INT64 Int(bitWidth=64, isSigned=true) REQUIRED"),
    "value": ("DOUBLE REQUIRED",),
    "category": ("BYTE_ARRAY String REQUIRED",),
    "z": ("DOUBLE REQUIRED",),
}
_EXPECTED_SCHEMA = "id INT64, value DOUBLE, category BYTE_ARRAY String, z DOUBLE, all REQUIRED"
# The columns both pipelines read (Spark prunes the others; the RDD tasks ask for these).
_READ_COLUMNS = ["category", "z"]
# Spark's default spark.sql.files.openCostInBytes: an input no larger than this is read in one task.
ONE_SPLIT_BYTES = 4 * 1024 * 1024
_READ_SCHEMA = T.StructType(
    [
        T.StructField("id", T.LongType()),
        T.StructField("value", T.DoubleType()),
        T.StructField("category", T.StringType()),
        T.StructField("z", T.DoubleType()),
    ]
)


class RequestFailed(Exception):
    """A request that cannot be answered with aggregates; ``kind`` is the protocol error kind."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class CategoryStats:
    """The aggregates of ``z`` over the rows of one category."""

    count: int
    sum: float
    mean: float
    std: float
    min: float
    max: float
    outliers: int


@dataclass(frozen=True)
class Tolerance:
    """How far the float aggregates of the two pipelines may differ.

    Two values ``a`` and ``b`` agree when
    ``|a - b| <= absolute + relative * max(|a|, |b|, magnitude)``, where
    ``magnitude`` is the category's largest ``|z|`` (times its count for the
    sum): rounding differs with summation order in proportion to the size of
    the terms, not of the result, which can be close to zero for z-scores.
    """

    relative: float = 1e-9
    absolute: float = 1e-12


@dataclass(frozen=True)
class Comparison:
    """The outcome of comparing the two pipelines' results."""

    max_abs_difference: float
    disagreements: list[str]


# --- input -----------------------------------------------------------------


def parts_of(path: str) -> list[str]:
    """The ``part-*.parquet`` files of the input directory ``path``, sorted by name.

    Fails with ``input_missing`` when ``path`` does not exist and with
    ``input_invalid`` when it is not a directory or holds no part; other files
    in the directory are not part of the input.
    """
    if not os.path.exists(path):
        raise RequestFailed("input_missing", f"input not found: {path}")
    if not os.path.isdir(path):
        raise RequestFailed("input_invalid", f"{path}: not a directory of {PART_PREFIX}*{PART_SUFFIX} files")
    parts = sorted(
        entry.path for entry in os.scandir(path) if entry.name.startswith(PART_PREFIX) and entry.name.endswith(PART_SUFFIX)
    )
    if not parts:
        raise RequestFailed("input_invalid", f"{path}: a directory without {PART_PREFIX}*{PART_SUFFIX} files")
    return parts


def check_input(path: str) -> None:
    """Fail with ``input_missing`` or ``input_invalid`` unless ``path`` is a directory of parts whose footers
    are readable, give the normalized schema and place every column chunk inside the file.

    Only footers are read: a part that is not Parquet or lost its end (no magic
    bytes, a footer cut off), one of another schema, and one cut short before
    its footer (a column chunk that reaches past the data) fail here, each
    message naming the part. Damage inside a page shows only when it is read:
    see ``read_failure``.
    """
    for part in parts_of(path):
        if problem := _part_problem(part):
            raise RequestFailed("input_invalid", f"{part}: {problem}")


def _part_problem(part: str) -> str | None:
    """What is wrong with one part's footer, or None."""
    try:
        size = os.path.getsize(part)
        metadata = pq.read_metadata(part)
    except (OSError, pa.ArrowException) as error:
        return f"not a readable Parquet file: {_reason(error)}"
    if problem := _schema_problem(metadata.schema):
        return f"wrong schema: {problem}; expected {_EXPECTED_SCHEMA}"
    data_end = size - 8 - metadata.serialized_size  # the footer, its length and the magic bytes end the file
    for index in range(metadata.num_row_groups):
        group = metadata.row_group(index)
        for column in range(group.num_columns if group.num_rows else 0):  # an empty row group's chunks are not read
            chunk = group.column(column)
            start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
            end = start + chunk.total_compressed_size
            if not 4 <= start <= end <= data_end:
                return (
                    f"truncated or corrupt: column {chunk.path_in_schema} of row group {index} spans bytes "
                    f"{start} to {end}, outside the data (bytes 4 to {data_end})"
                )
    return None


def _schema_problem(schema: pq.ParquetSchema) -> str | None:
    """How a part's schema differs from the normalized one, or None."""
    columns = [schema.column(index) for index in range(len(schema))]
    names = [column.path for column in columns]
    if sorted(names) != sorted(COLUMNS):
        return f"columns {', '.join(names) or '(none)'}"
    wrong = [f"{column.path} is {kind}" for column in columns if (kind := _column_kind(column)) not in _PARQUET_KINDS[column.path]]
    return "; ".join(wrong) or None


def _column_kind(column: pq.ColumnSchema) -> str:
    """A column's physical type, logical type (if any) and repetition, e.g. ``BYTE_ARRAY String REQUIRED``."""
    logical = "" if column.logical_type.type == "NONE" else f" {column.logical_type}"
    if column.max_repetition_level:
        repetition = "REPEATED"
    else:
        repetition = "OPTIONAL" if column.max_definition_level else "REQUIRED"
    return f"{column.physical_type}{logical} {repetition}"


def read_failure(path: str) -> RequestFailed | None:
    """``input_invalid`` naming the first part of ``path`` whose pages cannot be read, and why; None when all can.

    For after a Spark job over ``path`` failed: it reads every row group's
    ``category`` and ``z``, as the pipelines do, with pyarrow, and checks what
    it read (a category must be valid UTF-8).
    """
    for part in parts_of(path):
        try:
            file = pq.ParquetFile(part)
        except (OSError, pa.ArrowException) as error:
            return RequestFailed("input_invalid", f"{part}: not a readable Parquet file: {_reason(error)}")
        with file:
            for index in range(file.num_row_groups):
                try:
                    file.read_row_group(index, columns=_READ_COLUMNS).validate(full=True)
                except (OSError, pa.ArrowException) as error:
                    return RequestFailed("input_invalid", f"{part}: row group {index} cannot be read: {_reason(error)}")
    return None


def _reason(error: Exception) -> str:
    """pyarrow's message for ``error`` on one line, without the control characters it may quote from the file."""
    return " ".join("".join(char if char.isprintable() else " " for char in str(error)).split())


# --- DataFrame pipeline ----------------------------------------------------


@functools.cache
def _parquet_reader(spark: SparkSession) -> DataFrameReader:
    """The session's reader of normalized parts, built once."""
    return spark.read.schema(_READ_SCHEMA)


@functools.cache
def _aggregation(spark: SparkSession, threshold: float) -> tuple[list[Column], list[Column]]:
    """The grouping and aggregate columns, built once per session and threshold (some 40 JVM calls a job fewer).

    Every z is checked in the same pass: ``invalid`` counts those that are not
    finite, and an input with any fails whole, so the other aggregates need not
    leave them out (a key for finiteness instead cost a tenth more on 10^6 rows).
    """
    z = F.col("z")
    aggregates = [
        F.count_if(F.isnan(z) | (F.abs(z) == F.lit(math.inf))).alias("invalid"),
        F.count(F.lit(1)).alias("count"),
        F.sum(z).alias("sum"),
        F.avg(z).alias("mean"),
        F.stddev_pop(z).alias("std"),
        F.min(z).alias("min"),
        F.max(z).alias("max"),
        F.count_if(F.abs(z) > F.lit(threshold)).alias("outliers"),
    ]
    return [F.col("category")], aggregates


def dataframe_aggregates(spark: SparkSession, path: str, threshold: float) -> dict[str, CategoryStats]:
    """Aggregate ``z`` per category with the DataFrame API, checking every z in the same pass.

    Rows are grouped by category; if a z is not finite (NaN or infinite) the
    request fails with ``input_invalid``. An input of at most
    ``ONE_SPLIT_BYTES`` is read in one partition, so the aggregation needs no
    shuffle: one stage instead of two.
    """
    parts = parts_of(path)
    frame = _parquet_reader(spark).parquet(*parts)
    if sum(map(os.path.getsize, parts)) <= ONE_SPLIT_BYTES:
        frame = frame.coalesce(1)
    keys, aggregates = _aggregation(spark, threshold)
    return _category_stats(path, frame.groupBy(*keys).agg(*aggregates).collect())


@dataclass(frozen=True)
class Batch:
    """Several small inputs read once, by pyarrow in the driver, into one in-memory table.

    A batch of small jobs reaches Spark as this one input (no file is opened by
    the JVM): columns ``_input`` (the index of the input in ``paths``),
    ``category`` and ``z``, the inputs one after the other from ``offsets[i]``.
    Inputs whose pages could not be read are in ``failures`` instead.
    """

    paths: list[str]
    table: pa.Table
    offsets: list[int]
    failures: dict[str, RequestFailed]


def read_batch(paths: list[str]) -> Batch:
    """Read the ``category`` and ``z`` of every part of each input (in order) into one ``Batch``."""
    tables, offsets, failures, rows = [], [], {}, 0
    kept = []
    for path in paths:
        try:
            table = pa.concat_tables(pq.read_table(part, columns=_READ_COLUMNS) for part in parts_of(path))
        except RequestFailed as failure:
            failures[path] = failure
            continue
        except (OSError, pa.ArrowException):
            failures[path] = read_failure(path) or RequestFailed("input_invalid", f"{path}: cannot be read")
            continue
        tables.append(table.append_column("_input", pa.array([len(kept)] * table.num_rows, pa.int32())))
        kept.append(path)
        offsets.append(rows)
        rows += table.num_rows
    table = pa.concat_tables(tables) if tables else pa.table({"category": pa.array([], pa.string()), "z": pa.array([], pa.float64()), "_input": pa.array([], pa.int32())})
    return Batch(kept, table, offsets, failures)


def dataframe_batch_aggregates(spark: SparkSession, batch: Batch, threshold: float) -> dict[str, dict[str, CategoryStats] | RequestFailed]:
    """``dataframe_aggregates`` for a ``Batch``: its table made a DataFrame (Arrow), one partition, one Spark job.

    Rows are grouped by input as well as category and finiteness; an input with
    a z that is not finite fails alone (its value is the ``RequestFailed``), the
    others get their aggregates. Keys of the result are the batch's paths.
    """
    frame = spark.createDataFrame(batch.table).coalesce(1)
    keys, aggregates = _aggregation(spark, threshold)
    by_input: dict[int, list] = {}
    for row in frame.groupBy(F.col("_input"), *keys).agg(*aggregates).collect():
        by_input.setdefault(row["_input"], []).append(row)
    results: dict[str, dict[str, CategoryStats] | RequestFailed] = {}
    for index, path in enumerate(batch.paths):
        try:
            results[path] = _category_stats(path, by_input.get(index, []))
        except RequestFailed as failure:
            results[path] = failure
    return results


def _category_stats(path: str, rows: list) -> dict[str, CategoryStats]:
    """The aggregate rows of one input as ``{category: CategoryStats}``; ``input_invalid`` if a z is not finite."""
    invalid = sum(row["invalid"] for row in rows)
    if invalid:
        noun = "record" if invalid == 1 else "records"
        raise RequestFailed("input_invalid", f"{path}: {invalid} {noun} with a z that is not a finite number (NaN or infinite)")
    return {
        row["category"]: CategoryStats(
            count=row["count"],
            sum=row["sum"],
            mean=row["mean"],
            std=row["std"],
            min=row["min"],
            max=row["max"],
            outliers=row["outliers"],
        )
        for row in rows
    }


# --- RDD pipeline ----------------------------------------------------------

# Summary of one category: [count, mean, M2, sum, min, max, outliers], where M2 is
# the sum of squared deviations from the mean. _merge updates its first argument in place.
_State = list[float]


def _merge(left: _State, right: _State) -> _State:
    """Merge two summaries of the same category (Chan et al.'s pairwise update)."""
    count = left[0] + right[0]
    delta = right[1] - left[1]
    left[1] += delta * right[0] / count
    left[2] += right[2] + delta * delta * left[0] * right[0] / count
    left[0] = count
    left[3] += right[3]
    left[4] = min(left[4], right[4])
    left[5] = max(left[5], right[5])
    left[6] += right[6]
    return left


def _row_group_states(threshold: float, tasks: Iterable[tuple[str, str, int]]) -> Iterator[tuple[tuple[str, str], _State]]:
    """Summarize the row groups of one partition's ``(input, part, row group)`` tasks per (input, category).

    Consecutive tasks of one part share its opened file. ``category`` is read
    as a dictionary array (its dictionary encoding kept), ``z`` as a float
    column. A part that cannot be read fails the task, and so the Spark job.
    """
    for (path, part), tasks_of_part in itertools.groupby(tasks, key=lambda task: task[:2]):
        with pq.ParquetFile(part, read_dictionary=["category"]) as file:
            for _path, _part, index in tasks_of_part:
                table = file.read_row_group(index, columns=_READ_COLUMNS)
                for category, state in _table_states(threshold, table.column("category").combine_chunks(), table.column("z").to_numpy()):
                    yield (path, category), state


def _table_states(threshold: float, categories: pa.DictionaryArray, z: np.ndarray) -> Iterator[tuple[str, _State]]:
    """Summarize one row group per category with numpy: deviations from each category's own mean.

    A z that is not finite is left out (the DataFrame pipeline fails such an
    input); a category may appear twice when a dictionary repeats a value (the
    caller merges by category).
    """
    codes = categories.indices.to_numpy(zero_copy_only=False)
    finite = np.isfinite(z)
    if not finite.all():
        codes, z = codes[finite], z[finite]
    kinds = len(categories.dictionary)
    count = np.bincount(codes, minlength=kinds)
    total = np.bincount(codes, weights=z, minlength=kinds)
    mean = total / np.maximum(count, 1)
    m2 = np.bincount(codes, weights=np.square(z - mean[codes]), minlength=kinds)
    outliers = np.bincount(codes, weights=np.abs(z) > threshold, minlength=kinds)
    low, high = np.full(kinds, np.inf), np.full(kinds, -np.inf)
    np.minimum.at(low, codes, z)
    np.maximum.at(high, codes, z)
    for code, category in enumerate(categories.dictionary.to_pylist()):
        if count[code]:
            yield category, [int(count[code]), float(mean[code]), float(m2[code]), float(total[code]), float(low[code]), float(high[code]), int(outliers[code])]


def _states(spark: SparkSession, paths: list[str], threshold: float) -> dict[str, dict[str, _State]]:
    """The merged per-category states of each input, from one Spark job over all their row groups.

    The (input, part, row group) tasks, listed from the parts' footers, are
    spread over at most the default parallelism of partitions; each partition
    folds its row groups into states; only those (a few per category and row
    group) are collected, and merged here, as ``RDD.aggregate`` does: one stage,
    no shuffle.
    """
    tasks = [(path, part, index) for path in paths for part in parts_of(path) for index in range(pq.read_metadata(part).num_row_groups)]
    context = spark.sparkContext
    slices = max(1, min(len(tasks), context.defaultParallelism))
    partials = context.parallelize(tasks, slices).mapPartitions(functools.partial(_row_group_states, threshold)).collect()
    states: dict[str, dict[str, _State]] = {path: {} for path in paths}
    for (path, category), state in partials:
        merged = states[path]
        merged[category] = _merge(merged[category], state) if category in merged else state
    return states


def rdd_aggregates(spark: SparkSession, path: str, threshold: float) -> dict[str, CategoryStats]:
    """Aggregate ``z`` per category with the RDD API: pyarrow and numpy over each row group, no Spark reader."""
    return _stats_of(_states(spark, [path], threshold)[path])


def rdd_batch_aggregates(spark: SparkSession, batch: Batch, threshold: float) -> dict[str, dict[str, CategoryStats]]:
    """``rdd_aggregates`` for a ``Batch``: each input's categories and z sent to one task, summarized per (input, category).

    Keys of the result are the batch's paths; an input without rows maps to ``{}``.
    """
    ends = batch.offsets[1:] + [batch.table.num_rows]
    pieces = [
        (index, batch.table.column("category").slice(start, end - start).to_pylist(), batch.table.column("z").slice(start, end - start).to_numpy())
        for index, (start, end) in enumerate(zip(batch.offsets, ends))
    ]
    states: dict[str, dict[str, _State]] = {path: {} for path in batch.paths}
    for (index, category), state in spark.sparkContext.parallelize(pieces, 1).mapPartitions(functools.partial(_input_states, threshold)).collect():
        merged = states[batch.paths[index]]
        merged[category] = _merge(merged[category], state) if category in merged else state
    return {path: _stats_of(merged) for path, merged in states.items()}


def _input_states(threshold: float, pieces: Iterable[tuple[int, list[str], np.ndarray]]) -> Iterator[tuple[tuple[int, str], _State]]:
    """Summarize each batched input's records per category (on an executor)."""
    for index, categories, z in pieces:
        encoded = pa.array(categories, pa.string()).dictionary_encode()
        for category, state in _table_states(threshold, encoded, z):
            yield (index, category), state


def _stats_of(states: dict[str, _State]) -> dict[str, CategoryStats]:
    """The aggregates that the final states hold."""
    return {
        category: CategoryStats(
            count=count,
            sum=total,
            mean=mean,
            std=math.sqrt(max(m2, 0.0) / count),
            min=low,
            max=high,
            outliers=outliers,
        )
        for category, (count, mean, m2, total, low, high, outliers) in states.items()
    }


# --- writing ---------------------------------------------------------------


def write_part(path: str | os.PathLike[str], columns: Mapping[str, Any]) -> None:
    """Write ``columns`` (id, value, category and z: sequences, numpy or Arrow arrays) as one part, as the
    Swift stages write it: uncompressed, ``category`` dictionary-encoded, every column required (row groups
    of pyarrow's default length). For the driver's warm-up and the benchmark."""
    table = pa.table({name: columns[name] for name in COLUMNS}, schema=ARROW_SCHEMA)
    pq.write_table(table, path, compression="none", use_dictionary=["category"], store_schema=False)


# --- comparison ------------------------------------------------------------


def compare(
    dataframe: dict[str, CategoryStats], rdd: dict[str, CategoryStats], tolerance: Tolerance
) -> Comparison:
    """Compare the pipelines: same categories, equal counts and outliers, float aggregates within ``tolerance``."""
    disagreements: list[str] = []
    if only := sorted(dataframe.keys() - rdd.keys()):
        disagreements.append(f"categories only in the DataFrame result: {only}")
    if only := sorted(rdd.keys() - dataframe.keys()):
        disagreements.append(f"categories only in the RDD result: {only}")
    max_abs_difference = 0.0
    for category in sorted(dataframe.keys() & rdd.keys()):
        left, right = dataframe[category], rdd[category]
        for name in ("count", "outliers"):
            if getattr(left, name) != getattr(right, name):
                disagreements.append(
                    f"category {category!r}: {name} {getattr(left, name)} (DataFrame) vs {getattr(right, name)} (RDD)"
                )
        magnitude = max(abs(left.min), abs(left.max), abs(right.min), abs(right.max))
        for name in ("sum", "mean", "std", "min", "max"):
            a, b = getattr(left, name), getattr(right, name)
            scale = max(abs(a), abs(b), magnitude * (max(left.count, right.count) if name == "sum" else 1))
            difference = abs(a - b)
            if not difference <= tolerance.absolute + tolerance.relative * scale:
                disagreements.append(f"category {category!r}: {name} {a!r} (DataFrame) vs {b!r} (RDD)")
            else:
                max_abs_difference = max(max_abs_difference, difference)
    return Comparison(max_abs_difference=max_abs_difference, disagreements=disagreements)
