"""An organisation's admin pages: its public texts and settings, its people and roles.

Every page here is `access.org("admin")`. None of them shows or links to a case: an admin
appoints the people who read cases and is not one of them.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from accounts import admin, appointments, invitations
from accounts.blueprint import bp
from accounts.forms import ConfirmForm, InviteForm, OrganisationForm, TitleForm
from accounts.invite_notes import before_invite
from accounts.models import Membership
from trygg import access
from trygg.extensions import db
from trygg.mail import MailError, send_mail
from trygg.nav import role_name
from trygg.urls import external_base

Page = str | Response | tuple[str, int]


def _people_url() -> str:
    return url_for("accounts.org_people", org_slug=g.org.slug)


def _title_form(membership: Membership, formdata: Any = None) -> TitleForm:
    # A prefix per row keeps field ids unique on the page (one label per input).
    prefix = f"m-{membership.public_id.hex}"
    if formdata is None:
        return TitleForm(prefix=prefix, formdata=None, obj=membership)
    return TitleForm(prefix=prefix)


@bp.route("/orgs/<org_slug>/admin/settings", methods=["GET", "POST"])
@access.org("admin")
def org_settings(org_slug: str) -> Page:
    org = g.org
    form = OrganisationForm(obj=org)
    if form.validate_on_submit():
        try:
            changed = admin.update_organisation(db.session(), org, **form.values())
        except admin.InvalidSetting as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(_("This value is not allowed."))
        else:
            admin.record(db.session(), org, g.membership, "org.updated",
                         "fields=" + ",".join(changed))
            db.session.commit()
            flash(_("The organisation's page and settings are saved."), "success")
            return redirect(url_for("accounts.org_settings", org_slug=org.slug))
    status = 400 if form.errors else 200
    return render_template("accounts/admin/settings.html", org=org, form=form), status


def _people_page(replaced: TitleForm | None = None, replaced_id: uuid.UUID | None = None,
                 status: int = 200) -> tuple[str, int]:
    org = g.org
    members = admin.members(db.session(), org)
    forms = {
        m.membership.public_id: (
            replaced if m.membership.public_id == replaced_id and replaced is not None
            else _title_form(m.membership)
        )
        for m in members
    }
    return render_template(
        "accounts/admin/people.html",
        org=org,
        members=members,
        title_forms=forms,
        pending=admin.pending_invitations(db.session(), org),
        revoke_form=ConfirmForm(),
        admin_count=sum(1 for m in members if m.membership.role == "admin"),
        confirmed={m.membership.id for m in members if appointments.is_confirmed(m.membership)},
    ), status


@bp.get("/orgs/<org_slug>/admin/people")
@access.org("admin")
def org_people(org_slug: str) -> Page:
    return _people_page()


@bp.route("/orgs/<org_slug>/admin/people/invite", methods=["GET", "POST"])
@access.org("admin")
def org_invite(org_slug: str) -> Page:
    org = g.org
    form = InviteForm()
    if form.validate_on_submit():
        notes = before_invite(db.session(), org, form.email.data, form.role.data)
        try:
            token = admin.invite(
                db.session(),
                org,
                form.email.data,
                form.role.data,
                title=form.title.data or "",
                external=bool(form.external.data),
                invited_by=current_user,
            )
        except admin.AlreadyMember:
            db.session.rollback()
            form.email.errors.append(_("This person already has that role here."))
        except appointments.RolesConflict:
            db.session.rollback()
            form.role.errors.append(_(
                "One person cannot be both administrator and case handler in the same "
                "organisation. Invite someone else, or remove the other role first."))
        except admin.AdminError:
            db.session.rollback()
            form.role.errors.append(_("Check the role, title and outside advisor choice."))
        else:
            invitation = invitations.find(db.session(), token)
            admin.record(db.session(), org, g.membership, "invitation.created",
                         f"invitation={invitation.id} role={invitation.role}"
                         + (" external" if invitation.external else ""))
            db.session.commit()
            link = external_base() + url_for(
                "accounts.accept_invitation", token=token
            )
            # Rendered, not redirected: the link is shown this once and stored nowhere.
            return render_template(
                "accounts/admin/invited.html",
                org=org,
                email=form.email.data.strip().lower(),
                role=form.role.data,
                link=link,
                mailed=_mail_invitation(form.email.data, org.name, form.role.data, link),
                valid_days=invitations.VALID_DAYS, notes=notes,
                member_roles=[role_name(r) for r in notes.member_roles],
            )
    status = 400 if form.errors else 200
    return render_template(
        "accounts/admin/invite.html", org=org, form=form, valid_days=invitations.VALID_DAYS
    ), status


def _mail_invitation(email: str, org_name: str, role: str, link: str) -> bool:
    """Send the link by mail; False if that failed (the admin still has the link)."""
    subject = _("Invitation to %(org)s in Trygg", org=org_name)
    body = _(
        "%(inviter)s invites you to %(org)s in Trygg, with the role %(role)s.\n\n"
        "Trygg is where %(org)s receives and follows up reports of sexual harassment: "
        "reports are encrypted, and only the people chosen to read them can.\n\n"
        "Open this link within %(days)d days to accept. It works once:\n%(link)s\n\n"
        "If you did not expect this, you can ignore this message.",
        org=org_name, role=role_name(role), days=invitations.VALID_DAYS, link=link,
        inviter=current_user.name,
    )
    try:
        send_mail(email, subject, body)
    except (MailError, ValueError):
        return False
    return True


@bp.post("/orgs/<org_slug>/admin/people/<uuid:membership_id>/title")
@access.org("admin")
def org_member_title(org_slug: str, membership_id: uuid.UUID) -> Page:
    try:
        found = admin.membership(db.session(), g.org, membership_id)
    except admin.MembershipNotFound:
        abort(404)
    form = _title_form(found, formdata=request.form)
    if form.validate_on_submit():
        try:
            admin.change_title(db.session(), g.org, membership_id, form.title.data or "")
        except admin.TitleRequired:
            db.session.rollback()
            form.title.errors.append(_("A case handler needs a title that reporters will see."))
        else:
            admin.record(db.session(), g.org, g.membership, "membership.title",
                         f"membership={found.id} title={found.title}")
            db.session.commit()
            flash(_("The title of %(name)s is saved.", name=found.person.name), "success")
            return redirect(_people_url())
    return _people_page(form, membership_id, status=400)


@bp.route("/orgs/<org_slug>/admin/people/<uuid:membership_id>/remove", methods=["GET", "POST"])
@access.org("admin")
def org_member_remove(org_slug: str, membership_id: uuid.UUID) -> Page:
    try:
        found = admin.membership(db.session(), g.org, membership_id)
    except admin.MembershipNotFound:
        abort(404)
    form = ConfirmForm()
    refused = None
    if form.validate_on_submit():
        name, role, own = found.person.name, found.role, found.person_id == current_user.id
        detail = f"membership={found.id} person={found.person_id} role={role}"
        try:
            admin.remove_membership(db.session(), g.org, membership_id)
        except admin.LastAdmin:
            db.session.rollback()
            refused = _("An organisation always needs an administrator. Invite another "
                        "administrator before you remove this one.")
            _record_refusal(detail, "last_admin")
        except admin.RemovalRefused as exc:
            db.session.rollback()
            refused = str(exc)
            _record_refusal(detail, "guard")
        else:
            admin.record(db.session(), g.org, g.membership, "membership.removed", detail)
            db.session.commit()
            flash(_("%(name)s no longer has the role %(role)s in %(org)s.",
                    name=name, role=role_name(role), org=g.org.name), "success")
            if own and role == "admin":
                return redirect(url_for("accounts.home"))
            return redirect(_people_url())
    status = 409 if refused else 200
    return render_template(
        "accounts/admin/remove.html", org=g.org, membership=found, form=form, refused=refused
    ), status


def _record_refusal(detail: str, reason: str) -> None:
    """A refused removal is audited too (its own transaction: the attempt was rolled back)."""
    admin.record(db.session(), g.org, g.membership, "membership.remove_refused",
                 f"{detail} reason={reason}")
    db.session.commit()


@bp.post("/orgs/<org_slug>/admin/invitations/<uuid:invitation_id>/revoke")
@access.org("admin")
def org_invitation_revoke(org_slug: str, invitation_id: uuid.UUID) -> Page:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        invitation = admin.revoke_invitation(db.session(), g.org, invitation_id)
    except admin.InvitationNotFound:
        abort(404)
    admin.record(db.session(), g.org, g.membership, "invitation.revoked",
                 f"invitation={invitation.id} role={invitation.role}")
    db.session.commit()
    flash(_("The invitation for %(email)s no longer works.", email=invitation.email), "success")
    return redirect(_people_url())
