"""The whole pipeline over test hosts, each engine in its cluster form
(Tests/support/cluster_deployment.py: three RabbitMQ nodes, PostgreSQL with
pg_auto_failover, Spark standalone, two gateways behind HAProxy, stage replicas on two
worker hosts), and the faults a deployment over several machines must survive. Each
scenario checks from the job history that every accepted job completed exactly once
(one result, one succeeded attempt per stage) and that nothing is left unfinished.

Run with: ``.sluice/venv/bin/python -m pytest -q -s Tests/cluster`` (as root), after
``swift build`` (the debug binaries run here).
"""

from __future__ import annotations

import collections
import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster_deployment import (
    CLIENT, GATEWAYS, PG_NODES, RABBITS, REPLICATED, SPARK_RUNNER_HOST, WORKERS, Deployment, deployed, wait_until,
)
from sluice_cluster import BIN, REPO
from test_hosts import Hosts

HOME = REPO / ".sluice" / "cluster-test"
STAGE_QUEUES = ("sluice.validate", "sluice.normalize", "sluice.spark", "sluice.analyze")


@pytest.fixture(scope="module")
def deployment(hosts: Hosts) -> Iterator[Deployment]:
    with deployed(hosts, HOME) as made:
        yield made


def finished(running: subprocess.Popen[str], jobs: int) -> dict:
    """The result of a `sluice bench` run, which must have completed all its `jobs`."""
    out, err = running.communicate(timeout=480)
    assert running.returncode == 0, err
    result = json.loads(out)
    assert result["completed"] == jobs, result
    return result


def submit_large(deployment: Deployment, size: int) -> subprocess.Popen[str]:
    """`sluice submit --wait` on the client host of a job of `size` records from a file on the
    shared storage (`input_uri`: the validator reads it where it lies), written once."""
    inputs = HOME / "artifacts" / "inputs" / "default"  # the input folder of the deployment key's owner
    inputs.mkdir(parents=True, exist_ok=True)
    data = inputs / f"large-{size}.csv"
    if not data.exists():
        with data.open("w") as out:
            out.write("id,value,category\n")
            out.writelines(f"{i},{(i * 7919) % 1000 / 10},k{i % 5}\n" for i in range(1, size + 1))
    request = HOME / f"large-{size}.json"
    request.write_text(json.dumps({"input_uri": f"large-{size}.csv"}))
    return subprocess.Popen(
        deployment.on_client(str(BIN / "sluice"), "submit", str(request), "--wait", "--timeout", "400", "--json"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def completed_large(process: subprocess.Popen[str], size: int) -> None:
    out, err = process.communicate(timeout=480)
    assert process.returncode == 0, err
    assert json.loads(out)["records"]["valid"] == size


def test_jobs_of_every_size_complete_once_across_the_hosts(deployment: Deployment) -> None:
    # Three large jobs at most beside the small ones: the gateway still parses an input_uri
    # file whole before it answers (the data-path issue), slowly in a debug build.
    sizes = (10_000, 100_000, 1_000_000)
    small = deployment.bench(200 - len(sizes))
    large = [submit_large(deployment, size) for size in sizes]
    finished(small, 200 - len(sizes))
    for process, size in zip(large, sizes):
        completed_large(process, size)
    assert deployment.exactly_once_problems() == []
    assert deployment.count("SELECT count(*) FROM jobs") == 200
    # The replicated stages worked on both worker hosts; Spark's executors ran on both workers.
    hosts_by_stage = deployment.sql(
        "SELECT stage, array_agg(DISTINCT split_part(worker, ':', 1) ORDER BY split_part(worker, ':', 1)) FROM stage_attempts GROUP BY stage"
    )
    assert {stage: hosts for stage, hosts in hosts_by_stage} == {
        "validate": list(WORKERS), "normalize": list(WORKERS), "analyze": list(WORKERS), "spark": [SPARK_RUNNER_HOST]
    }
    executors = list(Path(HOME.parent, "spark-standalone").glob("198.18.0.*/work/app-*/*/stderr"))
    assert {path.parts[-5] for path in executors} >= {deployment.hosts.address(worker) for worker in WORKERS}, executors
    # Every stage queue is a quorum queue with a member on each of the three nodes.
    queues = {queue["name"]: queue for queue in deployment.rabbitmqctl_json(RABBITS[0], "list_queues", "-p", "sluice", "name", "type", "members")}
    for name in STAGE_QUEUES:
        assert queues[name]["type"] == "quorum"
        assert sorted(queues[name]["members"]) == [f"rabbit@{node}" for node in RABBITS], queues[name]


def established(deployment: Deployment, host: str) -> list[tuple[int, str, str]]:
    """(pid, local address, peer address) of each established TCP connection on `host`, from its sockets."""
    listed = deployment.hosts.run(host, "ss", "-tnpH", "state", "established")
    assert listed.returncode == 0, listed.stderr
    connections = []
    for line in listed.stdout.splitlines():
        fields = line.split()
        local, peer = fields[2].rsplit(":", 1)[0], fields[3].rsplit(":", 1)[0]
        connections += [(int(pid), local, peer) for pid in re.findall(r"pid=(\d+)", line)]
    return connections


def test_every_connection_between_roles_goes_to_another_host(deployment: Deployment) -> None:
    addresses = {deployment.hosts.address(name): name for name in deployment.hosts.names()}
    brokers = {deployment.hosts.address(node) for node in RABBITS}
    databases = {deployment.hosts.address(node) for node in PG_NODES}
    for key, service in deployment.services.items():
        host = key.split("@")[1]
        own = [(local, peer) for pid, local, peer in established(deployment, host) if pid == service.process.pid]
        peers = {peer for _, peer in own}
        assert peers, f"{key} holds no connection"
        assert all(local == deployment.hosts.address(host) for local, _ in own), f"{key} used loopback: {own}"
        strangers = {peer for peer in peers if addresses.get(peer, host) == host}
        assert not strangers, f"{key} on {host} is connected to {strangers}, not to another test host"
        assert peers & brokers, f"{key} holds no connection to a RabbitMQ node: {peers}"
        assert peers & databases, f"{key} holds no connection to PostgreSQL: {peers}"


def test_a_gateway_killed_behind_the_load_balancer_loses_and_doubles_no_job(deployment: Deployment) -> None:
    before = deployment.count("SELECT count(*) FROM jobs")
    running = deployment.bench(80)
    deployment.wait_for_completed(before + 20, running)
    deployment.services[f"gateway@{GATEWAYS[0]}"].kill()
    finished(running, 80)
    # Each job's submission carried an Idempotency-Key: one that reached the dying gateway
    # and was sent again (by HAProxy or the client) to the other is still one job.
    assert deployment.count("SELECT count(*) FROM jobs") == before + 80
    assert deployment.exactly_once_problems() == []


def test_the_rabbitmq_node_leading_the_stage_queues_killed_mid_batch_rejoins(deployment: Deployment) -> None:
    queues = deployment.rabbitmqctl_json(RABBITS[0], "list_queues", "-p", "sluice", "name", "leader")
    leaders = collections.Counter(queue["leader"] for queue in queues if queue["name"] in STAGE_QUEUES)
    victim = leaders.most_common(1)[0][0].split("@")[1]
    before = deployment.count("SELECT count(*) FROM jobs")
    running = deployment.bench(80)
    deployment.wait_for_completed(before + 20, running)
    deployment.kill_host(victim)
    finished(running, 80)
    assert deployment.exactly_once_problems() == []
    # New leaders on the surviving nodes; the killed node starts again and rejoins.
    survivor = next(node for node in RABBITS if node != victim)
    queues = deployment.rabbitmqctl_json(survivor, "list_queues", "-p", "sluice", "name", "leader")
    assert all(queue["leader"] != f"rabbit@{victim}" for queue in queues if queue["name"] in STAGE_QUEUES), queues
    restarted = deployment.rabbitmq(victim, "start", timeout=180)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    running_nodes = deployment.rabbitmqctl_json(survivor, "cluster_status")["running_nodes"]
    assert sorted(running_nodes) == [f"rabbit@{node}" for node in RABBITS]


def test_a_worker_host_cut_off_past_its_lease_is_taken_over_and_its_late_results_refused(deployment: Deployment) -> None:
    victim = WORKERS[0]
    # Large jobs: their validate and normalize attempts take seconds, so one is held when the link goes.
    large = [submit_large(deployment, 1_000_000) for _ in range(2)]
    held_by_victim = (
        f"SELECT job_id::text, stage, attempt FROM stage_attempts WHERE outcome = 'running' AND worker LIKE '{victim}:%'"
    )
    wait_until(lambda: deployment.sql(held_by_victim), 240, f"{victim} held an attempt")
    deployment.hosts.script("disconnect", victim)
    try:
        held = deployment.sql(held_by_victim)
        assert held, f"{victim} finished its attempts before its link went down"
        # Past the lease: the other replicas' sweepers end the held attempts and queue the next.
        ended = " OR ".join(f"(job_id = '{job}' AND stage = '{stage}' AND attempt = {attempt})" for job, stage, attempt in held)
        wait_until(
            lambda: deployment.count(f"SELECT count(*) FROM stage_attempts WHERE ({ended}) AND outcome = 'running'") == 0,
            120, "the sweepers ended the cut-off host's attempts",
        )
    finally:
        deployment.hosts.script("reconnect", victim)
    for process in large:
        completed_large(process, 1_000_000)
    assert deployment.exactly_once_problems() == []
    for job, stage, attempt in held:
        rows = deployment.sql(
            f"SELECT attempt, outcome, split_part(worker, ':', 1), error FROM stage_attempts "
            f"WHERE job_id = '{job}' AND stage = '{stage}' ORDER BY attempt"
        )
        cut = next(row for row in rows if row[0] == attempt)
        assert cut[1] in ("retried", "abandoned") and "lease" in cut[3], rows
        # A later attempt carried the stage (on whichever replica took its message first).
        assert [row[0] > attempt for row in rows if row[1] == "succeeded"] == [True], rows
    # Back on the network, the cut-off replicas learnt that their attempts had been taken over.
    refusals = ("another worker took this attempt over", "this attempt's lease was taken over")
    stages = {stage for _, stage, _ in held}
    names = {"validate": "validator", "normalize": "gpu-normalizer", "analyze": "analyzer"}
    for stage in stages & set(names):
        deployment.services[f"{names[stage]}@{victim}"].wait_for_log(
            lambda lines: any(refusal in line for line in lines for refusal in refusals), 120, "a refused late result"
        )


def test_the_postgresql_primary_killed_mid_batch_fails_over_and_loses_nothing(deployment: Deployment) -> None:
    old, new = PG_NODES
    assert deployment.pg_primary() == old
    before = deployment.count("SELECT count(*) FROM jobs")
    running = deployment.bench(80)
    deployment.wait_for_completed(before + 20, running)
    deployment.kill_host(old)
    promoted = time.monotonic()
    wait_until(lambda: deployment.pg_primary() == new, 120, f"pg_auto_failover promoted {new}")
    print(f"\n{new} promoted {time.monotonic() - promoted:.1f} s after {old} died")
    finished(running, 80)
    # Every job accepted before, during and after the failover is in the new primary's history, once.
    assert deployment.count("SELECT count(*) FROM jobs") == before + 80
    assert deployment.exactly_once_problems() == []
    # No second writable node: the old primary is gone, and the monitor calls it no primary.
    assert not deployment.hosts.pids(old)
    state = deployment.postgres_ha(CLIENT, "state")
    assert re.search(rf"\|{old}:\d+\|[a-z_]+\|(demoted|catchingup|draining|demote_timeout)\|", state), state


def test_a_whole_worker_host_killed_mid_batch_loses_nothing(deployment: Deployment) -> None:
    before = deployment.count("SELECT count(*) FROM jobs")
    running = deployment.bench(80)
    deployment.wait_for_completed(before + 20, running)
    # Every process on worker1: its three stage services, its Spark worker and the executor on it.
    victim = WORKERS[0]
    deployment.kill_host(victim)
    finished(running, 80)
    # Whatever worker1 held went back to the queues (the broker) or past its lease (the sweeper)
    # and was done on worker2: every job completed exactly once, none left behind.
    assert deployment.exactly_once_problems() == []
    assert not deployment.hosts.pids(victim)
    for name in REPLICATED:
        deployment.services[f"{name}@{victim}"].process.wait(timeout=30)
