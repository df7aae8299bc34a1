"""Forms (HTML, CSRF) and schemas (JSON bodies) for the handler's pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import Schema, fields, validate
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from casework import labels
from casework.vocabulary import (
    AGGRAVATING,
    CONSEQUENCES,
    FREQUENCY,
    HANDOFF_CHECKLIST,
    NATURE,
    OUTCOMES,
    POWER,
    REACTIONS,
    RELATION,
    STATE_REASONS,
    STATES,
)

CHOICE_ERROR = _l("Choose one of the listed values.")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


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


class AssessmentForm(FlaskForm):
    seen = HiddenField()
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


class DecisionsForm(FlaskForm):
    seen = HiddenField()
    reactions = MultiCheckboxField(_l("Reactions chosen"),
                                   choices=options((r, labels.REACTIONS[r]) for r in REACTIONS))
    referrals = MultiCheckboxField(_l("Referrals given"), choices=[])
    outcome = SelectField(
        _l("Outcome"),
        choices=options([("", _l("Not decided yet")),
                         *((o, labels.OUTCOMES[o]) for o in OUTCOMES)]),
        validators=[Optional()],
    )


class HandoffForm(FlaskForm):
    summary = HiddenField(validators=[DataRequired()])
    checklist = MultiCheckboxField(
        _l("Before you save, check that the summary has"),
        choices=options((c, labels.CHECKLIST[c]) for c in HANDOFF_CHECKLIST),
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
