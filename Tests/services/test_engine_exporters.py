"""The engines' own metrics, on the stack of `make run` with its services running: RabbitMQ's
rabbitmq_prometheus plugin (infra/rabbitmq.sh enables it) and Debian's
prometheus-postgres-exporter (infra/postgres-exporter.sh, started by infra/stack.sh); the two
Prometheus configurations that scrape them; and the Grafana dashboard, whose every
expression must name series that one of the endpoints really serves.

Run by infra/test.sh in its `make run` step, with the stack's variables
(`infra/stack.sh env`: SLUICE_RABBITMQ_METRICS_URL, SLUICE_POSTGRES_METRICS_URL,
SLUICE_AMQP_URL, SLUICE_DATABASE_URL) and SLUICE_BIN_DIR naming the build. Needs promtool
(Debian's `prometheus`) and pika and psycopg (.sluice/venv), as infra/install.sh installs.
"""
import json
import os
import re
import secrets
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pika
import psycopg
import yaml

REPO = Path(__file__).resolve().parents[2]
OBSERVABILITY = REPO / "infra" / "observability"
DASHBOARD = OBSERVABILITY / "grafana-dashboard.json"
PALETTE = REPO / "Shared" / "SluiceCore" / "ChartPalette.swift"
BIN_DIR = Path(os.environ.get("SLUICE_BIN_DIR", REPO / ".build" / "release"))
PORT = int(os.environ.get("SLUICE_HTTP_PORT", "58080"))
# The services' /metrics, as Tests/services/test_metrics_exposition.py finds them.
SERVICE_PORTS = {"gateway": PORT, "validator": PORT + 1, "gpu-normalizer": PORT + 2, "spark-runner": PORT + 3, "analyzer": PORT + 4}
VHOST = "sluice"
# The plugin refreshes its queue figures every collect_statistics_interval (5 s).
DEADLINE_S = 30


def stack_variable(name: str) -> str:
    value = os.environ.get(name)
    assert value, f"{name} is not set: run with the stack's variables (eval \"$(infra/stack.sh env)\")"
    return value


RABBIT_URL = stack_variable("SLUICE_RABBITMQ_METRICS_URL")  # http://ADDRESS:PORT/metrics
POSTGRES_URL = stack_variable("SLUICE_POSTGRES_METRICS_URL")


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, f"{url}: HTTP {response.status}"
        return response.read().decode()


def local_jobs() -> dict:
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())
    return {job["job_name"]: job for job in config["scrape_configs"]}


def queue_endpoint() -> str:
    """The plugin's per-queue endpoint as infra/observability/prometheus.yml scrapes it (its
    metrics_path and params), on the stack's metrics port."""
    job = local_jobs()["rabbitmq-queues"]
    base = urllib.parse.urlsplit(RABBIT_URL)
    query = urllib.parse.urlencode(job.get("params", {}), doseq=True)
    return urllib.parse.urlunsplit((base.scheme, base.netloc, job["metrics_path"], query, ""))


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', re.M)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(text: str, name: str) -> list[tuple[dict, float]]:
    return [(dict(LABEL.findall(labels or "")), float(value)) for metric, labels, value in SAMPLE.findall(text) if metric == name]


def series_names(text: str) -> set[str]:
    """The series a scrape serves, and those its # TYPE lines declare (a labelled counter has
    no sample before its first increment), with a histogram's or summary's own suffixes."""
    names = {metric for metric, _, _ in SAMPLE.findall(text)}
    for metric, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M):
        names.add(metric)
        if kind in ("histogram", "summary"):
            names |= {f"{metric}_bucket", f"{metric}_sum", f"{metric}_count"}
    return names


def queue_depths(text: str, queue: str) -> dict[str, float]:
    """ready and unacked of one queue of our vhost in a scrape of the per-queue endpoint."""
    depths = {}
    for kind in ("ready", "unacked"):
        for labels, value in samples(text, f"rabbitmq_detailed_queue_messages_{kind}"):
            if labels.get("vhost") == VHOST and labels.get("queue") == queue:
                depths[kind] = value
    return depths


def wait_for_scrape(url: str, condition, what: str, keep_alive=None) -> str:
    """Scrapes url until condition(text) holds; fails after DEADLINE_S with the last scrape."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        text = fetch(url)
        if condition(text):
            return text
        assert time.monotonic() < deadline, f"{what}: not within {DEADLINE_S} s; last scrape of {url}:\n{text[-3000:]}"
        if keep_alive:
            keep_alive(0.5)  # pika's connection serves its heartbeats meanwhile
        else:
            time.sleep(0.5)


def topology_queues() -> list[str]:
    """The queues `sluice topology` declares (what `make run` ran), from its own listing."""
    result = subprocess.run([str(BIN_DIR / "sluice"), "topology"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    listing = result.stdout.split("queues (ready messages):", 1)
    assert len(listing) == 2, result.stdout
    queues = re.findall(r"^\s+(\S+): \d+$", listing[1], re.M)
    assert "sluice.dead-letter" in queues and any(".retry." in q for q in queues), queues
    return queues


def test_rabbitmq_plugin_reports_every_queue_of_the_topology_and_its_depth_moves() -> None:
    aggregated = fetch(RABBIT_URL)
    assert samples(aggregated, "rabbitmq_build_info"), aggregated[:1000]
    # The workers of `make run` are connected, each consuming its stage's queue.
    assert sum(value for _, value in samples(aggregated, "rabbitmq_connections")) >= 4, "fewer connections than workers"

    queues = topology_queues()
    endpoint = queue_endpoint()
    wait_for_scrape(endpoint, lambda text: all(queue_depths(text, q).keys() == {"ready", "unacked"} for q in queues),
                    f"ready and unacked for every queue of the topology {queues}")

    # A queue of this test's own (the pipeline's queues are left alone): N published, then
    # two taken without an ack. Exclusive, so the broker removes it even if this test dies.
    connection = pika.BlockingConnection(pika.URLParameters(stack_variable("SLUICE_AMQP_URL")))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        queue = f"sluice-test.exporters-{secrets.token_hex(4)}"
        channel.queue_declare(queue, exclusive=True)
        published = 7
        for number in range(published):
            channel.basic_publish("", queue, f"message {number}".encode(), mandatory=True)
        wait_for_scrape(endpoint, lambda text: queue_depths(text, queue) == {"ready": published, "unacked": 0},
                        f"ready={published} for {queue}", keep_alive=connection.sleep)
        for _ in range(2):
            method, _, _ = channel.basic_get(queue, auto_ack=False)
            assert method is not None
        wait_for_scrape(endpoint, lambda text: queue_depths(text, queue) == {"ready": published - 2, "unacked": 2},
                        f"ready={published - 2}, unacked=2 for {queue}", keep_alive=connection.sleep)
        channel.queue_delete(queue)
    finally:
        connection.close()


def promtool_check_metrics(text: str) -> list[str]:
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    problems = (lint.stdout + lint.stderr).strip().splitlines()
    # 0: clean; 3: lint problems, listed. Anything else (a text it cannot parse) fails here.
    assert lint.returncode in (0, 3) and (lint.returncode == 0) == (not problems), (lint.returncode, problems)
    return problems


def test_rabbitmq_plugin_output_and_promtool() -> None:
    # The per-queue endpoint passes promtool check metrics as it is.
    assert promtool_check_metrics(fetch(queue_endpoint())) == []
    # The aggregated one does not, in RabbitMQ 3.10.8: promtool objects to some erlang_*
    # series of the Erlang Prometheus client's VM collectors (erlang_mnesia_*_transactions
    # counters without _total, erlang_vm_*_count and *_bytes_total gauges), which are not
    # ours to rename. Asserted: every complaint is about an erlang_* series, none about
    # RabbitMQ's own rabbitmq_* series, which Prometheus and the dashboard read.
    problems = promtool_check_metrics(fetch(RABBIT_URL))
    assert [line for line in problems if not line.startswith("erlang_")] == [], problems


def test_postgres_exporter_reports_the_server_and_its_sessions() -> None:
    text = fetch(POSTGRES_URL)
    assert re.search(r"^pg_up 1$", text, re.M), f"no pg_up 1:\n{text[:2000]}"
    database = urllib.parse.urlsplit(stack_variable("SLUICE_DATABASE_URL")).path.lstrip("/")
    # A session of this test's own, left idle inside a transaction: the exporter must see it.
    with psycopg.connect(stack_variable("SLUICE_DATABASE_URL")) as connection:
        connection.execute("SELECT 1")  # psycopg opens a transaction and leaves it open

        def idle_in_transaction(text: str) -> bool:
            return any(labels.get("datname") == database and labels.get("state") == "idle in transaction" and value >= 1
                       for labels, value in samples(text, "pg_stat_activity_count"))
        wait_for_scrape(POSTGRES_URL, idle_in_transaction, f"pg_stat_activity_count{{datname={database!r}, state='idle in transaction'}} >= 1")
        connection.rollback()


def test_both_prometheus_configurations_pass_promtool() -> None:
    for name in ("prometheus.yml", "prometheus-compose.yml"):
        # check config does not resolve the compose file's host names.
        result = subprocess.run(["promtool", "check", "config", str(OBSERVABILITY / name)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and "SUCCESS" in result.stdout, f"{name}: {result.stdout}{result.stderr}"
    # The local one scrapes the engines where infra/lib.sh puts them by default (a run that
    # infra/test.sh moved to other ports has them elsewhere, so the defaults are compared).
    jobs = local_jobs()
    expected = {"rabbitmq": ("127.0.0.1:56723", "/metrics"), "rabbitmq-queues": ("127.0.0.1:56723", "/metrics/detailed"),
                "postgres": ("127.0.0.1:55433", "/metrics")}
    for job, (target, path) in expected.items():
        assert [t for group in jobs[job]["static_configs"] for t in group["targets"]] == [target], job
        assert jobs[job].get("metrics_path", "/metrics") == path, job
    assert "queue_coarse_metrics" in jobs["rabbitmq-queues"]["params"]["family"]


PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: its identifiers, less strings, label
    matchers, ranges, grouping label lists, functions (a name before '(') and keywords."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        if expr[match.end():].lstrip().startswith("(") or match.group(0).lower() in PROMQL_KEYWORDS:
            continue
        names.add(match.group(0))
    return names


def dashboard_panels() -> list[dict]:
    panels = []
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        panels.append(panel)
        panels += panel.get("panels", [])  # a collapsed row holds its panels
    return panels


def test_dashboard_reads_only_series_that_exist() -> None:
    served = set()
    for port in SERVICE_PORTS.values():
        served |= series_names(fetch(f"http://127.0.0.1:{port}/metrics"))
    served |= series_names(fetch(RABBIT_URL)) | series_names(fetch(queue_endpoint())) | series_names(fetch(POSTGRES_URL))
    assert metric_names('sum by (queue) (rate(x_total{a="b(c)"}[5m])) / on (q) y') == {"x_total", "y"}, "the parser itself"

    unknown, read = {}, set()
    for panel in dashboard_panels():
        for target in panel.get("targets", []):
            names = metric_names(target["expr"])
            assert names, f"panel {panel['title']!r}: no metric in {target['expr']!r}"
            read |= names
            if names - served:
                unknown[f"{panel['title']} / {target['refId']}"] = sorted(names - served)
    assert unknown == {}, unknown
    # The panels that this change added do read the engines' series.
    assert {"rabbitmq_detailed_queue_messages_ready", "rabbitmq_detailed_queue_messages_unacked", "pg_up", "pg_stat_activity_count"} <= read


def test_dashboard_colours_the_queue_depths_as_the_palette_does() -> None:
    palette = dict(re.findall(r'case \.(\w+): "(#[0-9a-fA-F]{6})"', PALETTE.read_text()))
    # Which quantity a query shows, by what it reads.
    quantities = [("retry", "retry"), ("dead-letter", "failed"), ("_messages_ready", "wait"), ("_messages_unacked", "work")]
    coloured = 0
    for panel in dashboard_panels():
        colours = {override["matcher"]["options"]: prop["value"].get("fixedColor")
                   for override in panel.get("fieldConfig", {}).get("overrides", [])
                   if override["matcher"]["id"] == "byFrameRefID"
                   for prop in override["properties"] if prop["id"] == "color"}
        for target in panel.get("targets", []):
            if not target["expr"].startswith(("max by (queue) (rabbitmq_detailed_queue", "sum by (queue) (rabbitmq_detailed_queue")):
                continue
            wanted = [name for word, name in quantities if word in target["expr"]]
            if not wanted:
                continue
            assert colours.get(target["refId"]) == palette[wanted[0]], f"{panel['title']} / {target['refId']}: {wanted[0]} is {palette[wanted[0]]}"
            coloured += 1
    assert coloured >= 4, "ready, unacknowledged, retry tiers and dead letters each have a coloured query"
