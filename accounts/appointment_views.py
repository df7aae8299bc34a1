"""A handler confirms a colleague's appointment: `/orgs/<slug>/appointments`.

The second person of the two-person appointment (accounts.appointments). The page shows
each waiting handler's name, address, title and key fingerprint, to compare with what the
colleague sees on their own key page before confirming.
"""

from __future__ import annotations

import uuid

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from accounts import admin, appointments
from accounts.blueprint import bp
from accounts.forms import ConfirmForm
from trygg import access
from trygg.extensions import db


@bp.get("/orgs/<org_slug>/appointments")
@access.org("handler")
def handler_appointments(org_slug: str) -> str:
    return render_template(
        "accounts/appointments.html",
        org=g.org,
        waiting=appointments.pending(db.session(), g.org),
        may_confirm=appointments.is_confirmed(g.membership),
        fingerprint=appointments.fingerprint,
        form=ConfirmForm(),
    )


@bp.post("/orgs/<org_slug>/appointments/<uuid:membership_id>/confirm")
@access.org("handler")
def handler_appointment_confirm(org_slug: str, membership_id: uuid.UUID) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        target = appointments.confirm(db.session(), g.org, membership_id, by=g.membership)
    except appointments.NotConfirmable:
        abort(404)
    except (appointments.NotAConfirmedHandler, appointments.OwnAppointment):
        db.session.rollback()
        admin.record(db.session(), g.org, g.membership, "handler.confirm_refused",
                     f"membership={g.membership.id}")
        db.session.commit()
        flash(_("Only a case handler whose own appointment is confirmed can confirm "
                "another, and nobody confirms their own. Nothing was changed."), "error")
        return redirect(url_for("accounts.handler_appointments", org_slug=g.org.slug))
    admin.record(db.session(), g.org, g.membership, "handler.confirmed",
                 f"membership={target.id}")
    db.session.commit()
    flash(_("%(name)s now receives reports.", name=target.person.name), "success")
    return redirect(url_for("accounts.handler_appointments", org_slug=g.org.slug))
