"""The admin's first-run page: the public reporting link, a preview, the QR poster to print,
and a checklist (write the texts → appoint handlers → share the link).

Every step is worked out from the organisation as it is now; nothing is stored.
"""

from __future__ import annotations

from flask import current_app, g, render_template, url_for
from flask_babel import lazy_gettext as _l

from casework import intake
from reporting.views import bp
from trygg import access, nav
from trygg.extensions import db
from trygg.urls import external_base

_LINK = ("reporting.admin_start", _l("Get started: share the reporting page"))
if _LINK not in nav.ROLE_LINKS["admin"]:
    nav.ROLE_LINKS["admin"].insert(0, _LINK)


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no style attributes, so the strict CSP allows it)."""
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#000", title=url))


@bp.get("/orgs/<org_slug>/admin/start")
@access.org("admin")
def admin_start(org_slug: str) -> str:
    org = g.org
    handlers = intake.handlers(db.session(), org)
    texts = any((org.standpoint, org.rules, org.routines, org.consequences))
    link = external_base() + url_for("reporting.org_page", org_slug=org.slug)
    steps = [
        ("texts", texts, url_for("accounts.org_settings", org_slug=org.slug)),
        ("handlers", bool(handlers), url_for("accounts.org_people", org_slug=org.slug)),
        ("share", None, "#share"),
    ]
    return render_template("reporting/admin_start.html", org=org, link=link, qr=qr_svg(link),
                           steps=steps, handlers=handlers,
                           config_endpoints=current_app.view_functions)


__all__ = ["admin_start"]
