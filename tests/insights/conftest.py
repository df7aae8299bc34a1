"""Helpers for the statistics tests: cases with assessments, made directly and fast."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from casework.models import Assessment, AssessmentAggravating, Case, CaseReaction

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
) -> Case:
    """A case received on `received`; `acknowledged`/`feedback`/`closed` are days after
    it (None: not yet); `nature=None` leaves it unassessed."""
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
        assessment.reactions = [CaseReaction(code=c) for c in reactions]
        session.add(assessment)
        session.flush()
    return case


@pytest.fixture()
def cases(db_session: Session) -> Any:
    return lambda org, received, **kw: add_case(db_session, org, received, **kw)
