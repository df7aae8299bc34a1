"""The admins' referral page: the organisation's own entries in the "Søk råd" directory.

Admins add local services (a local advice line, the occupational health service) or newer
details for a national entry (same code, later date checked). Staff pages: Flask-WTF CSRF
applies as everywhere else on the staff side.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from accounts import admin
from casework import directory
from reporting.forms import DeleteForm, LocalReferralForm
from reporting.views import bp
from trygg import access, clock, nav
from trygg.extensions import db
from trygg.i18n import current_language

# Admins reach this page from their home page (trygg.nav lists links per role).
_LINK = ("reporting.referrals_admin", _l("Referral directory"))
if _LINK not in nav.ROLE_LINKS["admin"]:
    nav.ROLE_LINKS["admin"].append(_LINK)


def _page(form: LocalReferralForm, status: int = 200) -> tuple[str, int]:
    org = g.org
    html = render_template(
        "reporting/admin_referrals.html", org=org, form=form, delete_form=DeleteForm(),
        local=directory.local_referrals(db.session(), org),
        shown=directory.entries(db.session(), org), national=directory.national(),
        lang=current_language(),
    )
    return html, status


@bp.get("/orgs/<org_slug>/admin/referrals")
@access.org("admin")
def referrals_admin(org_slug: str) -> tuple[str, int]:
    form = LocalReferralForm()
    form.checked.data = clock.today()
    return _page(form)


@bp.post("/orgs/<org_slug>/admin/referrals")
@access.org("admin")
def referrals_save(org_slug: str) -> tuple[str, int] | BaseResponse:
    form = LocalReferralForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        saved = directory.save_local(
            db.session(), g.org, code=form.code.data, name=form.name.data, role=form.role.data,
            phone=form.phone.data or "", email=form.email.data or "", web=form.web.data or "",
            hours=form.hours.data or "", source=form.source.data, checked=form.checked.data,
        )
    except directory.LocalReferralError as error:
        db.session.rollback()
        if str(error) == "national":
            form.code.errors = [*form.code.errors, _(
                "That code belongs to a national entry, and a local entry never replaces a "
                "national one. Choose another code, for example “local_%(code)s”.",
                code=form.code.data.strip().lower())]
            flash(_("Nothing was saved. Correct the fields marked below."), "error")
        else:
            flash(_("Give at least one way to get in touch: a phone number, an email address "
                    "or an https:// web address."), "error")
        return _page(form, 400)
    admin.record(db.session(), g.org, g.membership, "referral.saved", f"code={saved.code}")
    db.session.commit()
    flash(_("Saved. Reporters see it in the “Søk råd” box."), "success")
    return redirect(url_for("reporting.referrals_admin", org_slug=org_slug), 303)


@bp.post("/orgs/<org_slug>/admin/referrals/<uuid:referral_id>/delete")
@access.org("admin")
def referrals_delete(org_slug: str, referral_id: object) -> BaseResponse:
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            gone = directory.delete_local(db.session(), g.org, referral_id)
        except directory.UnknownReferral:
            flash(_("That entry was already gone."), "info")
        else:
            admin.record(db.session(), g.org, g.membership, "referral.deleted",
                         f"code={gone.code}")
            db.session.commit()
            flash(_("Removed."), "success")
    return redirect(url_for("reporting.referrals_admin", org_slug=org_slug), 303)


__all__ = ["referrals_admin", "referrals_delete", "referrals_save"]
