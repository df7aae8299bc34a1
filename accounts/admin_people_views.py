"""What an admin can do for a person whose phone or account is lost: reset their second
factor (the person gets a new single-use link by mail) and deactivate or reactivate them.
Every such action is audited (accounts.admin.record), and the person is told by mail."""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from accounts import admin, recovery
from accounts.account_views import _tell
from accounts.blueprint import bp
from accounts.forms import ConfirmForm
from accounts.models import Membership
from trygg import access
from trygg.extensions import db


def _member(membership_id: uuid.UUID) -> Membership:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        return admin.membership(db.session(), g.org, membership_id)
    except admin.MembershipNotFound:
        abort(404)


def _people() -> Response:
    return redirect(url_for("accounts.org_people", org_slug=g.org.slug))


@bp.post("/orgs/<org_slug>/admin/people/<uuid:membership_id>/reset-second-factor")
@access.org("admin")
def org_member_reset_second_factor(org_slug: str, membership_id: uuid.UUID) -> Response:
    found = _member(membership_id)
    person = found.person
    if person.id == current_user.id:
        flash(_("You cannot reset your own two-step sign-in. Ask another administrator."),
              "error")
        return _people()
    token = recovery.reset_second_factor(db.session(), person)
    admin.record(db.session(), g.org, g.membership, "person.second_factor_reset",
                 f"membership={found.id} person={person.id}")
    db.session.commit()
    link = current_app.config["TRYGG"].base_url + url_for("accounts.second_factor_reset",
                                                          token=token)
    mailed = _tell(person.email, _("Your two-step sign-in in Trygg was reset"), _(
        "An administrator of %(org)s reset two-step sign-in for your Trygg account, and you "
        "were signed out everywhere. To sign in again, open this link within 7 days, sign in "
        "with your password and set up two-step sign-in with your authenticator app:\n\n"
        "%(link)s\n\nIf you did not ask for this, tell the organisation at once.",
        org=g.org.name, link=link))
    if mailed:
        flash(_("Two-step sign-in of %(name)s is reset. They were sent a link by mail to set "
                "it up again.", name=person.name), "success")
    else:
        flash(_("Two-step sign-in of %(name)s is reset, but the mail with the link could not "
                "be sent. Reset it again once mail works.", name=person.name), "error")
    return _people()


@bp.post("/orgs/<org_slug>/admin/people/<uuid:membership_id>/deactivate")
@access.org("admin")
def org_member_deactivate(org_slug: str, membership_id: uuid.UUID) -> Response:
    found = _member(membership_id)
    person = found.person
    try:
        recovery.deactivate(db.session(), g.org, person, current_user)
    except recovery.CannotDeactivate as exc:
        db.session.rollback()
        admin.record(db.session(), g.org, g.membership, "person.deactivate_refused",
                     f"membership={found.id} person={person.id} reason={str(exc)[:30]}")
        db.session.commit()
        flash(_("%(name)s cannot be deactivated here: not yourself, not the last "
                "administrator, and not someone with roles in other organisations (remove "
                "their roles here instead).", name=person.name), "error")
        return _people()
    admin.record(db.session(), g.org, g.membership, "person.deactivated",
                 f"membership={found.id} person={person.id}")
    db.session.commit()
    _tell(person.email, _("Your Trygg account was deactivated"), _(
        "An administrator of %(org)s deactivated your Trygg account: you cannot sign in and "
        "receive no reports until it is reactivated. If you did not expect this, contact the "
        "organisation.", org=g.org.name))
    flash(_("%(name)s is deactivated: signed out everywhere, cannot sign in, receives no "
            "reports. Their roles and cases stay.", name=person.name), "success")
    return _people()


@bp.post("/orgs/<org_slug>/admin/people/<uuid:membership_id>/reactivate")
@access.org("admin")
def org_member_reactivate(org_slug: str, membership_id: uuid.UUID) -> Response:
    found = _member(membership_id)
    recovery.reactivate(found.person)
    admin.record(db.session(), g.org, g.membership, "person.reactivated",
                 f"membership={found.id} person={found.person_id}")
    db.session.commit()
    _tell(found.person.email, _("Your Trygg account is active again"), _(
        "An administrator of %(org)s reactivated your Trygg account.", org=g.org.name))
    flash(_("%(name)s can sign in again.", name=found.person.name), "success")
    return _people()
