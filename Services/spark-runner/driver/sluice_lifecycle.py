"""The SparkSession's life: starting it with the driver's settings, asking whether it is
still alive, and stopping it promptly on SIGTERM or SIGINT or at the end."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from pyspark.sql import SparkSession

from sluice_logging import log
from sluice_protocol import describe

APP_NAME = "sluice-spark-runner"
STOP_TIMEOUT_SECONDS = 15.0

_SESSION_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # A job's aggregate is a few rows per category: adaptive execution's re-planning
    # after the shuffle costs more than it saves (make bench-spark, one window: DataFrame
    # at 25,000 records 0.255 -> 0.164 s), and two reduce partitions suffice.
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.adaptive.enabled": "false",
    # A batch reads up to a few hundred small files: listing them must not start a Spark
    # job of its own, as it does past 32 paths (make bench-spark --batch, 64 files:
    # 0.37 -> 0.16 s).
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
    # A large job's artifact is a few parts of up to 128 MiB: read as splits of that size,
    # 3 parts leave one of two cores idle through the last third (DataFrame on the
    # 10^7-record job's CSV artifact, one warm session: 7.7 -> 6.6 s). Parquet is split
    # at row groups, so this counts where a part holds several.
    "spark.sql.files.maxPartitionBytes": "32m",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.pyspark.fallback.enabled": "true",
}
# A local session needs no network interface: bind the driver to loopback.
_LOCAL_DEFAULTS = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
}


def start_session(master: str, extra_conf: list[tuple[str, str]]) -> SparkSession:
    """Create the one SparkSession this driver serves with (infra/bench/spark_table.py times this session too)."""
    local = master.startswith("local")
    # Python workers, local or on a cluster's executors, run this interpreter (same
    # version, same packages: hosts set up alike, from the image or the same venv path)
    # unless PYSPARK_PYTHON names another; Spark would otherwise run whatever `python3` is.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = _SESSION_DEFAULTS | (_LOCAL_DEFAULTS if local else {}) | dict(extra_conf)
    builder = SparkSession.builder.master(master).appName(APP_NAME)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    # The RDD pipeline's functions live in sluice_pipelines; ship that module to the executors.
    spark.sparkContext.addPyFile(str(Path(__file__).with_name("sluice_pipelines.py")))
    return spark


def session_alive(spark: SparkSession) -> bool:
    """True while the JVM answers and its SparkContext is not stopped."""
    try:
        return not spark.sparkContext._jsc.sc().isStopped()
    except Exception:  # noqa: BLE001 - any failure to ask means the session is gone
        return False


class Shutdown:
    """Turns SIGTERM and SIGINT into a prompt, orderly stop.

    The first signal is remembered, wakes the request reader through a
    self-pipe (``signal.set_wakeup_fd``), and stops the session on a thread
    of its own, so that a job in progress fails at once and its request is
    answered. The stop runs on its own Py4J connection, and no exception is
    ever raised into the main thread's Py4J calls, which would leave their
    connection out of step. A signal that arrives while the session is
    starting takes effect once it has started: interrupting PySpark while it
    launches the JVM can leave that JVM running without a parent.
    """

    def __init__(self) -> None:
        self.signal_name: str | None = None
        self._spark: SparkSession | None = None
        self._stopper: threading.Thread | None = None
        self.wake_fd, wake_write_fd = os.pipe()
        os.set_blocking(wake_write_fd, False)
        signal.set_wakeup_fd(wake_write_fd)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    @property
    def requested(self) -> bool:
        """Whether a stop signal has arrived."""
        return self.signal_name is not None

    def attach(self, spark: SparkSession) -> None:
        """From now on a signal stops this session (the caller checks ``requested`` afterwards).

        Also takes SIGINT back from the handler PySpark installs when its context starts.
        """
        self._spark = spark
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        """Remember the first signal and start stopping (runs on the main thread, between bytecodes)."""
        if self.signal_name is not None:
            return
        self.signal_name = signal.Signals(signum).name
        self._start_stopper()

    def _start_stopper(self) -> None:
        """Start stopping the session, once."""
        if self._stopper is None and self._spark is not None:
            self._stopper = threading.Thread(target=_stop_quietly, args=(self._spark,), name="spark-stop", daemon=True)
            self._stopper.start()

    def stop_session(self) -> None:
        """Stop the session if there is one, waiting at most ``STOP_TIMEOUT_SECONDS``.

        If the stop hangs the process exits anyway, and the JVM follows as
        soon as its stdin pipe from this process closes.
        """
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self._start_stopper()
        if self._stopper is not None:
            self._stopper.join(STOP_TIMEOUT_SECONDS)
            if self._stopper.is_alive():
                log.warning("the Spark session did not stop within %ss; exiting anyway", STOP_TIMEOUT_SECONDS)


def _stop_quietly(spark: SparkSession) -> None:
    """``spark.stop()``, tolerating a JVM that is already gone."""
    try:
        spark.stop()
    except Exception as exc:  # noqa: BLE001 - shutting down regardless
        log.warning("stopping the Spark session failed: %s", describe(exc))
