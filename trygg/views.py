"""The shell's own pages: the landing page and a health check."""

from __future__ import annotations

import contextlib

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from trygg import access
from trygg.database import short_sessions
from trygg.extensions import db, limiter

bp = Blueprint("shell", __name__)


@bp.get("/")
@access.public
def index() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    return render_template("index.html")


@bp.get("/healthz")
@access.public
@limiter.exempt
def health() -> tuple[dict[str, str], int, dict[str, str]]:
    """For monitoring and load balancers: 200 when the database answers, else 503. Reads no
    cookie and says nothing about anyone; like every access line, its own carries no
    address (gunicorn.conf.py)."""
    headers = {"Cache-Control": "no-store"}
    try:
        # A read-only session of its own: on SQLite it takes no write lock (trygg.database).
        with short_sessions(db.session())() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.error("healthz: database unreachable (%s)",
                                 type(getattr(error, "orig", None) or error).__name__)
        with contextlib.suppress(SQLAlchemyError):  # the connection is gone; nothing to undo
            db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503, headers
    return {"status": "ok", "database": "ok"}, 200, headers
