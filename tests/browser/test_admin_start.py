"""The admin's first-run page (issue 13): the public link on the address the server runs
on, a preview, the QR poster, the checklist, and the admin navigation with the referral
page. Desktop and phone width, bokmål and English."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, assert_accessible, sign_in
from trygg.seed import PEOPLE, SLUG

ADMIN = next(p for p in PEOPLE if p.role == "admin")


def test_admin_finds_the_link_preview_qr_and_checklist(
    page: Any, live_server: LiveServer, console_errors: list[str]
) -> None:
    # One sign-in for both languages: a second factor's code is accepted once.
    sign_in(page, live_server, ADMIN.email, ADMIN.password)
    page.wait_for_url(re.compile(r"/home$"))
    page.click(f"a[href='/orgs/{SLUG}/admin/start']")
    start = page.url
    for lang in ("nb", "en"):
        _check_start_page(page, live_server, start, lang, console_errors)
    # An invitation link too carries the address the server runs on.
    page.goto(live_server(f"/orgs/{SLUG}/admin/people/invite?lang=en"))
    page.fill("input[name=email]", f"leder-{uuid.uuid4().hex[:6]}@demo.trygg.test")
    page.select_option("select[name=role]", "leader")
    page.locator("main form button[type=submit]").first.click()
    assert page.locator("[data-invitation-link]").input_value().startswith(
        live_server("/invite/"))


def _check_start_page(
    page: Any, live_server: LiveServer, start: str, lang: str, console_errors: list[str]
) -> None:
    page.set_viewport_size({"width": 390, "height": 844} if lang == "en"
                           else {"width": 1280, "height": 900})
    page.goto(f"{start}?lang={lang}")
    link = page.locator("[data-public-link]").inner_text().strip()
    # The address this server answers on (the config says http://localhost in tests).
    assert link == live_server(f"/r/{SLUG}")
    steps = page.locator(".check-step")
    expect(steps).to_have_count(3)
    done = "Done." if lang == "en" else "Gjort."
    expect(steps.nth(1)).to_contain_text(done)  # the demo has handlers with keys
    assert page.locator(".qr svg").count() == 1
    nav = page.get_by_role("navigation", name=re.compile("Administra"))
    expect(nav.get_by_role("link", name="Henvisningsliste" if lang == "nb"
                           else "Referral directory")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    with page.context.expect_page() as preview:
        page.click("a[target=_blank]")
    preview.value.wait_for_load_state()
    assert preview.value.url.startswith(live_server(f"/r/{SLUG}"))
    preview.value.close()
    page.click(f"a[href='/orgs/{SLUG}/prevention/org/poster']")
    assert page.locator("svg").count() >= 1
    assert console_errors == []
