"""The umbrella view: members together, never one member on its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from accounts.models import Membership
from insights import export, periods, statistics
from tests.conftest import login
from tests.insights.conftest import add_case

ON = date(2025, 6, 1)  # every quarter of 2024 is released


@pytest.fixture()
def ctx(app: Flask) -> Any:
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(periods, "today", lambda: ON)


def _network(factory: Any, session: Session, per_member: list[int]) -> tuple[Any, list[Any]]:
    umbrella = factory.org(name="Nettverket")
    members = []
    for n, per_quarter in enumerate(per_member):
        member = factory.org(name=f"Medlem {n}")
        member.umbrella_id = umbrella.id
        member.created_at = datetime(2024, 1, 1, tzinfo=UTC)
        for q in range(4):
            for i in range(per_quarter):
                add_case(session, member, date(2024, q * 3 + 1, 2) + timedelta(days=i),
                         nature="verbal" if i % 2 else "digital")
        members.append(member)
    umbrella.created_at = datetime(2024, 1, 1, tzinfo=UTC)
    session.flush()
    return umbrella, members


def _periods(doc: dict[str, Any]) -> dict[str, Any]:
    return {p["period"]: p for y in doc["years"] for p in y["periods"]}


def test_members_are_added_up(db_session: Session, factory: Any, ctx: None) -> None:
    umbrella, _members = _network(factory, db_session, [6, 6, 6])
    doc = export.document(statistics.build(db_session, umbrella, "members", ON))
    assert doc["member_organisations"] == 3
    for key in ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"):
        assert _periods(doc)[key]["cases"]["value"] == 18
    assert "Medlem" not in str(doc)


def test_a_dominant_member_hides_the_figures(
    db_session: Session, factory: Any, ctx: None
) -> None:
    """The leader of the big member could subtract their own cases: what is left of the
    others must be at least k, or nothing is shown (here the others have 4 a year)."""
    umbrella, _members = _network(factory, db_session, [30, 1])
    doc = export.document(statistics.build(db_session, umbrella, "members", ON))
    assert list(_periods(doc)) == ["2024"]
    for period in _periods(doc).values():
        assert period["cases"]["value"] is None
        assert all(c["value"] is None for t in period["tables"].values() for c in t)


def test_a_member_joining_later_does_not_change_released_periods(
    db_session: Session, factory: Any, ctx: None
) -> None:
    umbrella, _members = _network(factory, db_session, [6, 6, 6])
    before = _periods(export.document(statistics.build(db_session, umbrella, "members", ON)))
    newcomer = factory.org()
    newcomer.umbrella_id = umbrella.id
    for i in range(9):
        add_case(db_session, newcomer, date(2024, 2, 1 + i))
    db_session.flush()
    after = _periods(export.document(statistics.build(db_session, umbrella, "members", ON)))
    assert after == before


def test_only_the_umbrellas_leaders_see_the_members_view(
    client: FlaskClient, factory: Any, db_session: Session
) -> None:
    umbrella, members = _network(factory, db_session, [6, 6, 6])
    member_leader = factory.person(members[0], "leader")
    login(client, member_leader)
    assert client.get(f"/orgs/{umbrella.slug}/statistics/members").status_code == 404
    assert client.get(f"/api/v1/orgs/{umbrella.slug}/statistics/members").status_code == 404
    client.post("/logout")
    login(client, factory.person(umbrella, "leader"))
    html = client.get(f"/orgs/{umbrella.slug}/statistics/members?lang=en").get_data(as_text=True)
    assert "3 member organisations" in html
    assert "Medlem 0" not in html
    assert client.get(f"/orgs/{members[0].slug}/statistics").status_code == 404
    # The umbrella's own page links to the members view.
    own = client.get(f"/orgs/{umbrella.slug}/statistics?lang=en").get_data(as_text=True)
    assert f"/orgs/{umbrella.slug}/statistics/members" in own


def test_an_organisation_without_members_says_so(client: FlaskClient, factory: Any) -> None:
    org = factory.org(name="Alene")
    login(client, factory.person(org, "leader"))
    html = client.get(f"/orgs/{org.slug}/statistics/members?lang=en").get_data(as_text=True)
    assert "Alene has no member organisations" in html
    data = client.get(f"/api/v1/orgs/{org.slug}/statistics/members").get_json()
    assert data["member_organisations"] == 0 and data["years"] == []


def test_someone_in_more_members_than_a_release_was_protected_for_is_not_shown_it(
    client: FlaskClient, factory: Any, db_session: Session
) -> None:
    umbrella, members = _network(factory, db_session, [6, 6, 6])
    leader = factory.person(umbrella, "leader")
    login(client, leader)
    path = f"/api/v1/orgs/{umbrella.slug}/statistics/members"
    first = client.get(path).get_json()
    assert first["years"] and not first["refused"]  # released with n = 1
    # The umbrella's leader becomes a handler in two members: they could subtract both.
    for member in members[:2]:
        db_session.add(Membership(person_id=leader.id, organisation_id=member.id,
                                  role="handler"))
    db_session.flush()
    refused = client.get(path).get_json()
    assert refused["refused"] and refused["years"] == []
    html = client.get(f"/orgs/{umbrella.slug}/statistics/members?lang=en").get_data(
        as_text=True)
    assert "not shown to you" in html
    # Someone else, in one member at most, still sees it.
    client.post("/logout")
    login(client, factory.person(umbrella, "leader"))
    assert client.get(path).get_json()["years"] == first["years"]
