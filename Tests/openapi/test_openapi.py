"""Property-based contract check: schemathesis generates requests from the gateway's
OpenAPI document, ones that fit it and ones that break it, and checks that every answer
is one the document allows: no 5xx, a refusal (4xx) for a request that breaks it, a
documented status, content type, headers and body schema. Operation by operation with
generated requests, then along one job's life with chosen ones.

The schema is read from the file (Services/gateway/openapi.yaml) when the module loads,
because schemathesis' lazy `from_fixture` loader does not work with pytest 9; the first
test checks that the gateway serves exactly that file."""
import urllib.request

import hypothesis
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sluice_cluster import REPO

DOCUMENT = REPO / "Services" / "gateway" / "openapi.yaml"
CHECKS = [
    not_a_server_error,
    negative_data_rejection,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Bounded: at most this many examples for each of the 11 operations, each answered
# within the deadline.
MAX_EXAMPLES = 60
DEADLINE_MS = 5_000


@schemathesis.serializer("application/x-ndjson")
def ndjson(_context, value):
    """The document describes an NDJSON body as a string (its lines); send it as it is."""
    return value.encode() if isinstance(value, str) else None


# Positive and negative examples for each operation.
schema = schemathesis.openapi.from_path(DOCUMENT, config=SchemathesisConfig.from_dict({"generation": {"mode": "all"}}))


def test_the_gateway_serves_the_document(gateway):
    with urllib.request.urlopen(f"{gateway.url}/openapi.yaml", timeout=10) as response:
        assert response.headers["Content-Type"] == "application/yaml"
        assert response.read() == DOCUMENT.read_bytes()


def call_options(gateway):
    # Longer than the gateway's own publish timeout (10 s), so that its 503 can arrive.
    return {"base_url": gateway.url, "headers": {"Authorization": f"Bearer {gateway.api_key}"}, "timeout": 20}


@schema.parametrize()
@hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=DEADLINE_MS)
def test_every_answer_is_one_the_document_allows(case, gateway):
    options = call_options(gateway)
    # A case made to break the document by leaving out the required Authorization header
    # goes without one: adding the key would mend it, and the gateway rightly accept it.
    if "Authorization" not in (case.headers or {}):
        del options["headers"]["Authorization"]
    case.call_and_validate(checks=CHECKS, **options)


def test_answers_about_a_real_job_fit_the_document(gateway):
    """Random ids name no job; here each job route answers about real ones, in the
    order a client meets them. The events stream is read once the job is cancelled,
    when it ends at once (a queued job's stream would never end here)."""

    def call(method, path, status, **case):
        response = schema[path][method].Case(**case).call_and_validate(checks=CHECKS, **call_options(gateway))
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        return response

    record = {"id": 1, "value": 2.5, "category": "A"}
    first = call("POST", "/api/v1/jobs", 202, body={"data": [record]}, media_type="application/json")
    job = call("POST", "/api/v1/jobs", 202, body="id,value,category\n1,2.5,A\n", media_type="text/csv",
               query={"on_invalid": "drop"}, headers={"Idempotency-Key": "openapi-1"}).json()["job_id"]
    assert call("GET", "/api/v1/jobs", 200, query={"limit": 1}).json()["next_cursor"] == job
    call("GET", "/api/v1/jobs", 200, query={"limit": 1, "cursor": job, "status": "queued"})
    call("GET", "/api/v1/jobs/{id}", 200, path_parameters={"id": job})
    call("GET", "/api/v1/jobs/{id}/results", 409, path_parameters={"id": job})
    call("POST", "/api/v1/jobs/{id}/retry", 409, path_parameters={"id": job})
    call("POST", "/api/v1/jobs/{id}/cancel", 200, path_parameters={"id": job})
    call("POST", "/api/v1/jobs/{id}/cancel", 409, path_parameters={"id": job})
    call("GET", "/api/v1/jobs/{id}", 200, path_parameters={"id": job})
    assert "event: end" in call("GET", "/api/v1/jobs/{id}/events", 200, path_parameters={"id": job}).text
    call("POST", "/process", 202, body={"data": [record]}, media_type="application/json", query={"wait": 0})
    assert first.headers["location"] == [f"/api/v1/jobs/{first.json()['job_id']}"]
