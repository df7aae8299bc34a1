"""What reporters see: published prevention documents on /r/<slug>, and a production's
own page /r/<slug>/p/<id> (under /r/, so it follows the reporter rules: no access-log
line, nothing stored about the visitor)."""

from __future__ import annotations

import uuid

from flask import abort, render_template
from sqlalchemy import select

from accounts.models import Organisation
from prevention import documents
from prevention.models import Production
from prevention.views import bp
from trygg import access
from trygg.extensions import db


def published_global(org: Organisation,
                     production: Production | None = None) -> documents.Published:
    """Template global for the reporter page (reporting/templates/reporting/org.html)."""
    return documents.published_for(db.session(), org, production)


@bp.get("/r/<org_slug>/p/<uuid:production_id>")
@access.public
def production_public(org_slug: str, production_id: uuid.UUID) -> str:
    session = db.session()
    org = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
    if org is None:
        abort(404)
    production = session.scalar(select(Production).where(
        Production.organisation_id == org.id, Production.public_id == production_id))
    if production is None:
        abort(404)
    return render_template("prevention/public_production.html", org=org,
                           production=production,
                           published=documents.published_for(session, org, production))
