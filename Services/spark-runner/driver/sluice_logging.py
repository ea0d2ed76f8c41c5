"""The driver's diagnostics on stderr: the shared logger, its set-up (plain text, or
JSON lines with ``SLUICE_LOG_FORMAT=json``) and the one line logged per response."""

from __future__ import annotations

import datetime
import json
import logging
import os
import sys
from typing import Any

log = logging.getLogger("sluice.spark_driver")


class _JSONLinesFormatter(logging.Formatter):
    """One JSON object a line, as the Swift services write with SLUICE_LOG_FORMAT=json."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "label": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, sort_keys=True)


def configure_logging() -> None:
    """Log at INFO to stderr (py4j at WARNING), as JSON lines when ``SLUICE_LOG_FORMAT`` is ``json``."""
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("SLUICE_LOG_FORMAT") == "json":
        handler.setFormatter(_JSONLinesFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logging.getLogger("py4j").setLevel(logging.WARNING)


def log_response(response: dict[str, Any]) -> None:
    """One diagnostic line per request on stderr."""
    if response["ok"]:
        log.info(
            "request %s job %s: %d records, dataframe %.3fs%s%s",
            response["request_id"],
            response["job_id"],
            response["records"],
            response["dataframe"]["seconds"],
            f", rdd {response['rdd']['seconds']:.3f}s" if "rdd" in response else "",
            f" (batched: {response['batch']['jobs']} jobs, {response['batch']['records']} records)" if "batch" in response else "",
        )
    else:
        log.warning(
            "request %s job %s: %s: %s",
            response["request_id"],
            response["job_id"],
            response["error"]["kind"],
            response["error"]["message"],
        )
