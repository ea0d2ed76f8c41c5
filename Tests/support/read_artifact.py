"""Reads a job's normalized.parquet the way a user would, with pyarrow, pandas and
Spark, and writes what each saw as one JSON object to OUTPUT (for the Swift end-to-end test).

    python Tests/support/read_artifact.py ARTIFACT_DIR OUTPUT

The z column is checked against an independent numpy z-score of the value column.
"""

import json
import sys

import numpy as np
import pandas
import pyarrow.parquet as pq
from pyspark.sql import SparkSession


def main(path: str, output: str) -> None:
    table = pq.read_table(path)
    schema = [[field.name, str(field.type), field.nullable] for field in table.schema]
    frame = pandas.read_parquet(path)
    values = frame["value"].to_numpy()
    expected = (values - values.mean()) / values.std()
    spark = SparkSession.builder.master("local[2]").appName("read-artifact").config("spark.ui.enabled", "false").getOrCreate()
    try:
        read = spark.read.parquet(path)
        spark_schema = [[field.name, field.dataType.simpleString(), field.nullable] for field in read.schema.fields]
        by_category = {row["category"]: row["count"] for row in read.groupBy("category").count().collect()}
        spark_rows = read.count()
        files = len(read.inputFiles())
    finally:
        spark.stop()
    with open(output, "w", encoding="utf-8") as file:
        json.dump({
            "pyarrow_schema": schema,
            "pyarrow_rows": table.num_rows,
            "pandas_ids": frame["id"].tolist(),
            "pandas_max_z_error": float(np.max(np.abs(frame["z"].to_numpy() - expected))),
            "spark_schema": spark_schema,
            "spark_rows": spark_rows,
            "spark_files": files,
            "spark_counts_by_category": by_category,
        }, file)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
