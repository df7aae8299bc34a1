"""Where an organisation or production stands: each module's state, and Balansemerket's
steps (course → risk mapping → measures → mark) with what each step needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Organisation
from prevention import documents, productions
from prevention.models import BalansemerketStep, Document, Mapping, Production
from prevention.vocabulary import BALANSEMERKET_STEPS


@dataclass(frozen=True)
class ScopeStatus:
    mapping: Mapping | None
    rules: Document | None
    routines: Document | None
    consequences: Document | None
    standpoint: Document | None
    clause: Document | None
    made_known: int
    talks: int
    standpoint_due: bool
    inherited: dict[str, Document | None]


def scope_status(session: Session, org: Organisation, production: Production | None,
                 today: date) -> ScopeStatus:
    def pub(kind: str) -> Document | None:
        return documents.published(session, org, production, kind)

    inherited: dict[str, Document | None] = {}
    if production is not None:
        inherited = {k: documents.published(session, org, None, k)
                     for k in ("rules", "routines", "consequences", "clause")}
    standpoint = documents.published(session, org, None, "standpoint")
    return ScopeStatus(
        mapping=productions.latest_agreed(session, org, production),
        rules=pub("rules"), routines=pub("routines"), consequences=pub("consequences"),
        standpoint=standpoint, clause=pub("clause"),
        made_known=len(productions.made_known(session, org, production)),
        talks=len(productions.talks(session, org, production)),
        standpoint_due=documents.standpoint_due(standpoint, today),
        inherited=inherited,
    )


@dataclass(frozen=True)
class Requirement:
    label: str
    met: bool


@dataclass(frozen=True)
class Step:
    code: str
    done_on: date | None
    requirements: list[Requirement]

    @property
    def ready(self) -> bool:
        return all(r.met for r in self.requirements)


FOLLOW_UP_DAYS = 365


def balansemerket(session: Session, org: Organisation, today: date) -> list[Step]:
    from flask_babel import gettext as _

    done = {s.step: s.done_on for s in session.scalars(
        select(BalansemerketStep).where(BalansemerketStep.organisation_id == org.id))}
    status = scope_status(session, org, None, today)
    courses = [t for t in productions.talks(session, org) if t.occasion == "course"]
    checks = {
        "course": [Requirement(_("A Balansekunst course is in the talk log"), bool(courses))],
        "mapping": [Requirement(_("A risk mapping of the organisation is agreed"),
                                status.mapping is not None)],
        "measures": [
            Requirement(_("Rules are published"), status.rules is not None),
            Requirement(_("Routines that meet § 2A-6 are published"),
                        status.routines is not None),
            Requirement(_("Consequences are agreed"), status.consequences is not None),
            Requirement(_("A leader has signed the standpoint in the last year"),
                        status.standpoint is not None and not status.standpoint_due),
            Requirement(_("Rules, routines or the link have been made known"),
                        status.made_known > 0),
        ],
        "mark": [Requirement(_("The measures step is completed"), "measures" in done)],
    }
    return [Step(code, done.get(code), checks[code]) for code in BALANSEMERKET_STEPS]


def next_follow_up(steps: list[Step]) -> date | None:
    mark = next((s for s in steps if s.code == "mark"), None)
    if mark is None or mark.done_on is None:
        return None
    return mark.done_on + timedelta(days=FOLLOW_UP_DAYS)


def record_step(session: Session, org: Organisation, step: str, on: date) -> None:
    from prevention.errors import Invalid

    if step not in BALANSEMERKET_STEPS:
        raise Invalid("step", "unknown")
    found = session.scalar(select(BalansemerketStep).where(
        BalansemerketStep.organisation_id == org.id, BalansemerketStep.step == step))
    if found is None:
        session.add(BalansemerketStep(organisation_id=org.id, step=step, done_on=on))
    else:
        found.done_on = on
    session.flush()
