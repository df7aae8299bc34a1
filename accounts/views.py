"""Sign-in (password, then a second factor), enrolment, sign-out and the home page."""

from __future__ import annotations

import math
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from accounts import recovery, services, totp
from accounts.blueprint import bp
from accounts.forms import CodeForm, LoginForm
from accounts.models import Person
from trygg import access
from trygg.extensions import db, limiter, login_manager

__all__ = ["bp"]

LOGIN_LIMIT = "10 per minute;60 per hour"
# The session key that says "this person opened their second-factor reset link".
RESET_KEY = "totp_reset"
# How long the password step stays valid while the second factor is given or enrolled.
PENDING_MINUTES = 10


def _person(public_id: str) -> Person | None:
    try:
        key = uuid.UUID(public_id)
    except ValueError:
        return None
    return db.session.scalar(db.select(Person).where(Person.public_id == key))


@login_manager.user_loader
def load_user(user_id: str) -> Person | None:
    """The person of a session id (Person.get_id); an old session_version is signed out."""
    public_id, _sep, version = user_id.partition(":")
    person = _person(public_id)
    if person is None or not version.isdigit() or int(version) != person.session_version:
        return None
    return person


def _safe_next(target: str | None) -> str:
    """A local path to go to after sign-in; anything else goes home.

    Browsers read a backslash as a slash, so `/\\evil.example` would leave the site.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("accounts.home")


@bp.route("/login", methods=["GET", "POST"])
@access.public
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            person = services.check_password(db.session(), form.email.data, form.password.data)
        except services.BadCredentials:
            flash(_("The email address or password is wrong."), "error")
            return render_template("accounts/login.html", form=form), 401
        start_pending(person, _safe_next(request.args.get("next")))
        if person.has_totp:
            return redirect(url_for("accounts.second_factor"))
        if person.needs_totp:
            return redirect(url_for("accounts.enrol_totp"))
        return finish_login(person)
    return render_template("accounts/login.html", form=form)


def start_pending(person: Person, next_url: str) -> None:
    """The password step is done; the second factor must follow within PENDING_MINUTES."""
    reset = session.get(RESET_KEY)
    session.clear()
    if reset == str(person.public_id):  # came through their second-factor reset link
        session[RESET_KEY] = reset
    session["pending_person"] = str(person.public_id)
    session["pending_since"] = int(time.time())
    session["next"] = next_url


def _pending_person() -> Person:
    since = session.get("pending_since")
    if not isinstance(since, int) or not 0 <= time.time() - since <= PENDING_MINUTES * 60:
        session.clear()
        flash(_("Signing in took more than %(minutes)d minutes, so it was stopped. Start again "
                "with your email address and password.", minutes=PENDING_MINUTES), "info")
        abort(redirect(url_for("accounts.login")))
    person = _person(session.get("pending_person", ""))
    if person is None or not person.active:
        session.clear()
        abort(404)
    return person


def finish_login(person: Person) -> Response:
    """End the sign-in: a handler without a key pair goes to key enrolment first."""
    target = session.pop("next", None)
    session.pop("pending_person", None)
    session.pop("pending_since", None)
    db.session.commit()
    login_user(person)
    if person.needs_key:
        return redirect(url_for("accounts.keys_page"))
    return redirect(_safe_next(target))


@bp.route("/login/code", methods=["GET", "POST"])
@access.pending
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def second_factor() -> str | Response | tuple[str, int]:
    person = _pending_person()
    if not person.has_totp:
        return redirect(url_for("accounts.enrol_totp"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            if (recovery.looks_like_backup_code(form.code.data)
                    and not services.codes_locked(person)
                    and recovery.use_backup_code(db.session(), person, form.code.data)):
                left = recovery.backup_codes_left(person)
                flash(ngettext("You used a backup code. %(num)d is left.",
                               "You used a backup code. %(num)d are left.", left), "info")
                return finish_login(person)
            # A wrong backup code counts as a wrong code.
            services.check_code(db.session(), person, form.code.data)
        except services.CodesLocked as exc:
            db.session.commit()  # the lock, when this attempt set it, must stay
            minutes = max(1, math.ceil((exc.until - datetime.now(UTC)).total_seconds() / 60))
            flash(ngettext("There were too many wrong codes, so signing in with a code is "
                           "paused for this account. Try again in %(num)d minute.",
                           "There were too many wrong codes, so signing in with a code is "
                           "paused for this account. Try again in %(num)d minutes.",
                           minutes), "error")
            return render_template("accounts/code.html", form=form), 429
        except services.BadCode:
            db.session.commit()  # the count of wrong codes must stay
            flash(_("That code is wrong or was already used. Wait for the next code."), "error")
            return render_template("accounts/code.html", form=form), 401
        return finish_login(person)
    return render_template("accounts/code.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@access.pending
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def enrol_totp() -> str | Response:
    person = _pending_person()
    if person.has_totp:
        return redirect(url_for("accounts.second_factor"))
    if recovery.needs_reset_link(person) and session.get(RESET_KEY) != str(person.public_id):
        # Reset by an admin: the password alone must not let anyone set up a new factor.
        session.clear()
        flash(_("Your two-step sign-in was reset. Open the link in the email you were sent, "
                "then sign in again."), "error")
        return redirect(url_for("accounts.login"))
    secret = totp.open_enrolment(session.get("enrol_secret"), person.public_id)
    codes = (totp.open_enrolment(session.get("enrol_backup"), person.public_id) or "").split()
    if not secret or len(codes) != recovery.BACKUP_CODES:
        secret = totp.new_secret()
        codes = recovery.generate_backup_codes()
        # Both sealed (the cookie is signed, not encrypted); shown on this page only.
        session["enrol_secret"] = totp.seal_enrolment(secret, person.public_id)
        session["enrol_backup"] = totp.seal_enrolment(" ".join(codes), person.public_id)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            services.enrol_totp(person, secret, form.code.data)
        except services.BadCode:
            flash(
                _("That code does not match. Check the clock on your phone and try again."),
                "error",
            )
        else:
            session.pop("enrol_secret", None)
            session.pop("enrol_backup", None)
            session.pop(RESET_KEY, None)
            recovery.finish_reset(person)
            recovery.store_backup_codes(person, codes)
            flash(_("Two-step sign-in is on."), "success")
            return finish_login(person)
    uri = totp.provisioning_uri(secret, person.email)
    qr = Markup(totp.qr_svg(uri))  # noqa: S704 - segno output, no user input
    return render_template(
        "accounts/enrol.html", form=form, secret=secret, backup_codes=codes, qr=qr
    )


@bp.post("/logout")
@access.public
def logout() -> Response:
    if current_user.is_authenticated:
        # Everywhere: a copy of this session cookie must not outlive the sign-out.
        services.end_sessions(db.session(), current_user.id)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.get("/home")
@access.login
def home() -> str:
    memberships = sorted(
        current_user.memberships, key=lambda m: (m.organisation.name.lower(), m.role)
    )
    return render_template("accounts/home.html", memberships=memberships)


# The other pages of the blueprint register their routes on `bp` when imported.
from accounts import (  # noqa: E402, F401
    account_views,
    admin_people_views,
    admin_views,
    appointment_views,
    invite_views,
    key_views,
)
