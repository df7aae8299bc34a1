"""A coordinator sets up a production in real Chromium: mapping → rules → routines →
consequences → clause → poster, and the production's reporter page shows the result."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, assert_accessible, sign_in
from trygg.seed import PEOPLE, SLUG

COORDINATOR = next(p for p in PEOPLE if p.role == "coordinator")


def _submit(page: Any, form: str) -> None:
    page.locator(f"{form} button[type=submit]").last.click()


def test_a_coordinator_sets_up_a_production(page: Any, live_server: LiveServer,
                                            console_errors: list[str]) -> None:
    sign_in(page, live_server, COORDINATOR.email, COORDINATOR.password)
    page.wait_for_url(re.compile(r"/home$"))
    page.goto(live_server(f"/orgs/{SLUG}/prevention"))
    expect(page.locator("h1")).to_contain_text("Forebygging")
    assert_accessible(page)

    page.get_by_role("link", name="Ny produksjon").click()
    page.fill("#name", "Vildanden")
    page.fill("#starts_on", "2027-03-01")
    page.fill("#ends_on", "2027-02-01")  # ends before it starts
    _submit(page, "main form")
    expect(page.locator("#ends_on-error")).to_be_visible()
    assert_accessible(page)
    page.fill("#ends_on", "2027-05-01")
    page.check("#has_intimate_work")
    page.fill("#contacts", "Produsent Siri, 911 11 111")
    _submit(page, "main form")
    expect(page.locator("h1")).to_have_text("Vildanden")
    scope_url = page.url

    page.get_by_role("button", name="Start en ny risikokartlegging").click()
    expect(page.locator("h1")).to_contain_text("Risikokartlegging")
    assert_accessible(page)
    page.locator("select[id$='-relevance']").first.select_option("3")
    page.get_by_role("button", name="Lagre kartleggingen").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.fill("#agreed_on", "2026-11-20")
    page.select_option("#forum", "startup_meeting")
    page.fill("#freelancers", "8")
    page.get_by_role("button", name="Registrer som vedtatt").click()
    expect(page.locator(".notice.ok")).to_contain_text("Vedtatt")

    page.goto(scope_url)
    page.get_by_role("link", name="Regler", exact=True).click()
    page.select_option("#question", "closeness")
    page.fill("#text", "Kyss i scener øves bare med intimkoordinator til stede.")
    page.get_by_role("button", name="Legg til regelen").click()
    page.fill("#agreed_on", "2026-11-20")
    page.select_option("#forum", "startup_meeting")
    page.fill("#freelancers", "8")
    page.get_by_role("button", name="Publiser reglene").click()
    expect(page.locator(".notice.ok, .flash-success").first).to_be_visible()
    assert_accessible(page)

    page.goto(scope_url)
    page.get_by_role("link", name="Rutiner", exact=True).click()
    page.fill("#non_employees", "Frilansere ringer produsent Siri.")
    page.get_by_role("button", name="Publiser rutinene").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.goto(scope_url)
    page.get_by_role("link", name="Konsekvenser", exact=True).click()
    page.fill("#change_of_roles", "Å improvisere intimitet som ikke er avtalt.")
    page.get_by_role("button", name="Publiser konsekvensene").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.goto(scope_url)
    page.get_by_role("link", name="Kontraktspunkt").click()
    expect(page.locator("#text")).to_contain_text("Vildanden")
    page.fill("#in_contracts_from", "2027-01-15")
    page.get_by_role("button", name="Lagre som versjonen i bruk").click()
    expect(page.locator(".notice.ok")).to_contain_text("15.01.2027")

    page.goto(scope_url)
    page.get_by_role("link", name="Plakat med QR-kode").click()
    expect(page.locator(".qr svg")).to_be_visible()
    assert "/r/demo/p/" in page.locator(".poster-url").inner_text()
    assert_accessible(page)

    page.goto(live_server(urlsplit(page.locator(".poster-url").inner_text()).path))
    expect(page.locator("h1")).to_contain_text("Vildanden")
    main = page.locator("main")
    expect(main).to_contain_text("Kyss i scener øves bare med intimkoordinator")
    expect(main).to_contain_text("sist revidert")
    expect(main).to_contain_text("Frilansere ringer produsent Siri.")
    expect(main).to_contain_text("Produsent Siri, 911 11 111")
    assert_accessible(page)
    # The only console message is the refused form's answer (400), by design.
    assert [e for e in console_errors if "status of 400" not in e] == []
