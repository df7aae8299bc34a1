"""The prevention pages through forms: bad input is refused beside the field and changes
nothing; publishing shows on the reporter pages; the k rule in the leader's view."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from prevention import documents, signals
from prevention.models import Document, Production
from trygg import clock

BASE = "/orgs/prev-org/prevention"


def _new_production(client: Any, **changes: str) -> Any:
    data = {"name": "Peer Gynt", "kind": "stage", "starts_on": "2026-12-01",
            "ends_on": "2027-02-01", "has_intimate_work": "y",
            "contacts": "Produsent Kari, 900 00 000"}
    data.update(changes)
    return client.post(f"{BASE}/productions/new", data=data)


@pytest.mark.parametrize("role", ["coordinator", "admin", "leader", "handler"])
def test_every_role_sees_the_overview(as_role: Any, role: str) -> None:
    response = as_role(role).get(BASE)
    assert response.status_code == 200
    assert ("Ny produksjon" in response.get_data(as_text=True)) == (role != "handler")


def test_a_handler_cannot_edit(as_role: Any) -> None:
    client = as_role("handler")
    assert _new_production(client).status_code == 404
    assert client.get(f"{BASE}/org/rules").status_code == 404


def test_a_production_ending_before_it_starts_is_refused_beside_the_field(
        as_role: Any, db_session: Session) -> None:
    response = _new_production(as_role("coordinator"), ends_on="2026-11-01")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="ends_on-error"' in page and "kan ikke slutte før den starter" in page
    assert db_session.scalars(select(Production)).all() == []


def test_a_rule_without_text_is_refused_beside_the_field(as_role: Any,
                                                         db_session: Session) -> None:
    response = as_role("coordinator").post(f"{BASE}/org/rules",
                                           data={"question": "nicknames", "text": "  "})
    assert response.status_code == 400
    assert 'id="text-error"' in response.get_data(as_text=True)
    assert db_session.scalars(select(Document)).all() == []


def test_routines_missing_c_are_not_published(as_role: Any, db_session: Session) -> None:
    data = {"encourage": "Si fra!", "how_to_report": "Her.", "handling": "",
            "with_representatives": "y", "agreed_on": "2026-11-01", "forum": "amu",
            "employees": "5", "action": "publish"}
    response = as_role("coordinator").post(f"{BASE}/org/routines", data=data)
    assert response.status_code == 400
    assert 'id="handling-error"' in response.get_data(as_text=True)
    assert db_session.scalars(select(Document)).all() == []  # not even the draft


def test_an_out_of_range_count_is_refused(as_role: Any, db_session: Session) -> None:
    data = {"agreed_on": "2026-11-01", "forum": "amu", "employees": "-3"}
    response = as_role("coordinator").post(f"{BASE}/org/rules/publish", data=data)
    assert response.status_code == 400
    assert 'id="employees-error"' in response.get_data(as_text=True)
    assert db_session.scalars(select(Document)).all() == []


def test_a_mapping_answer_out_of_range_is_refused(as_role: Any, db_session: Session) -> None:
    client = as_role("coordinator")
    response = client.post(f"{BASE}/org/mappings")
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    first = page.split('name="f', 1)[1].split("-", 1)[0]
    response = client.post(url, data={f"f{first}-relevance": "7"})
    assert response.status_code == 400
    assert f'id="f{first}-relevance-error"' in response.get_data(as_text=True)


def test_published_rules_and_routines_show_on_the_reporter_pages(
        as_role: Any, client: Any, db_session: Session, org: Any) -> None:
    coordinator = as_role("coordinator")
    assert _new_production(coordinator).status_code == 302
    production = db_session.scalar(select(Production))
    scope = str(production.public_id)
    coordinator.post(f"{BASE}/org/rules", data={"question": "nicknames",
                                                "text": "Ingen kallenavn om kropp."})
    coordinator.post(f"{BASE}/org/rules/publish", data={
        "agreed_on": "2026-11-01", "forum": "staff_meeting", "employees": "10"})
    coordinator.post(f"{BASE}/{scope}/rules", data={"question": "closeness",
                                                    "text": "Intime scener avtales."})
    coordinator.post(f"{BASE}/{scope}/rules/publish", data={
        "agreed_on": "2026-11-02", "forum": "startup_meeting", "freelancers": "7"})
    response = coordinator.post(f"{BASE}/org/routines", data={
        "encourage": "Si fra!", "how_to_report": "Her.", "handling": "Innen sju dager.",
        "with_representatives": "y", "agreed_on": "2026-11-01", "forum": "amu",
        "employees": "5", "action": "publish"})
    assert response.status_code == 302
    org_page = client.get("/r/prev-org").get_data(as_text=True)
    assert "Ingen kallenavn om kropp." in org_page and "Intime scener avtales." not in org_page
    assert "sist revidert" in org_page and "Innen sju dager." in org_page
    prod_page = client.get(f"/r/prev-org/p/{scope}").get_data(as_text=True)
    assert "Ingen kallenavn om kropp." in prod_page and "Intime scener avtales." in prod_page
    assert "Produsent Kari" in prod_page and "Innen sju dager." in prod_page


def test_the_poster_has_a_qr_code_and_the_clause_exports_as_text(as_role: Any) -> None:
    client = as_role("coordinator")
    poster = client.get(f"{BASE}/org/poster").get_data(as_text=True)
    assert "<svg" in poster and "/r/prev-org" in poster
    text = client.get(f"{BASE}/org/clause.txt")
    assert text.mimetype == "text/plain" and "/r/prev-org" in text.get_data(as_text=True)


def test_only_a_leader_signs_the_standpoint(as_role: Any, db_session: Session,
                                            org: Any) -> None:
    data = {"signed_by": "Lise", "signed_title": "Daglig leder"}
    coordinator = as_role("coordinator")
    coordinator.post(f"{BASE}/standpoint", data={"text": "Vi står sammen."})
    assert coordinator.post(f"{BASE}/standpoint/sign", data=data).status_code == 404
    assert as_role("leader").post(f"{BASE}/standpoint/sign", data=data).status_code == 302
    published = documents.published(db_session, org, None, "standpoint")
    assert published is not None and published.signed_by == "Lise"


def test_the_annual_report_prints_and_the_balansemerket_steps_show(as_role: Any) -> None:
    client = as_role("leader")
    assert client.post(f"{BASE}/review/2026", data={"check-remapped": "y",
                                                    "evaluation": "Bra år."}).status_code == 302
    report = client.get(f"{BASE}/review/2026/report").get_data(as_text=True)
    assert "2026" in report and "Bra år." in report
    page = client.get(f"{BASE}/balansemerket").get_data(as_text=True)
    assert "Kurs" in page
    future = (clock.today() + timedelta(days=30)).isoformat()
    assert client.post(f"{BASE}/balansemerket", data={"step": "course",
                                                      "done_on": future}).status_code == 400


@pytest.fixture()
def request_context(app: Any) -> Any:
    with app.test_request_context():
        yield


@pytest.mark.usefixtures("request_context")
def test_signals_hide_counts_under_k_and_flag_underestimated(db_session: Session,
                                                             org: Any) -> None:
    from prevention import productions

    mapping = productions.start_mapping(db_session, org, None, date(2026, 1, 5))
    for factor in mapping.factors:
        factor.relevance = 3 if factor.code == "alcohol" else 0
    counts = {"alcohol": 7, "turnover": 4, "fluid_roles": 5}
    view = signals.build(db_session, org, mapping, date(2026, 11, 29),
                         count=lambda *_a: counts)
    rows = {r.code: r for r in view.rows}
    assert view.source == "org" and view.k == 5
    assert rows["alcohol"].cases == 7 and not rows["alcohol"].underestimated
    assert rows["turnover"].cases is None and rows["turnover"].hidden
    assert rows["fluid_roles"].cases == 5 and rows["fluid_roles"].underestimated
    assert rows["intimacy_as_tool"].cases is None  # zero is not shown either
    assert (view.first, view.last) == (date(2023, 1, 1), date(2025, 12, 31))


@pytest.mark.usefixtures("request_context")
def test_a_small_organisation_sees_its_umbrellas_figures(db_session: Session, factory: Any,
                                                         org: Any) -> None:
    umbrella = factory.org(slug="prev-umbrella", name="Nettverket")
    org.umbrella_id = umbrella.id
    db_session.flush()
    db_session.refresh(org)
    asked: list[list[int]] = []

    def count(_s: Any, ids: list[int], *_a: Any) -> dict[str, int]:
        asked.append(ids)
        return {"alcohol": 2} if ids == [org.id] else {"alcohol": 9}

    view = signals.build(db_session, org, None, date(2026, 11, 29), count=count,
                         members_of=lambda _s, _u: [org])
    assert view.source == "umbrella" and asked[1] == sorted([org.id, umbrella.id])
    assert {r.code: r.cases for r in view.rows}["alcohol"] == 9
    alone = signals.build(db_session, factory.org(slug="prev-alone"), None,
                          date(2026, 11, 29), count=lambda *_a: {"alcohol": 2})
    assert alone.source == "too_few" and all(r.cases is None for r in alone.rows)


def test_without_risk_factors_on_assessments_the_view_says_so(
        as_role: Any, db_session: Session, org: Any) -> None:
    from casework.models import Assessment

    recorded = "risk_factors" in Assessment.__mapper__.relationships
    counts = signals.case_counts_by_factor(db_session, [org.id], date(2023, 1, 1),
                                           date(2025, 12, 31))
    assert (counts is None) == (not recorded)
    page = as_role("leader").get(f"{BASE}/signals").get_data(as_text=True)
    assert ("registrerer ikke risikofaktorer" in page) == (not recorded)
    assert as_role("coordinator").get(f"{BASE}/signals").status_code == 404


def test_case_counts_read_the_assessments_risk_factors(db_session: Session,
                                                       factory: Any) -> None:
    """Mapping meets cases through assessment v2's `risk_factors` (the join key)."""
    from casework.models import Assessment, AssessmentRiskFactor
    from tests.casework.conftest import Cases

    org = factory.org(slug="prev-risk")
    factory.person(org, "handler", title="Verneombud")
    cases = Cases(db_session)
    for i in range(3):
        opened = cases.open(org)
        opened.case.received_on = date(2025, 3, 1)
        codes = ["alcohol", "turnover"] if i == 0 else ["alcohol"]
        db_session.add(Assessment(
            case_id=opened.case.id, model_version="2", nature="verbal", frequency="once",
            relation="peer", power="none", consequences="none", criminal=False, level=1,
            assessed_on=date(2025, 3, 2),
            risk_factors=[AssessmentRiskFactor(code=c) for c in codes]))
    db_session.flush()
    counts = signals.case_counts_by_factor(db_session, [org.id], date(2023, 1, 1),
                                           date(2025, 12, 31))
    assert counts == {"alcohol": 3, "turnover": 1}
    assert signals.case_counts_by_factor(db_session, [org.id], date(2026, 1, 1),
                                         date(2026, 12, 31)) == {}
