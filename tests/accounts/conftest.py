"""Helpers for the accounts tests."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from accounts import invitations


@pytest.fixture()
def invite(db_session: Session) -> Any:
    """invite(org, email, role, **kw) -> token, committed like the app would."""

    def make(org: Any, email: str, role: str, **kw: Any) -> str:
        token = invitations.create(db_session, org, email, role, **kw)
        db_session.flush()
        return token

    return make


def sign_in_with_code(client: FlaskClient, person: Any, password: str) -> None:
    """Password, then the current TOTP code (for people whose secret the test knows)."""
    response = client.post("/login", data={"email": person.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post("/login/code", data={"code": pyotp.TOTP(person.totp_secret_plain).now()})
    assert response.status_code == 302, response.get_data(as_text=True)


def enrol_secret(page: str) -> str:
    """The TOTP secret the enrolment page shows (the session holds it only sealed)."""
    import re

    found = re.search(r"data-totp-secret>([A-Z2-7]+)<", page)
    assert found, "no TOTP secret on the page"
    return found.group(1)


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))
