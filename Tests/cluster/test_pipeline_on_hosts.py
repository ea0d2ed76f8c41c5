"""The whole pipeline spread over test hosts (infra/cluster.sh), as on several machines:
RabbitMQ and PostgreSQL on `servers` (the project's own scripts, bound to the host's
address), a Spark standalone master on `spark-master`, and on each of `worker1` and
`worker2` a Spark worker and a replica of the validator, the gpu-normalizer and the
analyzer; the spark-runner on `worker2`, its session on spark://spark-master:7077 with
an executor on each worker; the gateway on `gateway`; clients on `client`. Every host
reaches the others by name only; the Spark hosts are capped to a share of a core, so
that the servers keep theirs on this two-core machine. Checked from the job history:
every accepted job completed exactly once, also when a whole worker host dies mid-batch.

Run with: ``.sluice/venv/bin/python -m pytest -q -s Tests/cluster`` (as root), after
``swift build`` (the debug binaries run here).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sluice_cluster import BIN, PYTHON, REPO, Service
from test_hosts import SPARK_STANDALONE, Hosts

SERVERS, MASTER, GATEWAY, CLIENT = "servers", "spark-master", "gateway", "client"
WORKERS = ("worker1", "worker2")
# One replica of each on each worker host; the spark-runner on the second only.
REPLICATED = ("validator", "gpu-normalizer", "analyzer")
SPARK_RUNNER_HOST = "worker2"
HOME = REPO / ".sluice" / "cluster-test"
DATABASE_URL = f"postgresql://sluice:sluice@{SERVERS}:55432/sluice"
CHECKS = REPO / "Tests" / "support" / "job_history_checks.py"


@dataclass
class Deployment:
    hosts: Hosts
    env: dict[str, str]
    api_key: str
    services: dict[str, Service]

    def on_client(self, *command: str) -> list[str]:
        """The command line that runs `command` on the client host with the deployment's settings and the API key."""
        settings = [f"{key}={value}" for key, value in self.env.items() if key.startswith("SLUICE_")]
        return [*self.hosts.prefix(CLIENT), "env", *settings, f"SLUICE_API_KEY={self.api_key}", *command]

    def client(self, *command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Runs `command` on the client host to its end."""
        return subprocess.run(self.on_client(*command), capture_output=True, text=True, timeout=timeout)

    def sql(self, query: str) -> list[list]:
        """The rows of `query` on the servers' database, asked from the client host."""
        script = f"import json, psycopg; print(json.dumps(psycopg.connect({DATABASE_URL!r}).execute({query!r}).fetchall()))"
        done = self.client(PYTHON, "-c", script, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def exactly_once_problems(self) -> list[str]:
        done = self.client(PYTHON, str(CHECKS), DATABASE_URL, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def stack(hosts: Hosts, action: str) -> None:
    """infra/stack.sh ACTION on the servers host, with a home of its own, bound to the host's address."""
    # The default ports, whatever this machine's own stack was moved to: the host has a network of its own.
    ports = [
        "SLUICE_POSTGRES_PORT=55432", "SLUICE_RABBITMQ_PORT=56720", "SLUICE_RABBITMQ_DIST_PORT=56721",
        "SLUICE_EPMD_PORT=56722", "SLUICE_RABBITMQ_NODE=sluice-56720@localhost",
    ]
    done = hosts.run(
        SERVERS, "env", f"SLUICE_HOME={HOME / 'servers'}", f"SLUICE_BIND_ADDRESS={hosts.address(SERVERS)}", *ports,
        str(REPO / "infra" / "stack.sh"), action, timeout=240,
    )
    assert done.returncode == 0, f"stack.sh {action} on {SERVERS}:\n{done.stdout}{done.stderr}"


@pytest.fixture(scope="module")
def deployment(hosts: Hosts) -> Iterator[Deployment]:
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    hosts.up(SERVERS, GATEWAY, CLIENT)
    hosts.up(MASTER, CPU="0.3")
    hosts.up(*WORKERS, CPU="0.6")
    stack(hosts, "start")
    hosts.start(MASTER, str(SPARK_STANDALONE), "master", log="spark-master.log")
    for worker in WORKERS:
        hosts.start(worker, str(SPARK_STANDALONE), "worker", f"spark://{MASTER}:7077", log=f"spark-{worker}.log")
    env = dict(
        os.environ,
        SLUICE_AMQP_URL=f"amqp://sluice:sluice@{SERVERS}:56720/sluice",
        SLUICE_DATABASE_URL=DATABASE_URL,
        # Shared storage: every host sees this machine's file system, as NFS would share it.
        SLUICE_ARTIFACT_DIR=str(HOME / "artifacts"),
        SLUICE_MIGRATIONS_DIR=str(REPO / "infra" / "migrations"),
        SLUICE_GATEWAY_URL=f"http://{GATEWAY}:58080",
        SLUICE_HTTP_HOST="0.0.0.0",
        SLUICE_HTTP_PORT="58080",
        SLUICE_SPARK_MASTER=f"spark://{MASTER}:7077",
        SLUICE_SPARK_PYTHON=PYTHON,
        SLUICE_SPARK_DRIVER=str(REPO / "Services" / "spark-runner" / "driver" / "sluice_spark_driver.py"),
        SLUICE_SPARK_CONF="spark.executor.memory=512m",
        # Short leases: a dead host's attempts are handed on within seconds.
        SLUICE_LEASE_SECONDS="3",
        SLUICE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT="5",
    )
    made = Deployment(hosts, env, "", {})
    migrated = made.client(str(BIN / "sluice"), "migrate", timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    key = made.client(str(BIN / "sluice"), "keys", "create", "cluster", timeout=60)
    assert key.returncode == 0, key.stderr
    made.api_key = key.stdout.strip()
    logs = hosts.logs
    try:
        for worker in WORKERS:
            for name in REPLICATED:
                made.services[f"{name}@{worker}"] = Service(name, env, logs, f"{name}@{worker}", prefix=hosts.prefix(worker))
        made.services["spark-runner"] = Service(
            "spark-runner", env, logs, f"spark-runner@{SPARK_RUNNER_HOST}", prefix=hosts.prefix(SPARK_RUNNER_HOST)
        )
        made.services["gateway"] = Service("gateway", env, logs, "gateway", prefix=hosts.prefix(GATEWAY))
        for service in made.services.values():
            service.wait_ready()
        yield made
    finally:
        for service in made.services.values():
            service.stop()
        stack(hosts, "stop")
        # The jobs' data (the large inputs are tens of MB); the servers' logs stay for a look.
        shutil.rmtree(HOME / "artifacts", ignore_errors=True)


def bench(deployment: Deployment, jobs: int, clients: int) -> subprocess.Popen[str]:
    """`sluice bench` on the client host: `jobs` five-record jobs from `clients` clients, each followed to its end."""
    return subprocess.Popen(
        deployment.on_client(str(BIN / "sluice"), "bench", "--jobs", str(jobs), "--clients", str(clients), "--records", "5", "--json"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def submit_large(deployment: Deployment, size: int) -> subprocess.Popen[str]:
    """`sluice submit --wait` on the client host of a job of `size` records from a file on the
    shared storage (`input_uri`: the validator reads it where it lies), written once."""
    inputs = HOME / "artifacts" / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    data = inputs / f"large-{size}.csv"
    if not data.exists():
        with data.open("w") as out:
            out.write("id,value,category\n")
            out.writelines(f"{i},{(i * 7919) % 1000 / 10},k{i % 5}\n" for i in range(1, size + 1))
    request = HOME / f"large-{size}.json"
    request.write_text(json.dumps({"input_uri": f"inputs/large-{size}.csv"}))
    return subprocess.Popen(
        deployment.on_client(str(BIN / "sluice"), "submit", str(request), "--wait", "--timeout", "400", "--json"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_jobs_of_every_size_complete_once_across_the_hosts(deployment: Deployment) -> None:
    small = bench(deployment, jobs=120, clients=8)
    # Larger jobs at the same time.
    sizes = (10_000, 100_000, 1_000_000)
    large = [submit_large(deployment, size) for size in sizes]
    out, err = small.communicate(timeout=480)
    assert small.returncode == 0, err
    assert json.loads(out)["completed"] == 120
    for process, size in zip(large, sizes):
        out, err = process.communicate(timeout=480)
        assert process.returncode == 0, err
        assert json.loads(out)["records"]["valid"] == size
    assert deployment.exactly_once_problems() == []
    assert deployment.sql("SELECT count(*) FROM jobs") == [[120 + len(sizes)]]
    # The replicated stages worked on both worker hosts; Spark's executors ran on both workers.
    hosts_by_stage = deployment.sql(
        "SELECT stage, array_agg(DISTINCT split_part(worker, ':', 1) ORDER BY split_part(worker, ':', 1)) FROM stage_attempts GROUP BY stage"
    )
    assert {stage: hosts for stage, hosts in hosts_by_stage} == {
        "validate": list(WORKERS), "normalize": list(WORKERS), "analyze": list(WORKERS), "spark": [SPARK_RUNNER_HOST]
    }
    executors = list(Path(HOME.parent, "spark-standalone").glob("198.18.0.*/work/app-*/*/stderr"))
    assert {path.parts[-5] for path in executors} >= {deployment.hosts.address(worker) for worker in WORKERS}, executors


def test_a_whole_worker_host_killed_mid_batch_loses_nothing(deployment: Deployment) -> None:
    before = deployment.sql("SELECT count(*) FROM jobs")[0][0]
    running = bench(deployment, jobs=80, clients=8)
    # Mid-batch: once a quarter of the jobs are done.
    deadline = time.monotonic() + 240
    while deployment.sql("SELECT count(*) FROM jobs WHERE status = 'completed'")[0][0] < before + 20:
        assert time.monotonic() < deadline, "20 jobs did not complete within 240 s"
        assert running.poll() is None, running.communicate()
        time.sleep(0.5)
    # Every process on worker1: its three stage services, its Spark worker and the executor on it.
    victim = WORKERS[0]
    worked = deployment.sql(f"SELECT count(*) FROM stage_attempts WHERE worker LIKE '{victim}:%'")[0][0]
    assert worked > 0, f"{victim} took no part before it was killed"
    for pid in deployment.hosts.pids(victim):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    out, err = running.communicate(timeout=480)
    assert running.returncode == 0, err
    assert json.loads(out)["completed"] == 80
    # Whatever worker1 held went back to the queues (the broker) or past its lease (the sweeper)
    # and was done on worker2: every job completed exactly once, none left behind.
    assert deployment.exactly_once_problems() == []
    assert not deployment.hosts.pids(victim)
    for name in REPLICATED:
        deployment.services[f"{name}@{victim}"].process.wait(timeout=30)
