"""Forms for the prevention pages. Services re-check everything (errors.Invalid)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from prevention import labels
from prevention.vocabulary import (
    MADE_KNOWN_ARTEFACTS,
    PARTICIPANT_ROLES,
    PRODUCTION_KINDS,
    REACTIONS,
    ROUTINE_SECTIONS,
    RULE_QUESTIONS,
    SITUATIONS,
    TALK_OCCASIONS,
    TALK_TOPICS,
)

COUNT = [Optional(), NumberRange(min=0, max=10_000, message=_l("A number from 0 to 10 000."))]


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(mapping: dict[Any, Any], codes: tuple[Any, ...]) -> list[tuple[Any, str]]:
    return [(c, str(mapping[c])) for c in codes]


class ProductionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=lambda: _choices(labels.KINDS, PRODUCTION_KINDS))
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])
    has_minors = BooleanField(_l("People under 18 take part"))
    has_intimate_work = BooleanField(_l("The work includes intimate scenes"))
    contacts = TextAreaField(
        _l("Contact people for this production"), validators=[Length(max=2000)],
        description=_l("Whom freelancers, volunteers and students in this production can "
                       "talk to, with how to reach them. Shown on the production's page."))


class AgreementForm(FlaskForm):
    agreed_on = DateField(_l("Agreed on"), validators=[Optional()])
    forum = SelectField(_l("Where it was agreed"),
                        choices=lambda: [("", "—"), *_choices(labels.FORUMS,
                                                             tuple(labels.FORUMS))])
    employees = IntegerField(_l("Employees"), validators=COUNT)
    freelancers = IntegerField(_l("Freelancers"), validators=COUNT)
    volunteers = IntegerField(_l("Volunteers"), validators=COUNT)
    students = IntegerField(_l("Students"), validators=COUNT)
    representatives = IntegerField(_l("Union or safety representatives"), validators=COUNT)

    def participants(self) -> dict[str, int | None]:
        return {role: getattr(self, role).data for role in PARTICIPANT_ROLES}


class MappingFactorForm(FlaskForm):
    relevance = SelectField(_l("Is this relevant for us?"), coerce=int,
                            choices=lambda: list(labels.RELEVANCE.items()))
    situations = Checkboxes(_l("When and where?"),
                            choices=lambda: _choices(labels.SITUATIONS, SITUATIONS))
    existing_measures = TextAreaField(_l("What do we do already?"),
                                      validators=[Length(max=2000)])
    proposed_rules = TextAreaField(_l("Which rules would reduce the risk?"),
                                   validators=[Length(max=2000)])
    proposed_routines = TextAreaField(
        _l("Which routines would reduce the consequences if it happens anyway?"),
        validators=[Length(max=2000)])
    owner = StringField(_l("Who follows this up"), validators=[Length(max=120)])
    due_on = DateField(_l("By when"), validators=[Optional()])


class CustomFactorForm(FlaskForm):
    label = StringField(_l("Add a risk factor of your own"),
                        validators=[DataRequired(), Length(max=120)])


class RuleForm(FlaskForm):
    question = SelectField(_l("Which question the rule answers"),
                           choices=lambda: _choices(labels.QUESTIONS, RULE_QUESTIONS))
    text = TextAreaField(_l("The rule"), validators=[DataRequired(), Length(max=600)])


class RoutinesForm(AgreementForm):
    with_representatives = BooleanField(
        _l("Drawn up together with the employees and their elected representatives "
           "(arbeidsmiljøloven § 2A-6 (2))"))


for _section in ROUTINE_SECTIONS:
    setattr(RoutinesForm, _section, TextAreaField(labels.SECTIONS[_section],
                                                  validators=[Length(max=4000)]))


class ConsequencesForm(AgreementForm):
    pass


for _reaction in REACTIONS:
    setattr(ConsequencesForm, _reaction, TextAreaField(labels.REACTIONS[_reaction],
                                                       validators=[Length(max=4000)]))


class TextForm(FlaskForm):
    text = TextAreaField(_l("Text"), validators=[Length(max=4000)])


class ClauseForm(TextForm):
    in_contracts_from = DateField(_l("In contracts from"), validators=[Optional()])


class SignForm(FlaskForm):
    signed_by = StringField(_l("Leader's name"), validators=[DataRequired(), Length(max=200)])
    signed_title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])


class MadeKnownForm(FlaskForm):
    on_date = DateField(_l("Date"), validators=[DataRequired()])
    channel = SelectField(_l("How"), choices=lambda: _choices(labels.CHANNELS,
                                                             tuple(labels.CHANNELS)))
    artefacts = Checkboxes(_l("What was made known"),
                           choices=lambda: _choices(labels.ARTEFACTS, MADE_KNOWN_ARTEFACTS))
    audience = IntegerField(_l("How many were reached (optional)"), validators=COUNT)


class TalkForm(FlaskForm):
    on_date = DateField(_l("Date"), validators=[DataRequired()])
    occasion = SelectField(_l("Occasion"), choices=lambda: _choices(labels.OCCASIONS,
                                                                   TALK_OCCASIONS))
    topics = Checkboxes(_l("Topics"), choices=lambda: _choices(labels.TOPICS, TALK_TOPICS))
    participants = IntegerField(_l("How many took part"),
                                validators=[InputRequired(message=_l("Give a number.")),
                                            NumberRange(min=0, max=10_000)])


class StepForm(FlaskForm):
    step = SelectField(_l("Step"), choices=lambda: list(labels.STEPS.items()))
    done_on = DateField(_l("Completed on"), validators=[DataRequired()])


class ReviewForm(FlaskForm):
    evaluation = TextAreaField(
        _l("What worked, and what we change (no case details)"),
        validators=[Length(max=4000)])
