"""Journeys through the tier in real Chromium, over https:// only, any request landing on
either node: a reporter with an attachment and a handler who signs in with a second factor,
unlocks, reads, replies, assesses and exports; an admin's invitation; a leader's statistics.
Afterwards nothing of the reporter is in nginx's or gunicorn's logs or nginx's temp files."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from casework.models import Case
from tests.browser.conftest import sign_in
from tests.deploy.tier import Tier
from trygg.extensions import db
from trygg.seed import KEY_PASSPHRASE, PEOPLE

VERA = next(p for p in PEOPLE if p.email.startswith("verneombud@"))
ADMIN = next(p for p in PEOPLE if p.role == "admin")
LEADER = next(p for p in PEOPLE if p.role == "leader")
NOTE = b"Skjermbilde av meldingene, lagret samme kveld.\n" * 40


def _latest_case(tier: Tier) -> Case:
    with tier.app.app_context():
        case = db.session.scalar(select(Case).order_by(Case.id.desc()).limit(1))
        assert case is not None
        db.session.expunge_all()
        db.session.remove()
    return case


def _no_errors_on(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def test_report_reply_assess_and_export_as_deployed(
    browser: Any, live: Tier, tls_page: Any, tmp_path: Path
) -> None:
    phrase = f"CANARY-{uuid.uuid4().hex}"
    reporter = browser.new_context(ignore_https_errors=True).new_page()
    reporter_errors = _no_errors_on(reporter)

    # The reporter writes, attaches a file and keeps the receipt.
    reporter.goto(live("/r/demo?lang=en"))
    reporter.click("text=Write a report")
    reporter.wait_for_selector("#report-form[data-ready]")
    reporter.fill("#what", f"Han tok meg på låret etter prøven. {phrase}")
    reporter.set_input_files("#attachments", files=[
        {"name": "notat.txt", "mimeType": "text/plain", "buffer": NOTE + phrase.encode()}])
    reporter.click("[data-submit]")
    reporter.wait_for_selector("#receipt-panel:not([hidden])")
    code = reporter.locator("#receipt-js").inner_text().strip()
    expect(reporter.locator("[data-upload-list] li").first).to_contain_text("File sent")
    case = _latest_case(live)

    # The handler signs in (password and TOTP through real forms over HTTPS), unlocks.
    page = tls_page
    handler_errors = _no_errors_on(page)
    sign_in(page, live, VERA.email, VERA.password)
    page.wait_for_url(re.compile(r"/home$"))
    case_url = live(f"/orgs/demo/cases/{case.public_id}?lang=nb")
    page.goto(case_url)
    page.fill("#key-passphrase", KEY_PASSPHRASE)
    page.locator("[data-keybar=unlock] button[type=submit]").click()
    root = page.locator("#case-root")
    expect(root).to_have_attribute("data-state", "ready")
    expect(page.locator("[data-slot=report]")).to_contain_text(phrase)

    # The attachment streams through nginx and opens in the browser.
    item = page.locator("[data-slot=attachments] li").first
    expect(item).to_contain_text("notat.txt")
    with page.expect_download() as download:
        item.get_by_role("button").click()
    saved = tmp_path / "notat.txt"
    download.value.save_as(saved)
    assert saved.read_bytes() == NOTE + phrase.encode()

    # A reply; the reporter reads it with the receipt and writes back.
    reply = "Takk for at du sa ifra. Kan vi snakkes denne uka?"
    page.fill("#reply-text", reply)
    page.locator("[data-form=reply] button[type=submit]").click()
    expect(page.locator("[data-slot=thread]")).to_contain_text(reply)

    reporter.context.clear_cookies()
    reporter.goto(live("/r/demo/follow-up?lang=en"))
    reporter.wait_for_selector("body[data-ready]")
    reporter.fill("#receipt", code)
    reporter.click("button[type=submit]")
    expect(reporter.locator("[data-thread]")).to_contain_text(reply)
    reporter.fill("#text", "Ja, gjerne. Torsdag passer.")
    reporter.click("#message-form button[type=submit]")
    expect(reporter.locator("[data-thread]")).to_contain_text("Torsdag passer.")

    page.goto(case_url)  # the key survived navigation
    expect(root).to_have_attribute("data-state", "ready")
    expect(page.locator("[data-slot=thread]")).to_contain_text("Torsdag passer.")

    # Acknowledge and assess.
    for to in ("acknowledged", "assessing"):
        page.locator(f"form[data-form=state]:has(input[name=to][value={to}]) "
                     "button[type=submit]").click()
        expect(page.locator(".flash-success")).to_be_visible()
    page.select_option("select[name=kind]", "sexual_harassment")
    for name, value in (("nature", "physical"),
                        ("explicitness", "clearly_sexual"), ("frequency", "once"),
                        ("relation", "peer"), ("power", "none"),
                        ("consequences", "discomfort"), ("prior", "none")):
        page.check(f"input[name={name}][value={value}]")
    page.get_by_role("button", name="Lagre vurderingen").click()
    expect(page.locator("#assessment-result")).to_contain_text("Nivå")

    # The signed export downloads and verifies offline against the pinned server key.
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned sakspakken").click()
    bundle = tmp_path / "bundle.json"
    download.value.save_as(bundle)
    printed = live.flask("trygg", "bundle-key").stdout
    key = re.search(r"Ed25519 public key: (\S+)", printed)
    assert key, printed
    checked = subprocess.run(
        [str(Path(sys.executable).parent / "trygg-bundle"), "verify", str(bundle),
         "--public-key", key.group(1)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "valid" in checked.stdout.lower()
    assert reporter_errors == [] and handler_errors == []

    # Nothing of the reporter reached a log or nginx's disk.
    needle = phrase.encode()
    access = live.access_log.read_text() if live.access_log.exists() else ""
    assert "/r/" not in access and "127.0.0.1" not in access
    assert "/orgs/demo/cases" in access  # the log is written, just not for reporters
    for node in live.nodes:
        assert "/r/" not in node.log_text()
        assert phrase not in node.log_text()
    errors = live.error_log.read_text()
    assert "/r/" not in errors, errors  # production drops these; the tier keeps them apart
    spooled = live.reporter_error_log.read_text() if live.reporter_error_log.exists() else ""
    assert "buffered to a temporary file" not in spooled + errors
    assert needle not in live.access_log.read_bytes()


def test_admin_invites_and_the_link_works(browser: Any, live: Tier, tls_page: Any) -> None:
    page = tls_page
    sign_in(page, live, ADMIN.email, ADMIN.password)
    page.wait_for_url(re.compile(r"/home$"))
    email = f"ny-{uuid.uuid4().hex[:8]}@example.no"
    page.goto(live("/orgs/demo/admin/people/invite?lang=nb"))
    page.fill("input[name=email]", email)
    page.select_option("select[name=role]", "leader")
    page.locator("main form button[type=submit]").click()
    link = page.locator("[data-invitation-link]").input_value()
    assert link.startswith(live.url + "/invite/"), link  # TRYGG_BASE_URL, https

    invited = browser.new_context(ignore_https_errors=True).new_page()
    invited.goto(link)
    invited.fill("input[name=name]", "Nina Ny")
    invited.fill("input[name=password]", "fire ord som huskes godt")
    invited.fill("input[name=confirm]", "fire ord som huskes godt")
    invited.locator("main form button[type=submit]").click()
    invited.wait_for_url(lambda url: "/invite/" not in url)
    assert invited.url.startswith(live.url)
    expect(invited.locator("main")).not_to_contain_text("400")
    invited.context.close()


def test_leader_opens_the_statistics(live: Tier, tls_page: Any) -> None:
    page = tls_page
    sign_in(page, live, LEADER.email, LEADER.password)
    page.wait_for_url(re.compile(r"/home$"))
    answer = page.goto(live("/orgs/demo/statistics?lang=nb"))
    assert answer is not None and answer.status == 200
    expect(page.locator("h1")).to_be_visible()


def test_report_without_javascript_streams_through_the_proxy(live: Tier) -> None:
    """The form without JavaScript sends plaintext: nginx passes it on without spooling it
    to disk, the server seals it in memory, and the canary is in no log and no dump."""
    import base64
    import os

    from tests.deploy.reporter import BROWSER, Reporter
    from tests.reporting.support import pg_dump

    phrase = f"CANARY-{uuid.uuid4().hex}"
    reporter = Reporter(live, "127.0.5.1")
    form = reporter.http.get(live("/r/demo/report?lang=nb"))
    token = re.search(r'name="form_token" value="([^"]+)"', form.text)
    assert form.status_code == 200 and token
    big = (phrase.encode() + b"\n") * (3 * 1024 * 1024 // 42)  # about 3 MB of plaintext
    answer = reporter.http.post(
        live("/r/demo/report?lang=nb"), headers=BROWSER,
        data={"form_token": token.group(1), "what": f"Uten JavaScript. {phrase}",
              "idempotency_key": base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()},
        files=[("attachments", ("logg.txt", big, "text/plain"))], timeout=120)
    assert answer.status_code == 200, answer.status_code
    assert "kvittering" in answer.text.lower()

    spooled = live.reporter_error_log.read_text() if live.reporter_error_log.exists() else ""
    assert "buffered to a temporary file" not in spooled + live.error_log.read_text()
    needle = phrase.encode()
    for path in (live.access_log, live.error_log, *(n.log for n in live.nodes)):
        assert not path.exists() or needle not in path.read_bytes(), path
    assert needle not in pg_dump(live.database_url)


def test_exercise_through_the_proxy_leaves_no_trace_of_participants(live: Tier) -> None:
    """«OK eller ikke OK?» as deployed: a leader runs it through the JSON API, phones on
    their own addresses answer through nginx on both nodes, the spread shows at k, closing
    deletes the raw answers, and no participant route reaches any log."""
    from sqlalchemy import func

    from exercise.models import ExerciseAnswer
    from tests.deploy.conftest import client_from
    from tests.deploy.staff import sign_in as staff_sign_in

    leader = live.client()
    staff_sign_in(leader, live, LEADER.email, LEADER.password)
    page = leader.get(live("/orgs/demo/exercises")).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    headers = {"X-CSRFToken": token.group(1), "Sec-Fetch-Site": "same-origin"}
    created = leader.post(live("/orgs/demo/api/exercises"), json={"scenarios": "brochure"},
                          headers=headers)
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    api = f"/orgs/demo/api/exercises/{code}"
    assert leader.post(live(f"{api}/advance"), headers=headers).status_code == 200

    values = [2, 3, 3, 8, 9, 10]
    for i, value in enumerate(values):
        phone = client_from(live, f"127.0.7.{i + 1}")
        joined = phone.post(live(f"/x/{code}/api/join"))
        assert joined.status_code == 201
        answer = phone.post(live(f"/x/{code}/api/answers"), json={
            "participant": joined.json()["participant"], "scenario": 0,
            "perspective": "colleague", "value": value})
        assert answer.status_code == 204
    viewer = live.client()
    assert viewer.get(live(f"/x/{code}/api/results?scenario=0")).json() == {"withheld": True}
    assert leader.post(live(f"{api}/reveal"), headers=headers).status_code == 200
    shown = viewer.get(live(f"/x/{code}/api/results?scenario=0")).json()
    colleague = shown["perspectives"]["colleague"]
    assert colleague["n"] == len(values)
    assert colleague["histogram"] == [values.count(v) for v in range(1, 11)]

    assert leader.post(live(f"{api}/close"), headers=headers).status_code == 200
    gone = viewer.get(live(f"/x/{code}/api/state"))
    assert gone.status_code == 404
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExerciseAnswer)) == 0
        db.session.remove()
    access = live.access_log.read_text() if live.access_log.exists() else ""
    assert "/x/" not in access and code not in access
    for node in live.nodes:
        assert "/x/" not in node.log_text() and code not in node.log_text()
