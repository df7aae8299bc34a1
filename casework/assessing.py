"""Recording the structured assessment and the handler's decisions.

The assessment is plaintext by design (design.md section 2): workflow and the leaders'
statistics run on it, and it survives the retention purge. It holds codes only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from accounts.models import Membership
from casework import audit, seriousness, seriousness_v1
from casework.errors import (
    AssessmentMissing,
    BadAssessment,
    CaseChanged,
    CasePurged,
    EmptyDecision,
)
from casework.models import (
    Assessment,
    AssessmentAggravating,
    AssessmentContext,
    AssessmentRiskFactor,
    Case,
    CaseReaction,
    CaseReferral,
    EmployerAction,
)
from casework.vocabulary import (
    EMPLOYER_ACTION_SOURCES,
    EMPLOYER_ACTIONS,
    KINDS,
    OUTCOMES,
    REACTIONS,
)
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
    kind: str = "sexual_harassment",
    explicitness: str = "ambiguous",
    prior: str = "none",
    context: Iterable[str] = (),
    risk_factors: Iterable[str] = (),
    minor_involved: bool = False,
) -> seriousness.Result:
    """Save (or revise) the assessment under the current model (version 2).

    Raises BadAssessment naming the field for a value outside the vocabulary, or for a
    sexual assault not marked as possibly criminal; nothing is saved then.
    """
    if case.purged_on is not None:
        raise CasePurged()
    if kind not in KINDS:
        raise BadAssessment("kind")
    extra, places, risks = frozenset(aggravating), frozenset(context), frozenset(risk_factors)
    try:
        result = seriousness.assess(
            nature=nature, frequency=frequency, relation=relation, power=power,
            consequences=consequences, aggravating=extra, criminal=criminal,
            explicitness=explicitness, prior=prior, context=places, risk_factors=risks,
            minor_involved=minor_involved,
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
    assessment.kind, assessment.explicitness, assessment.prior = kind, explicitness, prior
    assessment.minor_involved = minor_involved
    assessment.level = result.level
    assessment.aggravating = [AssessmentAggravating(code=c) for c in sorted(extra)]
    assessment.contexts = [AssessmentContext(code=c) for c in sorted(places)]
    assessment.risk_factors = [AssessmentRiskFactor(code=c) for c in sorted(risks)]
    assessment.updated_at = utcnow()
    session.flush()
    audit.append(
        session, "assessment.revised" if revised else "assessment.recorded",
        organisation_id=case.organisation_id, case_id=case.id, actor_id=membership.id,
        detail=f"level={result.level};v={result.version}",
    )
    return result


def result_for(assessment: Assessment) -> seriousness.Result | seriousness_v1.Result:
    """The saved assessment's reasons and suggestions, under the model it was saved with.

    An assessment from version 1 is shown as version 1, with the level it was given.
    """
    aggravating = frozenset(a.code for a in assessment.aggravating)
    if assessment.model_version == "1":
        return seriousness_v1.assess(
            nature=assessment.nature, frequency=assessment.frequency,
            relation=assessment.relation, power=assessment.power,
            consequences=assessment.consequences, aggravating=aggravating,
            criminal=assessment.criminal,
        )
    return seriousness.assess(
        nature=assessment.nature, frequency=assessment.frequency, relation=assessment.relation,
        power=assessment.power, consequences=assessment.consequences,
        aggravating=aggravating, criminal=assessment.criminal,
        explicitness=assessment.explicitness or "ambiguous", prior=assessment.prior or "none",
        context=frozenset(c.code for c in assessment.contexts),
        risk_factors=frozenset(r.code for r in assessment.risk_factors),
        minor_involved=assessment.minor_involved,
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
    """The recommendations to the employer, the referrals given and the outcome, as codes."""
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
    if not (chosen or given or outcome or assessment.reactions or assessment.referrals
            or assessment.outcome):
        raise EmptyDecision()
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


def record_employer_actions(
    session: Session,
    case: Case,
    membership: Membership,
    *,
    actions: Iterable[str],
    decided_on: date | None,
    source: str | None,
    on: date,
    seen: str | None = None,
) -> Assessment:
    """What the employer did, from its answer: codes, the date it decided, and the source.

    Replaces the list (an empty list clears it). The date may not lie in the future.
    """
    if case.purged_on is not None:
        raise CasePurged()
    assessment = session.get(Assessment, case.id)
    if assessment is None:
        raise AssessmentMissing()
    _check_stamp(assessment, seen)
    chosen = list(dict.fromkeys(actions))
    if any(a not in EMPLOYER_ACTIONS for a in chosen):
        raise BadAssessment("employer_action")
    if chosen and (decided_on is None or decided_on > on):
        raise BadAssessment("decided_on")
    if chosen and source not in EMPLOYER_ACTION_SOURCES:
        raise BadAssessment("source")
    assessment.employer_actions = [
        EmployerAction(code=c, decided_on=decided_on, source=source) for c in chosen
    ]
    assessment.updated_at = utcnow()
    session.flush()
    audit.append(
        session, "employer_actions.recorded", organisation_id=case.organisation_id,
        case_id=case.id, actor_id=membership.id,
        detail=f"actions={len(chosen)};source={source or '-'}",
    )
    return assessment
