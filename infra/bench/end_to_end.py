#!/usr/bin/env python3
"""Whole jobs end to end by size: submitted -> completed, split by stage, with each service's peak memory.

For each size a CSV of that many records (id,value,category; seeded values, 8
categories) is written once in the default owner's input folder and submitted by
`{"input_uri": ...}` to POST /process?wait=..., so the body does not pass through
the client; the job must complete with every record processed. Each size runs
--warm-ups times untimed (default 2: a service's JVM compiles a large job's paths
over its first ones), then --runs times; the table has the run with the median end-to-end time and, from
GET /api/v1/jobs/{id}, its queue wait and service seconds per stage, and the
summary's DataFrame and RDD seconds. Last, the peak resident memory (VmHWM) of
every service process since it started, its Spark driver and JVM counted with the
spark-runner: the largest job sets it.

Usage: end_to_end.py --sluice URL --artifacts DIR --run-dir DIR [--sizes 1000,…] [--runs 3] [--warm-ups 2] [--json FILE]
"""
import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

from pipeline_latency import STAGES, BenchError, http, stage_split

SERVICES = ["gateway", "validator", "gpu-normalizer", "spark-runner", "analyzer"]


def input_file(artifacts: Path, records: int) -> str:
    """The input of `records` records in artifacts/inputs/default (the input folder of the
    benchmark key's owner), written once; its input_uri."""
    name = f"bench-e2e-{records}.csv"
    path = artifacts / "inputs" / "default" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        rng = random.Random(records)
        temporary = path.with_suffix(".tmp")
        with temporary.open("w", encoding="utf-8") as out:
            out.write("id,value,category\n")
            for start in range(0, records, 100_000):
                out.write("".join(f"{i},{rng.gauss(100.0, 25.0):.4f},{'ABCDEFGH'[i % 8]}\n"
                                  for i in range(start + 1, min(start + 100_000, records) + 1)))
        temporary.rename(path)
    return name


def run_job(base: str, uri: str, records: int, wait: int) -> dict:
    started = time.perf_counter()
    status, raw = http("POST", f"{base}/process?wait={wait}", json.dumps({"input_uri": uri}).encode(), timeout=wait + 30)
    seconds = time.perf_counter() - started
    answer = json.loads(raw) if raw[:1] == b"{" else {}
    if status != 200 or answer.get("status") != "completed" or answer.get("records_processed") != records:
        raise BenchError(f"{records}-record job: HTTP {status}: {raw[:300]!r}")
    return {"seconds": seconds, "job_id": answer["job_id"], "pipelines": answer["summary"]["pipelines"]}


def descendants(pid: int) -> list[int]:
    """pid and every process under it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def peak_mib(pid: int) -> float:
    """Peak resident memory of one process in MiB (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sluice", required=True)
    parser.add_argument("--artifacts", type=Path, required=True, help="SLUICE_ARTIFACT_DIR of the running services")
    parser.add_argument("--run-dir", type=Path, required=True, help="where infra/services.sh keeps the pid files")
    parser.add_argument("--sizes", default="1000,5000,10000,25000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warm-ups", type=int, default=2, help="untimed jobs of each size before its timed runs")
    parser.add_argument("--wait", type=int, default=300, help="?wait= seconds (at most SLUICE_PROCESS_MAX_WAIT)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    base = args.sluice.rstrip("/")
    sizes = [int(size) for size in args.sizes.split(",")]

    rows = []
    for records in sizes:
        uri = input_file(args.artifacts, records)
        for _ in range(args.warm_ups):
            run_job(base, uri, records, args.wait)
        runs = sorted((run_job(base, uri, records, args.wait) for _ in range(args.runs)), key=lambda run: run["seconds"])
        median = runs[(len(runs) - 1) // 2]
        split, _ = stage_split(base, median["job_id"])
        rows.append({"records": records, "seconds": median["seconds"], "runs": [run["seconds"] for run in runs],
                     "job_id": median["job_id"], "pipelines": median["pipelines"],
                     "stages": {stage: {"queue_wait": value[0], "service": value[1]} for stage, value in split.items()}})
        print(f"{records:,} records: {median['seconds']:.3f} s", file=sys.stderr)

    print("| records | end to end s | validate | normalize | spark | analyze | queued (all stages) | DataFrame s | RDD s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        stages = row["stages"]
        queued = sum(stage["queue_wait"] for stage in stages.values())
        cells = " | ".join(f"{stages[stage]['service']:.3f}" if stage in stages else "-" for stage in STAGES)
        pipelines = row["pipelines"]
        rdd = pipelines.get("rdd_seconds")
        print(f"| {row['records']:,} | {row['seconds']:.3f} | {cells} | {queued:.3f} | {pipelines['dataframe_seconds']:.3f} | "
              + (f"{rdd:.3f} |" if rdd is not None else "- |"))

    peaks = {}
    for service in SERVICES:
        pid = int((args.run_dir / f"{service}.pid").read_text())
        processes = descendants(pid)
        peaks[service] = {"mib": sum(peak_mib(p) for p in processes), "processes": len(processes)}
    print("\n| service | peak resident memory MiB (VmHWM, since its start) |")
    print("|---|---:|")
    for service, peak in peaks.items():
        note = f" ({peak['processes']} processes: the service, its Spark driver and JVM; a sum of peaks)" if peak["processes"] > 1 else ""
        print(f"| {service}{note} | {peak['mib']:,.0f} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"jobs": rows, "peak_memory": peaks}, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"end_to_end.py: {error}", file=sys.stderr)
        sys.exit(1)
