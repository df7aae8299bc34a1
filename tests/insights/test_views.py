"""The leader's pages, CSV and JSON: who may see them, and what they contain."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from insights import periods
from tests.conftest import login
from tests.insights.conftest import add_case

ON = date(2026, 6, 1)
ENDPOINTS = (
    "/orgs/{slug}/statistics",
    "/orgs/{slug}/statistics/members",
    "/orgs/{slug}/statistics.csv",
    "/orgs/{slug}/statistics/members.csv",
    "/api/v1/orgs/{slug}/statistics",
    "/api/v1/orgs/{slug}/statistics/members",
)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(periods, "today", lambda: ON)


def _history(session: Session, org: Any, per_quarter: int = 9) -> None:
    natures = ["verbal", "verbal", "physical", "digital", "nonverbal"]
    for q in range(8):
        start = date(2024 + q // 4, (q % 4) * 3 + 1, 3)
        for i in range(per_quarter):
            add_case(session, org, start + timedelta(days=i * 7), nature=natures[i % 5],
                     level=1 + i % 5, aggravating=["alcohol"] if i % 3 == 0 else [],
                     reactions=["conversation"], acknowledged=i % 9)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("where", "role"),
    [("same", "handler"), ("same", "admin"),
     ("other", "leader"), ("other", "handler"), ("other", "admin")],
)
def test_only_the_organisations_leaders_get_in(
    client: FlaskClient, factory: Any, path: str, where: str, role: str
) -> None:
    org = factory.org()
    other = factory.org()
    person = factory.person(org if where == "same" else other, role)
    login(client, person)
    assert client.get(path.format(slug=org.slug)).status_code == 404


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_anonymous_visitor_is_sent_to_sign_in(
    client: FlaskClient, factory: Any, path: str
) -> None:
    org = factory.org()
    response = client.get(path.format(slug=org.slug))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_leader_gets_every_view(client: FlaskClient, factory: Any, path: str) -> None:
    org = factory.org()
    login(client, factory.person(org, "leader"))
    response = client.get(path.format(slug=org.slug))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_leader_reaches_no_case_endpoint(app: Flask, client: FlaskClient, factory: Any) -> None:
    """Every endpoint for handlers or admins answers a leader of the same organisation 404."""
    from trygg.access import rule_for

    org = factory.org()
    login(client, factory.person(org, "leader"))
    checked = 0
    with app.test_request_context():
        rules = [(r, rule_for(r.endpoint)) for r in app.url_map.iter_rules()]
    for rule, access_rule in rules:
        if access_rule is None or access_rule.kind != "org" or "leader" in access_rule.roles:
            continue
        values = {arg: (org.slug if arg == "org_slug" else str(uuid.uuid4()))
                  for arg in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            response = client.open(path, method=method)
            assert response.status_code == 404, (rule.endpoint, method, response.status_code)
            checked += 1
    assert checked > 0 or "casework.inbox" not in app.view_functions


def test_the_dashboard_draws_accessible_charts_beside_tables(
    client: FlaskClient, factory: Any, db_session: Session
) -> None:
    org = factory.org()
    _history(db_session, org)
    login(client, factory.person(org, "leader"))
    html = client.get(f"/orgs/{org.slug}/statistics?lang=en").get_data(as_text=True)
    charts = re.findall(r"<svg[^>]*>", html)
    assert len(charts) >= 7
    for tag in charts:
        assert 'role="img"' in tag and "aria-labelledby=" in tag
    assert html.count("<title id=") == len(charts)
    assert html.count("<desc id=") == len(charts)
    assert html.count("<table") >= 7
    assert " style=" not in html and "<style" not in html and "<script" not in html
    assert "insights.css" in html
    assert "Q1 2025" in html and "The whole of 2024" in html


def test_the_dashboard_speaks_norwegian_by_default(
    client: FlaskClient, factory: Any, db_session: Session
) -> None:
    org = factory.org()
    _history(db_session, org)
    login(client, factory.person(org, "leader"))
    html = client.get(f"/orgs/{org.slug}/statistics").get_data(as_text=True)
    assert "1. kvartal 2025" in html
    assert "Slik beskytter tallene" in html


def test_the_year_can_be_chosen(client: FlaskClient, factory: Any, db_session: Session) -> None:
    org = factory.org()
    _history(db_session, org)
    login(client, factory.person(org, "leader"))
    html = client.get(f"/orgs/{org.slug}/statistics?year=2024&lang=en").get_data(as_text=True)
    assert "The year 2024 in detail" in html
    html = client.get(f"/orgs/{org.slug}/statistics?year=1999&lang=en").get_data(as_text=True)
    assert "The year 2025 in detail" in html


def test_csv_marks_suppressed_cells(client: FlaskClient, factory: Any, db_session: Session) -> None:
    org = factory.org()
    _history(db_session, org)
    login(client, factory.person(org, "leader"))
    response = client.get(f"/orgs/{org.slug}/statistics.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and set(rows[0]) == {"year", "row", "period", "starts_on", "ends_on", "measure",
                                     "category", "value", "suppressed"}
    for row in rows:
        assert (row["value"] == "") == (row["suppressed"] == "true"), row
        assert not row["value"].startswith(("=", "+", "-", "@"))
    assert any(r["suppressed"] == "true" for r in rows)
    cases = [r for r in rows if r["measure"] == "cases" and r["row"] == "period"]
    assert [r["value"] for r in cases] == ["9"] * 8


def test_json_marks_suppressed_cells_with_null(
    client: FlaskClient, factory: Any, db_session: Session
) -> None:
    org = factory.org()
    _history(db_session, org)
    login(client, factory.person(org, "leader"))
    data = client.get(f"/api/v1/orgs/{org.slug}/statistics").get_json()
    assert data["scope"] == "org" and data["k"] == 5 and data["noise"] is None
    assert data["release_delay_days"] == 90
    periods_ = [p for y in data["years"] for p in y["periods"]]
    cells = [c for p in periods_ for t in p["tables"].values() for c in t]
    assert any(c["suppressed"] for c in cells)
    for c in cells:
        assert (c["value"] is None) == c["suppressed"]
    assert "case" not in {k for y in data["years"] for p in y["periods"] for k in p}


def test_noise_when_configured_is_the_same_on_every_view(
    app: Flask, client: FlaskClient, factory: Any, db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org = factory.org()
    _history(db_session, org, per_quarter=30)
    monkeypatch.setitem(app.config, "TRYGG", app.config["TRYGG"].with_(stats_epsilon=0.5))
    login(client, factory.person(org, "leader"))
    first = client.get(f"/api/v1/orgs/{org.slug}/statistics").get_json()
    second = client.get(f"/api/v1/orgs/{org.slug}/statistics").get_json()
    assert first == second
    assert first["noise"] == {"mechanism": "discrete Laplace (OpenDP)", "epsilon": 0.5,
                              "per": "organisation and year"}
    totals = [p["cases"]["value"] for y in first["years"] for p in y["periods"]]
    assert totals != [30] * 8  # noise moved at least one count
    # Hiding is decided on the noisy value: a shown count is never below k.
    assert all(v is None or v >= 5 for v in totals)
    html = client.get(f"/orgs/{org.slug}/statistics?lang=en").get_data(as_text=True)
    assert "noise" in html


def test_a_leader_sees_last_years_total_and_the_words_for_what_is_hidden(
    client: FlaskClient, factory: Any, db_session: Session
) -> None:
    org = factory.org()
    _history(db_session, org, per_quarter=9)
    login(client, factory.person(org, "leader"))
    data = client.get(f"/api/v1/orgs/{org.slug}/statistics").get_json()
    last = next(y for y in data["years"] if y["year"] == 2025)
    assert last["totals"]["cases"] == {"value": 36, "suppressed": False, "withheld": False}
    html = client.get(f"/orgs/{org.slug}/statistics?lang=en&year=2025").get_data(as_text=True)
    assert "The whole of 2025" in html
    for words in ("the zeros would tell you which category every case is in",
                  "the year's total is shown whenever the year had at least 5 cases",
                  "How many cases are behind such a figure is not shown"):
        assert words in html.replace("&#39;", "'")
