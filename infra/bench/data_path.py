#!/usr/bin/env python3
"""Sluice end to end against Spark alone and numpy, on the same CSV files, in one run.

For each size (default 10^5, 10^6, 10^7 records) the peers in ../shared/peers/spark
(copied to --peers, since they write their data beside themselves) run first:
numpy_pipeline.py (numpy + pandas' pyarrow CSV reader in one process) and
spark_pipelines.py (a warm PySpark local[2] session reading the CSV, DataFrame and
RDD pipelines). Their CSV files are then copied under Sluice's artifact folder and
submitted by `{"input_uri": ...}` to POST /process?wait=..., so Sluice reads the very
same bytes. The table gives each time and its ratio to Spark alone (the DataFrame
pipeline reading the CSV), Sluice split by stage, and the peak memory of each service.
Without the peers (no ../shared), Sluice runs alone on files of its own generator.

Usage: data_path.py --sluice URL --artifacts DIR --run-dir DIR --peers DIR [--shared DIR]
                    [--sizes 100000,...] [--runs N] [--warm-ups N] [--json FILE]

Each size first runs --warm-ups jobs (default 2) untimed: the peers time a warm
session that has run the same work, and so does this (a service's JVM compiles the
large jobs' paths over its first ones, 0.4-1.2 s against 0.22-0.25 s for the
DataFrame pipeline on 10^6 records).
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from end_to_end import SERVICES, descendants, input_file, peak_mib, run_job
from pipeline_latency import STAGES, BenchError, stage_split


def run_peers(shared: Path, peers: Path, sizes: list[int], python: str) -> dict[int, dict]:
    """Runs numpy and Spark alone on each size; returns their seconds and the CSV each read."""
    if peers.exists():
        shutil.rmtree(peers / "results", ignore_errors=True)
    else:
        shutil.copytree(shared / "peers" / "spark", peers)
    text = ",".join(str(n) for n in sizes)
    numpy_out, spark_out = peers / "results" / "numpy.json", peers / "results" / "spark.jsonl"
    subprocess.run([python, "numpy_pipeline.py", "--sizes", text, "--reps", "3", "--out", str(numpy_out)], cwd=peers, check=True)
    subprocess.run([python, "spark_pipelines.py", "--sizes", text, "--entries", "csv", "--modes", "e2e", "--out", str(spark_out)],
                   cwd=peers, check=True)
    numpy_rows = {row["n"]: row for row in json.loads(numpy_out.read_text())["rows"]}
    runs: dict[tuple[int, str], list[float]] = {}
    for line in spark_out.read_text().splitlines():
        record = json.loads(line)
        if record.get("kind") == "run":
            runs.setdefault((record["n"], record["pipe"]), []).append(record["total_s"])
    return {n: {"numpy_s": numpy_rows[n]["csv_pyarrow_e2e_s"],
                "spark_dataframe_s": statistics.median(runs[(n, "df")]),
                "spark_rdd_s": statistics.median(runs[(n, "rdd")]),
                "csv": peers / "data" / f"records_{n}.csv"} for n in sizes}


def sluice_input(artifacts: Path, csv: Path | None, records: int) -> str:
    """The input_uri of the peers' CSV of `records` records, copied under the artifact folder (or Sluice's own file)."""
    if csv is None:
        return input_file(artifacts, records)
    name = f"peer-{records}.csv"
    target = artifacts / "inputs" / "default" / name
    if not target.exists() or target.stat().st_size != csv.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(csv, target)
    return name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sluice", required=True)
    parser.add_argument("--artifacts", type=Path, required=True)
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--peers", type=Path, required=True, help="a writable folder for the peers' copy")
    parser.add_argument("--shared", type=Path, help="../shared, where the peers are; without it Sluice runs alone")
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warm-ups", type=int, default=2, help="untimed jobs of each size before its timed runs")
    parser.add_argument("--wait", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    base = args.sluice.rstrip("/")
    sizes = [int(size) for size in args.sizes.split(",")]
    peers = run_peers(args.shared, args.peers, sizes, sys.executable) if args.shared else {}

    rows = []
    for records in sizes:
        uri = sluice_input(args.artifacts, peers.get(records, {}).get("csv"), records)
        for _ in range(args.warm_ups):
            run_job(base, uri, records, args.wait)
        runs = sorted((run_job(base, uri, records, args.wait) for _ in range(args.runs)), key=lambda run: run["seconds"])
        median = runs[(len(runs) - 1) // 2]
        split, _ = stage_split(base, median["job_id"])
        peer = {key: value for key, value in peers.get(records, {}).items() if key != "csv"}
        rows.append({"records": records, "sluice_s": median["seconds"], "runs": [run["seconds"] for run in runs],
                     "job_id": median["job_id"], "pipelines": median["pipelines"],
                     "stages": {stage: value[1] for stage, value in split.items()},
                     "queued_s": sum(value[0] for value in split.values()), **peer})
        print(f"{records:,} records: Sluice {median['seconds']:.3f} s", file=sys.stderr)

    print("| records | Sluice end to end s | validate | normalize | spark (DataFrame, RDD) | analyze | queued | Spark alone s | numpy s | Sluice / Spark | numpy / Spark |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        stages, pipelines = row["stages"], row["pipelines"]
        spark = row.get("spark_dataframe_s")
        cells = [f"{stages.get(stage, 0):.2f}" for stage in STAGES]
        cells[2] += f" ({pipelines['dataframe_seconds']:.2f}, {pipelines.get('rdd_seconds') or 0:.2f})"
        peer_cells = (f"{spark:.2f} | {row['numpy_s']:.2f} | **{row['sluice_s'] / spark:.2f}** | {row['numpy_s'] / spark:.2f}"
                      if spark else "- | - | - | -")
        print(f"| {row['records']:,} | {row['sluice_s']:.2f} | {' | '.join(cells)} | {row['queued_s']:.2f} | {peer_cells} |")

    peaks = {}
    for service in SERVICES:
        processes = descendants(int((args.run_dir / f"{service}.pid").read_text()))
        peaks[service] = sum(peak_mib(process) for process in processes)
    print("\n| service | peak resident MiB (VmHWM; the spark-runner with its driver and JVM) |\n|---|---:|")
    for service, mib in peaks.items():
        print(f"| {service} | {mib:,.0f} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"jobs": rows, "peak_memory_mib": peaks}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BenchError, subprocess.CalledProcessError) as error:
        print(f"data_path.py: {error}", file=sys.stderr)
        sys.exit(1)
