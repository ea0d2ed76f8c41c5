"""The gateway alone as a process (Tests/support). No worker runs: submitted jobs stay
queued, which is all a contract check needs, and `POST /process` answers 202 once its
short wait runs out."""
import pytest
from sluice_cluster import running_cluster


@pytest.fixture(scope="session")
def gateway(tmp_path_factory):
    settings = {
        # Jobs never finish here, so /process waits out its whole wait: keep it short.
        # A longer ?wait= is refused (400 invalid_parameter), as the document allows.
        "SLUICE_PROCESS_WAIT": "0.2",
        "SLUICE_PROCESS_MAX_WAIT": "0.5",
        # The check sends hundreds of requests a minute with one key.
        "SLUICE_RATE_LIMIT": "100000",
        "SLUICE_RATE_BURST": "100000",
    }
    with running_cluster(tmp_path_factory.mktemp("openapi"), "openapi", ["gateway"], settings) as cluster:
        yield cluster
