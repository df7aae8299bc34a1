"""Adversarial tests: the inference attacks that worked against statistics v1 (issue 18).

Each test plays a leader who wants to learn about one case from what the page shows,
using what a reader can always use: published zeros, "none" next to the case count,
durations spilling over from a hidden quarter, their own members' cases in an umbrella,
repeated noisy figures, and the first year on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from accounts.models import Membership
from insights import export, statistics
from insights.periods import Unit
from insights.publish import (
    ASSESSED_CATEGORIES,
    CATEGORIES,
    CODES,
    MULTI,
    NONE,
    PARTITION,
    TABLES,
    UNASSESSED,
    Hidden,
    Raw,
    Row,
    empty_raw,
    publish_year,
)
from tests.insights.conftest import add_case

K = 5


def _raw(unassessed: int, tables: dict[str, dict[str, int]]) -> Raw:
    raw = empty_raw()
    for name, counts in tables.items():
        raw["tables"][name].update(counts)
    for name in PARTITION:
        raw["tables"][name][UNASSESSED] = unassessed
    raw["total"] = sum(raw["tables"]["nature"].values())
    return raw


def _support(raw: Raw, hidden: Sequence[str], name: str) -> set[str]:
    """The assessed categories a reader cannot rule out: hidden, or shown above zero."""
    return {c for c in ASSESSED_CATEGORIES[name]
            if c in hidden or raw["tables"][name].get(c, 0) > 0}


def _any_derivable(hidden: Hidden, name: str) -> bool:
    return not (hidden["total"] or NONE in hidden[name] or UNASSESSED in hidden["nature"])


@st.composite
def _concentrated(draw: st.DrawFn) -> Raw:
    """A period whose assessed cases sit in one to three categories of each table."""
    assessed = draw(st.integers(0, 25))
    tables: dict[str, dict[str, int]] = {}
    for name in PARTITION:
        cats = [c for c in CATEGORIES[name] if c != UNASSESSED]
        chosen = draw(st.lists(st.sampled_from(cats), min_size=1, max_size=3, unique=True))
        counts = dict.fromkeys(chosen, 0)
        for _ in range(assessed):
            counts[draw(st.sampled_from(chosen))] += 1
        tables[name] = counts
    for name in MULTI:
        none = draw(st.integers(0, assessed))
        with_any = assessed - none
        chosen = draw(st.lists(st.sampled_from(CODES[name]), min_size=1, max_size=3,
                               unique=True))
        counts = {c: draw(st.integers(0, with_any)) for c in chosen}
        if with_any and not any(counts.values()):
            counts[chosen[0]] = with_any
        tables[name] = {**counts, NONE: none, "any": with_any}
    return _raw(draw(st.integers(0, 8)), tables)


@settings(max_examples=300, deadline=None)
@given(_concentrated())
def test_published_zeros_never_say_which_one_or_two_categories_hold_every_case(
    raw: Raw,
) -> None:
    # v1: all 10 assessed cases level 2 and between peers; the cells were hidden, but
    # every other level and relation was published as 0, so the leader learnt them all.
    [hidden], _year = publish_year([Row(Unit(2024, "quarter", 1), raw)], K, complete=False)
    if hidden["withheld"]:
        return
    for name in TABLES:
        cats = set(ASSESSED_CATEGORIES[name])
        if raw["total"] == raw["tables"]["nature"][UNASSESSED] or cats <= set(hidden[name]):
            continue  # nothing assessed, or only "n assessed" is left
        # Every case is in one of the categories a reader cannot rule out: never one, and
        # never two when one of them holds a small number.
        support = _support(raw, hidden[name], name)
        small = any(0 < raw["tables"][name].get(c, 0) < K for c in cats)
        assert len(support) >= (3 if small else 2), (name, hidden[name])


def test_ten_cases_of_one_level_and_relation_show_only_how_many_were_assessed() -> None:
    raw = _raw(5, {"nature": {"verbal": 5, "physical": 5}, "level": {"2": 10},
                   "relation": {"peer": 10}, "aggravating": {NONE: 10},
                   "reaction": {"conversation": 5, "documentation": 5, NONE: 5}})
    [hidden], _year = publish_year([Row(Unit(2024, "quarter", 1), raw)], K, complete=False)
    for name in ("level", "relation", "aggravating"):
        assert set(hidden[name]) >= set(ASSESSED_CATEGORIES[name]), name
    # ... and the number assessed is still there: the cases and "not yet assessed".
    assert not hidden["total"]
    assert UNASSESSED not in hidden["level"]


@settings(max_examples=300, deadline=None)
@given(_concentrated())
def test_none_never_pins_a_hidden_circumstance_or_reaction(raw: Raw) -> None:
    # v1: 10 cases, "none" = 9, one code hidden: cases − not assessed − none = 1 case had
    # a circumstance, and the only hidden code was it.
    [hidden], _year = publish_year([Row(Unit(2024, "quarter", 1), raw)], K, complete=False)
    for name in MULTI:
        if not _any_derivable(hidden, name):
            continue
        with_any = raw["total"] - raw["tables"]["nature"][UNASSESSED] - \
            raw["tables"][name][NONE]
        assert with_any == 0 or with_any >= K, name
        # No hidden code can be bounded away from zero by the shown ones.
        assert not set(hidden[name]) & set(CODES[name]), name


def test_nine_of_ten_without_a_circumstance_does_not_give_the_tenth_away() -> None:
    raw = _raw(0, {"nature": {"verbal": 5, "digital": 5},
                   "level": {"1": 5, "2": 5}, "relation": {"peer": 5, "external": 5},
                   "aggravating": {"retaliation": 1, NONE: 9, "any": 1},
                   "reaction": {"dismissal": 1, NONE: 9, "any": 1}})
    [hidden], _year = publish_year([Row(Unit(2024, "quarter", 1), raw)], K, complete=False)
    for name in MULTI:
        assert not _any_derivable(hidden, name)


# --- Against the database: durations, umbrellas, the first year ------------------------


@pytest.fixture()
def ctx(app: Flask) -> Any:
    with app.test_request_context("/?lang=en"):
        yield


def _periods(doc: dict[str, Any]) -> dict[str, Any]:
    return {p["period"]: p for y in doc["years"] for p in y["periods"]}


def _steady_2024(session: Session, org: Any, last_quarter: int) -> None:
    """Six cases in each of the first three quarters of 2024, `last_quarter` in Q4 (late
    December, acknowledged and closed in January), then six in 2025's first quarter and
    six in its third."""
    natures = ("verbal", "digital", "physical")
    for q in range(3):
        for i in range(6):
            add_case(session, org, date(2024, q * 3 + 1, 3 + i), nature=natures[i % 3],
                     level=1 + i % 3, acknowledged=2 + i, closed=30 + i)
    for i in range(last_quarter):
        add_case(session, org, date(2024, 12, 20 + i), nature=natures[i % 3],
                 acknowledged=18 + i, closed=25 + i)
    for month in (1, 7):
        for i in range(6):
            add_case(session, org, date(2025, month, 10 + i), nature=natures[i % 3],
                     level=1 + i % 3, acknowledged=3 + i, closed=40 + i)


def test_a_hidden_quarter_spilling_into_the_next_changes_nothing_there(
    db_session: Session, factory: Any, ctx: None
) -> None:
    # v1: durations and deadlines belonged to the quarter of the event, so cases of a
    # quarter shown as "fewer than 5", acknowledged after it ended, were counted (and
    # their number published) in the next quarter: 3 or 4 became an exact figure.
    on = date(2026, 4, 1)  # 2024 and 2025 are out
    seen = []
    for last_quarter in (3, 4):
        org = factory.org()
        org.created_at = datetime(2024, 1, 1, tzinfo=UTC)
        _steady_2024(db_session, org, last_quarter)
        doc = _periods(export.document(statistics.build(db_session, org, "org", on)))
        january = next(p for p in doc.values()
                       if p["starts_on"] <= "2025-01-10" <= p["ends_on"])
        seen.append({key: january[key] for key in ("durations", "deadlines")})
        for p in doc.values():  # no count behind a duration or a deadline share
            for d in (*p["durations"].values(), *p["deadlines"].values()):
                assert d is None or not {"n", "due"} & set(d)
    assert seen[0] == seen[1]


def _member_cases(session: Session, org: Any, per_quarter: int) -> None:
    for q in range(4):
        for i in range(per_quarter):
            add_case(session, org, date(2024, q * 3 + 1, 2) + timedelta(days=i),
                     nature=("verbal", "digital", "physical")[i % 3], level=1 + i % 3,
                     relation=("peer", "external", "superior")[i % 3])


def _own(per_quarter: int) -> dict[tuple[str, str], int]:
    """One member's own count in each category of a quarter (as _member_cases makes)."""
    out: dict[tuple[str, str], int] = {("cases", ""): per_quarter}
    for i in range(per_quarter):
        for name, cats in (("nature", ("verbal", "digital", "physical")),
                           ("level", ("1", "2", "3")),
                           ("relation", ("peer", "external", "superior"))):
            out[(name, cats[i % 3])] = out.get((name, cats[i % 3]), 0) + 1
    return out


def test_a_person_in_two_members_cannot_subtract_both_to_see_the_third(
    db_session: Session, factory: Any, ctx: None
) -> None:
    # v1 protected against subtracting the largest member only: one person leading two
    # members of three subtracted both and got the third member's small cells.
    umbrella = factory.org(name="Nettverket")
    umbrella.created_at = datetime(2024, 1, 1, tzinfo=UTC)
    members = []
    for per_quarter in (9, 9, 3):
        member = factory.org()
        member.umbrella_id = umbrella.id
        member.created_at = datetime(2024, 1, 1, tzinfo=UTC)
        _member_cases(db_session, member, per_quarter)
        members.append(member)
    person = factory.person()
    for member in members[:2]:
        db_session.add(Membership(person_id=person.id, organisation_id=member.id,
                                  role="leader"))
    db_session.flush()
    doc = export.document(statistics.build(db_session, umbrella, "members", date(2025, 6, 1)))
    known = _own(9)
    shown = 0
    for period in _periods(doc).values():
        figures = [(("cases", ""), period["cases"])] + [
            ((name, cell["category"]), cell)
            for name, cells in period["tables"].items() if name in PARTITION
            for cell in cells
        ]
        for key, fig in figures:
            if fig["value"] is None:
                continue
            shown += 1
            rest = fig["value"] - 2 * known.get(key, 0)
            assert rest == 0 or rest >= K, (period["period"], key, fig)
    assert shown > 0  # the view is not simply empty


def test_a_case_dated_before_the_organisation_existed_adds_no_year(
    db_session: Session, factory: Any, ctx: None
) -> None:
    # v1: the first year was the earlier of the creation year and the first case's, so
    # one case dated 2019 added withheld years and said "at least one case in 2019".
    on = date(2025, 7, 1)
    docs = []
    for old_case in (False, True):
        org = factory.org()
        org.created_at = datetime(2024, 1, 1, tzinfo=UTC)
        _steady_2024(db_session, org, 6)
        if old_case:
            add_case(db_session, org, date(2019, 5, 5), exists_then=False)
        doc = export.document(statistics.build(db_session, org, "org", on))
        docs.append([(y["year"], [p["period"] for p in y["periods"]]) for y in doc["years"]])
    assert docs[0] == docs[1]


def test_noise_is_one_value_per_number_and_hiding_is_decided_on_it(
    app: Flask, db_session: Session, factory: Any, ctx: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # v1: "not assessed" got independent noise in each of three tables (averaging them
    # recovered the true value), and hiding was decided on the true values, so a shown
    # 1–4 could only be a true zero with noise on top.
    monkeypatch.setitem(app.config, "TRYGG", app.config["TRYGG"].with_(stats_epsilon=2.0))
    org = factory.org()
    org.created_at = datetime(2024, 1, 1, tzinfo=UTC)
    for q in range(8):
        for i in range(30):
            add_case(db_session, org, date(2024 + q // 4, (q % 4) * 3 + 1, 1 + i % 28),
                     nature=None if i % 4 == 0 else ("verbal", "digital")[i % 2],
                     level=1 + i % 5, aggravating=("alcohol",) if i % 3 == 0 else ())
    doc = export.document(statistics.build(db_session, org, "org", date(2026, 6, 1)))
    rows = [p for y in doc["years"] for p in y["periods"]] + [
        y["totals"] for y in doc["years"] if y["totals"]]
    assert len(rows) == 10
    for row in rows:
        unassessed = {
            next(c["value"] for c in row["tables"][name] if c["category"] == UNASSESSED)
            for name in PARTITION
        }
        assert len(unassessed) == 1, row.get("period")
        for cells in row["tables"].values():
            for c in cells:
                assert c["value"] is None or c["value"] == 0 or c["value"] >= K, c
