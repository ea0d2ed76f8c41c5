"""Test hosts on this machine (infra/cluster.sh) as the cluster tests use them: make
them, run commands in them, start engines in them, and remove them, checking that
nothing of them is left."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "infra" / "cluster.sh"
SPARK_STANDALONE = REPO / "infra" / "spark-standalone.sh"


def missing() -> str | None:
    """Why this machine cannot make test hosts, or None when it can."""
    if os.geteuid() != 0:
        return "test hosts need root (network namespaces, a bridge, cgroups)"
    for tool in ("ip", "unshare"):
        if shutil.which(tool) is None:
            return f"test hosts need '{tool}'"
    if subprocess.run(["ip", "netns", "list"], capture_output=True).returncode != 0:
        return "this machine cannot make network namespaces ('ip netns list' fails)"
    return None


class Hosts:
    """The test hosts of one run: `up`, `run` and `start` in a host, and `down`."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []
        self.made: list[str] = []

    def script(self, *arguments: str, env: dict[str, str] | None = None) -> str:
        """Runs infra/cluster.sh with `arguments`; returns its output, failing the test on a non-zero exit."""
        done = subprocess.run([str(CLUSTER), *arguments], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, f"cluster.sh {' '.join(arguments)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        return done.stdout

    def up(self, *names: str, **caps: str) -> None:
        """Makes hosts; `caps` are SLUICE_CLUSTER_* settings (CPU="0.2", MEMORY_MB="512")."""
        env = os.environ | {f"SLUICE_CLUSTER_{key}": value for key, value in caps.items()}
        self.script("up", *names, env=env)
        self.made += [name for name in names if name not in self.made]

    def names(self) -> list[str]:
        """The hosts made so far, in the order they were made."""
        return list(self.made)

    def address(self, name: str) -> str:
        return self.script("address", name).strip()

    def prefix(self, name: str) -> list[str]:
        """The command prefix that runs a command in host `name`."""
        return [str(CLUSTER), "exec", name]

    def run(self, name: str, *command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Runs `command` in host `name` to its end."""
        return subprocess.run([*self.prefix(name), *command], capture_output=True, text=True, timeout=timeout)

    def start(self, name: str, *command: str, log: str) -> subprocess.Popen[bytes]:
        """Starts `command` in host `name` in the background, its output in logs/`log`."""
        with (self.logs / log).open("wb") as output:
            process = subprocess.Popen([*self.prefix(name), *command], stdout=output, stderr=subprocess.STDOUT)
        self.started.append(process)
        return process

    def pids(self, name: str) -> list[int]:
        """The processes running in host `name`."""
        listed = subprocess.run(["ip", "netns", "pids", f"sluice-{name}"], capture_output=True, text=True)
        return [int(pid) for pid in listed.stdout.split()]

    def down(self) -> None:
        """Removes every host and checks that nothing of them is left."""
        self.script("down")
        for process in self.started:
            process.wait(timeout=30)
        left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert "sluice-" not in left, f"namespaces left after down: {left}"
        links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
        assert "sluice-br0" not in links and " sl-" not in links, f"links left after down:\n{links}"
        for cgroup in ("/sys/fs/cgroup/sluice", "/sys/fs/cgroup/cpu/sluice", "/sys/fs/cgroup/memory/sluice"):
            assert not Path(cgroup).exists(), f"{cgroup} left after down"
        assert not list(Path("/etc/netns").glob("sluice-*")), "hosts files left after down"
