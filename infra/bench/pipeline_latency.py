#!/usr/bin/env python3
"""End-to-end job latency over HTTP: Sluice against a peer in the same run.

What it measures, as a client sees it (time from sending POST /process?wait=... to
having read the whole 200 answer of the finished job), one request at a time:
  a. the seed sample (3 records), --requests times per system, after --warmup
     requests each, alternating Sluice/peer request by request: median, p90, min;
  b. one job of --records generated records (deterministic: ids 1..N, seeded gauss
     values, categories A-E), --rounds rounds alternating: the median per system,
     and for Sluice the split of its median round by stage (queue wait and service
     seconds from GET /api/v1/jobs/{id}) plus the summary's Spark pipeline times.
Ratios are Sluice/peer of the medians: above 1 means Sluice took longer.
The peer (e.g. the Celery pipeline) only has to answer the same HTTP contract;
--peer is optional, without it only Sluice is measured.
Every answer is checked: a non-200, a status other than "completed" or a wrong
records_processed stops the run with exit status 1.

Usage: pipeline_latency.py --sluice http://127.0.0.1:58080 [--peer http://127.0.0.1:8090]
                           [--requests 20] [--rounds 3] [--json FILE]
"""
import argparse
import json
import os
import random
import statistics
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "infra" / "examples" / "seed-sample.json"
STAGES = ["validate", "normalize", "spark", "analyze"]


class BenchError(Exception):
    pass


# Sluice's gateway wants an API key (`make bench-pipeline` passes .sluice/api-key);
# the peer ignores the header.
API_KEY = os.environ.get("SLUICE_API_KEY", "")


def http(method, url, body=None, timeout=300.0):
    headers = {"Content-Type": "application/json"} if body else {}
    if API_KEY:
        headers["Authorization"] = f"Bearer {API_KEY}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        raise BenchError(f"{method} {url}: {error}") from None


def submit(name, base, body, expected_records, wait):
    """POSTs one job and waits for its answer; returns (client seconds, answer)."""
    url = f"{base}/process?wait={wait}"
    started = time.perf_counter()
    status, raw = http("POST", url, body, timeout=wait + 30)
    elapsed = time.perf_counter() - started
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = None
    if status != 200 or not isinstance(answer, dict):
        raise BenchError(f"{name}: POST {url} answered HTTP {status}: {raw[:300]!r}")
    if answer.get("status") != "completed":
        raise BenchError(f"{name}: job {answer.get('job_id')} ended with status "
                         f"{answer.get('status')!r}, not 'completed': {raw[:300]!r}")
    if answer.get("records_processed") != expected_records:
        raise BenchError(f"{name}: job {answer.get('job_id')} processed "
                         f"{answer.get('records_processed')} records, expected {expected_records}")
    return elapsed, answer


def generated_job(records, seed, config):
    rng = random.Random(seed)
    data = [{"id": i, "value": round(rng.gauss(100.0, 25.0), 3), "category": rng.choice("ABCDE")}
            for i in range(1, records + 1)]
    return {"data": data, "processing_config": config}


def percentile(values, p):
    """Linearly interpolated, as numpy's default."""
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


def stats(values):
    return {"median": statistics.median(values), "p90": percentile(values, 90), "min": min(values)}


def ms(seconds):
    return f"{seconds * 1000:,.1f}" if seconds is not None else "-"


def ratio(a, b):
    return f"{a / b:.2f}x" if b else "-"


def stage_split(base, job_id):
    """Per stage: (queue wait, service, attempts) summed over the job's attempts."""
    status, raw = http("GET", f"{base}/api/v1/jobs/{job_id}", timeout=30)
    if status != 200:
        raise BenchError(f"sluice: GET /api/v1/jobs/{job_id} answered HTTP {status}: {raw[:300]!r}")
    job = json.loads(raw)
    split = {}
    for attempt in job.get("attempts", []):
        wait, service, count = split.get(attempt["stage"], (0.0, 0.0, 0))
        split[attempt["stage"]] = (wait + (attempt.get("queue_wait_seconds") or 0.0),
                                   service + (attempt.get("service_seconds") or 0.0), count + 1)
    return split, job.get("duration_seconds")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sluice", required=True, help="Sluice's gateway, e.g. http://127.0.0.1:58080")
    parser.add_argument("--peer", help="the peer's base URL, e.g. http://127.0.0.1:8090 (optional)")
    parser.add_argument("--peer-name", default="peer")
    parser.add_argument("--requests", type=int, default=20, help="measured seed-sample requests per system")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured seed-sample requests per system")
    parser.add_argument("--rounds", type=int, default=3, help="large-job rounds")
    parser.add_argument("--records", type=int, default=25000, help="records in the large job")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--wait", type=int, default=120, help="?wait= seconds passed to POST /process")
    parser.add_argument("--json", type=Path, help="write the raw numbers to this file")
    args = parser.parse_args()

    systems = [("sluice", args.sluice.rstrip("/"))]
    if args.peer:
        systems.append((args.peer_name, args.peer.rstrip("/")))
    names = [name for name, _ in systems]
    sample = json.loads(args.sample.read_text())
    sample_body = json.dumps(sample).encode()
    big = generated_job(args.records, args.seed, sample.get("processing_config", {}))
    big_body = json.dumps(big, separators=(",", ":")).encode()

    # a. small jobs, alternating request by request
    small = {name: [] for name in names}
    for i in range(args.warmup + args.requests):
        for name, base in systems:
            elapsed, _ = submit(name, base, sample_body, len(sample["data"]), args.wait)
            if i >= args.warmup:
                small[name].append(elapsed)
    print(f"seed sample: {args.requests} requests each done", file=sys.stderr)

    # b. one large job per system per round
    large = {name: [] for name in names}
    for round_ in range(args.rounds):
        for name, base in systems:
            elapsed, answer = submit(name, base, big_body, args.records, args.wait)
            large[name].append({"seconds": elapsed, "job_id": answer["job_id"],
                                "processing_time": answer.get("processing_time"),
                                "pipelines": (answer.get("summary") or {}).get("pipelines")})
        print(f"{args.records:,}-record job: round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    by_time = sorted(large["sluice"], key=lambda r: r["seconds"])
    median_round = by_time[(len(by_time) - 1) // 2]
    split, duration = stage_split(args.sluice.rstrip("/"), median_round["job_id"])
    pipelines = median_round["pipelines"] or {}

    # c. tables
    peer = args.peer_name if args.peer else None
    small_stats = {name: stats(small[name]) for name in names}
    large_median = {name: statistics.median(r["seconds"] for r in large[name]) for name in names}
    print(f"\n## Seed sample ({len(sample['data'])} records), {args.requests} sequential requests each, "
          f"after {args.warmup} warm-up (client-side ms)\n")
    print("| system | median | p90 | min |")
    print("|---|---:|---:|---:|")
    for name in names:
        s = small_stats[name]
        print(f"| {name} | {ms(s['median'])} | {ms(s['p90'])} | {ms(s['min'])} |")
    if peer:
        print(f"| sluice/{peer} | {ratio(small_stats['sluice']['median'], small_stats[peer]['median'])} | "
              f"{ratio(small_stats['sluice']['p90'], small_stats[peer]['p90'])} | "
              f"{ratio(small_stats['sluice']['min'], small_stats[peer]['min'])} |")

    print(f"\n## {args.records:,}-record job, {args.rounds} rounds alternating (client-side ms)\n")
    print("| system | median | rounds |")
    print("|---|---:|---|")
    for name in names:
        print(f"| {name} | {ms(large_median[name])} | {', '.join(ms(r['seconds']) for r in large[name])} |")
    if peer:
        print(f"| sluice/{peer} | {ratio(large_median['sluice'], large_median[peer])} | |")

    print(f"\n## Sluice, median {args.records:,}-record round by stage (job {median_round['job_id']})\n")
    print("| stage | queue wait ms | service ms |")
    print("|---|---:|---:|")
    for stage in STAGES + sorted(set(split) - set(STAGES)):
        wait, service, count = split.get(stage, (None, None, 0))
        note = f" ({count} attempts)" if count > 1 else ""
        print(f"| {stage}{note} | {ms(wait)} | {ms(service)} |")
    total_wait = sum(v[0] for v in split.values())
    total_service = sum(v[1] for v in split.values())
    print(f"| all stages | {ms(total_wait)} | {ms(total_service)} |")
    print(f"\njob duration (submitted -> finished) {ms(duration)} ms; client-side {ms(median_round['seconds'])} ms; "
          f"inside spark: dataframe pipeline {ms(pipelines.get('dataframe_seconds'))} ms, "
          f"rdd pipeline {ms(pipelines.get('rdd_seconds'))} ms")
    print("\nRatios are Sluice/peer: above 1 means Sluice took longer.")
    if peer:
        print(f"Note: the peer ({peer}) answers the same HTTP contract but does not do the same work: it computes no "
              "Spark aggregation (no DataFrame/RDD pipelines), only numpy statistics. It is a latency "
              "reference, not a like-for-like comparison.")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "systems": dict(systems), "records": args.records, "seed": args.seed,
            "small": {"records": len(sample["data"]), "seconds": small, "stats": small_stats},
            "large": {"rounds": large, "median_seconds": large_median},
            "sluice_median_large_job": {
                "job_id": median_round["job_id"], "duration_seconds": duration, "pipelines": pipelines,
                "stages": {stage: {"queue_wait_seconds": w, "service_seconds": s, "attempts": c}
                           for stage, (w, s, c) in split.items()}},
        }, indent=2) + "\n")
        print(f"raw numbers: {args.json}")


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
