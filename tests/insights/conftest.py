"""Helpers for the statistics tests: cases with assessments, made directly and fast."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy.orm import Session

from casework.models import Assessment, AssessmentAggravating, Case, EmployerAction

_counter = itertools.count()


def add_case(
    session: Session,
    org: Any,
    received: date,
    *,
    nature: str | None = "verbal",
    relation: str = "peer",
    level: int = 2,
    aggravating: Iterable[str] = (),
    reactions: Iterable[str] = (),
    assessed: date | None = None,
    acknowledged: int | None = 2,
    feedback: int | None = 30,
    closed: int | None = 60,
    exists_then: bool = True,
) -> Case:
    """A case received on `received`; `acknowledged`/`feedback`/`closed` are days after
    it (None: not yet); `nature=None` leaves it unassessed. With `exists_then` (the
    default), the organisation is made to exist since that year at least: the statistics
    start in the creation year, and fold earlier cases into it."""
    start = datetime(received.year, 1, 1, tzinfo=UTC)
    if exists_then and org.created_at.replace(tzinfo=UTC) > start:
        org.created_at = start
    n = next(_counter)
    lookup = hashlib.sha256(f"insights-test/{uuid.uuid4()}/{n}".encode()).digest()
    after = lambda days: None if days is None else received + timedelta(days=days)  # noqa: E731
    case = Case(
        organisation_id=org.id,
        received_on=received,
        acknowledge_by=received + timedelta(days=org.acknowledge_days),
        feedback_by=received + timedelta(days=org.feedback_days),
        acknowledged_on=after(acknowledged),
        feedback_on=after(feedback),
        closed_on=after(closed),
        state="closed" if closed is not None else "assessing",
        reporter_lookup=lookup,
        reporter_public_key=hashlib.sha256(lookup).digest(),
        report=None,
    )
    session.add(case)
    session.flush()
    if nature is not None:
        assessment = Assessment(
            case_id=case.id, model_version="1", nature=nature, frequency="once",
            relation=relation, power="none", consequences="discomfort", criminal=False,
            level=level, assessed_on=assessed or received + timedelta(days=5),
        )
        assessment.aggravating = [AssessmentAggravating(code=c) for c in aggravating]
        # What the employer did (the statistics count it, not the recommendations).
        assessment.employer_actions = [
            EmployerAction(code=c, decided_on=assessment.assessed_on, source="written_answer")
            for c in reactions
        ]
        session.add(assessment)
        session.flush()
    return case


@pytest.fixture()
def cases(db_session: Session) -> Any:
    return lambda org, received, **kw: add_case(db_session, org, received, **kw)


def derivable(equations: Iterable[dict[Any, int]], hidden: set[Any]) -> set[Any]:
    """The hidden figures that follow exactly from the released ones.

    `equations` are the homogeneous parts of what a reader knows (Σ coefficient ·
    figure = released constant); a hidden figure follows when its unit vector lies in
    the span of the equations restricted to the hidden figures. Exact elimination over
    the rationals, written independently of `insights.suppression.determined`.
    """
    basis: list[tuple[Any, dict[Any, Fraction]]] = []  # fully reduced, one pivot each

    def reduce(vector: dict[Any, Fraction]) -> dict[Any, Fraction]:
        for pivot, row in basis:
            factor = vector.get(pivot, Fraction(0))
            if factor:
                for v, a in row.items():
                    vector[v] = vector.get(v, Fraction(0)) - factor * a
        return {v: a for v, a in vector.items() if a}

    for eq in equations:
        vector = reduce({v: Fraction(a) for v, a in eq.items() if v in hidden})
        if not vector:
            continue
        pivot = min(vector, key=repr)
        row = {v: a / vector[pivot] for v, a in vector.items()}
        for i, (p, other) in enumerate(basis):
            factor = other.get(pivot, Fraction(0))
            if factor:
                merged = {v: other.get(v, Fraction(0)) - factor * row.get(v, Fraction(0))
                          for v in other.keys() | row.keys()}
                basis[i] = (p, {v: a for v, a in merged.items() if a})
        basis.append((pivot, row))
    return {x for x in hidden if not reduce({x: Fraction(1)})}
