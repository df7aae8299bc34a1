"""Prevention pages (blueprint). Split by area: pages_*.py register their routes here."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("prevention", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/prevention")
