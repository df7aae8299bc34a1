"""Access logs never name a reporter: no addresses, and no reporter routes at all."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

from trygg import logs


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, message, None, None)


def test_reporter_routes_are_dropped_and_addresses_removed() -> None:
    logs.install()
    logger = logging.getLogger("werkzeug")
    reporter = _record('1.2.3.4 - - [x] "GET /r/demo HTTP/1.1" 200 -')
    assert not all(f.filter(reporter) for f in logger.filters)
    phone = _record('1.2.3.4 - - [x] "POST /x/ABCDE12345/api/answers HTTP/1.1" 204 -')
    assert not all(f.filter(phone) for f in logger.filters)
    staff = _record('10.9.8.7 - - [26/Nov/2026 09:00:00] "GET /login HTTP/1.1" 200 -')
    assert all(f.filter(staff) for f in logger.filters)
    assert "10.9.8.7" not in staff.getMessage()
    assert staff.getMessage().startswith('"GET /login')


@pytest.mark.parametrize(
    ("path", "logged"),
    [("/r/demo", False), ("/r/demo/follow-up", False), ("/api/v1/r/demo/cases", False),
     ("/x/ABCDE12345", False), ("/x/ABCDE12345/api/answers", False),
     ("/orgs/demo/exercises/ABCDE12345/reveal", False), ("/orgs/demo/exercises", True),
     ("/login", True)],
)
def test_gunicorn_logger_skips_reporter_routes(
    path: str, logged: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gunicorn.glogging import Logger

    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    )
    assert spec and spec.loader
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert "%(h)s" not in conf.access_log_format and "%(a)s" not in conf.access_log_format
    calls: list[str] = []
    monkeypatch.setattr(Logger, "access", lambda self, *args: calls.append("logged"))
    logger = conf.PrivacyLogger.__new__(conf.PrivacyLogger)
    logger.access(None, None, {"PATH_INFO": path}, None)
    assert (calls == ["logged"]) is logged
