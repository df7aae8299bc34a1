"""Regression tests for findings of the security review."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from tests.conftest import make_config
from trygg import access, create_app
from trygg.extensions import db, rate_limit_key


@pytest.mark.parametrize(
    "target",
    ["/\\evil.example", "/\\/evil.example", "//evil.example", "https://evil.example",
     "/ok\r\nLocation: x", "javascript:alert(1)"],
)
def test_login_never_redirects_off_site(app: Flask, target: str) -> None:
    from accounts.views import _safe_next

    with app.test_request_context("/login"):
        assert _safe_next(target) == "/home"
        assert _safe_next("/orgs/demo/cases?state=received") == "/orgs/demo/cases?state=received"


def test_sqlite_enforces_foreign_keys(app: Flask, db_session: object) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL always enforces foreign keys")
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_invitation_links_are_not_logged() -> None:
    import logging

    from trygg import logs

    logs.install()
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '"GET /invite/abcdef HTTP/1.1" 200 -', None, None
    )
    assert not all(f.filter(record) for f in logging.getLogger("werkzeug").filters)


def _app_showing_limit_key(tmp_path: Path, **changes: object) -> Flask:
    application = create_app(make_config(f"sqlite:///{tmp_path / 'p.db'}", tmp_path, **changes))

    @application.get("/_limit_key")
    @access.public
    def limit_key() -> str:
        return rate_limit_key()

    return application


def _key_for(application: Flask, forwarded_for: str) -> str:
    response = application.test_client().get(
        "/_limit_key",
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    return response.get_data(as_text=True)


def test_behind_a_proxy_each_client_gets_its_own_limit_key(tmp_path: Path) -> None:
    proxied = _app_showing_limit_key(tmp_path, proxy_hops=1)
    assert _key_for(proxied, "203.0.113.5") != _key_for(proxied, "198.51.100.7")
    assert "203.0.113.5" not in _key_for(proxied, "203.0.113.5")


def test_without_a_proxy_forwarded_headers_are_ignored(tmp_path: Path) -> None:
    direct = _app_showing_limit_key(tmp_path)
    assert _key_for(direct, "203.0.113.5") == _key_for(direct, "198.51.100.7")


def _key_from(application: Flask, address: str) -> str:
    response = application.test_client().get("/_limit_key", environ_base={"REMOTE_ADDR": address})
    return response.get_data(as_text=True)


def test_an_ipv6_network_is_one_client_for_rate_limits(tmp_path: Path) -> None:
    """One subscriber's /64 used to count as 2^64 clients."""
    app64 = _app_showing_limit_key(tmp_path)
    assert _key_from(app64, "2001:db8:1:2::1") == _key_from(app64, "2001:db8:1:2:ffff::9")
    assert _key_from(app64, "2001:db8:1:2::1") != _key_from(app64, "2001:db8:1:3::1")
    assert _key_from(app64, "203.0.113.5") != _key_from(app64, "203.0.113.6")
    assert _key_from(app64, "::ffff:203.0.113.5") == _key_from(app64, "203.0.113.5")
    app56 = _app_showing_limit_key(tmp_path, ratelimit_ipv6_prefix=56)
    assert _key_from(app56, "2001:db8:1:2::1") == _key_from(app56, "2001:db8:1:3::1")
    assert _key_from(app56, "2001:db8:1:2::1") != _key_from(app56, "2001:db8:1:200::1")


def test_rate_limits_use_a_moving_window(tmp_path: Path) -> None:
    """A fixed window allowed two limits' worth in a moment at a window's boundary."""
    from limits.strategies import MovingWindowRateLimiter

    application = _app_showing_limit_key(tmp_path)
    with application.app_context():
        from trygg.extensions import limiter

        assert isinstance(limiter.limiter, MovingWindowRateLimiter)
