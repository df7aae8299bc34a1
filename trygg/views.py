"""The shell's own pages: the landing page and a health check."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from werkzeug.wrappers import Response

from trygg import access
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
def health() -> tuple[dict[str, str], int]:
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}, 200
