"""Prevention pages (blueprint). The routes live in pages_*.py and public.py.

Who may do what (docs/prevention.md): everyone with a role in the organisation reads;
coordinators, admins and leaders edit; only a leader signs the standpoint and sees how
mapped risk compares with what cases show.
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, Flask, abort, g

from prevention import labels
from prevention.models import Production
from prevention.productions import production
from trygg import clock
from trygg.extensions import db

# Its stylesheet is trygg/static/css/prevention.css, so it carries SRI and is in the manifest.
bp = Blueprint("prevention", __name__, template_folder="templates")

READ = ("admin", "coordinator", "leader", "handler")
EDIT = ("admin", "coordinator", "leader")
SIGN = ("leader",)


def today() -> date:
    return clock.today()


def scope_of(scope: str) -> Production | None:
    """`org` for the organisation, else a production's public id (404 when unknown)."""
    if scope == "org":
        return None
    try:
        public_id = uuid.UUID(scope)
    except ValueError:
        abort(404)
    found = production(db.session(), g.org, public_id)
    if found is None:
        abort(404)
    return found


def scope_key(found: Production | None) -> str:
    return "org" if found is None else str(found.public_id)


@bp.record_once
def _install(state: object) -> None:
    app: Flask = state.app  # type: ignore[attr-defined]
    labels.install(app.jinja_env.globals)
    from prevention.public import published_global

    app.jinja_env.globals["prevention_published"] = published_global
    app.jinja_env.globals["prevention_scope_key"] = scope_key
    # The handler's case page shows, beside each recommendation, what the organisation
    # agreed in advance for that reaction (casework knows nothing of prevention).
    from prevention.documents import consequences_for

    app.jinja_env.globals["agreed_consequences"] = consequences_for
    from prevention.commands import register

    register(app)


from prevention import (  # noqa: E402 - the route modules register on bp
    pages_documents,
    pages_kit,
    pages_production,
    pages_review,
    public,
)

__all__ = ["bp", "pages_documents", "pages_kit", "pages_production", "pages_review", "public"]
