"""Releases on real data: agreement with direct counts, small organisations, frozen periods."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.models import Assessment, AssessmentAggravating, Case, EmployerAction
from casework.vocabulary import AGGRAVATING, NATURE, RELATION
from insights import export, releases, statistics
from insights.models import StatsRelease
from insights.periods import Unit, year_unit
from insights.publish import CATEGORIES, UNASSESSED
from tests.insights.conftest import add_case

LATER = date(2026, 6, 1)  # every period of 2024 and 2025 is released by then


@pytest.fixture()
def ctx(app: Flask) -> Any:
    with app.test_request_context("/?lang=en"):
        yield


def _doc(session: Session, org: Any, on: date, scope: str = "org") -> dict[str, Any]:
    return export.document(statistics.build(session, org, scope, on))


def _busy_history(session: Session, org: Any, seed: int = 7) -> None:
    """2024 and 2025 with 8–20 cases a quarter and varied assessments."""
    rng = random.Random(seed)
    for year in (2024, 2025):
        for q in range(4):
            for _ in range(rng.randint(8, 20)):
                received = date(year, q * 3 + 1, 1) + timedelta(days=rng.randrange(89))
                add_case(
                    session, org, received,
                    nature=rng.choice([*NATURE, None]),
                    relation=rng.choice(RELATION),
                    level=rng.randint(1, 5),
                    aggravating=rng.sample(AGGRAVATING, rng.randint(0, 2)),
                    reactions=rng.sample(("conversation", "written_warning", "training"),
                                         rng.randint(0, 2)),
                    acknowledged=rng.randint(0, 12),
                    feedback=rng.choice([None, rng.randint(10, 120)]),
                    closed=rng.choice([None, rng.randint(20, 200)]),
                )


def _direct_counts(session: Session, org: Any, unit: Unit) -> dict[str, dict[str, int]]:
    """The same figures counted straight from the tables, independently of insights."""
    in_unit = (Case.organisation_id == org.id) & Case.received_on.between(unit.start, unit.end)
    release = unit.release_on
    out: dict[str, dict[str, int]] = {}
    total = session.scalar(select(func.count()).select_from(Case).where(in_unit)) or 0
    out["cases"] = {"": total}
    for name, column in (("nature", Assessment.nature), ("level", Assessment.level),
                         ("relation", Assessment.relation)):
        rows = session.execute(
            select(column, func.count()).join(Case, Case.id == Assessment.case_id)
            .where(in_unit, Assessment.assessed_on <= release).group_by(column)
        )
        counts = {str(v): n for v, n in rows}
        counts[UNASSESSED] = total - sum(counts.values())
        out[name] = counts
    for name, model in (("aggravating", AssessmentAggravating), ("reaction", EmployerAction)):
        rows = session.execute(
            select(model.code, func.count()).join(Assessment, Assessment.case_id == model.case_id)
            .join(Case, Case.id == Assessment.case_id)
            .where(in_unit, Assessment.assessed_on <= release).group_by(model.code)
        )
        out[name] = dict(rows.all())
    return out


def test_released_figures_agree_with_a_direct_count(
    db_session: Session, factory: Any, ctx: None
) -> None:
    org = factory.org()
    _busy_history(db_session, org)
    doc = _doc(db_session, org, LATER)
    checked = 0
    for year in doc["years"]:
        assert [p["period"][-2:] for p in year["periods"]] == ["Q1", "Q2", "Q3", "Q4"]
        for period in year["periods"]:
            direct = _direct_counts(db_session, org, Unit.from_key(period["period"]))
            assert not period["cases"]["suppressed"]
            assert period["cases"]["value"] == direct["cases"][""]
            for name, cells in period["tables"].items():
                for cell in cells:
                    if cell["suppressed"]:
                        assert cell["value"] is None
                        continue
                    if cell["category"] == "none":
                        continue  # checked through the totals below
                    assert cell["value"] == direct[name].get(cell["category"], 0), (name, cell)
                    checked += 1
        assert year["complete"]
        totals = year["totals"]
        if not totals["cases"]["suppressed"]:
            assert totals["cases"]["value"] == sum(p["cases"]["value"] for p in year["periods"])
    assert checked > 100


def test_durations_and_deadlines_agree_with_a_direct_count(
    db_session: Session, factory: Any, ctx: None
) -> None:
    org = factory.org()
    for day, ack in ((1, 0), (2, 1), (3, 1), (4, 2), (5, 3), (6, 5), (7, 8), (8, 9), (9, 10),
                     (10, 11), (11, 12)):
        add_case(db_session, org, date(2024, 4, day), acknowledged=ack, closed=None,
                 feedback=None)
    doc = _doc(db_session, org, LATER)
    # Nothing in the second half, so the year is released as one period.
    q2 = next(p for y in doc["years"] for p in y["periods"] if p["period"] == "2024")
    assert q2["durations"]["acknowledge"] == {"median_days": 5, "p90_days": 11}
    # acknowledge_days is 7: the cases acknowledged after 8, 9, 10, 11 and 12 days missed
    # it, so 6 kept and 5 missed (each at least k, so the share is shown).
    assert q2["deadlines"]["acknowledge"] == {"kept_share": 0.55}
    assert q2["durations"]["close"] is None  # nothing closed


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_an_organisation_with_one_to_four_cases_shows_nothing_that_singles_one_out(
    db_session: Session, factory: Any, ctx: None, n: int
) -> None:
    org = factory.org()
    org.created_at = datetime(2024, 1, 1, tzinfo=UTC)
    rng = random.Random(n)
    for _ in range(n):
        add_case(db_session, org, date(2024, 1, 1) + timedelta(days=rng.randrange(700)),
                 nature=rng.choice(NATURE), aggravating=["alcohol"], reactions=["conversation"],
                 acknowledged=1, feedback=3, closed=4)
    doc = _doc(db_session, org, LATER)
    assert doc["years"], "the years are released, as withheld rows"
    for year in doc["years"]:
        for period in year["periods"]:
            assert period["cases"] == {"value": None, "suppressed": True, "withheld": True}
            for cells in period["tables"].values():
                assert all(c["value"] is None and c["suppressed"] for c in cells)
            assert all(v is None for v in period["durations"].values())
            assert all(v is None for v in period["deadlines"].values())
        if year["totals"] is not None:
            assert year["totals"]["cases"]["value"] is None
            for cells in year["totals"]["tables"].values():
                assert all(c["value"] is None for c in cells)
    # An organisation with no cases looks exactly the same.
    empty = factory.org()
    empty.created_at = org.created_at
    assert _shape(_doc(db_session, empty, LATER)) == _shape(doc)


def _shape(doc: dict[str, Any]) -> str:
    doc = dict(doc)
    doc.pop("organisation")
    return json.dumps(doc, sort_keys=True, default=str)


def _snapshot(session: Session, org: Any, on: date) -> str:
    return _shape(_doc(session, org, on))


def test_one_new_case_does_not_change_any_view(
    db_session: Session, factory: Any, ctx: None
) -> None:
    org = factory.org()
    _busy_history(db_session, org, seed=3)
    on = date(2025, 8, 15)
    before = _snapshot(db_session, org, on)
    # A new case today, one backdated into a released quarter, one into an unreleased one,
    # one before anything was ever released.
    add_case(db_session, org, on, nature="physical")
    add_case(db_session, org, date(2024, 2, 10), nature="sexual_assault", aggravating=["alcohol"])
    add_case(db_session, org, date(2025, 6, 20), nature="digital")
    add_case(db_session, org, date(2019, 5, 5), nature="verbal")
    assert _snapshot(db_session, org, on) == before


def test_revising_or_reopening_a_case_does_not_change_a_released_period(
    db_session: Session, factory: Any, ctx: None
) -> None:
    org = factory.org()
    _busy_history(db_session, org, seed=5)
    before = _snapshot(db_session, org, LATER)
    case = db_session.scalars(select(Case).where(Case.organisation_id == org.id)).first()
    assert case is not None
    assessment = db_session.get(Assessment, case.id)
    if assessment is None:
        assessment = db_session.get(Assessment, add_case(db_session, org, date(2026, 5, 1)).id)
    assert assessment is not None
    assessment.nature, assessment.level = "sexual_assault", 5
    case.closed_on, case.state = None, "assessing"
    db_session.flush()
    assert _snapshot(db_session, org, LATER) == before


def test_later_views_only_add_periods(db_session: Session, factory: Any, ctx: None) -> None:
    org = factory.org()
    _busy_history(db_session, org, seed=11)
    seen: dict[str, Any] = {}
    for on in (date(2024, 7, 1), date(2025, 1, 15), date(2025, 4, 2), date(2025, 11, 1), LATER):
        add_case(db_session, org, on, nature="verbal")  # activity between the views
        doc = _doc(db_session, org, on)
        periods = {p["period"]: p for y in doc["years"] for p in y["periods"]}
        for key, earlier in seen.items():
            assert periods[key] == earlier
        seen = periods
    assert len(seen) == 8


def test_a_change_of_k_applies_to_later_releases_only(
    db_session: Session, factory: Any, ctx: None
) -> None:
    org = factory.org()
    _busy_history(db_session, org, seed=13)
    first = _doc(db_session, org, date(2025, 4, 15))  # 2024 is out
    assert first["years"]
    org.stats_k = 12
    db_session.flush()
    second = _doc(db_session, org, LATER)
    old = {p["period"]: p for y in first["years"] for p in y["periods"]}
    new = {p["period"]: p for y in second["years"] for p in y["periods"]}
    for key, period in old.items():
        assert new[key] == period
    k_of = {r.starts_on: r.k for r in releases.releases(db_session, org, "org")}
    assert set(k_of.values()) == {5, 12}


def test_k_below_three_is_refused(db_session: Session, factory: Any) -> None:
    org = factory.org()
    org.stats_k = 2
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.flush()
    from insights.publish import Row, empty_raw, publish_year

    with pytest.raises(ValueError, match="at least 3"):
        publish_year([Row(year_unit(2024), empty_raw())], 2, complete=True)


def test_a_period_is_released_once_even_when_asked_twice(
    db_session: Session, factory: Any, ctx: None
) -> None:
    org = factory.org()
    _busy_history(db_session, org)
    first = releases.release_due(db_session, org, "org", LATER)
    assert first
    assert releases.release_due(db_session, org, "org", LATER) == []
    count = db_session.scalar(select(func.count()).select_from(StatsRelease)
                              .where(StatsRelease.organisation_id == org.id))
    assert count == len(first)


def test_no_suppressed_value_leaves_the_statistics_module(
    db_session: Session, factory: Any, ctx: None
) -> None:
    org = factory.org()
    rng = random.Random(2)
    for q in range(8):
        for _ in range(rng.choice([1, 3, 6, 9])):
            add_case(db_session, org, date(2024 + q // 4, (q % 4) * 3 + 1, 5),
                     nature=rng.choice(NATURE), relation=rng.choice(RELATION),
                     level=rng.randint(1, 5), aggravating=rng.sample(AGGRAVATING, 1))
    stats = statistics.build(db_session, org, "org", LATER)
    raw = {r.starts_on: r for r in releases.releases(db_session, org, "org") if r.kind == "period"}
    hidden_seen = 0
    for period in stats.periods:
        release = raw[period.unit.start]
        for name in CATEGORIES:
            for cat, fig in period.tables[name].items():
                if cat in release.shown["hidden"][name]:
                    assert fig.value is None and fig.suppressed
                    hidden_seen += 1
    assert hidden_seen > 0


def test_an_assessment_counts_when_made_by_its_periods_release_date(
    db_session: Session, factory: Any
) -> None:
    """Q1 2024 is small, so it goes out inside H1 2024 (released 28 September 2024): an
    assessment of a Q1 case counts up to that day, not only up to Q1's own date."""
    from insights.queries import raw_counts

    org = factory.org()
    h1 = Unit(2024, "half", 1)
    assert h1.release_on == date(2024, 9, 28)
    add_case(db_session, org, date(2024, 2, 1), nature="physical", assessed=date(2024, 9, 28))
    add_case(db_session, org, date(2024, 2, 2), nature="physical", assessed=date(2024, 7, 15))
    add_case(db_session, org, date(2024, 2, 3), nature="digital", assessed=date(2024, 9, 29))
    add_case(db_session, org, date(2024, 2, 4), nature=None)
    for day in range(1, 6):
        add_case(db_session, org, date(2024, 5, day), nature="verbal")
    per_org, histograms = raw_counts(db_session, [org.id], [h1])
    raw = per_org[org.id][h1]
    assert raw["total"] == 9
    assert raw["tables"]["nature"] == {
        "verbal": 5, "nonverbal": 0, "digital": 0, "physical": 2, "sexual_assault": 0,
        UNASSESSED: 2,
    }
    # Acknowledged two days after receipt (the helper's default), all within H1.
    assert histograms[h1]["acknowledge"] == {"2": 9}
    assert raw["deadlines"]["acknowledge"] == [9, 9]


def test_a_withheld_period_says_fewer_than_the_k_it_was_released_under(
    db_session: Session, factory: Any, ctx: None
) -> None:
    from insights.page import figure_text

    org = factory.org()
    org.stats_k = 8
    org.created_at = datetime(2024, 1, 1, tzinfo=UTC)
    for day in range(1, 7):
        add_case(db_session, org, date(2024, 3, day))
    stats = statistics.build(db_session, org, "org", LATER)
    org.stats_k = 5  # lowered afterwards: the 2024 row was withheld under 8, not 5
    stats = statistics.build(db_session, org, "org", LATER)
    first = stats.periods[0]
    assert first.withheld
    assert figure_text(first.total, stats.k) == "fewer than 8"
