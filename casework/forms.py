"""Forms (HTML, CSRF) and schemas (JSON bodies) for the handler's pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import Schema, fields, validate
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from casework import labels, workflow_labels
from casework.vocabulary import (
    AGGRAVATING,
    CONSEQUENCES,
    CONTEXT,
    EMPLOYER_ACTION_SOURCES,
    EMPLOYER_ACTIONS,
    EXPLICITNESS,
    FREQUENCY,
    HANDOFF_CHECKLIST,
    HANDOFF_KINDS,
    HANDOFF_RECIPIENTS,
    KINDS,
    NATURE,
    OUTCOMES,
    POWER,
    PRIOR,
    REACTIONS,
    RELATION,
    RISK_FACTORS,
    STATE_REASONS,
    STATES,
)

CHOICE_ERROR = _l("Choose one of the listed values.")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        # The same words as the single choices, in the page's language.
        values = {str(c.value) for c in self.choices or []}
        if any(str(d) not in values for d in self.data or []):
            raise ValidationError(str(CHOICE_ERROR))


def options(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _choices(factor: str, values: tuple[str, ...]) -> list[SelectChoice]:
    return options((v, labels.VALUES[factor][v]) for v in values)


class StateForm(FlaskForm):
    from_state = HiddenField(validators=[InputRequired()])
    to = HiddenField(validators=[InputRequired()])
    reason = SelectField(
        _l("Reason"), choices=options((r, labels.STATE_REASONS[r]) for r in STATE_REASONS),
        validators=[InputRequired()], validate_choice=True,
    )
    # A free-text reason, sealed in the browser to the handlers (an internal note).
    note = HiddenField()

    def validate_to(self, field: HiddenField) -> None:
        if field.data not in STATES:
            from wtforms import ValidationError

            raise ValidationError(CHOICE_ERROR)


def _radio(factor: str, values: tuple[str, ...]) -> RadioField:
    return RadioField(labels.FACTORS[factor], choices=_choices(factor, values),
                      validators=[InputRequired(message=CHOICE_ERROR)])


class AssessmentForm(FlaskForm):
    """Model v2 (design.md section 6). Every field shows its own error beside it."""

    seen = HiddenField()
    kind = SelectField(labels.FACTORS["kind"],
                       choices=options((k, labels.KINDS[k]) for k in KINDS),
                       validators=[InputRequired(message=CHOICE_ERROR)])
    explicitness = _radio("explicitness", EXPLICITNESS)
    prior = _radio("prior", PRIOR)
    context = MultiCheckboxField(labels.FACTORS["context"], choices=_choices("context", CONTEXT))
    risk_factors = MultiCheckboxField(labels.FACTORS["risk_factors"],
                                      choices=_choices("risk_factors", RISK_FACTORS))
    minor_involved = BooleanField(labels.MINOR_LABEL)
    nature = RadioField(labels.FACTORS["nature"], choices=_choices("nature", NATURE),
                        validators=[InputRequired(message=CHOICE_ERROR)])
    frequency = RadioField(labels.FACTORS["frequency"], choices=_choices("frequency", FREQUENCY),
                           validators=[InputRequired(message=CHOICE_ERROR)])
    relation = RadioField(labels.FACTORS["relation"], choices=_choices("relation", RELATION),
                          validators=[InputRequired(message=CHOICE_ERROR)])
    power = RadioField(labels.FACTORS["power"], choices=_choices("power", POWER),
                       validators=[InputRequired(message=CHOICE_ERROR)])
    consequences = RadioField(labels.FACTORS["consequences"],
                              choices=_choices("consequences", CONSEQUENCES),
                              validators=[InputRequired(message=CHOICE_ERROR)])
    aggravating = MultiCheckboxField(labels.FACTORS["aggravating"],
                                     choices=_choices("aggravating", AGGRAVATING))
    criminal = BooleanField(labels.CRIMINAL_LABEL)

    def validate_criminal(self, field: BooleanField) -> None:
        if self.nature.data == "sexual_assault" and not field.data:
            from wtforms import ValidationError

            raise ValidationError(str(labels.SEXUAL_ASSAULT_NOT_CRIMINAL))


class DecisionsForm(FlaskForm):
    seen = HiddenField()
    reactions = MultiCheckboxField(_l("Recommended to the employer"),
                                   choices=options((r, labels.REACTIONS[r]) for r in REACTIONS))
    referrals = MultiCheckboxField(_l("Referrals given"), choices=[])
    outcome = SelectField(
        _l("Outcome"),
        choices=options([("", _l("Not decided yet")),
                         *((o, labels.OUTCOMES[o]) for o in OUTCOMES)]),
        validators=[Optional()],
    )


class EmployerActionsForm(FlaskForm):
    """What the employer did, from its answer; what the statistics count."""

    seen = HiddenField()
    actions = MultiCheckboxField(
        _l("What the employer did"),
        choices=options((a, labels.REACTIONS[a]) for a in EMPLOYER_ACTIONS),
    )
    decided_on = DateField(_l("Date the employer decided"), validators=[Optional()])
    source = SelectField(
        _l("Where you learnt it"),
        choices=options([("", _l("Choose")),
                         *((s, labels.EMPLOYER_ACTION_SOURCES[s])
                           for s in EMPLOYER_ACTION_SOURCES)]),
        validators=[Optional()],
    )


class HandoffForm(FlaskForm):
    summary = HiddenField(validators=[DataRequired()])
    kind = RadioField(
        _l("Kind of summary"), default="anonymised",
        choices=options((k, workflow_labels.HANDOFF_KINDS[k]) for k in HANDOFF_KINDS),
        validators=[InputRequired()],
    )
    names_reporter = BooleanField(_l("The summary also names the reporter (they must agree "
                                     "to that separately)"))
    recipient = SelectField(
        _l("Who receives it"),
        choices=options([("", _l("Choose")), *((r, workflow_labels.HANDOFF_RECIPIENTS[r])
                                               for r in HANDOFF_RECIPIENTS)]),
        validators=[Optional()],
    )
    recipient_person = SelectField(_l("The person, if they use Trygg"), choices=[],
                                   validators=[Optional()], validate_choice=False)
    above_accused = BooleanField(_l("The recipient is above the person concerned in the same "
                                    "line of management"))
    checklist = MultiCheckboxField(
        _l("Before you save, check that the summary has"),
        choices=options([*((c, labels.CHECKLIST[c]) for c in HANDOFF_CHECKLIST),
                         *workflow_labels.CHECKLIST.items()]),
    )


class ConfirmForm(FlaskForm):
    """A button that only needs CSRF (release a summary, leave a case)."""


class MessageSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("message", "note")))
    body = fields.Dict(required=True)
    feedback = fields.Boolean(load_default=False)
    # 32 random bytes, unpadded base64url, made once per message in the browser: a resend
    # after a lost answer is stored once.
    idempotency_key = fields.String(required=True,
                                    validate=validate.Regexp(r"^[A-Za-z0-9_-]{43}$"))


class ResealSchema(Schema):
    handler = fields.UUID(required=True)
    items = fields.Dict(keys=fields.String(), values=fields.Dict(), required=True)
    leave = fields.Boolean(load_default=False)
