"""The reporter's help page ("how it works") and privacy notice (personvernerklæring).

Both are public and generated from the organisation's own settings (who reads reports, the
deadlines, the retention period), so they never contradict them. Linked from the footer of
every reporter page (reporting/templates/reporting/layout.html).
"""

from __future__ import annotations

from flask import Response, make_response, render_template

from casework import intake
from reporting.views import _no_store, bp, find_org
from trygg import access
from trygg.extensions import db


def _page(template: str, org_slug: str) -> Response:
    org = find_org(org_slug)
    readers = intake.handlers(db.session(), org)
    html = render_template(template, org=org,
                           internal=[h for h in readers if not h.external],
                           external=[h for h in readers if h.external],
                           retention_years=org.retention_days // 365)
    return _no_store(make_response(html))


@bp.get("/r/<org_slug>/help")
@access.public
def help_page(org_slug: str) -> Response:
    return _page("reporting/help.html", org_slug)


@bp.get("/r/<org_slug>/privacy")
@access.public
def privacy(org_slug: str) -> Response:
    return _page("reporting/privacy.html", org_slug)


__all__ = ["help_page", "privacy"]
