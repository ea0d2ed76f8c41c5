"""Chaos: each service is killed with SIGKILL in the middle of a batch of 50 jobs and
started again, then RabbitMQ and then PostgreSQL are restarted mid-batch; every job
completes, each exactly once (one result row, one succeeded attempt per stage, one
`completed` announcement), and none is left behind.

Run by `make test` (infra/test.sh) after the Swift tests, against the test stack."""
import collections
import json
import os
import pathlib
import select
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import psycopg
import pytest
from job_history_checks import exactly_once_problems
from sluice_cluster import BIN, REPO, free_port

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

    def _take(self, timeout, stop_after):
        for notification in self.connection.notifies(timeout=timeout, stop_after=stop_after):
            event = json.loads(notification.payload)
            if event["status"] == "completed":
                self.completions[event["job_id"]] += 1

    def done(self, ids):
        """How many of `ids` have completed by the announcements already received (none
        are waited for; while the database is down, the count stands where it was)."""
        try:
            self._take(timeout=0.05, stop_after=None)
        except psycopg.OperationalError:
            pass  # the next wait_for listens again and catches up from the table
        return sum(1 for job in ids if self.completions[job])

    def wait_for(self, ids, count, timeout):
        deadline = time.monotonic() + timeout
        while sum(1 for job in ids if self.completions[job]) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                done = sum(1 for job in ids if self.completions[job])
                raise AssertionError(f"only {done} of {len(ids)} jobs completed in {timeout} s (wanted {count})")
            try:
                self._take(timeout=remaining, stop_after=1)
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


def test_the_container_healthcheck_probes_ready(cluster):
    """`SERVICE --probe-ready` (compose.yaml's healthcheck) exits 0 when the service's
    /ready answers 200, and 1 when nothing answers on the port."""
    for name in ["validator", "gpu-normalizer", "spark-runner", "analyzer", "gateway"]:
        port = cluster.port if name == "gateway" else cluster.health_ports[name]
        variable = "SLUICE_HTTP_PORT" if name == "gateway" else "SLUICE_HEALTH_PORT"
        ready = subprocess.run([str(BIN / name), "--probe-ready"], env=dict(cluster.env, **{variable: str(port)}),
                               capture_output=True, text=True, timeout=30)
        assert ready.returncode == 0 and "200" in ready.stdout, (name, ready.stdout)
    closed = subprocess.run([str(BIN / "validator"), "--probe-ready"], env=dict(cluster.env, SLUICE_HEALTH_PORT=str(free_port())),
                            capture_output=True, text=True, timeout=30)
    assert closed.returncode == 1 and "no answer" in closed.stdout


def test_slow_clients_are_cut_off_and_store_nothing(cluster):
    """A client that stops halfway through its body gets 408 `request_timeout`; one that
    never finishes its headers is disconnected. Neither stores a job."""
    def jobs():
        with psycopg.connect(cluster.database_url) as db:
            return db.execute("SELECT count(*) FROM jobs").fetchone()[0]

    before = jobs()
    with socket.create_connection(("127.0.0.1", cluster.port), timeout=30) as client:
        client.sendall((
            "POST /api/v1/jobs HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {cluster.api_key}\r\nContent-Length: 100\r\n\r\n" + '{"data": ['
        ).encode())
        answer = read_until_closed(client)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"request_timeout"' in body
    with socket.create_connection(("127.0.0.1", cluster.port), timeout=30) as client:
        client.sendall(b"POST /api/v1/jobs HTTP/1.1\r\nHost: sluice\r\n")
        assert read_until_closed(client) == b"", "the server answered a request whose headers never ended"
    assert jobs() == before


def read_until_closed(client):
    """Everything the server sends until it closes the connection (a 30 s socket timeout bounds each read)."""
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    return received


def assert_exactly_once(cluster, watch, ids, announcements=True):
    with psycopg.connect(cluster.database_url) as db:
        assert exactly_once_problems(db, ids) == []
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


def test_every_service_stopped_with_sigterm_mid_batch(cluster, watch):
    """SIGTERM is a graceful stop: each service in turn, mid-batch, stops taking work,
    finishes what it holds and exits 0; nothing is left for a sweeper (no attempt is
    abandoned) and every job completes exactly once."""
    ids = {submit(cluster, f"sigterm-{index}") for index in range(JOBS)}
    for turn, name in enumerate(["validator", "gpu-normalizer", "spark-runner", "analyzer", "gateway"]):
        watch.wait_for(ids, min(5 * (turn + 1), JOBS), timeout=300)
        process = cluster.services[name].process
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0, f"{name} exited with {process.returncode} after SIGTERM"
        print(f"\n{name}: SIGTERM with {sum(1 for job in ids if watch.completions[job])} of {JOBS} done; exited 0 in {time.monotonic() - signalled:.1f} s")
        cluster.start(name)
    watch.wait_for(ids, JOBS, timeout=600)
    assert_exactly_once(cluster, watch, ids)
    with psycopg.connect(cluster.database_url) as db:
        unfinished = db.execute(
            "SELECT count(*) FROM stage_attempts WHERE job_id = ANY(%s::uuid[]) AND outcome <> 'succeeded'", (list(ids),)
        ).fetchone()[0]
    assert unfinished == 0, "a gracefully stopped service left an attempt abandoned, retried or failed"


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
        rows = db.execute("SELECT count(*) FROM jobs WHERE idempotency_key LIKE 'http:default:chaos:gateway-%'").fetchone()[0]
    assert rows == JOBS, "a retried request made a second job"
    watch.wait_for(ids, JOBS, timeout=600)
    assert_exactly_once(cluster, watch, ids)


def crash_broker():
    """Kills the RabbitMQ node with SIGKILL and returns once it is gone. (A graceful stop
    takes seconds, in which a batch of small jobs finishes: it would test nothing.)"""
    pid = int(subprocess.run([str(REPO / "infra" / "rabbitmq.sh"), "pid"], check=True, capture_output=True, text=True).stdout)
    gone = os.pidfd_open(pid)
    try:
        os.kill(pid, signal.SIGKILL)
        assert select.select([gone], [], [], 60)[0], "the broker outlived SIGKILL for 60 s"
    finally:
        os.close(gone)


def failed_job(cluster):
    """A job that the validator failed: an input_uri file with a bad record (the gateway
    does not read it)."""
    folder = pathlib.Path(cluster.env["SLUICE_ARTIFACT_DIR"]) / "inputs" / "default"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "outage-bad.csv").write_text("id,value,category\n1,x,a\n")
    status, answer, _ = gateway(cluster, "POST", "/api/v1/jobs", json.dumps({"input_uri": "outage-bad.csv"}).encode())
    assert status == 202, answer
    job = answer["job_id"]
    deadline = time.monotonic() + 120
    with psycopg.connect(cluster.database_url, autocommit=True) as db:
        while db.execute("SELECT status FROM jobs WHERE job_id = %s", (job,)).fetchone()[0] != "failed":
            assert time.monotonic() < deadline, "the bad input_uri job did not fail"
            time.sleep(0.2)
    return job


def gateway(cluster, method, path, body=None):
    """One request to the gateway with the cluster's key: (status, JSON body or None, headers)."""
    request = urllib.request.Request(f"{cluster.url}{path}", data=body, method=method, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {cluster.api_key}",
    })
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read(65536)  # an event stream of a finished job ends; this bounds it anyway
            return response.status, json.loads(text) if response.headers.get_content_type() == "application/json" else None, response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def outage_answers(cluster, server, job):
    """What each route answers while `server` is down, as problems: a route that needs the
    server must answer 503 `unavailable` with Retry-After (PostgreSQL: every route, the key
    is checked there; RabbitMQ: those that publish), and the others must go on."""
    body = json.dumps({"data": [{"id": 1, "value": 1.5, "category": "a"}]}).encode()
    path = f"/api/v1/jobs/{job}"
    routes = [
        ("POST", "/api/v1/jobs", body, True), ("POST", "/process?wait=5", body, True), ("POST", f"{path}/retry", None, True),
        ("GET", "/api/v1/jobs", None, False), ("GET", path, None, False), ("GET", f"{path}/results", None, False),
        ("GET", f"{path}/events", None, False), ("POST", f"{path}/cancel", None, False),
    ]
    problems = []
    for method, route, data, publishes in routes:
        status, answer, headers = gateway(cluster, method, route, data)
        if server == "postgres" or publishes:
            code = (answer or {}).get("error", {}).get("code")
            if status != 503 or code != "unavailable" or not headers.get("Retry-After", "").isdigit():
                problems.append(f"{method} {route}: {status} {code} Retry-After={headers.get('Retry-After')}")
        elif status >= 500:
            problems.append(f"{method} {route} does not need {server}, yet answered {status}: {answer}")
    return problems


@pytest.mark.parametrize("server", ["rabbitmq", "postgres"])
def test_a_server_restarted_mid_batch(cluster, watch, server):
    """RabbitMQ is killed (a crash), PostgreSQL stopped (fast shutdown: its sessions are
    cut off), when 5 of 50 jobs are done; then started again. Meanwhile the gateway
    answers 503 with Retry-After on every route that needs the server, stores nothing,
    and serves the others."""
    failed = failed_job(cluster)
    ids = {submit(cluster, f"{server}-{index}") for index in range(JOBS)}
    watch.wait_for(ids, 5, timeout=300)
    script = str(REPO / "infra" / f"{server}.sh")
    stopped = time.monotonic()
    if server == "rabbitmq":
        crash_broker()
    else:
        subprocess.run([script, "stop"], check=True, capture_output=True, timeout=120)
    done_when_stopped = watch.done(ids)
    try:
        # Meanwhile every worker says at once that it is not ready, and why.
        check = "broker" if server == "rabbitmq" else "database"
        for name in ["validator", "gpu-normalizer", "spark-runner", "analyzer"]:
            status, answer = readiness(cluster, name)
            assert status == 503 and answer["checks"][check] != "ok", (name, answer)
        jobs_before = None if server == "postgres" else job_count(cluster)
        assert outage_answers(cluster, server, failed) == []
        assert jobs_before is None or job_count(cluster) == jobs_before, "a submission refused in the outage was stored"
    finally:  # the later tests need the server, whatever happened here
        subprocess.run([script, "start"], check=True, capture_output=True, timeout=180)
    restarted = time.monotonic()
    done = watch.done(ids)
    assert done_when_stopped < JOBS, "every job was done before the server went down: nothing was tested"
    watch.wait_for(ids, min(done + 1, JOBS), timeout=600)
    first = time.monotonic()
    watch.wait_for(ids, JOBS, timeout=600)
    print(f"\n{server}: stopped with {done_when_stopped} of {JOBS} jobs done, restarted with {done} (down {restarted - stopped:.1f} s); "
          f"next job completed {first - restarted:.1f} s after it was back, all {JOBS} {time.monotonic() - restarted:.1f} s after")
    # Announcements made while the database was down are lost by definition.
    assert_exactly_once(cluster, watch, ids, announcements=server != "postgres")
    with psycopg.connect(cluster.database_url, autocommit=True) as db:
        assert db.execute("SELECT status FROM jobs WHERE job_id = %s", (failed,)).fetchone()[0] == "failed", "the refused retry changed the job"


def job_count(cluster):
    with psycopg.connect(cluster.database_url, autocommit=True) as db:
        return db.execute("SELECT count(*) FROM jobs").fetchone()[0]


def test_a_worker_killed_after_its_commit_before_its_ack(cluster, watch):
    """The spark-runner commits a finished stage and dies before it acknowledges the
    message. RabbitMQ is frozen (SIGSTOP) while the stage runs, so the hand-off's confirm,
    and the ack that waits for it, cannot happen; the worker is killed once its commit is
    in the table, then RabbitMQ thaws. The redelivery finds the attempt succeeded and only
    hands the job on: one spark attempt, one result."""
    broker = int(subprocess.run([str(REPO / "infra" / "rabbitmq.sh"), "pid"], check=True, capture_output=True, text=True).stdout)
    ids = set()
    with psycopg.connect(cluster.database_url, autocommit=True) as db:
        db.execute("LISTEN sluice_job_events")
        for trial in range(5):  # a stage that finished before the freeze does not count
            job = submit(cluster, f"commit-{trial}")
            ids.add(job)
            for notification in db.notifies(timeout=120):
                event = json.loads(notification.payload)
                if event["job_id"] == job and event["status"] == "processing":
                    break
            os.kill(broker, signal.SIGSTOP)
            try:
                if spark_outcome(db, job) != "running":
                    continue
                deadline = time.monotonic() + 60
                while spark_outcome(db, job) == "running":  # the commit lands in PostgreSQL, which is not frozen
                    assert time.monotonic() < deadline, "the spark stage never committed"
                    time.sleep(0.05)
                assert spark_outcome(db, job) == "succeeded"
                cluster.kill("spark-runner")
            finally:
                os.kill(broker, signal.SIGCONT)
            cluster.start("spark-runner")
            break
        else:
            raise AssertionError("in 5 tries the spark stage never outlasted the freeze's start")
    watch.wait_for(ids, len(ids), timeout=300)
    print(f"\nspark-runner killed after its commit, before its ack (try {trial + 1}): the redelivery only handed the job on")
    assert_exactly_once(cluster, watch, ids)
    with psycopg.connect(cluster.database_url) as db:
        attempts = db.execute("SELECT attempt, outcome FROM stage_attempts WHERE job_id = %s AND stage = 'spark'", (job,)).fetchall()
    assert attempts == [(1, "succeeded")]
    logs = "".join(path.read_text() for path in cluster.logs.glob("spark-runner*.log"))
    # The redelivery found the attempt succeeded, or, if the restarted worker's sweeper
    # handed the job on first, the job already past the stage.
    no_ops = ("this attempt already succeeded", "acknowledging the repeat")
    assert any(job in line and any(marker in line for marker in no_ops) for line in logs.splitlines())


def spark_outcome(db, job):
    row = db.execute("SELECT outcome FROM stage_attempts WHERE job_id = %s AND stage = 'spark' AND attempt = 1", (job,)).fetchone()
    return row[0] if row else None


def running_spark_attempts(db, pid):
    """The job ids whose spark attempt is running under the worker process `pid`."""
    rows = db.execute(
        "SELECT job_id::text FROM stage_attempts WHERE stage = 'spark' AND outcome = 'running' AND worker LIKE %s",
        (f"%:{pid}",),
    ).fetchall()
    return {job for (job,) in rows}


def test_a_frozen_worker_loses_its_attempts_to_a_replica(cluster, watch):
    """SIGSTOP while the spark-runner holds running attempts: it stops renewing their
    leases, and the replica's lease sweeper hands them on; the broker hands on what it
    had prefetched once its connection misses its heartbeats. Thawed, it cannot complete
    what it held: its late results are refused."""
    cluster.start("spark-runner", replica="b")
    frozen = cluster.services["spark-runner"]
    held = set()
    # Queries go through a connection of their own: the listener's is busy in notifies().
    with psycopg.connect(cluster.database_url, autocommit=True) as listener, psycopg.connect(cluster.database_url, autocommit=True) as db:
        listener.execute("LISTEN sluice_job_events")
        ids = {submit(cluster, f"frozen-{index}") for index in range(JOBS)}
        # Freeze it at an announcement after which it holds running attempts.
        for _ in listener.notifies(timeout=300):
            if not running_spark_attempts(db, frozen.process.pid):
                continue
            frozen.freeze()
            held = running_spark_attempts(db, frozen.process.pid) & ids
            if held:
                break
            frozen.thaw()
    assert held, "the spark-runner never held a running attempt to be frozen with"
    stopped = time.monotonic()
    try:
        watch.wait_for(ids, JOBS, timeout=600)
    finally:
        frozen.thaw()
    print(f"\nspark-runner frozen holding {len(held)} running attempts: all {JOBS} done {time.monotonic() - stopped:.1f} s later by the replica")
    with psycopg.connect(cluster.database_url) as db:
        abandoned = db.execute(
            "SELECT job_id::text FROM stage_attempts WHERE job_id = ANY(%s::uuid[]) AND stage = 'spark' AND outcome = 'abandoned'", (list(ids),)
        ).fetchall()
    assert held <= {job for (job,) in abandoned}
    # Thawed, it finishes what it held, and none of those outcomes is taken: each is
    # refused, or, if the freeze outlasted a transaction of it, the session is gone.
    ends = ("another worker took this attempt over", "could not record or hand off a finished stage")

    def ended(lines):
        return {job for line in lines if any(end in line for end in ends) for job in held if job in line}

    frozen.wait_for_log(lambda lines: ended(lines) == held, timeout=120, what=f"an end for each of the {len(held)} attempts it held")
    print(f"attempts abandoned by the sweeper: {len(abandoned)}; late outcomes not taken after the thaw: {len(held)}")
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


def test_a_jobs_trace_id_runs_through_every_services_json_log(cluster, watch):
    """SLUICE_LOG_FORMAT=json: each log line a Swift service writes is one JSON object;
    the trace id the gateway gave a job is on its lines in all five services' logs."""
    job = submit(cluster, "traced")
    watch.wait_for({job}, 1, timeout=300)
    with psycopg.connect(cluster.database_url) as db:
        trace = db.execute("SELECT trace_id FROM jobs WHERE job_id = %s", (job,)).fetchone()[0]
    seen = set()
    for path in cluster.logs.glob("*.log"):
        for line in path.read_text().splitlines():
            if not line.startswith("{"):
                continue  # the JVM's own lines, under the spark-runner
            entry = json.loads(line)
            assert {"ts", "level", "label", "message"} <= entry.keys(), line
            if entry.get("job_id") == job:
                assert entry.get("trace_id") == trace, line
                seen.add(entry["label"])
    assert {f"sluice.{name}" for name in ["gateway", "validator", "gpu-normalizer", "spark-runner", "analyzer"]} <= seen


def metrics(url):
    """A /metrics page as {series: value}."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=30) as response:
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line and not line.startswith("#")}


def test_every_service_serves_prometheus_metrics_that_agree_with_sql(cluster, watch):
    """The gateway's `sluice_jobs{status}` is what the jobs table says; each worker counts
    what it consumed, acknowledged and ran, as many as its stage_attempts rows say."""
    job = submit(cluster, "metered")
    watch.wait_for({job}, 1, timeout=300)
    with psycopg.connect(cluster.database_url) as db:
        by_status = dict(db.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall())
    gateway = metrics(cluster.url)
    assert gateway['sluice_jobs{status="completed"}'] == by_status["completed"]
    assert gateway.get('sluice_jobs{status="failed"}') == by_status.get("failed", 0)
    for name, stage in [("validator", "validate"), ("gpu-normalizer", "normalize"), ("spark-runner", "spark"), ("analyzer", "analyze")]:
        # Each process counts from its start (restarted ones forgot the past), so together
        # the running replicas of a stage count at most what the table holds, and at
        # least the job just run.
        pages = [metrics(service.health_url) for key, service in cluster.services.items() if key == name or key.startswith(name + "-")]
        succeeded = sum(page[f'sluice_stage_attempts_total{{stage="{stage}",outcome="succeeded"}}'] for page in pages)
        with psycopg.connect(cluster.database_url) as db:
            in_sql = db.execute("SELECT count(*) FROM stage_attempts WHERE stage = %s AND outcome = 'succeeded'", (stage,)).fetchone()[0]
        assert 1 <= succeeded <= in_sql, (name, succeeded, in_sql)
        for page in pages:
            # The job just run may still be between its commit (which announced it) and
            # its count and acknowledgement: one at most, as nothing else is in flight.
            ran = page[f'sluice_stage_attempts_total{{stage="{stage}",outcome="succeeded"}}']
            assert page[f'sluice_messages_total{{stage="{stage}",event="acked"}}'] >= ran - 1
            assert abs(page[f'sluice_stage_duration_seconds_count{{stage="{stage}"}}'] - ran) <= 1


def test_the_logs_carry_no_keys_or_passwords(cluster):
    """After every fault above (and a request with a wrong key), no service's log holds
    the API key, the wrong key, or a server URL with its password."""
    wrong = "sk_" + "wrong-key-" + str(time.monotonic_ns())
    request = urllib.request.Request(f"{cluster.url}/api/v1/jobs", headers={"Authorization": f"Bearer {wrong}"})
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("a wrong key was let in")
    except urllib.error.HTTPError as error:
        assert error.code == 401
    forbidden = {
        "the API key": cluster.api_key,
        "a wrong key": wrong,
        "the database URL": cluster.database_url,
        "the broker URL": cluster.env["SLUICE_AMQP_URL"],
        "a password in a URL": ":" + urllib.parse.urlsplit(cluster.database_url).password + "@",
    }
    for path in sorted(cluster.logs.glob("*.log")):
        text = path.read_text()
        leaked = [what for what, secret in forbidden.items() if secret in text]
        assert leaked == [], f"{path.name} holds {', '.join(leaked)}"
