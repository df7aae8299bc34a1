"""The accounts blueprint; its routes live in views.py and the modules it imports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="templates")
