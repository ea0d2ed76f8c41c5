"""The chaos tests' deployment: the five services as processes (Tests/support)."""
import pytest
from sluice_cluster import SERVICES, running_cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    settings = {
        # Short leases, so that a frozen worker's attempt is handed on within seconds.
        "SLUICE_LEASE_SECONDS": "3",
        # A short request timeout, so that the slow-client test waits seconds, not a minute.
        "SLUICE_REQUEST_TIMEOUT": "2",
    }
    with running_cluster(tmp_path_factory.mktemp("chaos"), "chaos", SERVICES, settings) as cluster:
        yield cluster
