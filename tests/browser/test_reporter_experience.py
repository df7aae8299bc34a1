"""The reporter's experience around the report (issue 13), in real Chromium: nothing of the
case left signed in after sending, the receipt saved or printed, limits shown and never
cut, a dropped file said, the quick exit, the leave warning, and the help and privacy pages.
Desktop and phone width, bokmål and English, with and without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from casework.models import Attachment
from reporting import document
from tests.browser.conftest import LiveServer, assert_accessible
from tests.browser.test_reporting import (
    EXTERNAL,
    INTERNAL,
    Demo,
    _accessible_without_js,
    _context,
)
from tests.reporting import support
from trygg.extensions import db

PHONE = {"width": 390, "height": 844}
NEUTRAL = "https://www.yr.no/"


@pytest.fixture(autouse=True)
def _fresh_limits(live_server: LiveServer) -> Iterator[None]:
    """These tests sign in with receipts often; leave the live server's limits as found
    (5 receipt logins a minute) for the other tests."""
    from trygg.extensions import limiter

    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture()
def js_page(browser: Any) -> Iterator[Any]:
    context = _context(browser)
    context.route(NEUTRAL + "**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>yr</title><p>Vær"))
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture()
def nojs_page(browser: Any) -> Iterator[Any]:
    context = _context(browser, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def _reporter_cookie(page: Any) -> list[dict[str, Any]]:
    return [c for c in page.context.cookies() if c["name"] == "trygg_reporter"]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_after_sending_with_a_file_nothing_of_the_case_stays_signed_in(
    js_page: Any, live_server: LiveServer, lang: str
) -> None:
    page = js_page
    if lang == "nb":
        page.set_viewport_size(PHONE)
    page.goto(live_server(f"/r/demo/report?lang={lang}"))
    page.wait_for_selector("#report-form[data-ready]")
    page.fill("#what", "Noe skjedde på prøven.")
    page.set_input_files("#attachments", files=[
        {"name": "notat.txt", "mimeType": "text/plain", "buffer": b"et notat"}])
    page.click("[data-submit]")
    page.wait_for_selector("#receipt-panel:not([hidden])")
    rows = page.locator("[data-upload-list] li")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("File sent." if lang == "en" else "Filen er sendt.")
    with Demo(live_server) as demo:
        files = db.session.scalars(
            select(Attachment.complete).where(Attachment.case_id == demo.latest().id)).all()
        assert files == [True]
    assert _reporter_cookie(page) == []
    state = page.locator("[data-device-state]")
    expect(state).to_be_visible()
    expect(state).to_contain_text("not signed in" if lang == "en" else "ikke logget inn")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The next person at this browser: the follow-up page asks for a receipt.
    page.locator("[data-receipt-saved]").check()
    page.goto(live_server(f"/r/demo/follow-up?lang={lang}"))
    expect(page.locator("#receipt")).to_be_visible()
    assert page.locator("[data-thread] li").count() == 0


def test_a_session_from_earlier_is_said_and_can_be_ended(
    nojs_page: Any, live_server: LiveServer
) -> None:
    page = nojs_page
    receipt = _send_without_js(page, live_server, "Først én rapport.")
    page.goto(live_server("/r/demo/follow-up?lang=en"))
    page.fill("#receipt", receipt)
    page.click("button[type=submit]")
    assert len(_reporter_cookie(page)) == 1
    page.goto(live_server("/r/demo/report?lang=en"))
    page.fill("#what", "En rapport til.")
    page.click("button[type=submit]")
    assert "still signed in" in page.locator(".device-state").inner_text()
    page.click(".device-state button")
    assert _reporter_cookie(page) == []


def _send_without_js(page: Any, live: LiveServer, what: str) -> str:
    page.goto(live("/r/demo/report?lang=en"))
    page.fill("#what", what)
    page.click("button[type=submit]")
    return str(page.locator("[data-receipt]").inner_text().strip())


def test_long_text_is_kept_whole_with_a_counter(js_page: Any, live_server: LiveServer) -> None:
    page = js_page
    page.goto(live_server("/r/demo/report?lang=en"))
    page.wait_for_selector("#report-form[data-ready]")
    long = ("Dette er en lang beretning. " * 4000)[:100_000]  # 100 kB pasted
    page.locator("#what").fill(long)
    assert page.locator("#what").evaluate("el => el.value.length") == 100_000
    counter = page.locator("[data-counter-for=what]")
    expect(counter).to_contain_text("100,000 of 200,000 characters")
    page.click("[data-submit]")
    page.wait_for_selector("#receipt-panel:not([hidden])")
    with Demo(live_server) as demo:
        doc = support.open_report(demo.latest(), demo.key(INTERNAL))
        assert doc["what"] == long


def test_text_over_a_limit_is_refused_before_sending_never_cut(
    js_page: Any, live_server: LiveServer
) -> None:
    page = js_page
    page.goto(live_server("/r/demo/report?lang=en"))
    page.wait_for_selector("#report-form[data-ready]")
    page.fill("#what", "Noe skjedde.")
    page.locator("#contact_name").fill("x" * (document.MAX_SHORT + 5))
    assert page.locator("#contact_name").evaluate("el => el.value.length") == document.MAX_SHORT + 5
    expect(page.locator("[data-counter-for=contact_name]")).to_contain_text("5 characters too many")
    with Demo(live_server) as demo:
        before = demo.cases()
    page.click("[data-submit]")
    expect(page.locator("[data-js-error]")).to_contain_text("too long")
    assert page.locator("#receipt-panel").is_hidden()
    with Demo(live_server) as demo:
        assert demo.cases() == before


def test_without_javascript_a_limit_is_shown_and_a_dropped_file_is_said(
    browser: Any, nojs_page: Any, live_server: LiveServer
) -> None:
    page = nojs_page
    page.goto(live_server("/r/demo/report?lang=en"))
    assert "Up to 300 characters." in page.locator("[data-counter-for=contact_name]").inner_text()
    assert page.locator("#what").get_attribute("maxlength") is None
    page.locator("#contact_name").fill("x" * (document.MAX_SHORT + 1))
    page.set_input_files("#attachments", files=[
        {"name": "bevis.txt", "mimeType": "text/plain", "buffer": b"bevis"}])
    page.click("button[type=submit]")  # "what" is empty too
    assert "longer than 300 characters" in page.locator("#contact_name-error").inner_text()
    dropped = page.locator("#files-dropped")
    assert "bevis.txt" in dropped.inner_text() and "choose it again" in dropped.inner_text()
    # The long value came back whole, for the reporter to shorten.
    assert page.locator("#contact_name").input_value() == "x" * (document.MAX_SHORT + 1)
    _accessible_without_js(browser, live_server, page.content())


@pytest.mark.parametrize("path", ["", "/report", "/follow-up", "/help", "/privacy"])
def test_quick_exit_on_every_reporter_page_replaces_the_history_entry(
    js_page: Any, live_server: LiveServer, path: str
) -> None:
    page = js_page
    page.goto(live_server("/static/blank.html"))
    page.goto(live_server(f"/r/demo{path}"))
    page.wait_for_load_state()
    exit_link = page.locator("[data-quick-exit]")
    expect(exit_link).to_be_visible()
    exit_link.click()
    page.wait_for_url(NEUTRAL)
    page.go_back()
    assert page.url.endswith("/static/blank.html")  # not back to the reporter's page


def test_help_and_privacy_are_linked_from_every_reporter_page_and_accessible(
    browser: Any, js_page: Any, nojs_page: Any, live_server: LiveServer
) -> None:
    for path in ["", "/report", "/follow-up"]:
        nojs_page.goto(live_server(f"/r/demo{path}"))
        footer = nojs_page.locator("footer")
        assert footer.get_by_role("link", name="Personvernerklæring").count() == 1
        assert footer.get_by_role("link", name="Slik virker det – spørsmål og svar").count() == 1
    for lang in ["nb", "en"]:
        nojs_page.goto(live_server(f"/r/demo/privacy?lang={lang}"))
        text = nojs_page.locator("main").inner_text()
        assert "3 years" in text or "3 år" in text  # the demo's retention period
        assert "Datatilsynet" in text
        _accessible_without_js(browser, live_server, nojs_page.content())
        js_page.set_viewport_size(PHONE)
        js_page.goto(live_server(f"/r/demo/help?lang={lang}"))
        assert INTERNAL in js_page.locator("main").inner_text()
        assert_accessible(js_page)
        assert js_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_leaving_a_half_written_report_asks_first(js_page: Any, live_server: LiveServer) -> None:
    page = js_page
    page.goto(live_server("/r/demo/report?lang=en"))
    page.wait_for_selector("#report-form[data-ready]")
    page.click("#what")
    page.keyboard.type("Jeg vil fortelle")
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.click("a.brand")
    expect(page.locator("#what")).to_have_value("Jeg vil fortelle")
    assert dialogs == ["beforeunload"]
    # The quick exit never asks.
    page.click("[data-quick-exit]")
    page.wait_for_url(NEUTRAL)
    assert dialogs == ["beforeunload"]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_receipt_can_be_saved_and_printed_and_asks_until_saved(
    js_page: Any, live_server: LiveServer, lang: str
) -> None:
    page = js_page
    page.goto(live_server(f"/r/demo/report?lang={lang}"))
    page.wait_for_selector("#report-form[data-ready]")
    page.fill("#what", "Noe skjedde.")
    page.click("[data-submit]")
    page.wait_for_selector("#receipt-panel:not([hidden])")
    receipt = page.locator("#receipt-js").inner_text().strip()
    with page.expect_download() as info:
        page.click("#receipt-panel [data-save-receipt]")
    saved = info.value.path().read_text(encoding="utf-8")
    assert receipt in saved
    expect(page.locator("#receipt-panel [data-print]")).to_be_visible()
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.click("#receipt-panel a.button")
    assert dialogs == ["beforeunload"]
    page.locator("#receipt-panel [data-receipt-saved]").check()
    page.click("#receipt-panel a.button")
    page.wait_for_url("**/follow-up**")
    assert dialogs == ["beforeunload"]


def test_a_reloaded_no_js_receipt_no_longer_claims_to_be_shown_once(
    browser: Any, nojs_page: Any, live_server: LiveServer
) -> None:
    page = nojs_page
    page.goto(live_server("/r/demo/report?lang=en"))
    page.fill("#what", "Noe skjedde.")
    page.click("button[type=submit]")
    assert "shown only this once" in page.locator(".notice h2").inner_text()
    _accessible_without_js(browser, live_server, page.content())
    page.reload()
    assert "already been sent" in page.locator("main").inner_text()
    assert "shown only this once" not in page.locator("main").inner_text()


def test_the_follow_up_page_names_who_reads_the_case(
    browser: Any, nojs_page: Any, live_server: LiveServer
) -> None:
    page = nojs_page
    page.goto(live_server("/r/demo/report?lang=en"))
    page.fill("#what", "Det gjelder verneombudet.")
    page.get_by_label(f"Leave out {INTERNAL}", exact=False).first.check()
    page.click("button[type=submit]")
    receipt = page.locator("[data-receipt]").inner_text().strip()
    with Demo(live_server) as demo:
        support.reply_as_handler(db.session, demo.latest(), EXTERNAL, "Jeg har lest det.")
        db.session.commit()
    page.goto(live_server("/r/demo/follow-up?lang=en"))
    page.fill("#receipt", receipt)
    page.click("button[type=submit]")
    readers = page.locator(".case-status .readers").inner_text()
    assert f"{EXTERNAL} – the organisation's external advisor" in readers
    assert INTERNAL not in readers and "safety representative" not in readers
    assert "External advisor" in page.locator(".thread").inner_text()
    _accessible_without_js(browser, live_server, page.content())


_CONTROLS = "main button:visible, main a.button:visible, main .actions a:visible"


def _touching(page: Any) -> list[str]:
    """Pairs of visible controls whose boxes touch or overlap (less than 4 px apart)."""
    boxes = page.locator(_CONTROLS).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [e.textContent.trim(), r.left, r.top, r.right, r.bottom]; })")
    found = []
    for i, (a, l1, t1, r1, b1) in enumerate(boxes):
        for b, l2, t2, r2, b2 in boxes[i + 1:]:
            apart_x = max(l2 - r1, l1 - r2)
            apart_y = max(t2 - b1, t1 - b2)
            if apart_x < 4 and apart_y < 4:
                found.append(f"{a!r} / {b!r}")
    return found


@pytest.mark.parametrize("width", [1280, 390])
def test_buttons_on_the_receipt_and_follow_up_pages_do_not_touch(
    nojs_page: Any, live_server: LiveServer, width: int
) -> None:
    page = nojs_page
    page.set_viewport_size({"width": width, "height": 900})
    receipt = _send_without_js(page, live_server, "Noe skjedde.")
    assert _touching(page) == []
    page.goto(live_server("/r/demo/follow-up?lang=en"))
    page.fill("#receipt", receipt)
    page.click("button[type=submit]")
    page.click(".your-report summary")
    assert _touching(page) == []


@pytest.mark.parametrize("width", [1280, 390])
def test_buttons_with_javascript_do_not_touch(
    js_page: Any, live_server: LiveServer, width: int
) -> None:
    page = js_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server("/r/demo/report?lang=en"))
    page.wait_for_selector("#report-form[data-ready]")
    page.fill("#what", "Noe skjedde.")
    page.click("[data-submit]")
    page.wait_for_selector("#receipt-panel:not([hidden])")
    assert _touching(page) == []
    receipt = page.locator("#receipt-js").inner_text().strip()
    page.locator("[data-receipt-saved]").check()
    page.goto(live_server("/r/demo/follow-up?lang=en"))
    page.wait_for_selector("body[data-ready]")
    page.fill("#receipt", receipt)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-ready]")
    page.wait_for_selector("[data-thread]:not([hidden])")
    assert _touching(page) == []


def test_the_advice_list_never_leaves_the_texts_column_empty_beside_it(
    js_page: Any, live_server: LiveServer
) -> None:
    page = js_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server("/r/demo?lang=en"))
    texts = page.locator(".org-texts").bounding_box()
    aside = page.locator(".org-aside").bounding_box()
    # The aside is at most a screen tall (it scrolls), so the row is as tall as the texts.
    assert aside["height"] <= 800
    assert aside["height"] <= texts["height"]
    assert_accessible(page)
