"""The handler's workflow pages of issue 12 that are not part of the case page itself:
how they want to be told about new reports and messages (casework/notices.py)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField
from wtforms.validators import InputRequired

from casework import notices, workflow_labels
from casework.forms import options
from casework.views import bp, me
from casework.workflow_models import NOTICE_MODES, HandlerNotice
from trygg import access
from trygg.database import utcnow
from trygg.extensions import db


class NoticeForm(FlaskForm):
    mode = RadioField(
        "", choices=options((m, workflow_labels.NOTICE_MODES[m]) for m in NOTICE_MODES),
        validators=[InputRequired()],
    )


@bp.app_context_processor
def _workflow_globals() -> dict[str, Any]:
    def notice_form() -> NoticeForm:
        row = db.session.get(HandlerNotice, me().id)
        return NoticeForm(formdata=None, mode=row.mode if row else "immediate")

    return {"notice_form": notice_form}


@bp.post("/notices")
@access.org("handler")
def notice_mode(org_slug: str) -> Response | tuple[str, int]:
    """Immediate mails (coalesced within a short window) or one daily digest."""
    form = NoticeForm()
    if not form.validate_on_submit():
        db.session.rollback()
        flash(_("Choose one of the listed values."), "error")
        from casework.views import inbox_view

        return inbox_view(org_slug), 400
    notices.set_mode(db.session(), me(), form.mode.data, now=utcnow())
    db.session.commit()
    flash(_("Your choice of notification mails is saved."), "success")
    return redirect(url_for("casework.inbox", org_slug=g.org.slug), code=303)
