"""Forms for signing in, invitations and the organisation's admin pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from accounts import passwords
from accounts.admin import NAME_MAX, SETTING_LIMITS, TEXT_MAX, TITLE_MAX
from trygg.nav import ROLE_NAMES


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[
            DataRequired(),
            # Six digits, or a one-time backup code (accounts.recovery).
            Regexp(r"^\s*(\d{3}\s?\d{3}|[A-Za-z2-9]{5}[-\s]?[A-Za-z2-9]{5})\s*$",
                   message=_l("Enter the six digits.")),
        ],
        render_kw={"autocomplete": "one-time-code"},  # backup codes have letters
    )


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token: for buttons that change something."""


class NewAccountForm(FlaskForm):
    """Accepting an invitation with an address that has no account yet."""

    name = StringField(
        _l("Your name"),
        validators=[DataRequired(message=_l("Write your name.")), Length(max=NAME_MAX)],
        render_kw={"autocomplete": "name"},
    )
    password = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired(message=_l("Choose a password.")), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_password(self, field: Any) -> None:
        problem = passwords.password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class WholeNumberField(IntegerField):
    """An IntegerField that explains bad input once, in our words."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or valuelist[0].strip() == "":
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Write a whole number, for example 14.")) from None

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()


class EmailAddress:
    """A syntactically valid address (no DNS lookups). Outside production the reserved
    `.test` domain is accepted too, so the demo's addresses work."""

    def __call__(self, form: Any, field: Any) -> None:
        from email_validator import EmailNotValidError, validate_email
        from flask import current_app

        try:
            validate_email(
                field.data or "",
                check_deliverability=False,
                test_environment=not current_app.config["TRYGG"].is_production,
            )
        except EmailNotValidError:
            raise ValidationError(_l("That does not look like an email address.")) from None


def _days(label: Any, field: str, hint: Any) -> IntegerField:
    low, high = SETTING_LIMITS[field]
    return WholeNumberField(
        label,
        description=hint,
        validators=[
            InputRequired(message=_l("Fill in a number.")),
            NumberRange(low, high, message=_l("Use a number from %(min)s to %(max)s.")),
        ],
        render_kw={"inputmode": "numeric", "min": low, "max": high},
    )


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name of the organisation"),
        validators=[DataRequired(message=_l("Write the organisation's name.")),
                    Length(max=NAME_MAX)],
    )
    standpoint = TextAreaField(
        _l("Our standpoint"),
        description=_l("What the organisation stands for. Reporters read it first."),
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    rules = TextAreaField(
        _l("Rules"),
        description=_l("The rules you have agreed on, at work, on tour, at parties and online. "
                       "Say when and how they were agreed."),
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    routines = TextAreaField(
        _l("Routines"),
        description=_l(
            "What happens after someone reports, who reads it, and when they hear back. "
            "Routines for internal reporting must be written and contain at least an "
            "encouragement to report, how to report, and how the employer receives, handles "
            "and follows up a report; they are made with the employees and their "
            "representatives and must be easy to find (arbeidsmiljøloven § 2A-6)."
        ),
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    consequences = TextAreaField(
        _l("Consequences"),
        description=_l("What can happen when the rules are broken, from a talk to ending the "
                       "collaboration or dismissal. Handlers see this beside their "
                       "recommendations."),
        validators=[Optional(), Length(max=TEXT_MAX)],
    )
    acknowledge_days = _days(
        _l("Days to acknowledge a report"), "acknowledge_days",
        _l("The reporter is told a report was received within this many days (1–90)."),
    )
    feedback_days = _days(
        _l("Days to give feedback"), "feedback_days",
        _l("The reporter hears what was done within this many days (7–365)."),
    )
    retention_days = _days(
        _l("Days to keep a closed case"), "retention_days",
        _l("After this many days a closed case's content is deleted (30–3650)."),
    )
    stats_k = _days(
        _l("Smallest number shown in statistics"), "stats_k",
        _l("Leaders never see a count smaller than this, so nobody can be singled out "
           "(at least 3)."),
    )

    def validate_feedback_days(self, field: Any) -> None:
        ack = self.acknowledge_days.data
        if field.data is not None and ack is not None and field.data <= ack:
            raise ValidationError(
                _l("The feedback deadline must come after the acknowledgement deadline.")
            )

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name).data for name in (
            "name", "standpoint", "rules", "routines", "consequences",
            *SETTING_LIMITS,
        )}


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role, str(name)) for role, name in ROLE_NAMES.items()]


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Write the person's email address.")),
            EmailAddress(),
            Length(max=254),
        ],
    )
    role = SelectField(_l("Role"), choices=role_choices, validate_choice=True)
    title = StringField(
        _l("Title reporters see"),
        description=_l("For a case handler, for example “Verneombud” or “Ekstern rådgiver”."),
        validators=[Length(max=TITLE_MAX)],
    )
    external = BooleanField(_l("Outside advisor (not part of the organisation)"))

    def validate_title(self, field: Any) -> None:
        if self.role.data == "handler" and not (field.data or "").strip():
            raise ValidationError(_l("A case handler needs a title that reporters will see."))

    def validate_external(self, field: Any) -> None:
        if field.data and self.role.data != "handler":
            raise ValidationError(_l("Only a case handler can be an outside advisor."))


class TitleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=TITLE_MAX)])


class KeyPassphraseForm(FlaskForm):
    """Rendered for the page; filled and checked in the browser, never submitted."""

    passphrase = PasswordField(
        _l("Key passphrase"), render_kw={"autocomplete": "new-password", "minlength": 12}
    )
    confirm = PasswordField(
        _l("Repeat the key passphrase"), render_kw={"autocomplete": "new-password"}
    )


class RecoveryForm(FlaskForm):
    """Rendered for the page; used in the browser only, never submitted."""

    code = StringField(
        _l("Recovery code"),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
    passphrase = PasswordField(
        _l("New key passphrase"), render_kw={"autocomplete": "new-password", "minlength": 12}
    )
    confirm = PasswordField(
        _l("Repeat the new key passphrase"), render_kw={"autocomplete": "new-password"}
    )


__all__ = [
    "CodeForm",
    "ConfirmForm",
    "InviteForm",
    "KeyPassphraseForm",
    "LoginForm",
    "NewAccountForm",
    "OrganisationForm",
    "RecoveryForm",
    "TitleForm",
]


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        _l("Your current password"),
        validators=[DataRequired(message=_l("Type your current password.")), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Choose a password.")), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
