"""With CSRF on, as in production: a forged or stale form changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pyotp
from flask import Flask

from tests.conftest import PASSWORD, make_org, make_person, new_key


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _sign_in(client: Any, email: str, secret: str) -> None:
    token = _token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    token = _token(client.get("/login/code").get_data(as_text=True))
    code = pyotp.TOTP(secret).now()
    assert client.post("/login/code", data={"code": code, "csrf_token": token}).status_code == 302


def test_forged_and_stale_forms_change_nothing(csrf_app: Flask) -> None:
    from casework.models import AuditEntry, Case, Message
    from tests.casework.conftest import Cases
    from trygg.extensions import db

    with csrf_app.app_context():
        org = make_org(db.session())
        vera = make_person(db.session(), org, "handler")
        opened = Cases(db.session()).open(org)
        db.session.commit()
        email, secret, slug = vera.email, vera.totp_secret_plain, org.slug
        case_id, case_pk, context = opened.case.public_id, opened.case.id, opened.case.context
        keys = [vera.public_key, opened.keys.public_key]

    client = csrf_app.test_client()
    _sign_in(client, email, secret)
    url = f"/orgs/{slug}/cases/{case_id}"
    page = client.get(url).get_data(as_text=True)
    form = {"from_state": "received", "to": "acknowledged", "reason": "receipt_confirmed"}

    def state() -> tuple[str, int, int]:
        with csrf_app.app_context():
            case = db.session.get(Case, case_pk)
            assert case is not None
            messages = db.session.query(Message).filter_by(case_id=case_pk).count()
            refused = db.session.query(AuditEntry).filter_by(case_id=case_pk,
                                                            outcome="refused").count()
            return case.state, messages, refused

    # No token, a made-up token, another visitor's token: refused, nothing changed.
    other = csrf_app.test_client()
    stranger_token = _token(other.get("/login").get_data(as_text=True))
    for data in (form, {**form, "csrf_token": "forged"}, {**form, "csrf_token": stranger_token}):
        response = client.post(url + "/state", data=data)
        assert response.status_code == 400
        assert "Ingenting ble lagret" in response.get_data(as_text=True)
    from crypto import envelope

    body = envelope.seal(b'{"text":"hei"}', keys, context + "/message")
    response = client.post(url + "/messages", json={"kind": "message", "body": body,
                                                    "idempotency_key": new_key()})
    assert response.status_code == 400
    assert state() == ("received", 0, 0)

    # The page's own token works.
    token = _token(page)
    response = client.post(url + "/state", data={**form, "csrf_token": token})
    assert response.status_code == 303
    response = client.post(url + "/messages", json={"kind": "message", "body": body,
                                                    "idempotency_key": new_key()},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert state() == ("acknowledged", 1, 0)
