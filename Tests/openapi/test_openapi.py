"""Property-based contract check: schemathesis generates requests from the gateway's
OpenAPI document and checks that every answer is one the document allows: no 5xx, a
documented status, content type, headers and body schema.

The schema is read from the file (Services/gateway/openapi.yaml) when the module loads,
because schemathesis' lazy `from_fixture` loader does not work with pytest 9; the first
test checks that the gateway serves exactly that file."""
import urllib.request

import hypothesis
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sluice_cluster import REPO

DOCUMENT = REPO / "Services" / "gateway" / "openapi.yaml"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Bounded: at most this many examples for each of the 11 operations, each answered
# within the deadline.
MAX_EXAMPLES = 30
DEADLINE_MS = 5_000


@schemathesis.serializer("application/x-ndjson")
def ndjson(_context, value):
    """The document describes an NDJSON body as a string (its lines); send it as it is."""
    return value.encode() if isinstance(value, str) else None


schema = schemathesis.openapi.from_path(DOCUMENT)


def test_the_gateway_serves_the_document(gateway):
    with urllib.request.urlopen(f"{gateway.url}/openapi.yaml", timeout=10) as response:
        assert response.headers["Content-Type"] == "application/yaml"
        assert response.read() == DOCUMENT.read_bytes()


@schema.parametrize()
@hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=DEADLINE_MS)
def test_every_answer_is_one_the_document_allows(case, gateway):
    case.call_and_validate(
        base_url=gateway.url, headers={"Authorization": f"Bearer {gateway.api_key}"}, checks=CHECKS, timeout=10
    )
