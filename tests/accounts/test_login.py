"""Signing in: password, second factor, throttling, idle timeout, sign-out, CSRF."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from accounts.views import LOGIN_LIMIT
from tests.accounts.conftest import enrol_secret, text
from tests.conftest import PASSWORD, login, make_org, make_person

WRONG = "The email address or password is wrong."
WRONG_NB = "E-postadressen eller passordet er feil."


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: FlaskClient, factory: Any
) -> None:
    person = factory.person(factory.org(), "leader")
    wrong = client.post("/login?lang=en", data={"email": person.email, "password": "wrong " * 3})
    unknown = client.post(
        "/login?lang=en", data={"email": "nobody@example.test", "password": "wrong " * 3}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert WRONG in text(wrong)
    assert text(wrong).replace(person.email, "EMAIL") == text(unknown).replace(
        "nobody@example.test", "EMAIL"
    )


def test_wrong_password_message_is_in_norwegian_by_default(
    client: FlaskClient, factory: Any
) -> None:
    person = factory.person(factory.org(), "leader")
    response = client.post("/login", data={"email": person.email, "password": "nope nope nope"})
    assert response.status_code == 401
    assert WRONG_NB in text(response)


def test_right_password_without_second_factor_signs_a_leader_in(
    client: FlaskClient, factory: Any
) -> None:
    person = factory.person(factory.org(), "leader")
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    assert client.get("/home").status_code == 200


def test_admin_must_give_the_code_before_anything_else(client: FlaskClient, factory: Any) -> None:
    person = factory.person(factory.org(), "admin")
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/code")
    # Half signed in is not signed in.
    assert client.get("/home").headers["Location"].startswith("/login")


def test_a_totp_code_cannot_be_used_twice(
    client: FlaskClient, factory: Any, db_session: Session
) -> None:
    person = factory.person(factory.org(), "admin")
    code = pyotp.TOTP(person.totp_secret_plain).now()
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    step = person.totp_last_step

    client.post("/login", data={"email": person.email, "password": PASSWORD})
    replay = client.post("/login/code?lang=en", data={"code": code})
    assert replay.status_code == 401
    assert "That code is wrong or was already used." in text(replay)
    assert client.get("/home").status_code == 302
    db_session.refresh(person)
    assert person.totp_last_step == step


def test_wrong_totp_code_is_refused(client: FlaskClient, factory: Any) -> None:
    person = factory.person(factory.org(), "handler")
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    good = pyotp.TOTP(person.totp_secret_plain).now()
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    assert client.post("/login/code", data={"code": bad}).status_code == 401
    assert client.get("/home").status_code == 302


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_is_accepted_once_even_by_a_request_that_read_the_person_earlier(
    factory: Any, db_session: Session
) -> None:
    """Two requests with one code at once: the second read totp_last_step before the first
    stored it. Simulated with a second session on the same transaction."""
    from accounts import services
    from accounts.models import Person

    person = factory.person(factory.org(), "admin")
    other = Session(bind=db_session.connection(), join_transaction_mode="create_savepoint")
    try:
        stale = other.get(Person, person.id)
        assert stale is not None and stale.totp_last_step == 0
        code = pyotp.TOTP(person.totp_secret_plain).now()
        services.check_code(db_session, person, code)
        db_session.flush()
        assert stale.totp_last_step == 0  # this copy still believes the code is unused
        with pytest.raises(services.BadCode):
            services.check_code(other, stale, code)
    finally:
        other.close()


def _from(n: int) -> dict[str, Any]:
    """A request from another client address (each has its own rate limit)."""
    return {"environ_base": {"REMOTE_ADDR": f"192.0.2.{n}"}}


LOCKED = "There were too many wrong codes, so signing in with a code is paused for this account."


def test_the_second_factor_locks_after_ten_wrong_codes_from_any_address(
    client: FlaskClient, factory: Any, db_session: Session
) -> None:
    person = factory.person(factory.org(), "admin")
    good = pyotp.TOTP(person.totp_secret_plain).now()
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    for n in range(9):
        response = client.post("/login/code?lang=en", data={"code": _wrong(good)}, **_from(n))
        assert response.status_code == 401, n
        assert LOCKED not in text(response)
    tenth = client.post("/login/code?lang=en", data={"code": _wrong(good)}, **_from(9))
    assert tenth.status_code == 429
    assert LOCKED in text(tenth) and "Try again in 15 minutes." in text(tenth)
    # Even the right code is refused now, from yet another address.
    right = client.post("/login/code?lang=en", data={"code": good}, **_from(10))
    assert right.status_code == 429
    assert LOCKED in text(right)
    assert client.get("/home").status_code == 302
    nb = client.post("/login/code?lang=nb", data={"code": good}, **_from(11))
    assert "for mange feil koder" in text(nb)
    # Fifteen minutes later the right code works.
    db_session.refresh(person)
    assert person.totp_locked_until is not None
    person.totp_locked_until = datetime.now(UTC) - timedelta(seconds=1)
    db_session.flush()
    assert client.post("/login/code", data={"code": good}, **_from(12)).status_code == 302
    assert client.get("/home", **_from(12)).status_code == 200
    db_session.refresh(person)
    assert (person.totp_failures, person.totp_locked_until) == (0, None)


def test_a_right_code_resets_the_count_of_wrong_ones(factory: Any, db_session: Session) -> None:
    from accounts import services

    person = factory.person(factory.org(), "admin")
    totp = pyotp.TOTP(person.totp_secret_plain)
    for _ in range(9):
        with pytest.raises(services.BadCode):
            services.check_code(db_session, person, _wrong(totp.now()))
    services.check_code(db_session, person, totp.now())
    db_session.refresh(person)
    assert person.totp_failures == 0
    for _ in range(9):
        with pytest.raises(services.BadCode):
            services.check_code(db_session, person, _wrong(totp.now()))
    # Nine and nine are not ten in a row: the next step's code is still accepted.
    services.check_code(db_session, person, totp.at(time.time() + totp.interval))


def test_login_is_throttled(client: FlaskClient, factory: Any) -> None:
    person = factory.person(factory.org(), "leader")
    per_minute = int(LOGIN_LIMIT.split(" ")[0])
    for _ in range(per_minute):
        response = client.post("/login", data={"email": person.email, "password": "x" * 12})
        assert response.status_code == 401
    throttled = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert throttled.status_code == 429
    assert "For mange forsøk" in text(throttled)
    # Even the right password does not get through while throttled.
    assert client.get("/home").status_code == 302


def _age_session(client: FlaskClient, minutes: int) -> None:
    with client.session_transaction() as session:
        session["last_seen"] = int(time.time()) - minutes * 60


def test_idle_session_ends_after_thirty_minutes(
    client: FlaskClient, factory: Any, login_as: Any
) -> None:
    login_as(factory.person(factory.org(), "leader"))
    _age_session(client, 29)
    assert client.get("/home").status_code == 200
    _age_session(client, 31)
    response = client.get("/home?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    page = text(client.get("/login?lang=en"))
    assert "You were signed out after 30 minutes without activity." in page
    assert client.get("/home").status_code == 302


def test_sign_out_ends_the_session(client: FlaskClient, factory: Any, login_as: Any) -> None:
    login_as(factory.person(factory.org(), "leader"))
    assert client.get("/home").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/home").headers["Location"].startswith("/login")


def _copy_of(client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of the client's session cookie (a stolen cookie)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = client.application.test_client()
    other.set_cookie("session", cookie.value, domain=cookie.domain)
    return other


def test_a_copied_session_cookie_stops_working_after_sign_out(
    client: FlaskClient, factory: Any, login_as: Any
) -> None:
    login_as(factory.person(factory.org(), "handler", title="Verneombud"))
    stolen = _copy_of(client)
    assert stolen.get("/home").status_code == 200
    client.post("/logout")
    response = stolen.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_sign_out_ends_the_sessions_on_other_devices_too(
    client: FlaskClient, factory: Any, login_as: Any
) -> None:
    person = factory.person(factory.org(), "leader")
    login_as(person)
    phone = client.application.test_client()
    login(phone, person)
    assert phone.get("/home").status_code == 200
    client.post("/logout")
    assert phone.get("/home").headers["Location"].startswith("/login")
    # Signing in again works, and the new session is not affected by the old sign-out.
    login_as(person)
    assert client.get("/home").status_code == 200


def _age_pending(client: FlaskClient, minutes: int) -> None:
    with client.session_transaction() as session:
        assert "pending_person" in session
        session["pending_since"] = int(time.time()) - minutes * 60


def test_the_password_step_expires_after_ten_minutes(
    client: FlaskClient, factory: Any
) -> None:
    person = factory.person(factory.org(), "admin")
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    _age_pending(client, 11)
    code = pyotp.TOTP(person.totp_secret_plain).now()
    response = client.post("/login/code?lang=en", data={"code": code})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert not response.headers["Location"].startswith("/login/")
    assert "Start again with your email address and password." in text(client.get("/login?lang=en"))
    assert client.get("/home").status_code == 302
    # The pending state is gone: the code page sends back to the password step.
    assert client.get("/login/code").headers["Location"].startswith("/login")
    with client.session_transaction() as session:
        assert "pending_person" not in session


def test_the_password_step_is_still_valid_after_nine_minutes(
    client: FlaskClient, factory: Any
) -> None:
    person = factory.person(factory.org(), "admin")
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    _age_pending(client, 9)
    code = pyotp.TOTP(person.totp_secret_plain).now()
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/home").status_code == 200


def test_totp_enrolment_also_expires_with_the_password_step(
    client: FlaskClient, factory: Any
) -> None:
    person = factory.person(factory.org(), "admin", totp=False)
    client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert client.get("/login/enrol").status_code == 200
    _age_pending(client, 11)
    response = client.get("/login/enrol?lang=en")
    assert response.status_code == 302
    assert "Start again with your email address and password." in text(client.get("/login?lang=en"))


def test_a_pending_state_without_a_time_is_not_accepted(
    client: FlaskClient, factory: Any
) -> None:
    person = factory.person(factory.org(), "admin")
    with client.session_transaction() as session:
        session["pending_person"] = str(person.public_id)
    code = pyotp.TOTP(person.totp_secret_plain).now()
    response = client.post("/login/code", data={"code": code})
    assert response.status_code == 302
    assert client.get("/home").status_code == 302


def test_totp_enrolment_refuses_a_wrong_code_and_accepts_the_right_one(
    client: FlaskClient, factory: Any, db_session: Session
) -> None:
    person = factory.person(factory.org(), "admin", totp=False)
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/enrol")
    page = text(client.get("/login/enrol"))
    assert "data-totp-secret" in page and "<svg" in page
    secret = enrol_secret(page)
    # The cookie is signed, not encrypted: anyone who sees it can decode it. The secret being
    # enrolled used to sit in it readable; now only sealed under the server secret.
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = current_app.session_interface.get_signing_serializer(current_app)
    assert isinstance(serializer, URLSafeTimedSerializer)
    readable = serializer.loads_unsafe(cookie.value)[1]
    assert secret not in repr(readable)
    good = pyotp.TOTP(secret).now()
    bad = f"{(int(good) + 500_000) % 1_000_000:06d}"

    refused = client.post("/login/enrol?lang=en", data={"code": bad})
    assert refused.status_code == 200
    assert "That code does not match." in text(refused)
    db_session.refresh(person)
    assert person.totp_secret is None
    assert client.get("/home").status_code == 302

    accepted = client.post("/login/enrol", data={"code": good})
    assert accepted.status_code == 302
    db_session.refresh(person)
    assert person.totp_secret is not None
    assert client.get("/home").status_code == 200


def test_pending_pages_need_the_password_step_first(client: FlaskClient) -> None:
    for path in ("/login/code", "/login/enrol"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


def test_unknown_organisation_slug_is_a_404(
    client: FlaskClient, factory: Any, login_as: Any
) -> None:
    org = factory.org()
    login_as(factory.person(org, "admin"))
    assert client.get(f"/orgs/{org.slug}/admin/settings").status_code == 200
    response = client.get("/orgs/no-such-org/admin/settings")
    assert response.status_code == 404
    assert "Fant ikke siden" in text(response)




def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(csrf_app: Flask) -> None:
    from trygg.extensions import db

    with csrf_app.app_context():
        person = make_person(db.session, make_org(db.session), "leader")
        email = person.email
        db.session.commit()
    client = csrf_app.test_client()
    refused = client.post("/login?lang=en", data={"email": email, "password": PASSWORD})
    assert refused.status_code == 400
    assert "The form had expired or was sent from somewhere else." in text(refused)
    assert client.get("/home").status_code == 302

    page = text(client.get("/login"))
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    accepted = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert accepted.status_code == 302
    assert client.get("/home").status_code == 200
