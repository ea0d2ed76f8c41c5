"""Sluice beyond one machine, on test hosts (infra/cluster.sh): the hosts themselves
(addresses, names, isolation, caps), then Spark in its standalone cluster form, a
master and two workers on hosts of their own, started by infra/spark-standalone.sh,
with the spark-runner's PySpark driver on a third host: its executors run on the
workers, results equal numpy's, and a worker killed mid-job costs nothing but time.

Run with: ``.sluice/venv/bin/python -m pytest -q -s Tests/cluster`` (as root).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from spark_driver import Driver, assert_categories, assert_compared, expected_categories, write_artifact
from test_hosts import SPARK_STANDALONE, Hosts

MASTER = "spark-master"
WORKERS = ("worker1", "worker2")
DRIVER_HOST = "driver"
REGISTER_TIMEOUT = 180.0


def master_state(hosts: Hosts) -> dict[str, Any] | None:
    """The standalone master's state (its web UI's /json), asked from the driver's host; None while it does not answer."""
    asked = hosts.run(
        DRIVER_HOST, "python3", "-c",
        f"import urllib.request; print(urllib.request.urlopen('http://{MASTER}:8080/json', timeout=5).read().decode())",
    )
    return json.loads(asked.stdout) if asked.returncode == 0 else None


def alive_workers(hosts: Hosts) -> list[dict[str, Any]]:
    state = master_state(hosts)
    return [worker for worker in (state or {}).get("workers", []) if worker["state"] == "ALIVE"]


def wait_until(condition, timeout: float, what: str) -> None:
    """Re-checks `condition` (state a server offers no event for) until it holds; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def spark(hosts: Hosts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    """A standalone master, two workers (one core, 1 GiB each) and a warm driver on spark://spark-master:7077."""
    hosts.up(MASTER, *WORKERS, DRIVER_HOST)
    hosts.start(MASTER, str(SPARK_STANDALONE), "master", log="spark-master.log")
    for worker in WORKERS:
        hosts.start(worker, str(SPARK_STANDALONE), "worker", f"spark://{MASTER}:7077", log=f"{worker}.log")
    wait_until(lambda: len(alive_workers(hosts)) == len(WORKERS), REGISTER_TIMEOUT, "both workers registered with the master")
    driver = Driver(
        tmp_path_factory.mktemp("driver") / "driver.log",
        "--conf", "spark.executor.memory=512m", "--conf", "spark.executor.cores=1",
        # The driver's UI and REST API, so that the kill test sees when a task of its job runs on a host.
        "--conf", "spark.ui.enabled=true", "--conf", "spark.ui.port=4040",
        master=f"spark://{MASTER}:7077",
        prefix=hosts.prefix(DRIVER_HOST),
    )
    driver.ready()
    yield driver
    driver.stop()


def test_each_host_has_its_address_its_names_and_no_way_out(hosts: Hosts) -> None:
    hosts.up("probe-a", "probe-b")
    a, b = hosts.address("probe-a"), hosts.address("probe-b")
    assert a != b and a.startswith("198.18.0.") and b.startswith("198.18.0.")
    named = hosts.run("probe-a", "sh", "-c", "hostname; getent hosts probe-b; ip route")
    assert named.returncode == 0, named.stderr
    name, resolved, *routes = named.stdout.splitlines()
    assert name == "probe-a"
    assert resolved.split()[0] == b
    # One route, to the hosts' own range: nothing else on the machine or beyond can be reached.
    assert [route.strip() for route in routes] == [f"198.18.0.0/24 dev eth0 proto kernel scope link src {a}"]
    # A listener on b is reached from a by name.
    listener = hosts.start(
        "probe-b", "python3", "-c",
        "import socket; s = socket.create_server(('0.0.0.0', 7000)); c, peer = s.accept(); print(peer[0], flush=True)",
        log="probe-b.log",
    )
    wait_until(lambda: hosts.run("probe-a", "bash", "-c", "exec 3<>/dev/tcp/probe-b/7000").returncode == 0, 30, "probe-a reached probe-b")
    assert listener.wait(timeout=30) == 0
    assert (hosts.logs / "probe-b.log").read_text().split() == [a]
    # The machine's side (the bridge and its ports) has no address, IPv6 link-local included:
    # nothing on the machine talks to the hosts, or routes for them, through it.
    ports = subprocess.run(["ip", "-o", "link", "show", "master", "sluice-br0"], capture_output=True, text=True).stdout
    for link in ["sluice-br0"] + [line.split(":")[1].strip().split("@")[0] for line in ports.splitlines()]:
        addresses = subprocess.run(["ip", "-o", "addr", "show", "dev", link], capture_output=True, text=True)
        assert addresses.returncode == 0 and addresses.stdout == "", addresses.stdout


def test_a_cpu_cap_holds_a_host_to_its_share(hosts: Hosts) -> None:
    hosts.up("capped", CPU="0.2", MEMORY_MB="256")
    # Spin for one second of wall time; the CPU time it got is the cap's share of it.
    spun = hosts.run(
        "capped", "python3", "-c",
        "import os, time\nend = time.monotonic() + 1.0\nwhile time.monotonic() < end: pass\nprint(os.times().user + os.times().system)",
    )
    assert spun.returncode == 0, spun.stderr
    assert float(spun.stdout) < 0.5, f"a host capped at 0.2 cores used {spun.stdout.strip()} s of CPU in 1 s"
    limits = [Path("/sys/fs/cgroup/memory/sluice/capped/memory.limit_in_bytes"), Path("/sys/fs/cgroup/sluice/capped/memory.max")]
    assert any(path.exists() and int(path.read_text()) == 256 * 1024 * 1024 for path in limits)


def rows_of(count: int, seed: int) -> list[tuple[int, float, str, float]]:
    """`count` rows over six categories, z the global z-score of value, as the normalizer writes them."""
    generator = random.Random(seed)
    values = np.array([generator.gauss(50.0, 15.0) for _ in range(count)])
    zs = (values - values.mean()) / values.std()
    return [(index + 1, float(value), f"c{index % 6}", float(z)) for index, (value, z) in enumerate(zip(values, zs))]


def test_the_driver_runs_its_executors_on_both_worker_hosts(spark: Driver, hosts: Hosts, tmp_path: Path) -> None:
    rows = rows_of(200_000, seed=1)
    response = spark.request("spread", write_artifact(tmp_path / "spread.parquet", rows))
    assert_compared(response)
    assert_categories(response["categories"], expected_categories(rows))
    # The driver's session holds one executor (one core) on each worker host.
    assert {worker["host"]: worker["coresused"] for worker in alive_workers(hosts)} == {
        hosts.address(worker): 1 for worker in WORKERS
    }


def driver_api(hosts: Hosts, which: str) -> list[dict[str, Any]]:
    """What the driver's REST API lists of its application (`executors`, `jobs`, …); [] while it does not answer."""
    script = (
        "import json, urllib.request\n"
        f"base = 'http://{DRIVER_HOST}:4040/api/v1/applications'\n"
        "app = json.load(urllib.request.urlopen(base, timeout=5))[0]['id']\n"
        f"print(urllib.request.urlopen(f'{{base}}/{{app}}/{which}', timeout=5).read().decode())"
    )
    asked = hosts.run(DRIVER_HOST, "python3", "-c", script)
    return json.loads(asked.stdout) if asked.returncode == 0 else []


def on_host(executor: dict[str, Any], address: str) -> bool:
    return executor["hostPort"].split(":")[0] == address


def signal_host(hosts: Hosts, name: str, number: signal.Signals) -> None:
    """Sends `number` to every process of host `name`."""
    for pid in hosts.pids(name):
        try:
            os.kill(pid, number)
        except ProcessLookupError:
            pass


def test_a_worker_host_killed_mid_job_costs_only_time(spark: Driver, hosts: Hosts, tmp_path: Path) -> None:
    # One part of two row groups: the DataFrame pipeline reads a split each, a task on each worker.
    rows = rows_of(1_000_000, seed=2)
    path = write_artifact(tmp_path / "large.parquet", rows, row_group_size=500_000)
    victim = WORKERS[0]
    address = hosts.address(victim)
    failed_before = sum(job["numFailedTasks"] for job in driver_api(hosts, "jobs"))
    # Frozen first, so that the task the driver hands the victim is still running when the host dies.
    signal_host(hosts, victim, signal.SIGSTOP)
    assert spark.process.stdin is not None
    spark.process.stdin.write(json.dumps({"request_id": "killed", "job_id": "job-killed", "input": str(path)}).encode() + b"\n")
    spark.process.stdin.flush()
    wait_until(
        lambda: any(on_host(e, address) and e["activeTasks"] > 0 for e in driver_api(hosts, "executors")), 120, f"a task of the job handed to {victim}"
    )
    # The whole host dies: the worker daemon, its executor and the executor's Python workers.
    signal_host(hosts, victim, signal.SIGKILL)
    response = spark.next_message(timeout=300)
    assert response["request_id"] == "killed", response
    assert_compared(response)
    assert_categories(response["categories"], expected_categories(rows))
    assert not hosts.pids(victim)
    # The task handed to the victim failed with its executor, and the complete, correct result
    # above means it ran again on worker2.
    assert sum(job["numFailedTasks"] for job in driver_api(hosts, "jobs")) == failed_before + 1
    assert not any(on_host(e, address) for e in driver_api(hosts, "executors"))
