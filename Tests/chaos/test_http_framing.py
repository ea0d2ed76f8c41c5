"""The gateway's HTTP/1.1 framing against a raw socket: malformed chunked bodies, short
bodies, unknown transfer and content codings, and many headers are the client's errors
(4xx, or 501 for a transfer coding it does not implement), never a 5xx of the gateway's
own; nothing is stored from them, no error-level line is logged, and the gateway keeps
serving. Then a few thousand generated mutations of a valid request, with the same
promises.

Run by `make test` (infra/test.sh) with the chaos suite, against the gateway alone."""
import json
import random
import socket

import psycopg
import pytest
from sluice_cluster import running_cluster

BODY = b'{"data": [{"id": 1, "value": 10.5, "category": "A"}, {"id": 2, "value": 20.3, "category": "B"}]}'
# Headers past this many make the request 431; the gateway states it (README, "Limits").
HEADER_LIMIT = 100


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    settings = {"SLUICE_LOG_FORMAT": "json", "SLUICE_REQUEST_TIMEOUT": "2", "SLUICE_RATE_LIMIT": "100000", "SLUICE_RATE_BURST": "100000"}
    with running_cluster(tmp_path_factory.mktemp("framing"), "framing", ["gateway"], settings) as cluster:
        yield cluster


def exchange(cluster, raw: bytes, half_close: bool = True) -> bytes:
    """Sends `raw` on a new connection, ends the sending side, and returns what comes back until the server closes."""
    with socket.create_connection(("127.0.0.1", cluster.port), timeout=15) as client:
        client.sendall(raw)
        if half_close:
            client.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := client.recv(65536):
                received += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        return received


def head(cluster, extra: str = "", *, path: str = "/api/v1/jobs") -> str:
    return (f"POST {path} HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {cluster.api_key}\r\nConnection: close\r\n{extra}")


def status_of(answer: bytes) -> int | None:
    """The status code of the first response, None when the server answered nothing."""
    if not answer.startswith(b"HTTP/1.1 "):
        return None
    return int(answer[9:12])


def chunked(pieces: list[bytes]) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def jobs(cluster) -> int:
    with psycopg.connect(cluster.database_url) as db:
        return db.execute("SELECT count(*) FROM jobs").fetchone()[0]


def error_lines(cluster) -> list[str]:
    lines = (cluster.logs / "gateway.log").read_text().splitlines()
    return [line for line in lines if line.startswith("{") and json.loads(line).get("level") in ("error", "critical")]


def serving(cluster) -> bool:
    return status_of(exchange(cluster, b"GET /health HTTP/1.1\r\nHost: sluice\r\nConnection: close\r\n\r\n")) == 200


# name: (raw request after the common head, the statuses that may answer it, whether the
# answer has the JSON error body). A request whose head is malformed never reaches a
# route: Hummingbird answers it 400 with an empty body and closes the connection.
CASES = {
    "chunk size that is not hex": (b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + BODY + b"\r\n0\r\n\r\n", {400}, True),
    "negative chunk size": (b"Transfer-Encoding: chunked\r\n\r\n-1\r\n" + BODY + b"\r\n0\r\n\r\n", {400}, True),
    "chunk size past 64 bits": (b"Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n" + BODY + b"\r\n0\r\n\r\n", {400}, True),
    "chunk longer than its size": (b"Transfer-Encoding: chunked\r\n\r\n5\r\n" + BODY + b"\r\n0\r\n\r\n", {400}, True),
    "chunk shorter than its size, then the end": (b"Transfer-Encoding: chunked\r\n\r\nfff\r\n" + BODY, {400}, True),
    "chunks without the last one": (b"Transfer-Encoding: chunked\r\n\r\n" + chunked([BODY])[:-5], {400}, True),
    "Content-Length longer than the body": (b"Content-Length: %d\r\n\r\n" % (len(BODY) + 50) + BODY, {400}, True),
    "Transfer-Encoding gzip, chunked (a plain body)": (b"Transfer-Encoding: gzip, chunked\r\n\r\n" + chunked([BODY]), {501}, True),
    "Content-Encoding gzip (a plain body)": (b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY, {415}, True),
    "headers past the limit": ("".join(f"X-Extra-{n}: {n}\r\n" for n in range(HEADER_LIMIT + 1)).encode()
                               + b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY, {431}, True),
    "Transfer-Encoding xchunked": (b"Transfer-Encoding: xchunked\r\n\r\n" + chunked([BODY]), {400, 501}, False),
    "both Content-Length and chunked": (b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked([BODY]), {400}, False),
    "a header line without a colon": (b"Broken header\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY, {400}, False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_malformed_request_is_the_clients_error(gateway, name):
    raw, statuses, json_body = CASES[name]
    before = jobs(gateway)
    answer = exchange(gateway, head(gateway).encode() + raw)
    assert status_of(answer) in statuses, (name, answer[:300])
    if json_body:
        assert b'"error"' in answer.partition(b"\r\n\r\n")[2], answer[:300]
    assert jobs(gateway) == before
    assert serving(gateway)
    assert error_lines(gateway) == []


def test_headers_up_to_the_limit_are_read(gateway):
    extra = "".join(f"X-Extra-{n}: {n}\r\n" for n in range(HEADER_LIMIT - 10))
    answer = exchange(gateway, head(gateway, extra).encode() + b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY)
    assert status_of(answer) == 202, answer[:300]


def mutate(rng: random.Random, request: bytes) -> bytes:
    data = bytearray(request)
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        at = rng.randrange(len(data))
        choice = rng.randrange(5)
        if choice == 0:
            data[at] = rng.randrange(256)
        elif choice == 1:
            data[at:at] = rng.choice([b"\r\n", b"0", b"f", b"-", b" ", b":", b";ext=1", b"\r\n\r\n", b"Transfer-Encoding: chunked\r\n"])
        elif choice == 2:
            del data[at : at + rng.randint(1, 8)]
        elif choice == 3:
            del data[at:]
        else:
            data[at:at] = data[rng.randrange(len(data)) :][: rng.randint(1, 40)]
    return bytes(data)


def test_thousands_of_mutated_requests_get_no_5xx_and_store_only_what_was_accepted(gateway):
    rng = random.Random(20261207)
    plain = head(gateway).encode() + b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY
    with_chunks = head(gateway).encode() + b"Transfer-Encoding: chunked\r\n\r\n" + chunked([BODY[:40], BODY[40:]])
    before = jobs(gateway)
    accepted, statuses = 0, {}
    for index in range(3000):
        answer = exchange(gateway, mutate(rng, plain if index % 2 else with_chunks))
        status = status_of(answer)
        statuses[status] = statuses.get(status, 0) + 1
        assert status is None or status < 500 or status == 501, (index, answer[:300])
        accepted += status == 202
    print(f"\n3000 mutated requests: {dict(sorted(statuses.items(), key=str))}")
    assert jobs(gateway) == before + accepted
    assert serving(gateway)
    assert error_lines(gateway) == []
