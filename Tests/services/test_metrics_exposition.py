"""Every service's `/metrics`, on the services of `make run` after the seed job went
through, passes `promtool check metrics` (Prometheus's own linter: a HELP line for every
metric, counters named `_total`, units in the names, …) and carries its series with
bounded labels.

Run by infra/test.sh in its `make run` step (promtool is Debian's `prometheus` package,
which infra/install.sh installs)."""
import os
import re
import subprocess
import urllib.request

PORT = int(os.environ.get("SLUICE_HTTP_PORT", "58080"))
# Where each service serves /metrics: the gateway on its HTTP port, the workers on the four after it.
ENDPOINTS = {"gateway": PORT, "validator": PORT + 1, "gpu-normalizer": PORT + 2, "spark-runner": PORT + 3, "analyzer": PORT + 4}
STAGES = {"validator": "validate", "gpu-normalizer": "normalize", "spark-runner": "spark", "analyzer": "analyze"}


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


def test_every_endpoint_passes_promtool_and_carries_its_series() -> None:
    problems = {}
    texts = {name: scrape(port) for name, port in ENDPOINTS.items()}
    for name, text in texts.items():
        lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
        if lint.returncode != 0 or lint.stdout.strip() or lint.stderr.strip():
            problems[name] = (lint.stdout + lint.stderr).strip()
    assert problems == {}, problems

    gateway = texts["gateway"]
    for series in ["sluice_http_requests_total", "sluice_http_request_duration_seconds_bucket", "sluice_http_requests_in_flight", "sluice_jobs"]:
        assert re.search(rf"^{series}[{{ ]", gateway, re.M), f"the gateway has no {series}"
    # The seed job's submission, counted by its route's pattern.
    assert re.search(r'^sluice_http_requests_total\{method="POST",route="/(process|api/v1/jobs)",status="20[02]"\} [1-9]', gateway, re.M), gateway[:2000]
    for name, stage in STAGES.items():
        text = texts[name]
        assert re.search(rf'^sluice_stage_attempts_total\{{stage="{stage}",outcome="succeeded"\}} [1-9]', text, re.M), f"{name}: {text[:1500]}"
        devices = re.findall(r'^sluice_stage_device_total\{stage="[a-z]+",device="([^"]*)",reason="([^"]*)"\}', text, re.M)
        # The stages that run on a compute device say which.
        assert bool(devices) == (name in {"gpu-normalizer", "spark-runner"}), f"{name}: {devices}"
        for device, reason in devices:
            assert re.fullmatch(r"cpu|cuda:\d+|spark|other", device), f"{name}: device label {device!r} is not bounded"
            assert re.fullmatch(r"|gpu_disabled|no_gpu|below_min_records|too_many_categories|gpu_error|other", reason), f"{name}: reason {reason!r}"


def value(text: str, series: str) -> float:
    """The value of one series line (`name{labels}` exactly as exposed); fails if it is missing."""
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    assert match, f"no {series}"
    return float(match.group(1))


def test_every_service_reports_its_connections_health() -> None:
    for name, port in ENDPOINTS.items():
        text = scrape(port)
        # Every service holds database connections (pool, job events) and broker connections (consumers, publishers).
        for peer in ["database", "broker"]:
            assert value(text, f'sluice_connections_open{{peer="{peer}"}}') >= 1, f"{name}: no open {peer} connection"
            assert value(text, f'sluice_connection_attempts_total{{peer="{peer}",outcome="opened"}}') >= 1, name
            assert value(text, f'sluice_connection_attempts_total{{peer="{peer}",outcome="failed"}}') >= 0, name
            assert value(text, f'sluice_connections_lost_total{{peer="{peer}"}}') >= 0, name
        # The scrape itself runs no query: what is checked out now is what the service is doing.
        assert 0 <= value(text, "sluice_db_pool_in_use") <= 16, name
        assert value(text, "sluice_db_pool_waiting") >= 0, name
        assert value(text, "sluice_db_pool_wait_seconds_count") >= 1, f"{name}: no checkout counted"
