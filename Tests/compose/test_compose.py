"""compose.yaml: valid against the Compose Specification, and wired the way Sluice needs.

Run with the project's venv (infra/test.sh does):
    .sluice/venv/bin/python -m pytest -q Tests/compose

The Compose Specification's JSON schema is an optional extra: <repo>/../shared/schemas/compose-spec.json,
or wherever SLUICE_COMPOSE_SCHEMA points. Without it, the schema check is skipped and says so
(run pytest with -rs to see the reason); every other check here still runs.
"""

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "compose.yaml"
SCHEMA_FILE = Path(
    os.environ.get("SLUICE_COMPOSE_SCHEMA", REPO.parent / "shared" / "schemas" / "compose-spec.json")
)
SLUICE_SERVICES = ["gateway", "validator", "gpu-normalizer", "spark-runner", "analyzer"]


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
    assert env["SLUICE_AMQP_URL"].startswith("amqp://") and "@rabbitmq:5672/" in env["SLUICE_AMQP_URL"]
    assert env["SLUICE_DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["SLUICE_DATABASE_URL"]
    assert env["SLUICE_ARTIFACT_DIR"] == "/data/artifacts"
    assert "artifacts:/data/artifacts" in service["volumes"]
    for dependency in ("rabbitmq", "postgres"):
        assert service["depends_on"][dependency]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", SLUICE_SERVICES)
def test_service_can_scale(compose, name):
    service = compose["services"][name]
    assert "container_name" not in service
    if name != "gateway":
        assert "ports" not in service, f"{name} publishes host ports, so it cannot be scaled"


def test_gateway_publishes_8080(compose):
    assert any(str(p).endswith("8080:8080") for p in compose["services"]["gateway"]["ports"])


@pytest.mark.parametrize("name", ["rabbitmq", "postgres"])
def test_servers_have_healthchecks(compose, name):
    test = compose["services"][name]["healthcheck"]["test"]
    assert test, f"{name} has an empty healthcheck"


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
    assert jobs["sluice-gateway"]["static_configs"][0]["targets"] == ["gateway:8080"]
    # Workers by DNS, so that every replica of a scaled service is scraped.
    names = jobs["sluice-workers"]["dns_sd_configs"][0]["names"]
    assert set(names) == {"validator", "gpu-normalizer", "spark-runner", "analyzer"}
    assert jobs["sluice-workers"]["dns_sd_configs"][0]["port"] == 8081
