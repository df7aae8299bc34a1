"""Recording the structured assessment and the handler's decisions.

The assessment is plaintext by design (design.md section 2): workflow and the leaders'
statistics run on it, and it survives the retention purge. It holds codes only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from accounts.models import Membership
from casework import audit, seriousness
from casework.errors import AssessmentMissing, BadAssessment, CaseChanged, CasePurged
from casework.models import (
    Assessment,
    AssessmentAggravating,
    Case,
    CaseReaction,
    CaseReferral,
)
from casework.vocabulary import OUTCOMES, REACTIONS
from trygg.database import utcnow

REFERRAL_CODE_MAX = 40


def stamp(assessment: Assessment | None) -> str:
    """What an assessment form carries to notice that someone else saved in between."""
    return "" if assessment is None else assessment.updated_at.isoformat()


def _check_stamp(assessment: Assessment | None, seen: str | None) -> None:
    if seen is not None and seen != stamp(assessment):
        raise CaseChanged("assessment")


def record_assessment(
    session: Session,
    case: Case,
    membership: Membership,
    *,
    nature: str,
    frequency: str,
    relation: str,
    power: str,
    consequences: str,
    aggravating: Iterable[str],
    criminal: bool,
    on: date,
    seen: str | None = None,
) -> seriousness.Result:
    """Save (or revise) the assessment; the level comes from casework.seriousness."""
    if case.purged_on is not None:
        raise CasePurged()
    extra = frozenset(aggravating)
    try:
        result = seriousness.assess(
            nature=nature, frequency=frequency, relation=relation, power=power,
            consequences=consequences, aggravating=extra, criminal=criminal,
        )
    except seriousness.AssessmentInputError as exc:
        raise BadAssessment(exc.factor) from None
    assessment = session.get(Assessment, case.id)
    _check_stamp(assessment, seen)
    revised = assessment is not None
    if assessment is None:
        assessment = Assessment(case_id=case.id, assessed_on=on)
        session.add(assessment)
    assessment.model_version = result.version
    assessment.nature, assessment.frequency = nature, frequency
    assessment.relation, assessment.power = relation, power
    assessment.consequences, assessment.criminal = consequences, criminal
    assessment.level = result.level
    assessment.aggravating = [AssessmentAggravating(code=c) for c in sorted(extra)]
    assessment.updated_at = utcnow()
    session.flush()
    audit.append(
        session, "assessment.revised" if revised else "assessment.recorded",
        organisation_id=case.organisation_id, case_id=case.id, actor_id=membership.id,
        detail=f"level={result.level};v={result.version}",
    )
    return result


def result_for(assessment: Assessment) -> seriousness.Result:
    return seriousness.assess(
        nature=assessment.nature, frequency=assessment.frequency, relation=assessment.relation,
        power=assessment.power, consequences=assessment.consequences,
        aggravating=frozenset(a.code for a in assessment.aggravating),
        criminal=assessment.criminal,
    )


def record_decisions(
    session: Session,
    case: Case,
    membership: Membership,
    *,
    reactions: Iterable[str],
    referrals: Iterable[str],
    outcome: str | None,
    known_referrals: Iterable[str],
    seen: str | None = None,
) -> Assessment:
    """The reactions chosen, the referrals given and the outcome, as codes."""
    if case.purged_on is not None:
        raise CasePurged()
    assessment = session.get(Assessment, case.id)
    if assessment is None:
        raise AssessmentMissing()
    _check_stamp(assessment, seen)
    chosen = list(dict.fromkeys(reactions))
    given = list(dict.fromkeys(referrals))
    if any(r not in REACTIONS for r in chosen):
        raise BadAssessment("reaction")
    allowed_referrals = set(known_referrals)
    if any(r not in allowed_referrals or len(r) > REFERRAL_CODE_MAX for r in given):
        raise BadAssessment("referral")
    if outcome is not None and outcome not in OUTCOMES:
        raise BadAssessment("outcome")
    assessment.reactions = [CaseReaction(code=c) for c in chosen]
    assessment.referrals = [CaseReferral(code=c) for c in given]
    assessment.outcome = outcome
    assessment.updated_at = utcnow()
    session.flush()
    audit.append(
        session, "decisions.recorded", organisation_id=case.organisation_id, case_id=case.id,
        actor_id=membership.id,
        detail=f"reactions={len(chosen)};referrals={len(given)};outcome={outcome or '-'}",
    )
    return assessment
