"""The cluster tests' test hosts (Tests/support/test_hosts.py, over infra/cluster.sh):
network namespaces on 198.18.0.0/24 joined by a bridge to nothing else, each with its
own name resolution and, if asked, CPU and memory caps. Each module makes its hosts,
runs real engines in their cluster forms on them, and removes everything at its end,
checking that nothing is left.

Needs root and network namespaces; elsewhere (a laptop, a container without
CAP_NET_ADMIN) every test is skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_hosts import Hosts, missing


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    why = missing()
    if why:
        pytest.skip(f"cluster tests skipped: {why}")
    made = Hosts(tmp_path_factory.mktemp("cluster-logs"))
    made.script("down")  # what an interrupted run may have left
    try:
        yield made
    finally:
        made.down()
