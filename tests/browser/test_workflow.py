"""The verneombud's workflow in real Chromium (issue 12), one case from report to closure.

The reporter (with JavaScript) reports, gives an early general consent and writes twice
within a minute: both messages are notified (the second by the delayed mail). The handler
writes an anonymised summary; the reporter reads it in the browser and agrees; the handler
changes the text, so the reporter's answer to the old version is refused and they agree to
the new one, withdraw, and agree again before the release. Then an identified summary that
names the reporter, who must tick that separately. A meeting, an interim measure and a task
are recorded, the case is closed, and a month after the release the reporter – now without
JavaScript – reads the released summaries and answers the retaliation check-in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from casework import notices
from casework.models import Case, Handoff, Message
from casework.services import today
from casework.workflow_models import CaseTask, CheckIn, InterimMeasure, Meeting
from crypto import envelope, receipt
from tests.browser.conftest import LiveServer, sign_in
from trygg.database import utcnow
from trygg.extensions import db
from trygg.seed import KEY_PASSPHRASE, PEOPLE

VERA = next(p for p in PEOPLE if p.email.startswith("verneombud@"))
V1 = "En person med ansvar har tatt på en medarbeider under en prøve."
V2 = "En person med ansvar har flere ganger tatt på en medarbeider under prøver."
NAMED = "Regissøren har tatt på skuespilleren under prøvene; skuespilleren har meldt fra."
ERROR = ".flash-error:not([data-js-error])"  # the server's message, not the script's slot
STATE_NAMES = {"acknowledged": "Bekreftet mottatt", "assessing": "Under vurdering",
               "measures": "Tiltak", "closed": "Avsluttet"}


def _icon(route: Any) -> None:
    # As in test_reporting.py: a context closed while Chromium fetches the icon would leave
    # the live server's file handle to the garbage collector (a ResourceWarning).
    route.fulfill(status=200, content_type="image/svg+xml",
                  body="<svg xmlns='http://www.w3.org/2000/svg'/>")


def _context(browser: Any, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.route("**/favicon.svg", _icon)
    return context


@pytest.fixture()
def reporter(browser: Any) -> Iterator[Any]:
    context = _context(browser)
    yield context.new_page()
    context.close()


@pytest.fixture(autouse=True)
def patient() -> Iterator[None]:
    """A long walk on a shared, loaded machine: assertions wait up to 15 s, not 5."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture()
def windowed(live_server: LiveServer) -> Iterator[Any]:
    """The production coalescing window (two minutes) on the live server for this test."""
    app: Any = live_server.app
    before = app.config["TRYGG"]
    app.config["TRYGG"] = before.with_(extra={**before.extra, "notify_window_seconds": 120})
    yield app.config["TRYGG"]
    app.config["TRYGG"] = before


def _case(live: LiveServer) -> Case:
    with live.app.app_context():  # type: ignore[attr-defined]
        case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
        assert case is not None
        _ = case.organisation.public_id
        db.session.expunge_all()
        db.session.remove()
    return case


def _handoff(live: LiveServer, case: Case) -> Handoff:
    with live.app.app_context():  # type: ignore[attr-defined]
        found = db.session.scalar(select(Handoff).where(Handoff.case_id == case.id)
                                  .order_by(Handoff.id.desc()).limit(1))
        assert found is not None
        db.session.expunge_all()
        db.session.remove()
    return found


def _state(page: Any, to: str) -> None:
    with page.expect_navigation():
        page.locator(f"form[data-form=state]:has(input[name=to][value={to}]) "
                     "button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text(STATE_NAMES[to])


def _write_summary(page: Any, text: str, *, kind: str = "anonymised",
                   names_reporter: bool = False) -> None:
    page.check(f"input[name=kind][value={kind}]")
    if names_reporter:
        page.check("#names_reporter")
    page.select_option("select[name=recipient]", "styreleder")
    page.fill("#handoff-text", text)
    for box in page.locator("input[name=checklist]").all():
        box.check()
    page.get_by_role("button", name="Lagre sammendraget").click()
    expect(page.locator(".flash-success")).to_contain_text("Sammendraget er lagret")


def _release(page: Any) -> None:
    page.get_by_role("button", name="Frigi sammendraget til arbeidsgiver").click()


def _agree(reporter: Any, *, name_me: bool = False) -> None:
    reporter.check("#handoff-agree")
    if name_me:
        reporter.check("#handoff-name-me")
    reporter.locator("#handoff-consent-form button[type=submit]").click()


def test_a_case_through_both_hand_offs_follow_up_and_a_check_in(
    page: Any, reporter: Any, browser: Any, live_server: LiveServer, windowed: Any,
) -> None:
    page.context.route("**/favicon.svg", _icon)
    from trygg.mail import outbox

    # The reporter reports, with JavaScript.
    reporter.goto(live_server("/r/demo?lang=en"))
    reporter.click("text=Write a report")
    reporter.wait_for_selector("#report-form[data-ready]")
    reporter.fill("#what", "Regissøren tok meg på låret under prøven.")
    reporter.click("[data-submit]")
    reporter.wait_for_selector("#receipt-panel:not([hidden])")
    code = reporter.locator("#receipt-js").inner_text().strip()
    case = _case(live_server)

    reporter.goto(live_server("/r/demo/follow-up?lang=en"))
    reporter.wait_for_selector("body[data-ready]")
    reporter.fill("#receipt", code)
    reporter.click("button[type=submit]")
    reporter.wait_for_selector("[data-thread]:not([hidden])")
    # An early, general consent: it never blocks the question about the exact text.
    reporter.check("#agree")
    reporter.click("#consent-form button[type=submit]")
    expect(reporter.locator("#handoff")).to_contain_text("You have said in general")
    # Two messages within a minute.
    for text in ("Det skjedde igjen i dag.", "Og en gang til etter lunsj."):
        reporter.wait_for_selector("body[data-ready]")
        reporter.fill("#text", text)
        reporter.click("#message-form button[type=submit]")
        expect(reporter.locator("[data-thread]")).to_contain_text(text)

    # What came within the window of the last mail waits for the next one: sent when due.
    app: Any = live_server.app
    sent: list[notices.Due] = []
    mails_before = len(outbox(windowed))
    with app.test_request_context():
        from reporting import services

        def send(due: notices.Due) -> bool:
            sent.append(due)
            return services._send_notice(due)

        assert notices.send_due(db.session, now=utcnow() + timedelta(minutes=5), send=send,
                                window=120) >= 1
        db.session.remove()
    vera_mail = [d for d in sent if d.membership.person.email == VERA.email]
    assert vera_mail and vera_mail[0].messages >= 3  # consent and both messages
    assert len(outbox(windowed)) > mails_before  # the delayed mail, handed on

    # The handler unlocks the case and writes an anonymised summary.
    sign_in(page, live_server, VERA.email, VERA.password)
    page.wait_for_url(re.compile(r"/home$"))
    case_url = live_server(f"/orgs/demo/cases/{case.public_id}?lang=nb")
    page.goto(case_url)
    root = page.locator("#case-root")
    page.fill("#key-passphrase", KEY_PASSPHRASE)
    page.locator("[data-keybar=unlock] button[type=submit]").click()
    expect(root).to_have_attribute("data-state", "ready")

    # The inbox, unlocked: a preview and a search, both in the browser.
    page.goto(live_server("/orgs/demo/cases?sort=newest"))
    row = page.locator(f"tr:has(a:text('{str(case.public_id)[:8]}'))")
    expect(row.locator("[data-preview]")).to_contain_text("Regissøren tok meg")
    page.fill("#inbox-search", "etter lunsj")
    expect(row).to_be_visible()
    page.fill("#inbox-search", "ingenting slikt her")
    expect(row).to_be_hidden()
    page.goto(case_url)
    expect(root).to_have_attribute("data-state", "ready")
    _state(page, "acknowledged")
    _state(page, "assessing")
    _write_summary(page, V1)

    # The reporter reads version 1 in their browser; meanwhile the handler changes the text.
    reporter.reload()
    reporter.wait_for_selector("body[data-ready]")
    expect(reporter.locator("#handoff blockquote")).to_contain_text(V1)
    _write_summary(page, V2)
    _agree(reporter)  # to the version on the screen, which has changed since
    expect(reporter.locator(ERROR)).to_contain_text("changed since you read it")
    reporter.wait_for_selector("body[data-ready]")
    expect(reporter.locator("#handoff blockquote")).to_contain_text(V2)
    _agree(reporter)
    expect(reporter.locator("main")).to_contain_text("consent to this version is recorded")
    reporter.locator("#handoff-withdraw-form button[type=submit]").click()
    expect(reporter.locator("main")).to_contain_text("Your consent is withdrawn")

    page.goto(case_url)
    expect(page.locator("[data-consent-state]")).to_contain_text("trakk samtykket")
    _release(page)
    expect(page.locator(".flash-error")).to_contain_text("ikke samtykket til denne versjonen")
    reporter.wait_for_selector("body[data-ready]")
    _agree(reporter)
    expect(reporter.locator("main")).to_contain_text("consent to this version is recorded")
    page.goto(case_url)
    _release(page)
    expect(page.locator(".flash-success")).to_contain_text("Frigitt")
    assert _handoff(live_server, case).version == 2

    # An identified summary that names the reporter: they must tick that separately.
    page.goto(case_url)
    expect(root).to_have_attribute("data-state", "ready")
    _write_summary(page, NAMED, kind="identified", names_reporter=True)
    reporter.reload()
    reporter.wait_for_selector("body[data-ready]")
    expect(reporter.locator("#handoff blockquote")).to_contain_text(NAMED)
    _agree(reporter)
    expect(reporter.locator(ERROR)).to_contain_text("This summary names you")
    reporter.wait_for_selector("body[data-ready]")
    _agree(reporter, name_me=True)
    expect(reporter.locator("main")).to_contain_text("consent to this version is recorded")
    page.goto(case_url)
    _release(page)
    expect(page.locator(".flash-success")).to_contain_text("Frigitt")

    # A meeting (its summary sealed in the browser), an interim measure and a task.
    day = today().isoformat()
    page.goto(case_url)
    expect(root).to_have_attribute("data-state", "ready")
    page.fill("#meeting-date", day)
    page.select_option("#meeting-kind", "with_reporter")
    for role in ("reporter", "safety_representative", "support_person"):
        page.check(f"input[name=participants][value={role}]")
    page.check("#meeting-support")
    page.fill("#meeting-summary", "Avtalt: nytt møte om to uker.")
    page.get_by_role("button", name="Lagre møtet").click()
    expect(page.locator(".flash-success")).to_contain_text("Møtet er lagret")
    page.select_option("#interim-code", "interim_separation")
    page.fill("#interim-start", day)
    page.fill("#interim-review", (today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Lagre det midlertidige tiltaket").click()
    expect(page.locator(".flash-success")).to_contain_text("midlertidige tiltaket er lagret")
    page.select_option("#task-kind", "ask_employer")
    page.fill("#task-due", (today() + timedelta(days=21)).isoformat())
    page.get_by_role("button", name="Legg til oppgaven").click()
    expect(page.locator(".flash-success")).to_contain_text("Oppgaven er lagret")
    expect(page.locator("[data-list=tasks]")).to_contain_text("Spør arbeidsgiveren")
    for name, value in (("nature", "physical"), ("explicitness", "clearly_sexual"),
                        ("frequency", "repeated"), ("relation", "superior"), ("power", "some"),
                        ("consequences", "impaired_work"), ("prior", "none")):
        page.check(f"input[name={name}][value={value}]")
    page.get_by_role("button", name="Lagre vurderingen").click()
    expect(page.locator("#assessment-result")).to_contain_text("Nivå")
    page.select_option("select[name=outcome]", "substantiated")
    page.get_by_role("button", name="Lagre anbefalingene").click()
    expect(page.locator(".flash-success")).to_contain_text("Anbefalinger")
    _state(page, "measures")
    _state(page, "closed")

    with app.app_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.case_id == case.id))
        assert meeting is not None and meeting.support_present and meeting.note_id
        note = db.session.get(Message, meeting.note_id)
        assert note is not None and "Avtalt" not in (note.body or "")
        assert db.session.scalar(select(InterimMeasure).where(InterimMeasure.case_id == case.id))
        assert db.session.scalar(select(CaseTask).where(CaseTask.case_id == case.id))
        # A month passes after the first release.
        for h in db.session.scalars(select(Handoff).where(Handoff.case_id == case.id)):
            h.released_on = today() - timedelta(days=35)
        db.session.commit()
        db.session.remove()

    # The reporter comes back without JavaScript: the summaries opened in server memory,
    # the page open after closure, and the check-in.
    context = _context(browser, java_script_enabled=False)
    nojs = context.new_page()
    nojs.goto(live_server("/r/demo/follow-up?lang=en"))
    nojs.fill("#receipt", code)
    nojs.click("button[type=submit]")
    expect(nojs.locator("#handoff")).to_contain_text(V2)
    expect(nojs.locator("#handoff")).to_contain_text(NAMED)
    expect(nojs.locator("[data-keep-until]")).to_contain_text("stays open until")
    expect(nojs.locator("#handoff-consent-form")).to_have_count(0)
    nojs.check("#check-in-yes")
    nojs.fill("#check-in-text", "Jeg får færre oppdrag nå.")
    nojs.click("#check-in-form button[type=submit]")
    expect(nojs.locator("main")).to_contain_text("Your answer is sent")
    expect(nojs.locator("#check-in-form")).to_have_count(0)
    context.close()
    with app.app_context():
        assert db.session.scalar(select(CheckIn).where(CheckIn.case_id == case.id))
        last = db.session.scalar(select(Message).where(Message.case_id == case.id)
                                 .order_by(Message.seq.desc()).limit(1))
        assert last is not None and last.sender == "reporter"
        opened = json.loads(envelope.unseal(json.loads(last.body or "{}"),
                                            receipt.derive(code).private_key,
                                            case.context + "/message"))
        assert "færre oppdrag" in opened["text"]
        db.session.remove()
