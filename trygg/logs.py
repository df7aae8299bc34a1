"""Logging that never records a reporter.

Reporter routes (`/r/...`) and the exercise's participant routes (`/x/...`) are dropped
from access logs, and no access line carries a client address (the development server
puts it first; gunicorn's format is set in gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re

# Reporter routes, the exercise's participant routes (/x/, same rules), and links whose
# token or join code must not outlive its use in a log (invitations, exercise sessions).
REPORTER_MARKERS = ("/r/", "/api/v1/r/", "/invite/", "/x/", "/exercises/")
_ADDRESS_PREFIX = re.compile(r"^\S+ - - \[[^\]]*\] ")


class DropReporterRoutes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(marker in message for marker in REPORTER_MARKERS)


class DropAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _ADDRESS_PREFIX.sub("", record.msg)
        return True


def install() -> None:
    access = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropReporterRoutes) for f in access.filters):
        access.addFilter(DropReporterRoutes())
        access.addFilter(DropAddresses())
