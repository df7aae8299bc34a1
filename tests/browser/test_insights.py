"""The demo leader's statistics in real Chromium: charts, tables, and axe on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from insights.demo import UMBRELLA, seed_history
from tests.browser.conftest import LiveServer, assert_accessible, sign_in
from trygg.extensions import db
from trygg.seed import PEOPLE, SLUG

LEADER = next(p for p in PEOPLE if p.role == "leader")


@pytest.fixture()
def history(live_server: LiveServer) -> None:
    """Seed the demo history into the live database (idempotent, like the command)."""
    with live_server.app.app_context():  # type: ignore[attr-defined]
        seed_history(db.session(), live_server.app.config["TRYGG"])  # type: ignore[attr-defined]
        db.session.commit()


def test_the_demo_leader_sees_charts_and_tables(
    page: Any, live_server: LiveServer, history: None, console_errors: list[str]
) -> None:
    sign_in(page, live_server, LEADER.email, LEADER.password)
    page.wait_for_url(re.compile(r"/home$"))  # leaders have no mandatory second factor

    page.locator(f"a[href='/orgs/{SLUG}/statistics']").click()
    page.wait_for_url(re.compile(rf"/orgs/{SLUG}/statistics$"))
    expect(page.locator("h1")).to_contain_text("Demoteateret")
    charts = page.locator("svg[role=img]")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 7
    for n in range(charts.count()):
        chart = charts.nth(n)
        assert (chart.locator("title").text_content() or "").strip()
        assert (chart.locator("desc").text_content() or "").strip()
    assert page.locator("svg[role=img] rect").count() > 10  # bars were drawn
    assert page.locator("table.stats").count() >= 7
    assert_accessible(page)

    # Another year, the umbrella's members together, all pass axe.
    page.locator(".year-nav a").first.click()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert_accessible(page)
    page.goto(live_server(f"/orgs/{UMBRELLA[0]}/statistics/members?lang=nb"))
    expect(page.locator("h1")).to_contain_text("medlemmene")
    expect(page.locator("table.stats").first).to_contain_text("kvartal")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    assert_accessible(page)

    # The same page in bokmål.
    page.goto(live_server(f"/orgs/{SLUG}/statistics?lang=nb"))
    expect(page.locator("h1")).to_contain_text("Statistikk for")
    assert_accessible(page)
    assert console_errors == []
