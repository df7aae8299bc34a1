"""A demo history for the statistics (development only): `flask trygg seed-demo-history`.

Gives the demo organisation twelve quarters of assessed cases, and makes an umbrella
("Demonettverket") with the demo organisation and two more members, whose leader is the
demo leader too, so that a newcomer sees charts and tables right after `make run`.

The history cases are shaped like old cases after the retention purge: their content is
gone (no report, no messages, no handlers) and only the dates and the structured
assessment remain, which is all the statistics use. Nothing here is random at run time:
the same date gives the same history, so it can be seeded again without duplicates.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import services
from accounts.models import Organisation
from casework import seriousness, seriousness_v1
from casework.models import (
    Assessment,
    AssessmentAggravating,
    Case,
    CaseReaction,
    EmployerAction,
)
from casework.vocabulary import EMPLOYER_ACTIONS, NATURE
from insights.periods import quarter_of
from trygg import clock
from trygg.config import Config
from trygg.seed import PEOPLE, SLUG, DemoRefused

UMBRELLA = ("demo-nettverk", "Demonettverket")
MEMBERS = (("demo-scene", "Demoscenen"), ("demo-festival", "Demofestivalen"))
# Cases per quarter, oldest first, for the last twelve complete quarters: a quiet stretch
# in the middle shows how quarters merge into half-years and years when counts are small.
DEMO_QUARTERS = (9, 11, 7, 8, 3, 2, 1, 3, 10, 12, 8, 14)
MEMBER_QUARTERS = ((4, 6, 5, 7, 6, 4, 5, 8, 6, 7, 5, 6), (2, 3, 9, 1, 2, 8, 3, 2, 4, 9, 2, 3))
WEIGHTS = {
    "nature": (40, 20, 20, 16, 4),
    "relation": (40, 10, 20, 30),
    "power": (40, 40, 20),
    "frequency": (55, 35, 10),
    "consequences": (15, 45, 25, 12, 3),
}


@dataclass(frozen=True)
class Seeded:
    cases: int
    organisations: tuple[str, ...]

    def text(self, base_url: str) -> str:
        leader = next(p for p in PEOPLE if p.role == "leader")
        return "\n".join([
            f"Demo history: {self.cases} assessed cases in {', '.join(self.organisations)}.",
            f"  Sign in as {leader.email} (password: {leader.password}) and open",
            f"  {base_url}/orgs/{SLUG}/statistics",
            f"  {base_url}/orgs/{UMBRELLA[0]}/statistics/members",
        ])


def _lookup(slug: str, n: int) -> bytes:
    return hashlib.sha256(f"trygg/demo-history/{slug}/{n}".encode()).digest()


def _org(session: Session, slug: str, name: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        org = services.create_organisation(session, slug=slug, name=name)
    return org


def seed_history(session: Session, config: Config, *, on: date | None = None) -> Seeded:
    """Add the demo history (idempotent); needs the demo organisation (`seed-demo`)."""
    if config.is_production:
        raise DemoRefused("The demo history never runs in production (TRYGG_ENV=production).")
    on = on or clock.today()
    demo = session.scalar(select(Organisation).where(Organisation.slug == SLUG))
    if demo is None:
        raise DemoRefused("Seed the demo organisation first: flask --app wsgi trygg seed-demo")
    umbrella = _org(session, *UMBRELLA)
    leader = services.person_by_email(session, next(p.email for p in PEOPLE if p.role == "leader"))
    if leader is not None:
        services.appoint(session, umbrella, leader, "leader", "Daglig leder")
    orgs = [(demo, DEMO_QUARTERS)] + [
        (_org(session, slug, name), quarters)
        for (slug, name), quarters in zip(MEMBERS, MEMBER_QUARTERS, strict=True)
    ]
    added = 0
    for org, quarters in orgs:
        org.umbrella_id = umbrella.id
        added += _history(session, org, quarters, on)
    session.flush()
    return Seeded(added, tuple(o.slug for o, _q in orgs))


def _history(session: Session, org: Organisation, quarters: tuple[int, ...], on: date) -> int:
    if session.scalar(select(Case.id).where(Case.reporter_lookup == _lookup(org.slug, 0))):
        return 0
    rng = random.Random(f"{org.slug}/{on.isoformat()}")  # noqa: S311 - demo data, not secrets
    current = quarter_of(on)
    index = current.year * 4 + current.n - 1
    n = 0
    # The history is the organisation's own: it existed then (the statistics begin in the
    # creation year and fold anything earlier into it).
    first = index - len(quarters)
    since = datetime(first // 4, 1, 1, tzinfo=UTC)
    if org.created_at.replace(tzinfo=UTC) > since:
        org.created_at = since
    for back, count in zip(range(len(quarters), 0, -1), quarters, strict=True):
        q = index - back
        start = date(q // 4, (q % 4) * 3 + 1, 1)
        span = ((date(q // 4 + (q % 4 == 3), ((q % 4 + 1) % 4) * 3 + 1, 1)) - start).days
        for _i in range(count):
            received = start + timedelta(days=rng.randrange(span))
            _case(session, org, rng, received, on, _lookup(org.slug, n))
            n += 1
    return n


def _pick(rng: random.Random, values: tuple[str, ...], factor: str) -> str:
    return rng.choices(values, weights=WEIGHTS[factor])[0]


def _case(
    session: Session, org: Organisation, rng: random.Random, received: date, on: date,
    lookup: bytes,
) -> None:
    acknowledged = received + timedelta(days=rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 6, 9)))
    feedback = received + timedelta(days=rng.randint(14, 110))
    closed = received + timedelta(days=rng.randint(30, 160))
    case = Case(
        public_id=uuid.uuid4(),
        organisation_id=org.id,
        received_on=received,
        acknowledge_by=received + timedelta(days=org.acknowledge_days),
        feedback_by=received + timedelta(days=org.feedback_days),
        acknowledged_on=acknowledged if acknowledged <= on else None,
        feedback_on=feedback if feedback <= on else None,
        closed_on=closed if closed <= on else None,
        state="closed" if closed <= on else "measures",
        reporter_lookup=lookup,
        reporter_public_key=hashlib.sha256(lookup).digest(),
        report=None,
        purged_on=on,
    )
    session.add(case)
    session.flush()
    nature = _pick(rng, NATURE, "nature")
    frequency = _pick(rng, ("once", "repeated", "systematic"), "frequency")
    # The v1 relations and circumstances, so that the seeded history stays the same.
    relation = _pick(rng, seriousness_v1.RELATION, "relation")
    power = _pick(rng, ("none", "some", "strong"), "power")
    consequences = _pick(rng, ("none", "discomfort", "impaired_work", "health", "severe"),
                         "consequences")
    aggravating = frozenset(a for a in seriousness_v1.AGGRAVATING if rng.random() < 0.18)
    criminal = nature in ("physical", "sexual_assault") and rng.random() < 0.4
    criminal = criminal or nature == "sexual_assault"  # always so (model v2)
    result = seriousness.assess(
        nature=nature, frequency=frequency, relation=relation, power=power,
        consequences=consequences, aggravating=aggravating, criminal=criminal,
    )
    assessment = Assessment(
        case_id=case.id, model_version=result.version, nature=nature, frequency=frequency,
        relation=relation, power=power, consequences=consequences, criminal=criminal,
        level=result.level, assessed_on=min(received + timedelta(days=rng.randint(3, 25)), on),
    )
    assessment.aggravating = [AssessmentAggravating(code=c) for c in sorted(aggravating)]
    chosen = list(result.reactions[: rng.randint(1, 2)])
    chosen += [r for r in ("follow_up_support", "feedback_to_reporter", "documentation")
               if rng.random() < 0.6]
    assessment.reactions = [CaseReaction(code=c) for c in dict.fromkeys(chosen)]
    # The employer did what was recommended first (what the statistics count).
    assessment.employer_actions = [
        EmployerAction(code=c, decided_on=assessment.assessed_on, source="written_answer")
        for c in dict.fromkeys(chosen) if c in EMPLOYER_ACTIONS
    ]
    session.add(assessment)
