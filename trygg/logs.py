"""Logging that never records a reporter.

Reporter routes (`/r/...`) and the exercise's participant routes (`/x/...`) are dropped
from access logs, and no access line carries a
client address (the development server puts it first; gunicorn's format is set in
gunicorn.conf.py).

Errors are logged too, and an error during a reporter request would otherwise say which
route failed and when, to the millisecond: next to the database that singles a reporter
out. So every log record made while a reporter request is being handled (whatever logger
makes it), and every record that mentions a reporter route, is scrubbed before any handler
sees it: the path becomes "<reporter route>", the time is the start of the day, and an
exception keeps its type and stack frames (code locations only) but not its message (which
may quote a statement). SQLAlchemy's parameters are never logged at all
(`hide_parameters=True`, trygg.database.engine_options).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

# Reporter routes, the exercise's participant routes (/x/, same rules), and links whose
# token or join code must not outlive its use in a log (invitations, exercise sessions).
REPORTER_MARKERS = ("/r/", "/api/v1/r/", "/invite/", "/x/", "/exercises/")
_ADDRESS_PREFIX = re.compile(r"^\S+ - - \[[^\]]*\] ")
_REPORTER_PATH = re.compile(r"(?:https?://[^\s/]+)?(?:/api/v1)?/(?:r|invite)/[^\s\"'\]\)]*")
HIDDEN = "<reporter route>"
_SCRUBBED = "trygg_scrubbed"


class DropReporterRoutes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(marker in message for marker in REPORTER_MARKERS)


class DropAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _ADDRESS_PREFIX.sub("", record.msg)
        return True


def in_reporter_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.path.startswith(REPORTER_MARKERS)


def _mentions_reporter_route(record: logging.LogRecord) -> bool:
    try:
        message = record.getMessage()
    except Exception:
        return True
    return any(marker in message for marker in REPORTER_MARKERS)


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Take the path, the time of day and any exception message out of a record."""
    if getattr(record, _SCRUBBED, False):
        return record
    try:
        message = record.getMessage()
    except Exception:
        message = str(record.msg)
    record.msg, record.args = _REPORTER_PATH.sub(HIDDEN, message), ()
    day = float(int(record.created) // 86400 * 86400)
    record.created, record.msecs, record.relativeCreated = day, 0.0, 0.0
    if record.exc_info:
        kind, _, tb = record.exc_info
        name = "" if kind is None else f"{kind.__module__}.{kind.__qualname__}"
        frames = "".join(traceback.format_tb(tb)) if tb is not None else ""
        record.exc_text = f"Traceback (most recent call last):\n{frames}{name} (message withheld)"
        record.exc_info = None
    record.stack_info = None
    setattr(record, _SCRUBBED, True)
    return record


class HideReporterRequests(logging.Filter):
    """Scrub records made during a reporter request or mentioning a reporter route."""

    def filter(self, record: logging.LogRecord) -> bool:
        if in_reporter_request() or _mentions_reporter_route(record):
            scrub(record)
        return True


def _install_record_factory() -> None:
    """Scrub at creation, so that records of any logger (a module's own, SQLAlchemy's,
    Python's last-resort handler) are covered, not only those of the loggers we filter."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _SCRUBBED, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if in_reporter_request():
            scrub(record)
        return record

    setattr(factory, _SCRUBBED, True)
    logging.setLogRecordFactory(factory)


def _add_once(target: logging.Logger | logging.Handler, kind: type[logging.Filter]) -> None:
    if not any(isinstance(f, kind) for f in target.filters):
        target.addFilter(kind())


def install(app: Any = None) -> None:
    access = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropReporterRoutes) for f in access.filters):
        access.addFilter(DropReporterRoutes())
        access.addFilter(DropAddresses())
    _install_record_factory()
    from flask.logging import default_handler

    loggers = [logging.getLogger(), logging.getLogger("gunicorn.error"), access]
    if app is not None:
        loggers.append(app.logger)
    for logger in loggers:
        _add_once(logger, HideReporterRequests)
        for handler in logger.handlers:
            _add_once(handler, HideReporterRequests)
    _add_once(default_handler, HideReporterRequests)
