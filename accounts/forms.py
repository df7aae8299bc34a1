"""Forms for signing in and enrolling a second factor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, Length, Regexp


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class CodeForm(FlaskForm):  # type: ignore[misc]
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[
            DataRequired(),
            Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message=_l("Enter the six digits.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )


__all__ = ["CodeForm", "Email", "LoginForm"]
