"""Sluice deployed over test hosts (infra/cluster.sh) as over several machines, every
engine in its cluster form and started by the project's own scripts:

    rabbit1..3        a RabbitMQ cluster (infra/rabbitmq.sh, then `join`)
    pg-monitor        pg_auto_failover's monitor    } infra/postgres-ha.sh: pg1 starts as
    pg1, pg2          PostgreSQL primary, standby   } primary, pg2 as its synchronous standby
    spark-master      Spark standalone master       } infra/spark-standalone.sh
    worker1, worker2  a Spark worker each, and a replica of the validator, the
                      gpu-normalizer and the analyzer; the spark-runner on worker2
    gateway1, 2       a gateway each
    balancer          HAProxy in front of both gateways (infra/load-balancer.sh)
    client            where users' commands run (`sluice bench`, `submit`, SQL)

Services list every RabbitMQ node and both PostgreSQL nodes (target_session_attrs=read-write)
and reach each other by host name only. The Spark hosts are capped to a share of a core.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sluice_cluster import BIN, PYTHON, REPO, Service
from test_hosts import SPARK_STANDALONE, Hosts

RABBITS = ("rabbit1", "rabbit2", "rabbit3")
PG_MONITOR, PG_NODES = "pg-monitor", ("pg1", "pg2")
MASTER = "spark-master"
WORKERS = ("worker1", "worker2")
GATEWAYS = ("gateway1", "gateway2")
BALANCER, CLIENT = "balancer", "client"
# One replica of each on each worker host; the spark-runner on the second only.
REPLICATED = ("validator", "gpu-normalizer", "analyzer")
SPARK_RUNNER_HOST = "worker2"

INFRA = REPO / "infra"
CHECKS = REPO / "Tests" / "support" / "job_history_checks.py"
# Each host has a network of its own: the default ports, whatever this machine's own
# test stack was moved to.
AMQP_PORT, PG_PORT, MONITOR_PORT, HTTP_PORT = 56720, 55432, 55431, 58080
RABBIT_PORTS = [f"SLUICE_RABBITMQ_PORT={AMQP_PORT}", "SLUICE_RABBITMQ_DIST_PORT=56721", "SLUICE_EPMD_PORT=56722"]
AMQP_URL = "amqp://sluice:sluice@" + ",".join(f"{node}:{AMQP_PORT}" for node in RABBITS) + "/sluice"
DATABASE_URL = (
    "postgresql://sluice:sluice@" + ",".join(f"{node}:{PG_PORT}" for node in PG_NODES)
    + "/sluice?target_session_attrs=read-write&connect_timeout=10"
)
MONITOR = f"{PG_MONITOR}:{MONITOR_PORT}"
# pg_auto_failover promotes the standby once the primary has not answered for this long.
FAILOVER_SECONDS = 16


@dataclass
class Deployment:
    hosts: Hosts
    home: Path
    env: dict[str, str]
    api_key: str = ""
    # By "NAME@HOST".
    services: dict[str, Service] = field(default_factory=dict)

    # Commands on the client host.

    def on_client(self, *command: str) -> list[str]:
        """The command line that runs `command` on the client host with the deployment's settings and the API key."""
        settings = [f"{key}={value}" for key, value in self.env.items() if key.startswith("SLUICE_")]
        return [*self.hosts.prefix(CLIENT), "env", *settings, f"SLUICE_API_KEY={self.api_key}", *command]

    def client(self, *command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Runs `command` on the client host to its end."""
        return subprocess.run(self.on_client(*command), capture_output=True, text=True, timeout=timeout)

    def sql(self, query: str) -> list[list]:
        """The rows of `query` on the primary database, asked from the client host."""
        script = f"import json, psycopg; print(json.dumps(psycopg.connect({DATABASE_URL!r}).execute({query!r}).fetchall(), default=str))"
        done = self.client(PYTHON, "-c", script, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def count(self, query: str) -> int:
        return self.sql(query)[0][0]

    def exactly_once_problems(self) -> list[str]:
        done = self.client(PYTHON, str(CHECKS), DATABASE_URL, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def bench(self, jobs: int, clients: int = 8) -> subprocess.Popen[str]:
        """`sluice bench` on the client host, through the load balancer: `jobs` five-record jobs from `clients` clients."""
        return subprocess.Popen(
            self.on_client(str(BIN / "sluice"), "bench", "--jobs", str(jobs), "--clients", str(clients), "--records", "5", "--json"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def wait_for_completed(self, count: int, running: subprocess.Popen[str], timeout: float = 240) -> None:
        """Waits until `count` jobs have completed in all (polling the history; there is no event for it)."""
        deadline = time.monotonic() + timeout
        while self.count("SELECT count(*) FROM jobs WHERE status = 'completed'") < count:
            assert time.monotonic() < deadline, f"{count} jobs did not complete within {timeout} s"
            assert running.poll() is None, running.communicate()
            time.sleep(0.5)

    # The engines.

    def rabbitmq(self, node: str, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """infra/rabbitmq.sh ARGUMENTS for the RabbitMQ node on host `node`, run there."""
        return self.hosts.run(node, "env", *rabbit_settings(self, node), str(INFRA / "rabbitmq.sh"), *arguments, timeout=timeout)

    def rabbitmqctl_json(self, node: str, *arguments: str) -> list | dict:
        done = self.rabbitmq(node, "ctl", "-q", *arguments, "--formatter", "json", timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)

    def postgres_ha(self, host: str, *arguments: str) -> str:
        """infra/postgres-ha.sh ARGUMENTS on `host`; its output."""
        done = self.hosts.run(
            host, "env", f"SLUICE_HOME={self.home / host}", f"SLUICE_PG_HA_MONITOR={MONITOR}",
            str(INFRA / "postgres-ha.sh"), *arguments, timeout=60,
        )
        assert done.returncode == 0, f"postgres-ha.sh {' '.join(arguments)} on {host}:\n{done.stdout}{done.stderr}"
        return done.stdout.strip()

    def pg_primary(self) -> str | None:
        """The host the monitor calls primary now, or None while it names none."""
        done = self.hosts.run(CLIENT, "env", f"SLUICE_PG_HA_MONITOR={MONITOR}", str(INFRA / "postgres-ha.sh"), "primary")
        return done.stdout.strip().split(":")[0] if done.returncode == 0 else None

    def kill_host(self, host: str) -> None:
        """SIGKILL to every process on `host`, as when a machine loses power."""
        for pid in self.hosts.pids(host):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass


def rabbit_settings(deployment: Deployment, node: str) -> list[str]:
    address = deployment.hosts.address(node)
    return [
        f"SLUICE_HOME={deployment.home / node}", f"SLUICE_BIND_ADDRESS={address}", f"SLUICE_RABBITMQ_DIST_ADDRESS={address}",
        f"SLUICE_RABBITMQ_NODE=rabbit@{node}", "SLUICE_RABBITMQ_COOKIE=SLUICECLUSTERTESTCOOKIE", *RABBIT_PORTS,
        # Small hosts: one scheduler, and no busy-waiting for work (it would burn the shared cores).
        "SLUICE_RABBITMQ_ERL_ARGS=+S 1 +sbwt none +sbwtdcpu none +sbwtdio none",
    ]


def wait_until(condition, timeout: float, what: str) -> None:
    """Re-checks `condition` (state a server offers no event for) until it holds; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.5)


def start_rabbitmq(deployment: Deployment) -> list[subprocess.Popen[str]]:
    """Boots the three nodes at once (each returns once booted)."""
    return [
        subprocess.Popen(
            [*deployment.hosts.prefix(node), "env", *rabbit_settings(deployment, node), str(INFRA / "rabbitmq.sh"), "start"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for node in RABBITS
    ]


def cluster_rabbitmq(deployment: Deployment, booting: list[subprocess.Popen[str]]) -> None:
    for node, process in zip(RABBITS, booting):
        out, _ = process.communicate(timeout=240)
        assert process.returncode == 0, f"rabbitmq.sh start on {node}:\n{out}"
    for node in RABBITS[1:]:
        joined = deployment.rabbitmq(node, "join", f"rabbit@{RABBITS[0]}")
        assert joined.returncode == 0, joined.stdout + joined.stderr
    running = deployment.rabbitmqctl_json(RABBITS[0], "cluster_status")["running_nodes"]
    assert sorted(running) == [f"rabbit@{node}" for node in RABBITS]


def start_postgres(deployment: Deployment) -> None:
    """The monitor, then pg1 (which becomes primary), then pg2 (its standby)."""
    hosts, home = deployment.hosts, deployment.home
    settings = [f"SLUICE_PG_HA_MONITOR={MONITOR}", f"SLUICE_PG_HA_FAILOVER_SECONDS={FAILOVER_SECONDS}"]
    hosts.start(
        PG_MONITOR, "env", f"SLUICE_HOME={home / PG_MONITOR}", f"SLUICE_POSTGRES_PORT={MONITOR_PORT}", *settings,
        str(INFRA / "postgres-ha.sh"), "monitor", log="pg-monitor.log",
    )
    wait_until(lambda: hosts.run(CLIENT, "env", *settings, str(INFRA / "postgres-ha.sh"), "state").returncode == 0, 120, "the monitor answered")
    for node in PG_NODES:
        hosts.start(
            node, "env", f"SLUICE_HOME={home / node}", f"SLUICE_POSTGRES_PORT={PG_PORT}", *settings,
            str(INFRA / "postgres-ha.sh"), "node", log=f"{node}.log",
        )
        if node == PG_NODES[0]:
            wait_until(lambda: deployment.pg_primary() == PG_NODES[0], 180, f"{PG_NODES[0]} became primary")
            deployment.postgres_ha(node, "provision")
    wait_until(
        lambda: "|secondary|secondary|" in deployment.postgres_ha(CLIENT, "state"), 180, f"{PG_NODES[1]} became the standby"
    )


@contextmanager
def deployed(hosts: Hosts, home: Path) -> Iterator[Deployment]:
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    hosts.up(*RABBITS, PG_MONITOR, *PG_NODES, *GATEWAYS, BALANCER, CLIENT)
    hosts.up(MASTER, CPU="0.3")
    hosts.up(*WORKERS, CPU="0.6")
    env = dict(
        os.environ,
        SLUICE_AMQP_URL=AMQP_URL,
        SLUICE_DATABASE_URL=DATABASE_URL,
        # Shared storage: every host sees this machine's file system, as NFS would share it.
        SLUICE_ARTIFACT_DIR=str(home / "artifacts"),
        SLUICE_MIGRATIONS_DIR=str(REPO / "infra" / "migrations"),
        SLUICE_GATEWAY_URL=f"http://{BALANCER}:{HTTP_PORT}",
        SLUICE_HTTP_HOST="0.0.0.0",
        SLUICE_HTTP_PORT=str(HTTP_PORT),
        SLUICE_SPARK_MASTER=f"spark://{MASTER}:7077",
        SLUICE_SPARK_PYTHON=PYTHON,
        SLUICE_SPARK_DRIVER=str(REPO / "Services" / "spark-runner" / "driver" / "sluice_spark_driver.py"),
        SLUICE_SPARK_CONF="spark.executor.memory=512m",
        # Short leases: a lost host's attempts are handed on within seconds.
        SLUICE_LEASE_SECONDS="3",
        SLUICE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT="5",
    )
    made = Deployment(hosts, home, env)
    booting = start_rabbitmq(made)
    hosts.start(MASTER, str(SPARK_STANDALONE), "master", log="spark-master.log")
    for worker in WORKERS:
        hosts.start(worker, str(SPARK_STANDALONE), "worker", f"spark://{MASTER}:7077", log=f"spark-{worker}.log")
    start_postgres(made)
    cluster_rabbitmq(made, booting)
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
        made.services[f"spark-runner@{SPARK_RUNNER_HOST}"] = Service(
            "spark-runner", env, logs, f"spark-runner@{SPARK_RUNNER_HOST}", prefix=hosts.prefix(SPARK_RUNNER_HOST)
        )
        for gateway in GATEWAYS:
            made.services[f"gateway@{gateway}"] = Service("gateway", env, logs, f"gateway@{gateway}", prefix=hosts.prefix(gateway))
        for service in made.services.values():
            service.wait_ready()
        hosts.start(
            BALANCER, "env", f"SLUICE_HOME={home / BALANCER}", f"SLUICE_BIND_ADDRESS={hosts.address(BALANCER)}",
            f"SLUICE_HTTP_PORT={HTTP_PORT}", str(INFRA / "load-balancer.sh"),
            *(f"{gateway}:{HTTP_PORT}" for gateway in GATEWAYS), log="balancer.log",
        )
        ready = f"import urllib.request; urllib.request.urlopen('http://{BALANCER}:{HTTP_PORT}/ready', timeout=3)"
        wait_until(lambda: hosts.run(CLIENT, PYTHON, "-c", ready).returncode == 0, 60, "the load balancer answered /ready")
        yield made
    finally:
        for service in made.services.values():
            service.stop()
        # The servers go with the hosts (infra/cluster.sh down); the jobs' data (the large
        # inputs are tens of MB) goes now; the servers' logs stay for a look.
        shutil.rmtree(home / "artifacts", ignore_errors=True)
