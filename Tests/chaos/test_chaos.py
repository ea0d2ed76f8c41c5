"""Chaos: each service is killed with SIGKILL in the middle of a batch of 50 jobs and
started again, then RabbitMQ and then PostgreSQL are restarted mid-batch; every job
completes, each exactly once (one result row, one succeeded attempt per stage, one
`completed` announcement), and none is left behind.

Run by `make test` (infra/test.sh) after the Swift tests, against the test stack."""
import collections
import json
import subprocess
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from conftest import REPO

JOBS = 50


class Watch:
    """The `sluice_job_events` announcements (LISTEN), counted per job. If the database
    restarts, it listens again and takes the jobs completed meanwhile from the table
    (their announcements are lost; `gap` says so)."""

    def __init__(self, database_url):
        self.database_url = database_url
        self.completions = collections.Counter()
        self.gap = False
        self._listen()

    def _listen(self):
        self.connection = psycopg.connect(self.database_url, autocommit=True)
        self.connection.execute("LISTEN sluice_job_events")

    def _reconnect(self, deadline):
        self.gap = True
        while True:
            try:
                self._listen()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)  # the server is still down: nothing to listen to yet
        completed = self.connection.execute("SELECT job_id::text FROM jobs WHERE status = 'completed'").fetchall()
        for (job,) in completed:
            self.completions[job] = max(self.completions[job], 1)

    def wait_for(self, ids, count, timeout):
        deadline = time.monotonic() + timeout
        while sum(1 for job in ids if self.completions[job]) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                done = sum(1 for job in ids if self.completions[job])
                raise AssertionError(f"only {done} of {len(ids)} jobs completed in {timeout} s (wanted {count})")
            try:
                for notification in self.connection.notifies(timeout=remaining, stop_after=1):
                    event = json.loads(notification.payload)
                    if event["status"] == "completed":
                        self.completions[event["job_id"]] += 1
            except psycopg.OperationalError:
                self._reconnect(deadline)


@pytest.fixture(scope="module")
def watch(cluster):
    watch = Watch(cluster.database_url)
    yield watch
    watch.connection.close()


def submit(cluster, key, attempts=200):
    """POST /api/v1/jobs with an Idempotency-Key, retried while the gateway is down."""
    records = [{"id": i, "value": (i * 7.3) % 11, "category": "abc"[i % 3]} for i in range(1, 6)]
    body = json.dumps({"data": records, "processing_config": {"compare_pipelines": False}}).encode()
    request = urllib.request.Request(
        f"{cluster.url}/api/v1/jobs", data=body, method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {cluster.api_key}", "Idempotency-Key": key},
    )
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 202
                return json.loads(response.read())["job_id"]
        except urllib.error.HTTPError as error:
            if error.code != 429:
                raise
            time.sleep(int(error.headers["Retry-After"]))  # over the key's rate: wait as told
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)  # the gateway is restarting: there is nothing to listen to
    raise AssertionError(f"{key} was never accepted")


def readiness(cluster, name):
    """A worker's GET /ready: (status, body)."""
    try:
        with urllib.request.urlopen(f"{cluster.services[name].health_url}/ready", timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_every_worker_is_healthy_and_ready(cluster):
    for name in ["validator", "gpu-normalizer", "spark-runner", "analyzer"]:
        with urllib.request.urlopen(f"{cluster.services[name].health_url}/health", timeout=30) as response:
            assert response.status == 200
        status, answer = readiness(cluster, name)
        assert status == 200 and answer["status"] == "ready", (name, answer)
        expected = {"database", "broker"} | ({"spark_driver"} if name == "spark-runner" else set())
        assert set(answer["checks"]) == expected


def assert_exactly_once(cluster, watch, ids, announcements=True):
    with psycopg.connect(cluster.database_url) as db:
        statuses = dict(db.execute("SELECT job_id::text, status FROM jobs WHERE job_id = ANY(%s::uuid[])", (list(ids),)).fetchall())
        assert collections.Counter(statuses.values()) == {"completed": len(ids)}
        results = db.execute("SELECT count(*) FROM job_results WHERE job_id = ANY(%s::uuid[])", (list(ids),)).fetchone()[0]
        assert results == len(ids)
        repeated = db.execute(
            """SELECT job_id, stage, count(*) FROM stage_attempts
               WHERE job_id = ANY(%s::uuid[]) AND outcome = 'succeeded' GROUP BY job_id, stage HAVING count(*) > 1""",
            (list(ids),),
        ).fetchall()
        assert repeated == []
        stuck = db.execute("SELECT count(*) FROM jobs WHERE status NOT IN ('completed', 'failed', 'cancelled')").fetchone()[0]
        assert stuck == 0
    if announcements:
        assert {job: watch.completions[job] for job in ids} == {job: 1 for job in ids}


@pytest.mark.parametrize("victim", ["validator", "gpu-normalizer", "spark-runner", "analyzer"])
def test_a_worker_killed_mid_batch(cluster, watch, victim):
    ids = {submit(cluster, f"{victim}-{index}") for index in range(JOBS)}
    assert len(ids) == JOBS
    watch.wait_for(ids, 10, timeout=300)
    killed = time.monotonic()
    cluster.kill(victim)
    cluster.start(victim)
    restarted = time.monotonic()
    watch.wait_for(ids, JOBS, timeout=600)
    print(f"\n{victim}: killed with 10+ of {JOBS} jobs done; back in {restarted - killed:.1f} s; "
          f"all {JOBS} done {time.monotonic() - restarted:.1f} s later")
    assert_exactly_once(cluster, watch, ids)


def test_the_gateway_killed_mid_submission(cluster, watch):
    accepted = []
    some_accepted = threading.Event()

    def client():
        for index in range(JOBS):
            accepted.append(submit(cluster, f"gateway-{index}"))
            if len(accepted) == 15:
                some_accepted.set()

    thread = threading.Thread(target=client)
    thread.start()
    assert some_accepted.wait(120)
    killed = time.monotonic()
    cluster.kill("gateway")
    cluster.start("gateway")
    print(f"\ngateway: killed with 15 of {JOBS} submissions accepted; listening again in {time.monotonic() - killed:.1f} s")
    thread.join(300)
    ids = set(accepted)
    assert len(accepted) == JOBS and len(ids) == JOBS
    with psycopg.connect(cluster.database_url) as db:
        rows = db.execute("SELECT count(*) FROM jobs WHERE idempotency_key LIKE 'http:chaos:gateway-%'").fetchone()[0]
    assert rows == JOBS, "a retried request made a second job"
    watch.wait_for(ids, JOBS, timeout=600)
    assert_exactly_once(cluster, watch, ids)


@pytest.mark.parametrize("server", ["rabbitmq", "postgres"])
def test_a_server_restarted_mid_batch(cluster, watch, server):
    ids = {submit(cluster, f"{server}-{index}") for index in range(JOBS)}
    watch.wait_for(ids, 10, timeout=300)
    script = str(REPO / "infra" / f"{server}.sh")
    stopped = time.monotonic()
    subprocess.run([script, "stop"], check=True, capture_output=True, timeout=120)
    # Meanwhile every worker says it is not ready, and why.
    check = "broker" if server == "rabbitmq" else "database"
    for name in ["validator", "gpu-normalizer", "spark-runner", "analyzer"]:
        status, answer = readiness(cluster, name)
        assert status == 503 and answer["checks"][check] != "ok", (name, answer)
    subprocess.run([script, "start"], check=True, capture_output=True, timeout=180)
    restarted = time.monotonic()
    done = sum(1 for job in ids if watch.completions[job])
    watch.wait_for(ids, min(done + 1, JOBS), timeout=600)
    first = time.monotonic()
    watch.wait_for(ids, JOBS, timeout=600)
    print(f"\n{server}: restarted with {done} of {JOBS} jobs done (down {restarted - stopped:.1f} s); "
          f"next job completed {first - restarted:.1f} s after it was back, all {JOBS} {time.monotonic() - restarted:.1f} s after")
    # Announcements made while the database was down are lost by definition.
    assert_exactly_once(cluster, watch, ids, announcements=server != "postgres")


def test_a_frozen_worker_loses_its_attempts_to_a_replica(cluster, watch):
    """SIGSTOP: the frozen spark-runner stops renewing its leases; the replica's lease
    sweeper hands its attempts on, and the broker hands on what it had prefetched once
    its connection misses its heartbeats. Thawed, its late results are refused."""
    cluster.start("spark-runner", replica="b")
    ids = {submit(cluster, f"frozen-{index}") for index in range(JOBS)}
    watch.wait_for(ids, 10, timeout=300)
    frozen = cluster.services["spark-runner"]
    frozen.freeze()
    stopped = time.monotonic()
    try:
        watch.wait_for(ids, JOBS, timeout=600)
    finally:
        frozen.thaw()
    print(f"\nspark-runner frozen with 10+ of {JOBS} jobs done: all {JOBS} done {time.monotonic() - stopped:.1f} s later by the replica")
    with psycopg.connect(cluster.database_url) as db:
        abandoned = db.execute(
            "SELECT count(*) FROM stage_attempts WHERE job_id = ANY(%s::uuid[]) AND outcome = 'abandoned'", (list(ids),)
        ).fetchone()[0]
    print(f"attempts abandoned by the sweeper: {abandoned}")
    assert_exactly_once(cluster, watch, ids)


def test_a_thousand_jobs_from_sixteen_clients(cluster, watch):
    """Load, not a fault: 1,000 jobs from 16 concurrent clients, which wait out 429s as
    `Retry-After` tells them; completed = accepted, each exactly once."""
    clients, jobs = 16, 1000
    accepted, errors = [], []

    def client(number):
        try:
            for index in range(number, jobs, clients):
                accepted.append(submit(cluster, f"load-{index}", attempts=20))
        except Exception as error:  # reported below: a thread cannot fail the test itself
            errors.append(repr(error))

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    submitted = time.monotonic()
    assert errors == [] and len(set(accepted)) == jobs
    watch.wait_for(set(accepted), jobs, timeout=900)
    print(f"\nload: {jobs} jobs from {clients} clients accepted in {submitted - started:.1f} s, "
          f"all completed {time.monotonic() - started:.1f} s after the first request")
    assert_exactly_once(cluster, watch, set(accepted))
