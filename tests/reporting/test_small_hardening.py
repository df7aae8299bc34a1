"""Smaller findings of the security review: caching of the receipt login, a forced
sign-out, and what the staff session cookie says about the address."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from reporting import guard
from tests.reporting import support
from tests.reporting.conftest import Org
from tests.reporting.test_followup import login_js, reported  # noqa: F401


def test_receipt_login_responses_are_never_cached(
    client: FlaskClient, org: Org, reported: support.Sealed,  # noqa: F811
) -> None:
    response = client.post(f"/r/{org.slug}/api/session",
                           json={"lookup_token": support.b64(reported.keys.lookup_token)})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_signed_in_reporter_is_signed_out_only_by_our_own_form(
    app: Flask, client: FlaskClient, org: Org, reported: support.Sealed,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = login_js(client, org, reported)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/r/{org.slug}/follow-up/sign-out"
    # Another site's form cannot sign the reporter out (it has no token).
    assert client.post(url, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 400
    assert client.get_cookie(guard.COOKIE, path=guard.cookie_path(org)) is not None
    response = client.post(url, data={"form_token": token},
                           headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 303
    assert client.get_cookie(guard.COOKIE, path=guard.cookie_path(org)) is None


def test_the_staff_session_cookie_holds_no_hash_of_the_address(
    app: Flask, client: FlaskClient, factory: Any, login_as: Any, db_session: Session,
) -> None:
    import hashlib

    from itsdangerous import URLSafeTimedSerializer

    person = factory.person(factory.org(), "leader")
    login_as(person)
    cookie = client.get_cookie("session")
    assert cookie is not None
    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
        assert isinstance(serializer, URLSafeTimedSerializer)
        readable = serializer.loads_unsafe(cookie.value)[1]
    agent = client.environ_base.get("HTTP_USER_AGENT", "")
    # Flask-Login's default: sha512 of "address|agent", readable by anyone with the cookie.
    default = hashlib.sha512(f"127.0.0.1|{agent}".encode()).hexdigest()
    assert readable.get("_id") != default
    assert app.login_manager.session_protection == "basic"  # type: ignore[attr-defined]
