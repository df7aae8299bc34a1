"""A staff member's own account: a new password, new backup codes, and the link that lets
them set up two-step sign-in again after an admin reset it (accounts.recovery)."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from accounts import recovery
from accounts.blueprint import bp
from accounts.forms import ConfirmForm, PasswordChangeForm
from trygg import access
from trygg.extensions import db, limiter
from trygg.mail import MailError, send_mail

Page = str | Response | tuple[str, int]


@bp.route("/account/password", methods=["GET", "POST"])
@access.login
@limiter.limit("10 per minute;30 per hour", methods=["POST"])
def change_password() -> Page:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            recovery.change_password(db.session(), current_user, form.current.data,
                                     form.password.data)
        except recovery.WrongPassword:
            db.session.rollback()
            form.current.errors.append(_("That is not your current password."))
        except recovery.WeakPassword as exc:
            db.session.rollback()
            form.password.errors.append(exc.problem)
        else:
            person = current_user._get_current_object()
            db.session.commit()
            login_user(person)  # this session goes on; every other one has ended
            _tell(person.email, _("Your Trygg password was changed"), _(
                "The password of your Trygg account was changed, and you were signed out "
                "everywhere else. If you did not do this, tell your administrator at once."))
            flash(_("Your password is changed. You are signed out on every other device."),
                  "success")
            return redirect(url_for("accounts.home"))
    status = 400 if form.errors else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/account/backup-codes", methods=["GET", "POST"])
@access.login
def backup_codes() -> Page:
    form = ConfirmForm()
    if form.validate_on_submit():
        codes = recovery.new_backup_codes(current_user)
        db.session.commit()
        return render_template("accounts/backup_codes.html", codes=codes,
                               next_url=url_for("accounts.home"))
    return render_template("accounts/backup_codes_status.html", form=form,
                           left=recovery.backup_codes_left(current_user))


@bp.get("/reset-second-factor/<token>")
@access.public
@limiter.limit("20 per minute;100 per hour")
def second_factor_reset(token: str) -> Page:
    """The mailed link after an admin reset someone's second factor: it lets that person,
    after their password, set up a new one (accounts.views.enrol_totp)."""
    from accounts.views import RESET_KEY

    try:
        person = recovery.person_for_reset(db.session(), token)
    except recovery.ResetInvalid:
        return render_template("accounts/reset_invalid.html"), 404
    session.clear()
    session[RESET_KEY] = str(person.public_id)
    flash(_("Sign in with your email address and password, then set up two-step sign-in "
            "again."), "info")
    return redirect(url_for("accounts.login"))


def _tell(to: str, subject: str, body: str) -> bool:
    try:
        send_mail(to, subject, body)
    except (MailError, ValueError):
        return False
    return True
