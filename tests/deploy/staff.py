"""Staff sign-in for plain HTTP clients through the tier (Chromium uses the browser
tests' `sign_in`, which takes the tier in place of a live server)."""

from __future__ import annotations

import html
import re
import time
from typing import Any

import pyotp

from tests.deploy.tier import Tier

CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
SECRET = re.compile(r"data-totp-secret>([A-Z2-7]+)<")


def csrf_token(page: str) -> str:
    found = CSRF.search(page)
    assert found, "no CSRF token on the page"
    return html.unescape(found.group(1))


def _code(tier: Tier, email: str, secret: str | None) -> str:
    """A TOTP code not used yet: each time step is accepted once per person."""
    from accounts import services, totp
    from trygg.extensions import db

    last_step = 0
    if secret is None:
        with tier.app.app_context():
            person = services.person_by_email(db.session, email)
            assert person is not None and person.totp_secret is not None
            secret, last_step = totp.open_secret(person.totp_secret), person.totp_last_step or 0
            db.session.remove()
    code = pyotp.TOTP(secret)
    now = int(time.time() // code.interval)
    return str(code.generate_otp(max(now, last_step + 1)))


def sign_in(client: Any, tier: Tier, email: str, password: str) -> None:
    """Password, then the second factor (enrolling it on first use)."""
    page = client.get(tier("/login"))
    answer = client.post(tier("/login"), data={
        "email": email, "password": password, "csrf_token": csrf_token(page.text)})
    assert answer.status_code == 200, answer.status_code
    path = answer.url.removeprefix(tier.url).split("?")[0]
    if path == "/login/enrol":
        secret = SECRET.search(answer.text)
        assert secret, "no TOTP secret on the enrolment page"
        code = _code(tier, email, secret.group(1))
    elif path == "/login/code":
        code = _code(tier, email, None)
    else:
        return
    done = client.post(tier(path), data={"code": code, "csrf_token": csrf_token(answer.text)})
    assert done.status_code == 200 and "/login" not in done.url, (done.status_code, done.url)
