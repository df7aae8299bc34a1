"""The reporter's journey in real Chromium, with JavaScript and without.

Each flow submits to the demo organisation, opens what was stored with a handler's key in
Python and finds exactly what was typed, replies as a handler, reads the reply on the
follow-up page with the receipt, and checks that the canary phrase typed along the way is
nowhere on disk or in the logs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from accounts.models import Organisation
from casework.models import Attachment, Case, CaseExclusion, Message
from crypto import envelope
from tests.browser.conftest import LiveServer, assert_accessible
from tests.reporting import support
from trygg.extensions import db
from trygg.seed import KEY_PASSPHRASE

INTERNAL = "Verneombud"
EXTERNAL = "Ekstern rådgiver"


def _icon(route: Any) -> None:
    # Chromium fetches the icon lazily; closing the context mid-request leaves the live
    # server's file handle to the garbage collector (a ResourceWarning, an error here).
    route.fulfill(
        status=200, content_type="image/svg+xml", body="<svg xmlns='http://www.w3.org/2000/svg'/>"
    )


def _context(browser: Any, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.route("**/favicon.svg", _icon)
    return context


@pytest.fixture()
def quiet_page(page: Any) -> Any:
    page.context.route("**/favicon.svg", _icon)
    return page


@pytest.fixture()
def nojs_page(browser: Any) -> Iterator[Any]:
    context = _context(browser, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="PIL")  # the test's own image making, not the app
    return caplog


class Demo:
    """The live server's database, seen from the test."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live

    def __enter__(self) -> Demo:
        self._ctx = self.live.app.app_context()  # type: ignore[attr-defined]
        self._ctx.push()
        self.org = db.session.scalar(select(Organisation).where(Organisation.slug == "demo"))
        return self

    def __exit__(self, *exc: object) -> None:
        db.session.remove()
        self._ctx.pop()

    def cases(self) -> int:
        return db.session.scalar(select(func.count(Case.id))) or 0

    def latest(self) -> Case:
        case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
        assert case is not None
        return case

    def key(self, title: str) -> bytes:
        return support.handler_key(db.session, self.org, title, KEY_PASSPHRASE)

    def kid(self, title: str) -> str:
        return support.kid_of(db.session, self.org, title)


def _accessible_without_js(browser: Any, live: LiveServer, html: str) -> None:
    """axe needs JavaScript in the page, so check a no-JS page's exact HTML in a helper tab
    whose own scripts are blocked (the DOM stays as a browser without JavaScript shows it)."""
    context = _context(browser)
    helper = context.new_page()
    helper.route("**/static/js/**", lambda route: route.abort())
    helper.goto(live("/static/blank.html"))
    helper.set_content(html)
    try:
        assert_accessible(helper)
    finally:
        context.close()


def _no_canary(live: LiveServer, logs: pytest.LogCaptureFixture, phrase: str, since: float) -> None:
    needle = phrase.encode()
    url = live.app.config["SQLALCHEMY_DATABASE_URI"]  # type: ignore[attr-defined]
    assert support.database_contains(needle, url) == []
    assert support.files_containing(needle, support.temp_roots(), since) == []
    for record in logs.records:
        text = record.getMessage()
        assert phrase not in text
        assert "/r/demo" not in text  # reporter routes stay out of access logs


def _fill_report(page: Any, what: str, *, exclude: str | None = None) -> None:
    page.fill("#what", what)
    page.check("input[name=when_period][value=last_month]")
    page.fill("#when_text", "under turneen i mars")
    page.check("input[name=where_settings][value=tour]")
    page.check("input[name=where_settings][value=party]")
    page.fill("#where_text", "hotellbaren etter forestillingen")
    page.check("input[name=concerns_role][value=leader]")
    page.check("input[name=before][value=yes_others]")
    page.fill("#witnesses", "en kollega i ensemblet")
    page.fill("#consequences", "jeg gruer meg til prøvene")
    page.check("input[name=wants][value=conversation]")
    page.check("input[name=wants][value=action]")
    if exclude:
        page.get_by_label(f"Leave out {exclude}", exact=False).first.check()


EXPECTED_FIELDS = {
    "when": {"period": "last_month", "text": "under turneen i mars"},
    "where": {"settings": ["tour", "party"], "text": "hotellbaren etter forestillingen"},
    "concerns": {"role": "leader", "text": ""},
    "before": "yes_others",
    "witnesses": "en kollega i ensemblet",
    "consequences": "jeg gruer meg til prøvene",
    "wants": ["conversation", "action"],
    "contact": {"name": "", "reach": "", "when": ""},
}


def test_public_page_sets_no_cookie_keeps_the_language_and_is_accessible(
    quiet_page: Any, live_server: LiveServer
) -> None:
    page = quiet_page
    response = page.goto(live_server("/r/demo?lang=en"))
    assert response.status == 200
    assert "set-cookie" not in response.headers
    assert page.context.cookies() == []
    assert page.locator("h1").inner_text().startswith("Tell Demoteateret")
    assert page.get_by_text("400 38 800").count() == 1  # the newest Balansekunst number
    for href in page.locator("main a[href^='/r/']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    ):
        assert "lang=en" in href
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 740})  # a phone
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_unknown_organisation_is_a_clear_404(quiet_page: Any, live_server: LiveServer) -> None:
    page = quiet_page
    response = page.goto(live_server("/r/no-such-org"))
    assert response.status == 404
    assert "No reporting page here" in page.content() or "Ingen meldeside her" in page.content()


def test_report_with_javascript_reply_and_follow_up(
    quiet_page: Any, live_server: LiveServer, logs: pytest.LogCaptureFixture
) -> None:
    page = quiet_page
    since = support.now()
    phrase = support.canary()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server("/r/demo?lang=en"))
    page.click("text=Write a report")
    page.wait_for_selector("#report-form[data-ready]")
    assert page.locator("[data-nojs-notice]").is_hidden()
    assert_accessible(page)
    what = f"Han tok meg på låret.\n{phrase}\nTredje linje"
    _fill_report(page, what)
    page.fill("#contact_reach", f"{phrase}@example.test")
    page.set_input_files(
        "#attachments",
        files=[
            {
                "name": "bilde.jpg",
                "mimeType": "image/jpeg",
                "buffer": support.jpeg_with_gps(phrase),
            },
            {"name": "notat.txt", "mimeType": "text/plain", "buffer": f"notat {phrase}".encode()},
        ],
    )
    with Demo(live_server) as demo:
        before = demo.cases()
    page.click("[data-submit]")
    page.wait_for_selector("#receipt-panel:not([hidden])")
    receipt = page.locator("#receipt-js").inner_text().strip()
    assert len(receipt) == 29
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#receipt-panel [data-copy]")
    expect(page.locator("#receipt-panel [data-copy-status]")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == receipt
    # (Playwright's wait_for_function evaluates strings, which the CSP rightly forbids.)
    rows = page.locator("[data-upload-list] li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("File sent")
    expect(rows.nth(1)).to_contain_text("File sent")
    assert_accessible(page)

    with Demo(live_server) as demo:
        assert demo.cases() == before + 1
        case = demo.latest()
        kids = set(envelope.recipient_kids(__import__("json").loads(case.report)))
        assert demo.kid(INTERNAL) in kids and demo.kid(EXTERNAL) not in kids
        doc = support.open_report(case, demo.key(INTERNAL))
        assert doc["what"] == what
        for name, value in EXPECTED_FIELDS.items():
            if name != "contact":
                assert doc[name] == value, name
        assert doc["contact"]["reach"] == f"{phrase}@example.test"
        files = db.session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        ).all()
        assert [a.complete for a in files] == [True, True]
        opened = {
            m["name"]: (m, data)
            for m, data in (
                support.open_attachment(db.session, case, a, demo.key(INTERNAL)) for a in files
            )
        }
        assert opened["bilde.jpg"][0]["stripped"] is True
        assert not support.has_exif(opened["bilde.jpg"][1])
        assert opened["notat.txt"][1] == f"notat {phrase}".encode()
        support.reply_as_handler(
            db.session, case, INTERNAL, "Takk for at du sa ifra. Kan vi snakkes?"
        )
        db.session.commit()

    page.context.clear_cookies()  # coming back another day
    page.goto(live_server("/r/demo/follow-up?lang=en"))
    page.wait_for_selector("body[data-ready]")
    assert_accessible(page)
    page.fill("#receipt", receipt.lower().replace("-", " "))
    page.click("button[type=submit]")
    page.wait_for_selector("[data-thread] li")
    page.wait_for_selector("body[data-ready]")
    assert "Takk for at du sa ifra. Kan vi snakkes?" in page.locator("[data-thread]").inner_text()
    page.click("details.your-report summary")
    assert phrase in page.locator("[data-report]").inner_text()
    assert_accessible(page)

    page.fill("#text", f"Ja, gjerne. {phrase}")
    page.click("#message-form button[type=submit]")
    expect(page.locator("[data-thread]")).to_contain_text("Ja, gjerne.")
    with Demo(live_server) as demo:
        case = demo.latest()
        last = db.session.scalar(
            select(Message).where(Message.case_id == case.id).order_by(Message.seq.desc()).limit(1)
        )
        assert last is not None and last.sender == "reporter"
        assert (
            support.open_message(case, last.body, demo.key(INTERNAL))["text"]
            == f"Ja, gjerne. {phrase}"
        )

    assert "You should get an answer by" in page.locator(".case-status").inner_text()
    page.check("#agree")
    page.click("#consent-form button[type=submit]")
    expect(page.locator("#consent-title ~ .notice")).to_contain_text("You have said in general")
    with Demo(live_server) as demo:
        kinds = db.session.scalars(
            select(Message.kind).where(Message.case_id == demo.latest().id).order_by(Message.seq)
        ).all()
        assert kinds[-1] == "consent"

    # Another tab: the session cookie is shared, the key in sessionStorage is not.
    other = page.context.new_page()
    other.goto(live_server("/r/demo/follow-up?lang=en"))
    other.wait_for_selector("#unlock-form:not([hidden])")
    other.fill("#unlock-receipt", receipt)
    other.click("#unlock-form button[type=submit]")
    expect(other.locator("[data-thread]")).to_contain_text("Takk for at du sa ifra.")
    assert errors == []
    _no_canary(live_server, logs, phrase, since)


def test_report_without_javascript_excluding_the_internal_handler(
    browser: Any, nojs_page: Any, live_server: LiveServer, logs: pytest.LogCaptureFixture
) -> None:
    page = nojs_page
    since = support.now()
    phrase = support.canary()
    page.goto(live_server("/r/demo/report?lang=en"))
    notice = page.locator("[data-nojs-notice]")
    assert notice.is_visible()  # said before sending, not after
    assert "encrypts it in memory" in notice.inner_text()
    _accessible_without_js(browser, live_server, page.content())
    what = f"Regissøren sendte meldinger om natta.\r\n{phrase}"
    _fill_report(page, what, exclude=INTERNAL)
    page.set_input_files(
        "#attachments",
        files=[
            {
                "name": "skjerm.jpg",
                "mimeType": "image/jpeg",
                "buffer": support.jpeg_with_gps(phrase),
            },
            {"name": "logg.txt", "mimeType": "text/plain", "buffer": f"logg {phrase}".encode()},
        ],
    )
    with Demo(live_server) as demo:
        before = demo.cases()
    page.click("button[type=submit]")
    receipt = page.locator("[data-receipt]").inner_text().strip()
    assert len(receipt) == 29
    assert page.locator("h1").inner_text() == "Your report has been sent"
    _accessible_without_js(browser, live_server, page.content())

    with Demo(live_server) as demo:
        assert demo.cases() == before + 1
        case = demo.latest()
        kids = set(envelope.recipient_kids(__import__("json").loads(case.report)))
        assert demo.kid(INTERNAL) not in kids  # left out: never a recipient
        assert demo.kid(EXTERNAL) in kids  # the fallback
        assert len(kids) == 2  # and the reporter
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(CaseExclusion)
                .where(CaseExclusion.case_id == case.id)
            )
            == 1
        )
        doc = support.open_report(case, demo.key(EXTERNAL))
        assert doc["what"] == what.replace("\r\n", "\n")
        for name, value in EXPECTED_FIELDS.items():
            assert doc[name] == value, name
        files = db.session.scalars(
            select(Attachment).where(Attachment.case_id == case.id).order_by(Attachment.id)
        ).all()
        opened = {
            m["name"]: (m, data)
            for m, data in (
                support.open_attachment(db.session, case, a, demo.key(EXTERNAL)) for a in files
            )
        }
        assert opened["skjerm.jpg"][0]["stripped"] is True
        assert not support.has_exif(opened["skjerm.jpg"][1])
        assert opened["logg.txt"][1] == f"logg {phrase}".encode()
        support.reply_as_handler(db.session, case, EXTERNAL, "Jeg har lest det. Du kan svare her.")
        db.session.commit()

    page.click("text=Go to the follow-up page")
    _accessible_without_js(browser, live_server, page.content())
    page.fill("#receipt", receipt)
    page.click("button[type=submit]")
    thread = page.locator(".thread")
    assert "Jeg har lest det. Du kan svare her." in thread.inner_text()
    page.click(".your-report summary")
    assert phrase in page.locator(".your-report").inner_text()
    _accessible_without_js(browser, live_server, page.content())
    page.fill("#text", f"Takk. {phrase}")
    page.click("#message-form button[type=submit]")
    assert f"Takk. {phrase}" in page.locator(".thread").inner_text()
    with Demo(live_server) as demo:
        case = demo.latest()
        last = db.session.scalar(
            select(Message).where(Message.case_id == case.id).order_by(Message.seq.desc()).limit(1)
        )
        assert last is not None
        assert (
            support.open_message(case, last.body, demo.key(EXTERNAL))["text"] == f"Takk. {phrase}"
        )
    cookie = next(c for c in page.context.cookies() if c["name"] == "trygg_reporter")
    assert cookie["path"] == "/r/demo/" and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert all(c["name"] != "session" for c in page.context.cookies())
    page.click("#sign-out button")
    assert all(c["name"] != "trygg_reporter" for c in page.context.cookies())
    _no_canary(live_server, logs, phrase, since)


@pytest.mark.parametrize("javascript", [True, False])
def test_leaving_out_everyone_is_refused_and_nothing_is_stored(
    browser: Any, live_server: LiveServer, javascript: bool
) -> None:
    context = _context(browser, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server("/r/demo/report?lang=en"))
    if javascript:
        page.wait_for_selector("#report-form[data-ready]")
    page.fill("#what", "noe skjedde")
    page.get_by_label(f"Leave out {INTERNAL}", exact=False).check()
    page.get_by_label(f"Leave out {EXTERNAL}", exact=False).check()
    with Demo(live_server) as demo:
        before = demo.cases()
    page.click("button[type=submit]")
    alert = page.locator("[role=alert]:not([hidden])").first
    expect(alert).to_contain_text("At least one person must be able to read it")
    assert page.locator("#receipt-panel").is_hidden()
    with Demo(live_server) as demo:
        assert demo.cases() == before
    context.close()
