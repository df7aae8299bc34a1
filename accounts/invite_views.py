"""Accepting an invitation: `/invite/<token>`, public, single use, expiring."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from accounts import appointments, invitations, services
from accounts.blueprint import bp
from accounts.forms import ConfirmForm, NewAccountForm
from accounts.models import Invitation, Person
from trygg import access
from trygg.extensions import db, limiter
from trygg.nav import role_name

INVITE_LIMIT = "20 per minute;100 per hour"


def _situation(invitation: Invitation) -> str:
    """new: create an account · sign_in: the address has one, sign in first ·
    accept: signed in as the invited person · other: someone else is signed in."""
    existing = services.person_by_email(db.session(), invitation.email)
    signed_in = current_user.is_authenticated
    if existing is None:
        return "other" if signed_in else "new"
    if not signed_in:
        return "sign_in"
    return "accept" if current_user.id == existing.id else "other"


def _appointments_link(slug: str) -> str:
    base = current_app.config["TRYGG"].base_url
    return base + url_for("accounts.handler_appointments", org_slug=slug)


def _invalid() -> tuple[str, int]:
    return render_template(
        "accounts/invitation_invalid.html", valid_days=invitations.VALID_DAYS
    ), 404


def _continue_sign_in(person: Person, welcome: str) -> Response:
    """Bring a person who just accepted to where their new role needs them."""
    from accounts import views as signin

    needs_enrolment = person.needs_totp and not person.has_totp
    if needs_enrolment or not current_user.is_authenticated:
        # Start (again) from the password step's end: admins and handlers set up
        # two-step sign-in before they go anywhere; leaders are signed in directly.
        logout_user()
        signin.start_pending(person, url_for("accounts.home"))
    flash(welcome, "success")
    if needs_enrolment:
        return redirect(url_for("accounts.enrol_totp"))
    if not current_user.is_authenticated:
        return signin.finish_login(person)
    if person.needs_key:
        return redirect(url_for("accounts.keys_page"))
    return redirect(url_for("accounts.home"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@access.public
@limiter.limit(INVITE_LIMIT, methods=["POST"])
def accept_invitation(token: str) -> str | Response | tuple[str, int]:
    try:
        invitation = invitations.find(db.session(), token)
    except invitations.InvitationInvalid:
        return _invalid()
    situation = _situation(invitation)
    form = NewAccountForm() if situation == "new" else ConfirmForm()
    if request.method == "POST" and situation in ("new", "accept") and form.validate_on_submit():
        org_name, role = invitation.organisation.name, invitation.role
        try:
            person, _membership = invitations.redeem(
                db.session(),
                token,
                name=form.name.data if situation == "new" else "",
                password=form.password.data if situation == "new" else "",
                person=current_user if situation == "accept" else None,
            )
        except invitations.InvitationInvalid:
            db.session.rollback()
            return _invalid()
        except appointments.RolesConflict:
            db.session.rollback()
            flash(_("You are an administrator of %(org)s, and one person cannot be both "
                    "administrator and case handler there. Nothing was saved.", org=org_name),
                  "error")
            return redirect(url_for("accounts.home"))
        except services.AccountError:
            # The form checked the same things; a race (an account made meanwhile) ends here.
            db.session.rollback()
            flash(_("Nothing was saved. Open the invitation link again and try once more."),
                  "error")
            return redirect(url_for("accounts.accept_invitation", token=token))
        db.session.commit()
        if _membership.role == "handler":
            appointments.tell_handlers(
                db.session(), _membership.organisation, person, "appointed",
                _appointments_link(_membership.organisation.slug),
            )
        welcome = _("Welcome! Your role in %(org)s: %(role)s.", role=role_name(role), org=org_name)
        return _continue_sign_in(person, welcome)
    status = 400 if request.method == "POST" else 200
    login_url = url_for("accounts.login", next=url_for("accounts.accept_invitation", token=token))
    return render_template(
        "accounts/invitation.html",
        invitation=invitation,
        situation=situation,
        form=form,
        login_url=login_url,
    ), status
