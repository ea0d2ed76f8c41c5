"""The chaos tests' deployment: the five services as processes (Tests/support), with
short leases and request timeouts so that frozen workers and slow clients take seconds."""
import pytest
from sluice_cluster import SERVICES, running_cluster

SETTINGS = {
    # Short leases, so that a frozen worker's attempt is handed on within seconds.
    "SLUICE_LEASE_SECONDS": "3",
    # A worker frozen mid-transaction holds its row locks only this long, not for the
    # whole freeze: the server ends its session, and the replica can claim the job.
    "SLUICE_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT": "5",
    # A short request timeout, so that the slow-client test waits seconds, not a minute.
    "SLUICE_REQUEST_TIMEOUT": "2",
    # JSON lines, so that the tests can follow a job's trace id through every log.
    "SLUICE_LOG_FORMAT": "json",
}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_cluster(tmp_path_factory.mktemp("chaos"), "chaos", SERVICES, SETTINGS) as cluster:
        yield cluster
