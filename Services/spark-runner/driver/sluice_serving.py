"""Serving the protocol: keeping stdout for protocol lines, reading request lines from stdin
(stopping early on a stop signal), answering up to ``--concurrency`` of them at once on a
thread pool, and writing their responses."""

from __future__ import annotations

import os
import selectors
import sys
import threading
from concurrent import futures
from typing import TextIO

from pyspark.sql import SparkSession

from sluice_lifecycle import Shutdown, session_alive
from sluice_logging import log, log_response
from sluice_protocol import emit
from sluice_requests import serve_line


def claim_stdout() -> TextIO:
    """Keep the original stdout for protocol lines and point descriptor 1 at stderr.

    The JVM that PySpark launches, and the Python workers it forks, inherit
    descriptor 1, so after this nothing but the returned stream reaches the
    parent's stdout pipe.
    """
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1)


class _LineReader:
    """Request lines from standard input that stop early once one of the wake-up pipes is readable."""

    def __init__(self, fd: int, *wake_fds: int) -> None:
        self._fd = fd
        self._wake_fds = set(wake_fds)
        self._selector = selectors.DefaultSelector()
        for watched in (fd, *wake_fds):
            self._selector.register(watched, selectors.EVENT_READ)
        self._buffer = b""

    def next_line(self) -> bytes | None:
        """The next line without its newline, or None at end of input or on a wake-up."""
        while b"\n" not in self._buffer:
            ready = {key.fd for key, _ in self._selector.select()}
            if ready & self._wake_fds:
                return None
            chunk = os.read(self._fd, 65536)
            if not chunk:
                line, self._buffer = self._buffer, b""
                return line or None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line


def serve(spark: SparkSession, reader_fd: int, protocol: TextIO, shutdown: Shutdown, concurrency: int = 1) -> int:
    """Answer request lines, up to ``concurrency`` at once, until end of input or a stop signal; return the exit status.

    Each line is answered on a thread of a pool; the next line is read once a
    thread is free. A line that finds the session gone, or that cannot be
    answered at all, ends the serving with status 1: the lines in progress are
    answered, the rest are left unread (the service fails them and starts a new
    driver).
    """
    broken_read_fd, broken_write_fd = os.pipe()
    reader = _LineReader(reader_fd, shutdown.wake_fd, broken_read_fd)
    room = threading.Semaphore(concurrency)
    emitting = threading.Lock()
    broken = threading.Event()

    def answer(raw: bytes) -> None:
        try:
            healthy = _answer_line(spark, raw, protocol, shutdown, emitting)
            if not healthy:
                log.error("the Spark session is gone; exiting")
        except Exception:  # noqa: BLE001 - its requests would wait forever: end the driver instead
            log.exception("a request line could not be answered; exiting")
            healthy = False
        try:
            if not healthy:
                broken.set()
                os.write(broken_write_fd, b"x")
        finally:
            room.release()

    with futures.ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sluice-serve") as pool:
        while room.acquire() and not (broken.is_set() or shutdown.requested) and (raw := reader.next_line()) is not None:
            if raw.strip():
                pool.submit(answer, raw)
            else:
                room.release()
    os.close(broken_read_fd)
    os.close(broken_write_fd)
    return 1 if broken.is_set() else 0


def _answer_line(spark: SparkSession, raw: bytes, protocol: TextIO, shutdown: Shutdown, emitting: threading.Lock) -> bool:
    """Answer one request line; False when a request failed in Spark because the session is gone."""
    failed_in_spark = False
    responses = serve_line(spark, raw)
    with emitting:
        for response in responses:
            if not response["ok"] and response["error"]["kind"] == "spark_error":
                failed_in_spark = True
                if shutdown.requested:
                    response["error"]["message"] = f"cancelled: the driver is stopping ({shutdown.signal_name})"
            emit(protocol, response)
            log_response(response)
    return not failed_in_spark or shutdown.requested or session_alive(spark)
