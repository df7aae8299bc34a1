"""A report from arrival to a closed case, in real Chromium.

The reporter submits on /r/demo; the demo handler signs in, unlocks their key in the
browser, reads the decrypted report, replies (the reply opens with the reporter's
receipt-derived key, in Python, and on the reporter's follow-up page), assesses, records
reactions, writes a summary, waits for the reporter's consent, releases it and closes the
case; the audit trail shows every step. Then: lock and sign-out forget the key.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from accounts import services as account_services
from casework.models import Assessment, Case, Handoff, Message
from crypto import envelope, receipt
from tests.browser.conftest import LiveServer, assert_accessible, sign_in
from trygg import clock
from trygg.extensions import db
from trygg.seed import KEY_PASSPHRASE, PEOPLE

VERA = next(p for p in PEOPLE if p.email.startswith("verneombud@"))
WHAT = "Regissøren tok meg på låret under prøven.\nDet har skjedd før."
REPLY = "Takk for at du sa ifra. Vi tar det på alvor og ser på saken nå."
SUMMARY = "En person med lederansvar har gjentatte ganger tatt på en medarbeider mot dennes vilje."


@pytest.fixture()
def reporter(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def _latest(live: LiveServer) -> tuple[Case, list[Message]]:
    with live.app.app_context():  # type: ignore[attr-defined]
        case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
        assert case is not None
        messages = list(db.session.scalars(select(Message).where(Message.case_id == case.id)
                                           .order_by(Message.seq)))
        _ = case.organisation.public_id
        db.session.expunge_all()
        db.session.remove()
    return case, messages


def _key_in_browser(page: Any) -> bool:
    return bool(page.evaluate(
        "import('/static/js/keys.js').then(m => m.loadSessionKey()).then(k => k !== null)"))


STATE_NAMES = {"acknowledged": "Bekreftet mottatt", "assessing": "Under vurdering",
               "measures": "Tiltak", "closed": "Avsluttet"}


def _state(page: Any, to: str) -> None:
    form = page.locator(f"form[data-form=state]:has(input[name=to][value={to}])")
    form.locator("button[type=submit]").click()
    flash = page.locator(".flash-success")
    expect(flash).to_contain_text(f"Saken har nå status: {STATE_NAMES[to]}")


def test_from_report_to_closed_case(
    page: Any, reporter: Any, live_server: LiveServer, console_errors: list[str]
) -> None:
    # The reporter writes a report on the demo organisation's page.
    reporter.goto(live_server("/r/demo?lang=en"))
    reporter.click("text=Write a report")
    reporter.wait_for_selector("#report-form[data-ready]")
    reporter.fill("#what", WHAT)
    reporter.click("[data-submit]")
    reporter.wait_for_selector("#receipt-panel:not([hidden])")
    code = reporter.locator("#receipt-js").inner_text().strip()
    case, _ = _latest(live_server)
    short = str(case.public_id)[:8]

    # The handler signs in and finds it in the inbox.
    sign_in(page, live_server, VERA.email, VERA.password)
    page.wait_for_url(re.compile(r"/home$"))
    page.goto(live_server("/orgs/demo/cases?lang=nb"))  # bokmål, kept in the session
    link = page.get_by_role("link", name=re.compile(short))
    expect(link).to_be_visible()
    row = page.get_by_role("row", name=re.compile(short))
    expect(row).to_contain_text("(i dag)")  # not "for 0 dager siden"
    assert_accessible(page)
    link.click()

    # Locked until the key passphrase is given; then the report is decrypted in the page.
    root = page.locator("#case-root")
    expect(root).to_have_attribute("data-state", "locked")
    page.fill("#key-passphrase", "not the passphrase")
    page.locator("[data-keybar=unlock] button[type=submit]").click()
    expect(page.locator("[data-keybar=status]")).to_contain_text("låste ikke opp")
    page.fill("#key-passphrase", KEY_PASSPHRASE)
    page.locator("[data-keybar=unlock] button[type=submit]").click()
    expect(root).to_have_attribute("data-state", "ready")
    report = page.locator("[data-slot=report]")
    expect(report).to_contain_text("Regissøren tok meg på låret under prøven.")
    expect(report).to_contain_text("Det har skjedd før.")
    expect(report).to_contain_text("engelsk")  # the report's language named, not "en"
    assert page.locator("#key-passphrase").input_value() == ""

    # A reply, sealed in the browser, counting as feedback.
    page.fill("#reply-text", REPLY)
    page.check("#reply-feedback")
    page.locator("[data-form=reply] button[type=submit]").click()
    expect(page.locator("[data-slot=thread]")).to_contain_text(REPLY)
    case, messages = _latest(live_server)
    mine = messages[-1]
    assert (mine.sender, mine.kind) == ("handler", "message")
    keys = receipt.derive(code)
    opened = envelope.unseal(json.loads(mine.body or "{}"), keys.private_key,
                             case.context + "/message")
    assert json.loads(opened)["text"] == REPLY
    assert case.feedback_on is not None

    # The reporter reads it on the follow-up page.
    reporter.context.clear_cookies()
    reporter.goto(live_server("/r/demo/follow-up?lang=en"))
    reporter.wait_for_selector("body[data-ready]")
    reporter.fill("#receipt", code)
    reporter.click("button[type=submit]")
    expect(reporter.locator("[data-thread]")).to_contain_text(REPLY)

    # Acknowledge, assess, decide.
    _state(page, "acknowledged")
    _state(page, "assessing")
    for name, value in (("nature", "physical"), ("explicitness", "clearly_sexual"),
                        ("frequency", "repeated"), ("relation", "superior"), ("power", "some"),
                        ("consequences", "impaired_work"), ("prior", "none")):
        page.check(f"input[name={name}][value={value}]")
    page.check("input[name=aggravating][value=told_unwanted]")
    page.get_by_role("button", name="Lagre vurderingen").click()
    expect(page.locator("#assessment-result")).to_contain_text("Nivå 4 av 5")
    expect(page.locator("#assessment")).to_contain_text("Foreløpig vurdering")
    expect(page.locator("#assessment-result")).to_contain_text("23 15 73 00")  # LDO's phone
    for value in ("change_of_roles", "follow_up_support", "feedback_to_reporter"):
        page.check(f"input[name=reactions][value={value}]")
    page.check("input[name=referrals][value=ldo]")
    page.select_option("select[name=outcome]", "substantiated")
    page.get_by_role("button", name="Lagre anbefalingene").click()
    expect(page.locator(".flash-success")).to_contain_text("Anbefalinger, henvisninger og utfall")
    page.check("input[name=actions][value=written_warning]")
    page.fill("input[name=decided_on]", clock.today().isoformat())
    page.select_option("select[name=source]", "written_answer")
    page.get_by_role("button", name="Lagre hva arbeidsgiveren gjorde").click()
    expect(page.locator(".flash-success")).to_contain_text("Hva arbeidsgiveren gjorde")

    # The summary for the employer, then the reporter's consent, then the release.
    expect(root).to_have_attribute("data-state", "ready")
    page.fill("#handoff-text", SUMMARY)
    page.select_option("select[name=recipient]", "daglig_leder")
    for box in page.locator("input[name=checklist]").all():
        box.check()
    page.get_by_role("button", name="Lagre sammendraget").click()
    expect(page.locator(".flash")).to_contain_text("Sammendraget er lagret")
    page.get_by_role("button", name="Frigi sammendraget til arbeidsgiver").click()
    expect(page.locator(".flash-error")).to_contain_text("samtykke")

    reporter.reload()
    reporter.wait_for_selector("body[data-ready]")
    # The reporter reads the exact text, opened in their browser, and agrees to that version.
    expect(reporter.locator("#handoff blockquote")).to_contain_text(SUMMARY)
    reporter.check("#handoff-agree")
    reporter.locator("#handoff-consent-form button[type=submit]").click()
    expect(reporter.locator("main")).to_contain_text("consent to this version is recorded")

    case_url = live_server(f"/orgs/demo/cases/{case.public_id}")
    page.goto(case_url)  # the refusal was rendered at the form's address
    page.get_by_role("button", name="Frigi sammendraget til arbeidsgiver").click()
    expect(page.locator(".flash-success")).to_contain_text("Frigitt")
    page.get_by_role("link", name="Åpne sammendraget for å skrive det ut eller lagre det").click()
    expect(page.locator("[data-slot=handoff]")).to_contain_text(SUMMARY)  # key survived navigation
    page.goto(case_url)

    _state(page, "measures")
    _state(page, "closed")
    expect(page.locator(".facts")).to_contain_text("Avsluttet")
    expect(root).to_have_attribute("data-state", "ready")
    assert_accessible(page)

    trail = page.locator("#trail tbody").inner_text()
    for step in ("Åpnet saken", "Sendte en melding til den som meldte (tilbakemelding)",
                 "Mottatt → Bekreftet mottatt", "Bekreftet mottatt → Under vurdering",
                 "Registrerte vurderingen: nivå 4",
                 "Registrerte anbefalinger, henvisninger og utfall",
                 "Registrerte hva arbeidsgiveren gjorde",
                 "Skrev et sammendrag til arbeidsgiver", "Avvist: Frigav sammendraget",
                 "Frigav sammendraget til arbeidsgiver", "Tiltak → Avsluttet"):
        assert step in trail, step
    assert "Vera Verneombud" in trail

    with live_server.app.app_context():  # type: ignore[attr-defined]
        stored = db.session.get(Case, case.id)
        assert stored is not None and stored.state == "closed"
        assessment = db.session.get(Assessment, case.id)
        assert assessment is not None and assessment.level == 4
        assert {r.code for r in assessment.reactions} >= {"change_of_roles"}
        handoff = db.session.scalar(select(Handoff).where(Handoff.case_id == case.id))
        assert handoff is not None and handoff.released_on is not None
        db.session.remove()

    # Locking forgets the key; the page says so and shows nothing decrypted.
    assert _key_in_browser(page)
    page.locator("[data-keybar=lock]").click()
    expect(root).to_have_attribute("data-state", "locked")
    expect(page.locator("[data-slot=report]")).not_to_contain_text("Regissøren")
    assert not _key_in_browser(page)

    # Signing out forgets it too.
    page.fill("#key-passphrase", KEY_PASSPHRASE)
    page.locator("[data-keybar=unlock] button[type=submit]").click()
    expect(root).to_have_attribute("data-state", "ready")
    assert _key_in_browser(page)
    page.locator("[data-action=logout]").click()
    page.wait_for_url(re.compile(r"/login"))
    assert not _key_in_browser(page)
    # The one refusal above (release before consent) is answered 400, which Chromium logs.
    refused = [e for e in console_errors if "status of 400" in e]
    assert len(refused) == 1 and [e for e in console_errors if e not in refused] == []


def _open_in_python(live: LiveServer, picture: bytes) -> tuple[str, str]:
    """A case with an attachment, filed through casework.intake as the reporter's page does."""
    import io
    import secrets

    from accounts.models import Organisation
    from casework import intake
    from crypto import stream

    with live.app.app_context():  # type: ignore[attr-defined]
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "demo"))
        assert org is not None
        code = receipt.generate()
        keys = receipt.derive(code)
        case_id = uuid.uuid4()
        chosen = intake.route(intake.handlers(db.session, org), [])
        recipients = [h.public_key for h in chosen] + [keys.public_key]
        doc = {"type": "trygg/report", "v": 1, "lang": "nb", "what": WHAT}
        opened = intake.open_case(
            db.session, intake.Destination.of(db.session, org),
            intake.Submission(case_id, keys.lookup_token, keys.public_key,
                              envelope.seal(json.dumps(doc).encode(), recipients,
                                            intake.context(org, case_id, intake.REPORT)),
                              secrets.token_bytes(16)),
            secret=live.app.config["SECRET_KEY"], today=clock.today(),  # type: ignore[attr-defined]
        )
        case = db.session.get(Case, opened.case_id)
        assert case is not None
        key, pieces = stream.encrypt_stream(io.BytesIO(picture), recipients,
                                            case.context + "/attachment")
        meta = envelope.seal(json.dumps({"name": "bilde.png", "type": "image/png",
                                         "size": len(picture)}).encode(),
                             recipients, case.context + "/attachment-meta")
        intake.store_stream(db.session, case, key=key, meta=meta, stream=pieces,
                            limits=intake.Limits(10**8, 10**9), today=clock.today(),
                            size=len(picture))
        db.session.commit()
        public_id = str(opened.public_id)
        db.session.remove()
    return public_id, code


def test_attachment_download_handover_and_idle_lock(
    page: Any, live_server: LiveServer, console_errors: list[str], tmp_path: Any
) -> None:
    from crypto import keywrap
    from trygg.seed import PEOPLE as DEMO

    picture = bytes(range(256)) * 1000  # a few stream chunks
    case_id, _code = _open_in_python(live_server, picture)
    sign_in(page, live_server, VERA.email, VERA.password)
    page.wait_for_url(re.compile(r"/home$"))
    case_url = live_server(f"/orgs/demo/cases/{case_id}?lang=nb")
    page.goto(case_url)
    page.fill("#key-passphrase", KEY_PASSPHRASE)
    page.locator("[data-keybar=unlock] button[type=submit]").click()
    root = page.locator("#case-root")
    expect(root).to_have_attribute("data-state", "ready")

    # The attachment is streamed as ciphertext and decrypted in the browser.
    item = page.locator("[data-slot=attachments] li").first
    expect(item).to_contain_text("bilde.png")
    with page.expect_download() as download:
        item.get_by_role("button").click()
    saved = tmp_path / "bilde.png"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "bilde.png"
    assert saved.read_bytes() == picture

    # Adding the external adviser: every envelope is re-sealed here, in the browser.
    rolf = next(p for p in DEMO if p.external)
    page.select_option("#add-handler", label=f"{rolf.name} ({rolf.title})")
    page.locator("[data-form=add-handler] button[type=submit]").click()
    expect(page.locator("#handlers ul").first).to_contain_text("Rolf Rådgiver")
    with live_server.app.app_context():  # type: ignore[attr-defined]
        person = account_services.person_by_email(db.session, rolf.email)
        assert person is not None and person.public_key is not None
        key = keywrap.unwrap_private_key(json.loads(person.wrapped_private_key or "{}"),
                                         KEY_PASSPHRASE, person.public_key)
        case = db.session.scalar(select(Case).where(Case.public_id == uuid.UUID(case_id)))
        assert case is not None
        assert json.loads(envelope.unseal(json.loads(case.report or "{}"), key,
                                          case.context + "/report"))["what"] == WHAT
        for attachment in case.attachments:
            assert envelope.unseal(json.loads(attachment.key or "{}"), key,
                                   case.context + "/attachment")
        db.session.remove()

    # A key left idle longer than the session's idle time is wiped on the next page.
    page.evaluate("""new Promise((resolve, reject) => {
        const open = indexedDB.open("trygg-keys", 1);
        open.onsuccess = () => {
            const tx = open.result.transaction("session", "readwrite");
            const store = tx.objectStore("session");
            const get = store.get("handler");
            get.onsuccess = () => {
                const record = get.result;
                record.lastUsed = 0;
                store.put(record, "handler");
            };
            tx.oncomplete = () => { open.result.close(); resolve(true); };
            tx.onerror = () => reject(tx.error);
        };
    })""")
    page.goto(case_url)
    expect(root).to_have_attribute("data-state", "locked")
    assert not _key_in_browser(page)
    assert console_errors == []
