"""The reporter's forms (the path without JavaScript reads them; the browser reads the same
fields and seals them itself). CSRF is handled by reporting.guard, not by Flask-WTF, because
reporter pages must not set the staff session cookie."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from reporting import document


class _NoCsrf(FlaskForm):
    class Meta:
        csrf = False  # reporting.guard checks reporter forms


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes; the template renders them inside a fieldset with a legend."""

    def pre_validate(self, form: Any) -> None:
        values = {str(c.value) for c in self.choices or []}
        if any(d not in values for d in self.data or []):
            # Not ValueError: WTForms turns only ValidationError into a field error.
            raise ValidationError(_l("Choose from the list."))


def _limit(maximum: int) -> Length:
    """A length limit that says itself (the form shows it, and a counter, before sending)."""
    return Length(max=maximum, message=_l("This is longer than %(max)d characters. Shorten it, "
                                          "or send the rest later on the follow-up page."))


def limit_attrs(field: Any) -> dict[str, Any]:
    """Attributes for a text field with a limit: no `maxlength` (the browser would cut pasted
    text silently), the limit for the counter (trygg/static/js/reporter.js) instead."""
    maximum = next((v.max for v in field.validators if isinstance(v, Length)), -1)
    return {"maxlength": False, "data_limit": maximum} if maximum > 0 else {}


def _choices(mapping: dict[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(code, label) for code, label in mapping.items()]


class IntakeForm(_NoCsrf):
    about = RadioField(_l("Who is writing?"), choices=_choices(document.ABOUT),
                       validators=[Optional()], validate_choice=True)
    status = RadioField(_l("The affected person's status at work (optional)"),
                        choices=_choices(document.STATUS), validators=[Optional()],
                        validate_choice=True)
    what = TextAreaField(
        _l("What happened?"),
        validators=[DataRequired(message=_l("Write a few words about what happened.")),
                    _limit(document.MAX_WHAT)],
    )
    when_period = RadioField(_l("When did it happen?"), choices=_choices(document.PERIODS),
                             validators=[Optional()], validate_choice=True)
    when_text = StringField(_l("More about when (optional)"),
                            validators=[_limit(document.MAX_SHORT)])
    where_settings = MultiCheckboxField(_l("Where, and in what setting?"),
                                        choices=_choices(document.SETTINGS))
    where_text = TextAreaField(_l("More about where (optional)"),
                               validators=[_limit(document.MAX_TEXT)])
    concerns_role = RadioField(_l("Who did it? Their role is enough – no name is needed"),
                               choices=_choices(document.ROLES), validators=[Optional()])
    concerns_text = TextAreaField(_l("More about their role (optional)"),
                                  validators=[_limit(document.MAX_TEXT)])
    before = RadioField(_l("Has it happened before?"), choices=_choices(document.BEFORE),
                        validators=[Optional()])
    witnesses = TextAreaField(_l("Did anyone see or hear it? (optional)"),
                              validators=[_limit(document.MAX_TEXT)])
    consequences = TextAreaField(_l("How has it affected you, or the person it happened to? "
                                    "(optional)"),
                                 validators=[_limit(document.MAX_TEXT)])
    wants = MultiCheckboxField(_l("What would you like to happen now?"),
                               choices=_choices(document.WANTS))
    contact_name = StringField(_l("Name (optional)"), validators=[_limit(document.MAX_SHORT)])
    contact_reach = StringField(_l("Phone or email (optional)"),
                                validators=[_limit(document.MAX_SHORT)])
    contact_when = StringField(_l("When and how may they contact you? (optional)"),
                               validators=[_limit(document.MAX_SHORT)])
    exclude = MultiCheckboxField(_l("Leave someone out"), choices=[])
    attachments = MultipleFileField(_l("Attach files (optional)"))
    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{43}$")])

    def fields_for_document(self) -> dict[str, Any]:
        return {name: self[name].data for name in (
            "about", "status", "what", "when_period", "when_text", "where_settings",
            "where_text", "concerns_role", "concerns_text", "before", "witnesses",
            "consequences", "wants", "contact_name", "contact_reach", "contact_when")}


class ReceiptForm(_NoCsrf):
    receipt = StringField(
        _l("Your receipt"),
        validators=[DataRequired(message=_l("Type the receipt you got when you sent the report.")),
                    Length(max=200)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                   "autocorrect": "off"},
    )


class MessageForm(_NoCsrf):
    kind = RadioField(_l("What are you sending?"),
                      choices=[
                          SelectChoice("message", _l("A message to the safety representative")),
                          SelectChoice("addition", _l("More information for my report")),
                      ],
                      default="message")
    text = TextAreaField(_l("Your message"),
                         validators=[DataRequired(message=_l("Write something first.")),
                                     _limit(document.MAX_WHAT)])
    attachments = MultipleFileField(_l("Attach files (optional)"))


class ConsentForm(_NoCsrf):
    agree = BooleanField(_l("I agree that an anonymised summary may be given to the employer"),
                         validators=[
                             DataRequired(message=_l("Tick the box to give your consent."))])
    note = TextAreaField(_l("Anything the safety representative should keep in mind (optional)"),
                         validators=[_limit(document.MAX_TEXT)])


class LocalReferralForm(FlaskForm):
    """An admin's local directory entry (staff page: Flask-WTF CSRF applies)."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Regexp(r"^[a-z][a-z0-9_]{1,39}$",
                                           message=_l("Lowercase letters, digits and _ only."))],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = TextAreaField(_l("When to refer here"), validators=[DataRequired(), Length(max=2000)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    web = URLField(_l("Web address"), validators=[
        Optional(), Length(max=300),
        Regexp(r"^https://", message=_l("Use an https:// address."))])
    hours = StringField(_l("Opening hours"), validators=[Optional(), Length(max=200)])
    source = StringField(_l("Source of these details"),
                         validators=[DataRequired(), Length(max=300)])
    checked = DateField(_l("Date last checked"), validators=[DataRequired()])


class DeleteForm(FlaskForm):
    pass


__all__ = [
    "ConsentForm",
    "DeleteForm",
    "IntakeForm",
    "LocalReferralForm",
    "MessageForm",
    "ReceiptForm",
    "limit_attrs",
]
