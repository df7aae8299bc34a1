"""Accounts in real Chromium: the demo admin's first sign-in and admin pages, and a new
handler's invitation, two-step enrolment, key enrolment and key recovery, with axe on
every page."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from accounts import admin, invitations, services, totp
from crypto import keywrap
from tests.browser.conftest import LiveServer, assert_accessible, sign_in
from trygg.extensions import db
from trygg.seed import PEOPLE, SLUG

ADMIN = next(p for p in PEOPLE if p.role == "admin")
PASSWORD = "a new handler's password"
PASSPHRASE = "four random words, my key passphrase"
NEW_PASSPHRASE = "another four words, remembered now"


def submit(page: Any) -> None:
    page.locator("main form button[type=submit]").first.click()


def enter_current_code(page: Any, secret: str) -> None:
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    submit(page)


def test_demo_admin_enrols_two_step_sign_in_and_manages_the_organisation(
    page: Any, live_server: LiveServer, console_errors: list[str]
) -> None:
    sign_in(page, live_server, ADMIN.email, ADMIN.password, check_accessible=True)
    page.wait_for_url(re.compile(r"/home$"))

    page.click(f"a[href='/orgs/{SLUG}/admin/settings']")
    page.wait_for_url(re.compile(r"/admin/settings$"))
    expect(page.locator("input[name=stats_k]")).to_have_value(re.compile(r"^\d+$"))
    assert_accessible(page)
    submit(page)  # saving unchanged values keeps the demo as it was
    expect(page.locator(".flash-success")).to_be_visible()

    page.click(f"a[href='/orgs/{SLUG}/admin/people']")
    expect(page.locator("main table").first).to_contain_text("Vera Verneombud")
    assert_accessible(page)

    page.click(f"a[href='/orgs/{SLUG}/admin/people/invite']")
    assert_accessible(page)
    page.fill("input[name=email]", f"leder-{uuid.uuid4().hex[:6]}@demo.trygg.test")
    page.select_option("select[name=role]", "leader")
    page.fill("input[name=title]", "Produsent")
    submit(page)
    link = page.locator("[data-invitation-link]")
    expect(link).to_have_value(re.compile(r"/invite/[A-Za-z0-9_-]{40,}$"))
    assert_accessible(page)
    assert console_errors == []


@pytest.fixture()
def new_handler_invitation(live_server: LiveServer) -> Iterator[tuple[str, str]]:
    """A handler invited into the demo organisation of the live server's database."""
    email = f"nytt-ombud-{uuid.uuid4().hex[:8]}@demo.trygg.test"
    app: Any = live_server.app
    with app.app_context():
        org = services.organisation_by_slug(db.session, SLUG)
        token = invitations.create(db.session, org, email, "handler", title="Nytt verneombud")
        db.session.commit()
    yield email, token
    # Leave the demo organisation with the handlers it was seeded with: other browser tests
    # count who a report is sealed to.
    with app.app_context():
        person = services.person_by_email(db.session, email)
        for membership in list(person.memberships) if person else []:
            admin.remove_membership(db.session, membership.organisation, membership.public_id)
        db.session.commit()


def test_new_handler_accepts_enrols_and_makes_a_key_in_the_browser(
    page: Any, live_server: LiveServer, new_handler_invitation: tuple[str, str],
    console_errors: list[str],
) -> None:
    email, token = new_handler_invitation
    page.goto(live_server(f"/invite/{token}"))
    expect(page.locator("main")).to_contain_text("Nytt verneombud")
    assert_accessible(page)
    page.fill("input[name=name]", "Nora Nyansatt")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    submit(page)

    page.wait_for_url(re.compile(r"/login/enrol$"))
    assert_accessible(page)
    enter_current_code(page, page.locator("[data-totp-secret]").inner_text().strip())

    page.wait_for_url(re.compile(r"/account/keys$"))
    expect(page.locator("#key-enrol")).to_be_visible()
    expect(page.locator(".no-js-only")).to_be_hidden()
    assert_accessible(page)

    page.fill("#passphrase", PASSPHRASE)
    page.fill("#confirm", PASSPHRASE + " typo")
    page.click("#key-make")
    expect(page.locator("#key-error")).to_be_visible()
    expect(page.locator("#confirm")).to_have_attribute("aria-invalid", "true")

    page.fill("#confirm", PASSPHRASE)
    page.click("#key-make")
    code_box = page.locator("[data-recovery-code]")
    expect(code_box).to_have_text(re.compile(r"^([0-9A-Z]{5}-){5}[0-9A-Z]{5}$"))
    recovery_code = code_box.inner_text()
    expect(page.locator("#passphrase")).to_have_value("")
    assert_accessible(page)

    page.click("#key-save")  # not yet confirmed that the code is stored
    expect(page.locator("#key-save-error")).to_be_visible()
    page.check("#recovery-stored")
    page.click("#key-save")
    expect(page.locator("[data-key-ready]")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []

    app: Any = live_server.app
    with app.app_context():
        person = services.person_by_email(db.session, email)
        assert person is not None and person.public_key is not None
        public = person.public_key
        wrapped = json.loads(person.wrapped_private_key)
        recovery = json.loads(person.recovery_wrapped_key)
    private = keywrap.unwrap_private_key(wrapped, PASSPHRASE, public)
    assert keywrap.public_key_of(private) == public
    assert keywrap.unwrap_with_recovery_code(recovery, recovery_code, public) == private
    with pytest.raises(keywrap.KeyWrapError):
        keywrap.unwrap_private_key(wrapped, PASSPHRASE + " typo", public)

    page.goto(live_server("/account/keys"))
    expect(page.locator("main")).not_to_contain_text(recovery_code)
    expect(page.locator("#key-enrol")).to_have_count(0)

    # A forgotten passphrase: the recovery code opens the key, a new passphrase wraps it.
    page.click("a[href='/account/keys/recover']")
    expect(page.locator("#key-recover")).to_be_visible()
    assert_accessible(page)
    typo = ("0" if recovery_code[0] != "0" else "1") + recovery_code[1:]
    page.fill("#code", typo)
    page.fill("#passphrase", NEW_PASSPHRASE)
    page.fill("#confirm", NEW_PASSPHRASE)
    page.click("#recover-start")
    expect(page.locator("#recover-error")).to_be_visible()
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    page.fill("#code", recovery_code.lower().replace("-", " "))  # as people type it
    page.click("#recover-start")
    expect(page.locator("[data-recovered]")).to_be_visible()
    assert_accessible(page)
    assert console_errors == []

    with app.app_context():
        person = services.person_by_email(db.session, email)
        assert person is not None
        rewrapped = json.loads(person.wrapped_private_key)
        assert json.loads(person.recovery_wrapped_key) == recovery
    assert keywrap.unwrap_private_key(rewrapped, NEW_PASSPHRASE, public) == private


def test_without_javascript_the_key_page_explains_why_it_cannot_work(
    browser: Any, live_server: LiveServer, new_handler_invitation: tuple[str, str]
) -> None:
    email, token = new_handler_invitation
    secret = pyotp.random_base32()
    app: Any = live_server.app
    with app.app_context():  # accept and enrol on the server, as the test's setup
        person, _ = invitations.redeem(db.session, token, name="Uten Skript", password=PASSWORD)
        person.totp_secret = totp.seal_secret(secret)
        db.session.commit()
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, live_server, email, PASSWORD)  # the code page: enrolled above
        page.wait_for_url(re.compile(r"/account/keys$"))
        expect(page.locator(".no-js-only")).to_be_visible()
        expect(page.locator(".no-js-only")).to_contain_text("JavaScript")
        expect(page.locator("#key-enrol")).to_be_hidden()
        # (axe cannot run here: it is JavaScript. The same page is checked with it above.)
    finally:
        context.close()
