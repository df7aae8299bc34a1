"""What casework services raise. Views turn these into clear messages; nothing is changed."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class CaseworkError(Exception):
    """A refused action. `message` is what the person is told (translated on use);
    `code` is what the audit log records for the refusal."""

    code = "refused"
    message: LazyString = _l("That could not be done. Nothing was changed.")

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail


class CaseNotFound(CaseworkError):
    """No such case, or not one sealed to this handler: the views answer 404 either way."""

    code = "not_found"


class TransitionRefused(CaseworkError):
    code = "bad_transition"
    message = _l("That state change is not possible from the case's current state. "
                 "Nothing was changed.")


class BadReason(CaseworkError):
    code = "bad_reason"
    message = _l("Choose one of the listed reasons for this state change. Nothing was changed.")


class AssessmentMissing(CaseworkError):
    code = "assessment_missing"
    message = _l("Record the assessment first. Nothing was changed.")


class OutcomeMissing(CaseworkError):
    code = "outcome_missing"
    message = _l("Record the outcome of the assessment before closing the case. "
                 "Nothing was changed.")


class BadAssessment(CaseworkError):
    code = "bad_assessment"
    message = _l("The assessment had a value that is not one of the choices. Nothing was saved.")


class EmptyDecision(CaseworkError):
    """Nothing chosen where nothing was recorded before: no change to record or audit."""

    code = "empty_decision"
    message = _l("Choose at least one recommendation, referral or outcome. Nothing was saved.")


class BadSealedItem(CaseworkError):
    """An envelope from the browser that is malformed or sealed to the wrong people."""

    code = "bad_envelope"
    message = _l("The encrypted content did not have the expected form or recipients. "
                 "Nothing was saved. Reload the page and try again.")


class NotAHandler(CaseworkError):
    code = "not_a_handler"
    message = _l("That person cannot be added to this case. Nothing was changed.")


class HandlerExcluded(NotAHandler):
    """Deliberately indistinguishable from NotAHandler — same code, same words, same audit
    detail — so the refusal reveals an exclusion to no one who could pass it on."""


class AlreadyOnCase(CaseworkError):
    code = "already_on_case"
    message = _l("That person already handles this case.")


class LastHandler(CaseworkError):
    code = "last_handler"
    message = _l("A case must always have at least one handler. Add a colleague before you "
                 "leave it.")


class CaseChanged(CaseworkError):
    code = "case_changed"
    message = _l("The case changed while you worked (for example a new message arrived). "
                 "Nothing was saved. Reload the page and try again.")


class ConsentMissing(CaseworkError):
    code = "consent_missing"
    message = _l("The reporter has not agreed to this version of the summary (a changed "
                 "text needs their consent again, and they may have withdrawn it). "
                 "The summary was not released.")


class ChecklistIncomplete(CaseworkError):
    code = "checklist_incomplete"
    message = _l("Go through the whole checklist before saving the summary. Nothing was saved.")


class CaseClosed(CaseworkError):
    code = "case_closed"
    message = _l("The case is closed. Reopen it first.")


class CasePurged(CaseworkError):
    code = "case_purged"
    message = _l("The content of this case was deleted at the end of the retention period.")


class NothingToRelease(CaseworkError):
    code = "nothing_to_release"
    message = _l("There is no summary waiting to be released.")


class RecipientExcluded(CaseworkError):
    """The chosen recipient is a person the reporter excluded from the case."""

    code = "recipient_excluded"
    message = _l("The reporter excluded this person from the case, so they can never receive "
                 "the summary. Choose another recipient. Nothing was saved.")


class RecipientMissing(CaseworkError):
    code = "recipient_missing"
    message = _l("Choose who in the employer's organisation receives the summary. "
                 "Nothing was saved.")


class ConsentOutdated(CaseworkError):
    """The reporter answered a version of the summary that is no longer the current one."""

    code = "consent_outdated"
    message = _l("The summary has changed since you read it. Read the new version below and "
                 "decide again. Nothing was recorded.")


class ConsentNotAsked(CaseworkError):
    """No summary is waiting for the reporter's answer (none written, released, or closed)."""

    code = "consent_not_asked"
    message = _l("There is no summary waiting for your answer now. Nothing was recorded.")


class ReporterNameConsentMissing(CaseworkError):
    code = "reporter_name_consent_missing"
    message = _l("This summary names you. Tick the separate box if the employer may learn who "
                 "you are, or write to the safety representative and ask for a version without "
                 "your name. Nothing was recorded.")
