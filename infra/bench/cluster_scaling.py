#!/usr/bin/env python3
"""Scaling over worker hosts (infra/cluster.sh test hosts), the seeds' table for Sluice.

For N = 1..4 worker hosts, each capped to --share of a core so that four fit in this
machine beside the servers:
  (a) one job of --records records (an input_uri file on the shared storage): its Spark
      stage on a standalone master with N workers (one core each), the driver (the
      spark-runner) on a host of its own; the time is the spark stage's attempt, from
      the job history;
  (b) 5-record jobs per second from --clients clients (`sluice bench` on the client
      host), with a replica of every stage on each of the N hosts (the spark-runner's
      session local[1] on its host).
The servers (RabbitMQ and PostgreSQL, infra/stack.sh), the gateway, the Spark master
and the driver have hosts of their own, all but the driver's capped too, so that the throttling of each cap
(cgroup cpu.stat: the share of 100 ms periods a host wanted more than its cap) says
what saturated. Prints a Markdown table; --json FILE keeps the figures.

Usage (root; after `swift build`): infra/bench/cluster_scaling.py [--share 0.3] [--records 10000000]
                                  [--jobs 200] [--clients 32] [--hosts 4] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Tests" / "support"))
from sluice_cluster import BIN, PYTHON, Service  # noqa: E402
from test_hosts import SPARK_STANDALONE, Hosts, missing  # noqa: E402

HOME = REPO / ".sluice" / "bench-cluster"
SERVERS, GATEWAY, MASTER, DRIVER, CLIENT = "servers", "gateway", "spark-master", "driver", "client"
STAGES = ("validator", "gpu-normalizer", "analyzer")
DATABASE_URL = f"postgresql://sluice:sluice@{SERVERS}:55432/sluice"
# The driver's host is not capped: the stages before Spark run there too, and it is not what is measured.
CAPS = {SERVERS: "0.5", GATEWAY: "0.25", MASTER: "0.2"}


def throttling(host: str) -> tuple[int, int]:
    """(periods, throttled periods) of `host`'s CPU cap so far."""
    stat = Path(f"/sys/fs/cgroup/cpu/sluice/{host}/cpu.stat")
    if not stat.exists():
        return (0, 0)
    fields = dict(line.split() for line in stat.read_text().splitlines())
    return (int(fields["nr_periods"]), int(fields["nr_throttled"]))


class Run:
    """One deployment on N worker hosts."""

    def __init__(self, hosts: Hosts, workers: list[str], env: dict[str, str], api_key: str) -> None:
        self.hosts, self.workers, self.env, self.api_key = hosts, workers, env, api_key
        self.services: list[Service] = []
        self.started: list[int] = []

    def client(self, *command: str, timeout: float = 900) -> str:
        settings = [f"{key}={value}" for key, value in self.env.items() if key.startswith("SLUICE_")]
        done = subprocess.run(
            [*self.hosts.prefix(CLIENT), "env", *settings, f"SLUICE_API_KEY={self.api_key}", *command],
            capture_output=True, text=True, timeout=timeout,
        )
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command[:2])} on {CLIENT} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def sql(self, query: str) -> list:
        script = f"import json, psycopg; print(json.dumps(psycopg.connect({DATABASE_URL!r}).execute({query!r}).fetchall(), default=str))"
        return json.loads(self.client(PYTHON, "-c", script, timeout=60))

    def start(self, name: str, host: str, **settings: str) -> None:
        service = Service(name, self.env | settings, self.hosts.logs, f"{name}@{host}", prefix=self.hosts.prefix(host))
        self.services.append(service)

    def ready(self) -> None:
        for service in self.services:
            service.wait_ready()

    def stop(self) -> None:
        for service in self.services:
            service.stop()
        self.services.clear()

    def saturated(self, before: dict[str, tuple[int, int]]) -> dict[str, float]:
        """Each capped host's throttled share of its periods since `before`."""
        shares = {}
        for host, (periods, throttled) in before.items():
            now_periods, now_throttled = throttling(host)
            if now_periods > periods:
                shares[host] = round((now_throttled - throttled) / (now_periods - periods), 2)
        return shares


def wait_for_workers(run: Run, count: int) -> None:
    """Waits until the Spark master has `count` workers alive (its web UI's /json; it sends no event)."""
    ask = (f"import json, urllib.request; state = json.load(urllib.request.urlopen('http://{MASTER}:8080/json', timeout=5)); "
           "print(sum(worker['state'] == 'ALIVE' for worker in state['workers']))")
    deadline = time.monotonic() + 300
    while True:
        try:
            if int(run.client(PYTHON, "-c", ask, timeout=30).strip() or 0) >= count:
                return
        except SystemExit:
            pass  # not answering yet
        if time.monotonic() > deadline:
            raise SystemExit(f"the Spark master did not have {count} workers within 300 s")
        time.sleep(1)


def input_file(records: int) -> str:
    path = HOME / "artifacts" / "inputs" / "default" / f"scaling-{records}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        rng = random.Random(records)
        with path.open("w") as out:
            out.write("id,value,category\n")
            for start in range(0, records, 100_000):
                out.write("".join(f"{i},{rng.gauss(100.0, 25.0):.4f},{'ABCDEFGH'[i % 8]}\n" for i in range(start + 1, min(start + 100_000, records) + 1)))
    return path.name


def large_job(run: Run, records: int, uri: str) -> float:
    """The spark stage's seconds for one job of `records` records on N Spark workers."""
    request = HOME / f"large-{records}.json"
    request.write_text(json.dumps({"input_uri": uri}))
    summary = json.loads(run.client(str(BIN / "sluice"), "submit", str(request), "--wait", "--timeout", "900", "--json"))
    assert summary["records"]["valid"] == records, summary
    job = summary["job_id"]
    (seconds,) = run.sql(
        f"SELECT extract(epoch FROM finished_at - started_at) FROM stage_attempts WHERE job_id = '{job}' AND stage = 'spark' AND outcome = 'succeeded'"
    )[0]
    return float(seconds)


def small_jobs(run: Run, jobs: int, clients: int) -> float:
    # Warm-up, untimed: each spark-runner's JVM runs its first batches slowly while it compiles.
    run.client(str(BIN / "sluice"), "bench", "--jobs", str(4 * clients), "--clients", str(clients), "--records", "5", "--json")
    result = json.loads(run.client(str(BIN / "sluice"), "bench", "--jobs", str(jobs), "--clients", str(clients), "--records", "5", "--json"))
    assert result["completed"] == jobs, result
    return result["jobs_per_second"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--share", default="0.3", help="each worker host's CPU cap, in cores")
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if why := missing():
        raise SystemExit(f"bench-cluster needs test hosts: {why}")
    workers = [f"worker{n}" for n in range(1, args.hosts + 1)]
    shutil.rmtree(HOME, ignore_errors=True)
    (HOME / "logs").mkdir(parents=True)
    hosts = Hosts(HOME / "logs")
    hosts.script("down")
    rows = []
    try:
        hosts.up(CLIENT, DRIVER)
        for host, cap in CAPS.items():
            hosts.up(host, CPU=cap)
        hosts.up(*workers, CPU=args.share)
        ports = ["SLUICE_POSTGRES_PORT=55432", "SLUICE_RABBITMQ_PORT=56720", "SLUICE_RABBITMQ_DIST_PORT=56721",
                 "SLUICE_EPMD_PORT=56722", "SLUICE_RABBITMQ_NODE=sluice-56720@localhost"]
        started = hosts.run(SERVERS, "env", f"SLUICE_HOME={HOME / SERVERS}", f"SLUICE_BIND_ADDRESS={hosts.address(SERVERS)}",
                            *ports, str(REPO / "infra" / "stack.sh"), "start", timeout=300)
        if started.returncode != 0:
            raise SystemExit(started.stdout + started.stderr)
        hosts.start(MASTER, str(SPARK_STANDALONE), "master", log="spark-master.log")
        env = dict(
            os.environ,
            SLUICE_AMQP_URL=f"amqp://sluice:sluice@{SERVERS}:56720/sluice", SLUICE_DATABASE_URL=DATABASE_URL,
            SLUICE_ARTIFACT_DIR=str(HOME / "artifacts"), SLUICE_MIGRATIONS_DIR=str(REPO / "infra" / "migrations"),
            SLUICE_GATEWAY_URL=f"http://{GATEWAY}:58080", SLUICE_HTTP_HOST="0.0.0.0", SLUICE_HTTP_PORT="58080",
            SLUICE_RATE_LIMIT="1000000", SLUICE_SPARK_PYTHON=PYTHON,
            # Room for the large job (as `make bench-end-to-end ARGS=--large` gives it).
            SLUICE_MAX_RECORDS=str(max(args.records, 1_000_000)), SLUICE_MAX_BODY_BYTES=str(1 << 30),
            SLUICE_SPARK_DRIVER=str(REPO / "Services" / "spark-runner" / "driver" / "sluice_spark_driver.py"),
        )
        setup = Run(hosts, [], env, "")
        setup.client(str(BIN / "sluice"), "migrate")
        setup.api_key = setup.client(str(BIN / "sluice"), "keys", "create", "bench-cluster").strip()
        uri = input_file(args.records)
        for n in range(1, args.hosts + 1):
            on = workers[:n]
            for worker in on:
                if worker not in setup.workers:
                    hosts.start(worker, str(SPARK_STANDALONE), "worker", f"spark://{MASTER}:7077", log=f"spark-{worker}.log")
                    setup.workers.append(worker)
            run = Run(hosts, on, env, setup.api_key)
            wait_for_workers(run, n)
            # (a) The large job: the stages on the servers' side, the driver on its host, executors on the N workers.
            run.start("gateway", GATEWAY)
            for name in STAGES:
                run.start(name, DRIVER)
            run.start("spark-runner", DRIVER, SLUICE_SPARK_MASTER=f"spark://{MASTER}:7077",
                      SLUICE_SPARK_CONF=f"spark.executor.memory=768m spark.cores.max={n}")
            run.ready()
            large_job(run, 100_000, input_file(100_000))  # warm-up, untimed: the executors start with the first job
            before = {host: throttling(host) for host in [*CAPS, *on]}
            spark_seconds = large_job(run, args.records, uri)
            large_saturated = run.saturated(before)
            run.stop()
            # (b) Small jobs: a replica of every stage on each of the N hosts.
            run.start("gateway", GATEWAY)
            for worker in on:
                for name in STAGES:
                    run.start(name, worker)
                run.start("spark-runner", worker, SLUICE_SPARK_MASTER="local[1]")
            run.ready()
            before = {host: throttling(host) for host in [*CAPS, *on]}
            rate = small_jobs(run, args.jobs, args.clients)
            small_saturated = run.saturated(before)
            run.stop()
            rows.append({"hosts": n, "spark_seconds": spark_seconds, "jobs_per_second": rate,
                         "large_throttled": large_saturated, "small_throttled": small_saturated})
            print(json.dumps(rows[-1]), flush=True)
    finally:
        hosts.down()
    print_table(rows, args)
    if args.json:
        args.json.write_text(json.dumps({"share": args.share, "records": args.records, "rows": rows}, indent=2))


def busiest(throttled: dict[str, float]) -> str:
    hot = sorted(((share, host) for host, share in throttled.items() if share >= 0.5), reverse=True)
    return ", ".join(f"{host} {share:.0%}" for share, host in hot[:3]) or "none"


def print_table(rows: list[dict], args: argparse.Namespace) -> None:
    base_time, base_rate = rows[0]["spark_seconds"], rows[0]["jobs_per_second"]
    print(f"\nworker hosts capped to {args.share} core each; (a) one {args.records:,}-record job's Spark stage; "
          f"(b) 5-record jobs/s from {args.clients} clients\n")
    print("| hosts | (a) spark stage s | speedup | efficiency | (b) jobs/s | speedup | efficiency | throttled ≥50 % (a) | throttled ≥50 % (b) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for row in rows:
        n = row["hosts"]
        a_speed, b_speed = base_time / row["spark_seconds"], row["jobs_per_second"] / base_rate
        print(f"| {n} | {row['spark_seconds']:.1f} | {a_speed:.2f}× | {a_speed / n:.0%} | {row['jobs_per_second']:.1f} | "
              f"{b_speed:.2f}× | {b_speed / n:.0%} | {busiest(row['large_throttled'])} | {busiest(row['small_throttled'])} |")


if __name__ == "__main__":
    main()
