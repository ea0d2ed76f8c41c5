"""A Sluice deployment of its own for a pytest suite (Tests/chaos, Tests/openapi): the
services as separate processes (the debug binaries `swift build --build-tests` made), on a
RabbitMQ vhost and a PostgreSQL database created for the run on the test stack, removed
afterwards. Tests/pytest.ini puts this folder on the import path."""
import contextlib
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import threading
import urllib.parse

import psycopg

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("SLUICE_BIN_DIR", REPO / ".build" / "debug"))
PYTHON = os.environ.get("SLUICE_SPARK_PYTHON", str(REPO / ".sluice" / "venv" / "bin" / "python"))
SERVICES = ["validator", "gpu-normalizer", "spark-runner", "analyzer", "gateway"]
# What each service writes once it can take work.
READY = {"gateway": ["listening"], "spark-runner": ["consuming", "the Spark driver is ready"]}
START_TIMEOUT = 180


def rabbitmqctl(*args):
    subprocess.run([str(REPO / "infra" / "rabbitmq.sh"), "ctl", *args], check=True, capture_output=True, timeout=60)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """One service process; its output goes to a log file, and `ready` is set when
    it writes its ready lines."""

    def __init__(self, name, env, log_dir, key=None, prefix=()):
        """Starts `name` with `env`; `prefix` runs it inside something (a test host: `infra/cluster.sh exec HOST`)."""
        self.name = name
        self.health_url = f"http://127.0.0.1:{env['SLUICE_HEALTH_PORT']}" if "SLUICE_HEALTH_PORT" in env else None
        self.ready = threading.Event()
        # Every line it has written so far, and a condition notified at each new one.
        self.lines = []
        self.written = threading.Condition()
        self.log_path = log_dir / f"{key or name}.log"
        self.process = subprocess.Popen(
            [*prefix, str(BIN / name)], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, text=True, errors="replace",
        )
        threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self):
        wanted = set(READY.get(self.name, ["consuming"]))
        with open(self.log_path, "a") as log:
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                with self.written:
                    self.lines.append(line)
                    self.written.notify_all()
                wanted = {marker for marker in wanted if marker not in line}
                if not wanted:
                    self.ready.set()

    def wait_for_log(self, condition, timeout, what):
        """Waits until `condition(lines)` holds for the lines written so far; `what` names it in the failure."""
        with self.written:
            if not self.written.wait_for(lambda: condition(self.lines), timeout):
                raise AssertionError(f"{self.name} did not log {what} in {timeout} s; see {self.log_path}")

    def wait_ready(self):
        if not self.ready.wait(START_TIMEOUT):
            raise AssertionError(f"{self.name} was not ready in {START_TIMEOUT} s; see {self.log_path}")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def freeze(self):
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Cluster:
    """The deployment: its vhost, database, API key and artifact folder, and the service
    processes started in it. `settings` are environment variables for every service,
    over the defaults below."""

    def __init__(self, tmp, purpose, settings=None):
        name = f"{purpose}_{secrets.token_hex(4)}"
        self.vhost = name
        self.database = name
        base_db = os.environ["SLUICE_DATABASE_URL"]
        base_amqp = os.environ["SLUICE_AMQP_URL"]
        with psycopg.connect(base_db, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        rabbitmqctl("add_vhost", name)
        user = urllib.parse.urlsplit(base_amqp).username
        rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*")
        self.database_url = urllib.parse.urlsplit(base_db)._replace(path="/" + name).geturl()
        amqp_url = urllib.parse.urlsplit(base_amqp)._replace(path="/" + urllib.parse.quote(name, safe="")).geturl()
        self.port = free_port()
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.env = dict(
            os.environ,
            SLUICE_AMQP_URL=amqp_url,
            SLUICE_DATABASE_URL=self.database_url,
            SLUICE_ARTIFACT_DIR=str(tmp / "artifacts"),
            SLUICE_MIGRATIONS_DIR=str(REPO / "infra" / "migrations"),
            SLUICE_HTTP_PORT=str(self.port),
            SLUICE_SPARK_MASTER="local[1]",
            SLUICE_SPARK_PYTHON=PYTHON,
            SLUICE_SPARK_DRIVER=str(REPO / "Services" / "spark-runner" / "driver" / "sluice_spark_driver.py"),
            **(settings or {}),
        )
        subprocess.run([str(BIN / "sluice"), "migrate"], env=self.env, check=True, capture_output=True, timeout=120)
        self.api_key = subprocess.run(
            [str(BIN / "sluice"), "keys", "create", purpose], env=self.env, check=True, capture_output=True, text=True, timeout=60
        ).stdout.strip()
        self.url = f"http://127.0.0.1:{self.port}"
        self.services = {}
        # Each worker serves /health and /ready on a port of its own, kept across restarts.
        self.health_ports = {name: free_port() for name in SERVICES if name != "gateway"}

    def start(self, name, replica=None):
        """Starts `name`; with `replica`, a further process of it, kept as `name-replica`."""
        key = f"{name}-{replica}" if replica else name
        if key not in self.health_ports and name != "gateway":
            self.health_ports[key] = free_port()
        env = dict(self.env, SLUICE_HEALTH_PORT=str(self.health_ports[key])) if key in self.health_ports else self.env
        service = Service(name, env, self.logs, key)
        self.services[key] = service
        service.wait_ready()

    def kill(self, name):
        self.services[name].kill()

    def close(self):
        for service in reversed(list(self.services.values())):
            service.thaw()
            service.stop()
        rabbitmqctl("delete_vhost", self.vhost)
        with psycopg.connect(os.environ["SLUICE_DATABASE_URL"], autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@contextlib.contextmanager
def running_cluster(tmp, purpose, services, settings=None):
    """A `Cluster` with `services` started in order; closed afterwards, whatever happened."""
    cluster = Cluster(tmp, purpose, settings)
    try:
        for name in services:
            cluster.start(name)
        yield cluster
    finally:
        cluster.close()
