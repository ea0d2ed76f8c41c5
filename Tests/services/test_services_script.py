"""infra/services.sh on the services of `make run`. Supervised (the default), a worker
killed with SIGKILL comes back without a command. Bare (SLUICE_SUPERVISE=0), a service
killed with SIGKILL counts as stopped at once, even while it is a zombie that its parent
has not reaped, so that `start` starts it again; and the killed run's log is kept as
NAME.log.1.

Run by infra/test.sh in its `make run` step, with SLUICE_BIN_DIR naming the build the
services run from. This process makes itself a subreaper and reaps nothing until the end,
so each bare service it kills stays a zombie while `start` runs: the case that `kill -0`
took for a running service.
"""
import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOME = Path(os.environ.get("SLUICE_HOME", REPO / ".sluice")).resolve()
SERVICES = ["validator", "gpu-normalizer", "spark-runner", "analyzer", "gateway"]
PR_SET_CHILD_SUBREAPER = 36


def services_sh(*arguments: str, supervise: bool = True) -> str:
    env = dict(os.environ, SLUICE_SUPERVISE="1" if supervise else "0")
    result = subprocess.run([str(REPO / "infra" / "services.sh"), *arguments], capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, f"services.sh {' '.join(arguments)}: {result.stdout}{result.stderr}"
    return result.stdout + result.stderr


def pid_of(name: str) -> int:
    return int((HOME / "run" / f"{name}.pid").read_text())


def state(pid: int) -> str | None:
    """The process's state letter (R, S, Z, …), None when there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return None


def test_a_bare_service_killed_with_sigkill_is_started_again_at_once_and_its_log_is_kept() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0, os.strerror(ctypes.get_errno())
    # Started from here, the services' parent (services.sh) exits and they become this process's children.
    services_sh("stop")
    services_sh("start", supervise=False)
    try:
        for name in SERVICES:
            old = pid_of(name)
            log = HOME / "logs" / f"{name}.log"
            killed_run = log.read_text()
            os.kill(old, signal.SIGKILL)
            # Unreaped, it stays a zombie: the process is dead, /proc still shows it.
            os.waitid(os.P_PID, old, os.WEXITED | os.WNOWAIT)
            assert state(old) == "Z"

            output = services_sh("start", supervise=False)

            assert f"{name} already running" not in output, output
            assert f"started {name}" in output, output
            new = pid_of(name)
            assert new != old and state(new) not in (None, "Z")
            assert (HOME / "logs" / f"{name}.log.1").read_text() == killed_run
            assert not log.read_text().startswith(killed_run)
            assert services_sh("status").count("running") == len(SERVICES)
    finally:
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG) == (0, 0):
                    break
            except ChildProcessError:
                break


def test_a_supervised_worker_killed_with_sigkill_comes_back_by_itself_and_stop_ends_its_supervisor() -> None:
    services_sh("stop")
    services_sh("start")
    supervisors = {name: int((HOME / "run" / f"{name}.pid.supervisor").read_text()) for name in SERVICES}
    assert all(state(pid) not in (None, "Z") for pid in supervisors.values())
    old = pid_of("validator")
    os.kill(old, signal.SIGKILL)
    # Its supervisor starts it again after a second's pause; the new run says it consumes again.
    log = HOME / "logs" / "validator.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text()
        restart = text.find("supervise: ")
        if restart >= 0 and "consuming" in text[restart:]:
            break
        time.sleep(0.5)  # the log is a file: polled, bounded by the deadline
    text = log.read_text()
    assert f"(pid {old}) exited with status 137; starting it again in 1 s" in text, text[-2000:]
    new = pid_of("validator")
    assert new != old and state(new) not in (None, "Z")
    assert "consuming" in text[text.find("supervise: "):]
    assert services_sh("status").count("running") == len(SERVICES)

    services_sh("stop")
    assert all(state(pid) in (None, "Z") for pid in [*supervisors.values(), new])
    assert not list((HOME / "run").glob("*.supervisor"))
    services_sh("start")
