"""compose.yaml: valid against the Compose Specification, and wired the way Sluice needs:
three clustered RabbitMQ nodes (infra/rabbitmq/cluster.conf), PostgreSQL under
pg_auto_failover (a monitor and two data nodes), two gateways behind HAProxy
(infra/haproxy/gateways.cfg, checked with `haproxy -c` where haproxy is installed).

Run with the project's venv (infra/test.sh does):
    .sluice/venv/bin/python -m pytest -q Tests/compose

The Compose Specification's JSON schema is an optional extra: <repo>/../shared/schemas/compose-spec.json,
or wherever SLUICE_COMPOSE_SCHEMA points. Without it, the schema check is skipped and says so
(run pytest with -rs to see the reason); every other check here still runs.
"""

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "compose.yaml"
SCHEMA_FILE = Path(
    os.environ.get("SLUICE_COMPOSE_SCHEMA", REPO.parent / "shared" / "schemas" / "compose-spec.json")
)
SLUICE_SERVICES = ["gateway", "validator", "gpu-normalizer", "spark-runner", "analyzer"]
RABBITMQ_NODES = ["rabbitmq-1", "rabbitmq-2", "rabbitmq-3"]
POSTGRES_NODES = ["postgres-1", "postgres-2"]
POSTGRES_MONITOR = "postgres-monitor"
RABBITMQ_CLUSTER_CONF = "infra/rabbitmq/cluster.conf"
HAPROXY_CONF = "infra/haproxy/gateways.cfg"
GATEWAY_PORT = "8080"


def url_hosts(url):
    """The (host, port) pairs of a URL whose authority may hold a comma-separated host
    list (libpq's multi-host form, and the services' AMQP URLs)."""
    authority = urlsplit(url).netloc.rpartition("@")[2]
    hosts = []
    for entry in authority.split(","):
        host, _, port = entry.partition(":")
        assert host, f"empty host in {url}"
        hosts.append((host, port))
    return hosts


def mounts(service):
    """The service's bind mounts (short syntax) as {source: target}, the `:ro` left off."""
    result = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            result[source.removeprefix("./")] = target
    return result


def named_volumes(service):
    return {volume.split(":")[0]: volume.split(":")[1] for volume in service.get("volumes", [])
            if not volume.startswith((".", "/"))}


def command_args(service):
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def option(args, name):
    assert args.count(name) == 1, f"{name} given {args.count(name)} times in {args}"
    return args[args.index(name) + 1]


def conf_lines(path):
    """rabbitmq.conf's format: `key = value` lines, `#` comments, blank lines."""
    entries = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        assert equals and key.strip() and value.strip(), f"{path}:{number}: not `key = value`: {line!r}"
        assert key.strip() not in entries, f"{path}:{number}: {key.strip()} set twice"
        entries[key.strip()] = value.strip()
    return entries


@pytest.fixture(scope="module")
def compose():
    with COMPOSE_FILE.open() as f:
        return yaml.safe_load(f)


def test_valid_against_compose_spec(compose):
    if not SCHEMA_FILE.is_file():
        pytest.skip(
            f"compose.yaml not checked against the Compose Specification: no schema at {SCHEMA_FILE} "
            "(an optional extra from ../shared; set SLUICE_COMPOSE_SCHEMA to check it)"
        )
    schema = json.loads(SCHEMA_FILE.read_text())
    # The schema declares draft 07 by a URL jsonschema does not recognise
    # (no trailing '#'), so the draft is named here rather than looked up.
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors
    )


@pytest.mark.parametrize("name", SLUICE_SERVICES)
def test_service_built_from_the_dockerfile(compose, name):
    service = compose["services"].get(name)
    assert service is not None, f"service {name} missing"
    build = service["build"]
    assert build["context"] == "."
    assert build["dockerfile"] == "infra/Dockerfile"
    assert build["args"]["SERVICE"] == name
    assert (REPO / build["dockerfile"]).is_file()


@pytest.mark.parametrize("name", SLUICE_SERVICES)
def test_service_wired_to_broker_database_and_artifacts(compose, name):
    service = compose["services"][name]
    env = service["environment"]
    amqp = env["SLUICE_AMQP_URL"]
    assert urlsplit(amqp).scheme == "amqp"
    assert url_hosts(amqp) == [(node, "5672") for node in RABBITMQ_NODES], "every RabbitMQ node, in order"
    assert urlsplit(amqp).path == "/sluice"
    database = env["SLUICE_DATABASE_URL"]
    assert urlsplit(database).scheme == "postgresql"
    assert url_hosts(database) == [(node, "5432") for node in POSTGRES_NODES], "both PostgreSQL data nodes"
    assert urlsplit(database).path == "/sluice"
    # libpq skips the standby and connects to whichever node is the primary now.
    assert parse_qs(urlsplit(database).query)["target_session_attrs"] == ["read-write"]
    assert env["SLUICE_ARTIFACT_DIR"] == "/data/artifacts"
    assert "artifacts:/data/artifacts" in service["volumes"]
    # Started once every broker node and both data nodes are healthy; not the monitor
    # (it holds no data: the data nodes wait for it).
    for dependency in RABBITMQ_NODES + POSTGRES_NODES:
        assert service["depends_on"][dependency]["condition"] == "service_healthy", dependency
    assert POSTGRES_MONITOR not in service["depends_on"]
    assert not {"rabbitmq", "postgres"} & set(service["depends_on"]), "the single-server names are gone"


@pytest.mark.parametrize("name", SLUICE_SERVICES)
def test_service_can_scale(compose, name):
    service = compose["services"][name]
    assert "container_name" not in service
    assert "ports" not in service, f"{name} publishes host ports, so it cannot be scaled"


def test_gateway_runs_two_replicas_behind_the_load_balancer(compose):
    services = compose["services"]
    gateway = services["gateway"]
    assert gateway["deploy"]["replicas"] == 2
    assert "ports" not in gateway, "only the load balancer publishes the gateway's port"
    assert gateway["environment"]["SLUICE_HTTP_PORT"] == GATEWAY_PORT
    assert gateway["environment"]["SLUICE_HTTP_HOST"] == "0.0.0.0"
    balancer = services["load-balancer"]
    assert balancer["image"].startswith("haproxy:")
    assert f"{GATEWAY_PORT}:{GATEWAY_PORT}" in [str(p) for p in balancer["ports"]]
    assert mounts(balancer).get(HAPROXY_CONF) == "/usr/local/etc/haproxy/haproxy.cfg"
    assert balancer["depends_on"]["gateway"]["condition"] == "service_healthy"
    assert "deploy" not in balancer and "container_name" not in balancer


def test_nothing_else_publishes_the_gateway_port(compose):
    for name, service in compose["services"].items():
        if name == "load-balancer":
            continue
        for port in service.get("ports", []):
            host_side = str(port).rsplit(":", 1)[0].rpartition(":")[2]
            assert host_side != GATEWAY_PORT, f"{name} also publishes {GATEWAY_PORT}: {port}"


@pytest.fixture(scope="module")
def haproxy_config():
    path = REPO / HAPROXY_CONF
    assert path.is_file(), f"{HAPROXY_CONF} missing"
    sections = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            current = tuple(line.split())
            sections[current] = []
        else:
            assert current is not None, f"{HAPROXY_CONF}: a setting outside any section: {line!r}"
            sections[current].append(line.strip())
    return sections


def test_haproxy_config_balances_the_gateway_replicas(haproxy_config):
    resolvers = haproxy_config[("resolvers", "docker")]
    assert "nameserver dns 127.0.0.11:53" in resolvers, "Docker's embedded DNS"
    frontends = [lines for key, lines in haproxy_config.items() if key[0] == "frontend"]
    assert len(frontends) == 1
    assert f"bind :{GATEWAY_PORT}" in frontends[0]
    backend_name = next(line.split()[1] for line in frontends[0] if line.startswith("default_backend "))
    backend = haproxy_config[("backend", backend_name)]
    templates = [line.split() for line in backend if line.startswith("server-template ")]
    assert len(templates) == 1
    template = templates[0]
    assert template[2] == "2", "a slot per replica"
    assert template[3] == f"gateway:{GATEWAY_PORT}", "the compose service, by its DNS name"
    for word in ("check", "init-addr"):
        assert word in template
    assert template[template.index("resolvers") + 1] == "docker"
    assert template[template.index("init-addr") + 1] == "none", "starts before the replicas resolve"
    assert "option httpchk GET /ready" in backend
    assert "http-check expect status 200" in backend
    assert "balance roundrobin" in backend
    assert "retry-on conn-failure empty-response" in backend
    assert "retries 2" in backend and "option redispatch" in backend


def test_haproxy_config_timeouts(haproxy_config):
    defaults = haproxy_config[("defaults",)]
    timeouts = {line.split()[1]: line.split()[2] for line in defaults if line.startswith("timeout ")}
    assert timeouts["client"] == "60s" and timeouts["server"] == "60s"
    assert timeouts["tunnel"] == "1h"
    assert "connect" in timeouts
    # The job event streams (server-sent events) get an hour, the rest a minute.
    backend = haproxy_config[("backend", "gateway")]
    acl = next(line.split() for line in backend if line.startswith("acl ") and "/events" in line)
    assert acl[2] == "path_reg" and acl[3] == "^/api/v1/jobs/[^/]+/events$"
    assert f"http-request set-timeout server 1h if {acl[1]}" in backend


def test_haproxy_accepts_its_config():
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").is_file() else None)
    if haproxy is None:
        pytest.skip(f"{HAPROXY_CONF} not checked by `haproxy -c`: no haproxy installed")
    result = subprocess.run([haproxy, "-c", "-f", str(REPO / HAPROXY_CONF)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    # No warnings either (a misplaced keyword is only a warning to haproxy).
    assert "[WARNING]" not in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.mark.parametrize("name", RABBITMQ_NODES + [POSTGRES_MONITOR] + POSTGRES_NODES)
def test_servers_have_healthchecks(compose, name):
    test = compose["services"][name]["healthcheck"]["test"]
    assert test and test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, f"{name} has an empty healthcheck"


def test_single_servers_are_gone(compose):
    assert not {"rabbitmq", "postgres"} & set(compose["services"])
    assert not {"rabbitmq-data", "postgres-data"} & set(compose.get("volumes", {}))


def test_rabbitmq_nodes_form_one_cluster(compose):
    services = compose["services"]
    nodes = sorted(name for name in services if name.startswith("rabbitmq"))
    assert nodes == RABBITMQ_NODES
    data_volumes = []
    for name in RABBITMQ_NODES:
        node = services[name]
        assert node["image"].startswith("rabbitmq:3."), name
        assert node["hostname"] == name, "the node name is rabbit@<hostname>"
        volumes = named_volumes(node)
        assert list(volumes.values()) == ["/var/lib/rabbitmq"], f"{name}: one data volume"
        data_volumes += volumes
        target = mounts(node).get(RABBITMQ_CLUSTER_CONF)
        assert target and target.startswith("/etc/rabbitmq/conf.d/") and target.endswith(".conf"), name
        assert node["healthcheck"]["test"][1:3] == ["rabbitmq-diagnostics", "-q"], name
        assert node["restart"] == "unless-stopped"
    assert len(set(data_volumes)) == 3, "each node has a data volume of its own"
    assert set(data_volumes) <= set(compose["volumes"])
    # One cookie for all: otherwise the nodes cannot talk, nor the healthcheck's CLI to its node.
    environments = [services[name]["environment"] for name in RABBITMQ_NODES]
    assert all(env == environments[0] for env in environments)
    for key in ("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "RABBITMQ_CTL_ERL_ARGS"):
        assert "-setcookie" in environments[0][key].split(), key
    assert "RABBITMQ_ERLANG_COOKIE" not in environments[0], "deprecated"
    assert environments[0]["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] == environments[0]["RABBITMQ_CTL_ERL_ARGS"]
    # Only the first node is reachable from the host, and only on loopback.
    for name in RABBITMQ_NODES:
        for port in services[name].get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"
    assert "ports" not in services["rabbitmq-2"] and "ports" not in services["rabbitmq-3"]


def test_rabbitmq_cluster_config_lists_the_three_nodes():
    conf = conf_lines(REPO / RABBITMQ_CLUSTER_CONF)
    assert conf["cluster_formation.peer_discovery_backend"] in ("classic_config", "rabbit_peer_discovery_classic_config")
    listed = {key: value for key, value in conf.items() if key.startswith("cluster_formation.classic_config.nodes.")}
    assert sorted(listed.values()) == [f"rabbit@{name}" for name in RABBITMQ_NODES]
    # The services' user, password and vhost, as in their AMQP URL.
    assert (conf["default_user"], conf["default_pass"], conf["default_vhost"]) == ("sluice", "sluice", "sluice")
    assert conf["cluster_partition_handling"] == "pause_minority"


def test_rabbitmq_user_matches_the_services_url(compose):
    conf = conf_lines(REPO / RABBITMQ_CLUSTER_CONF)
    url = urlsplit(compose["services"]["validator"]["environment"]["SLUICE_AMQP_URL"])
    credentials = url.netloc.rpartition("@")[0]
    assert credentials == f"{conf['default_user']}:{conf['default_pass']}"
    assert url.path.lstrip("/") == conf["default_vhost"]


def test_postgres_has_a_monitor_and_two_data_nodes(compose):
    services = compose["services"]
    nodes = sorted(name for name in services if name.startswith("postgres"))
    assert nodes == sorted([POSTGRES_MONITOR] + POSTGRES_NODES)
    image = services[POSTGRES_MONITOR]["image"]
    assert image.startswith("citusdata/pg_auto_failover:")
    monitor_args = command_args(services[POSTGRES_MONITOR])
    assert monitor_args[:3] == ["pg_autoctl", "create", "monitor"] and "--run" in monitor_args
    assert option(monitor_args, "--hostname") == POSTGRES_MONITOR
    volumes = {}
    for name in [POSTGRES_MONITOR] + POSTGRES_NODES:
        service = services[name]
        assert service["image"] == image, "one pg_auto_failover image for all"
        assert service["hostname"] == name
        own = named_volumes(service)
        assert len(own) == 1, f"{name}: one data volume"
        volumes.update(own)
        pgdata = option(command_args(service), "--pgdata")
        mount_point = next(iter(own.values()))
        assert pgdata.startswith(mount_point.rstrip("/") + "/"), f"{name}: PGDATA {pgdata} is not on its volume"
    assert len(volumes) == 3 and set(volumes) <= set(compose["volumes"])


@pytest.mark.parametrize("name", POSTGRES_NODES)
def test_postgres_data_node_registers_with_the_monitor(compose, name):
    service = compose["services"][name]
    args = command_args(service)
    assert args[:3] == ["pg_autoctl", "create", "postgres"] and "--run" in args
    assert option(args, "--hostname") == name, "what the other node and the monitor call it"
    monitor = urlsplit(option(args, "--monitor"))
    assert monitor.hostname == POSTGRES_MONITOR
    assert monitor.username == "autoctl_node" and monitor.path == "/pg_auto_failover"
    assert parse_qs(monitor.query)["sslmode"] == ["require"]
    # The database and role the services' URL names (pg_autoctl creates both).
    database = urlsplit(compose["services"]["analyzer"]["environment"]["SLUICE_DATABASE_URL"])
    assert option(args, "--dbname") == database.path.lstrip("/")
    assert option(args, "--username") == database.netloc.partition(":")[0]
    assert "--pg-hba-lan" in args, "the services connect from other containers"
    assert service["depends_on"][POSTGRES_MONITOR]["condition"] == "service_healthy"
    for port in service.get("ports", []):
        assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"


def test_named_volumes_declared(compose):
    used = {
        volume.split(":", 1)[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert used <= set(compose.get("volumes", {}))


def test_gpu_normalizer_gets_gpus_only_in_the_gpu_profile(compose):
    services = compose["services"]
    default = services["gpu-normalizer"]
    assert "profiles" not in default and "deploy" not in default, "the default normalizer must run without a GPU"
    gpu = services["gpu-normalizer-gpu"]
    assert gpu["profiles"] == ["gpu"]
    assert gpu["build"] == default["build"], "both variants run the same image"
    for key in ("depends_on", "volumes"):
        assert gpu[key] == default[key]
    assert {k: v for k, v in gpu["environment"].items() if k.startswith("SLUICE_")} == default["environment"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}]
    assert "container_name" not in gpu and "ports" not in gpu


@pytest.mark.parametrize("name", SLUICE_SERVICES)
def test_service_has_the_readiness_probe_as_healthcheck(compose, name):
    healthcheck = compose["services"][name]["healthcheck"]
    assert healthcheck["test"] == ["CMD", "/app/service", "--probe-ready"]
    env = compose["services"][name]["environment"]
    if name != "gateway":
        assert env["SLUICE_HEALTH_HOST"] == "0.0.0.0" and env["SLUICE_HEALTH_PORT"] == "8081"


def test_every_healthy_condition_names_a_service_with_a_healthcheck(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if condition["condition"] == "service_healthy":
                assert services[dependency].get("healthcheck", {}).get("test"), f"{name} waits for {dependency}, which has no healthcheck"


def test_spark_runner_uses_the_standalone_cluster(compose):
    services = compose["services"]
    assert services["spark-runner"]["environment"]["SLUICE_SPARK_MASTER"] == "spark://spark-master:7077"
    assert services["spark-runner"]["depends_on"]["spark-master"]["condition"] == "service_healthy"
    for name in ("spark-master", "spark-worker"):
        assert services[name]["build"] == services["spark-runner"]["build"], "the cluster runs the spark-runner's Spark"
    assert "org.apache.spark.deploy.master.Master" in services["spark-master"]["command"]
    assert services["spark-worker"]["command"][-1] == "spark://spark-master:7077"
    assert "artifacts:/data/artifacts" in services["spark-worker"]["volumes"], "executors read the artifacts"
    assert "container_name" not in services["spark-worker"] and "ports" not in services["spark-worker"]


def test_prometheus_scrapes_with_a_config_from_the_repository(compose):
    prometheus = compose["services"]["prometheus"]
    source = prometheus["volumes"][0].split(":")[0]
    config = yaml.safe_load((REPO / source).read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    # Each gateway replica by DNS, not the load balancer (one replica per scrape).
    gateway = jobs["sluice-gateway"]["dns_sd_configs"][0]
    assert gateway["names"] == ["gateway"] and gateway["port"] == int(GATEWAY_PORT)
    every_target = json.dumps(config)
    assert "load-balancer" not in every_target
    # No single-server names left (rabbitmq/postgres became clusters).
    assert '"rabbitmq:' not in every_target and '"postgres:' not in every_target
    # Workers by DNS, so that every replica of a scaled service is scraped.
    names = jobs["sluice-workers"]["dns_sd_configs"][0]["names"]
    assert set(names) == {"validator", "gpu-normalizer", "spark-runner", "analyzer"}
    assert jobs["sluice-workers"]["dns_sd_configs"][0]["port"] == 8081


def test_prometheus_scrapes_the_engines_own_metrics(compose):
    """Each RabbitMQ node's rabbitmq_prometheus plugin (totals, and each queue's depth from
    the detailed endpoint) and both PostgreSQL data nodes through the one exporter's
    multi-target endpoint."""
    services = compose["services"]
    plugins_file = "infra/rabbitmq/enabled_plugins"
    for name in RABBITMQ_NODES:
        assert mounts(services[name]).get(plugins_file) == "/etc/rabbitmq/enabled_plugins", name
    plugins = (REPO / plugins_file).read_text().strip()
    assert plugins.startswith("[") and plugins.endswith("].")
    assert "rabbitmq_prometheus" in plugins[1:-2].split(","), plugins
    exporter = services["pg-exporter"]
    image, _, tag = exporter["image"].rpartition(":")
    assert image == "quay.io/prometheuscommunity/postgres-exporter" and tag not in ("", "latest"), "a pinned tag"
    assert "ports" not in exporter, "reached by Prometheus only"

    source = services["prometheus"]["volumes"][0].split(":")[0]
    jobs = {job["job_name"]: job for job in yaml.safe_load((REPO / source).read_text())["scrape_configs"]}
    plugin_targets = [f"{node}:15692" for node in RABBITMQ_NODES]
    assert jobs["rabbitmq"]["static_configs"][0]["targets"] == plugin_targets
    queues = jobs["rabbitmq-queues"]
    assert queues["static_configs"][0]["targets"] == plugin_targets
    assert queues["metrics_path"] == "/metrics/detailed" and "queue_coarse_metrics" in queues["params"]["family"]
    postgres = jobs["postgres"]
    assert postgres["metrics_path"] == "/probe"
    assert postgres["static_configs"][0]["targets"] == [f"{node}:5432" for node in POSTGRES_NODES]
    rules = {rule["target_label"]: rule for rule in postgres["relabel_configs"]}
    assert rules["__address__"]["replacement"] == "pg-exporter:9187"
    target = urlsplit(rules["__param_target"]["replacement"])
    database = urlsplit(services["analyzer"]["environment"]["SLUICE_DATABASE_URL"])
    assert (target.username, target.path) == (database.username, database.path), "the services' role and database"
