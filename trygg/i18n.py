"""Language choice: Norwegian bokmål by default, English second.

The choice comes from `?lang=` (so a link switches language without needing a cookie,
which matters on the reporter's pages), then the staff session, and otherwise bokmål.
The browser's Accept-Language is deliberately not consulted: the service is Norwegian,
its people expect Norwegian pages whatever language their browser or work computer is
set to, and English is one visible link away on every page.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, request, session
from flask_babel import get_locale

LANGUAGES = {"nb": "Norsk (bokmål)", "en": "English"}
DEFAULT = "nb"
ROOT = Path(__file__).resolve().parent.parent
TRANSLATION_PACKAGES = ("trygg", "accounts", "casework", "reporting", "insights", "prevention",
                        "exercise")


def translation_directories() -> str:
    return ";".join(str(ROOT / pkg / "translations") for pkg in TRANSLATION_PACKAGES)


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    if request.cookies.get("session") and session.get("lang") in LANGUAGES:
        return str(session["lang"])
    return DEFAULT


def remember_choice() -> None:
    """Keep a staff member's explicit choice in their existing session."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get("session"):
        session["lang"] = asked


def switch_url(code: str) -> str:
    args = {k: v for k, v in request.args.items() if k != "lang"}
    args["lang"] = code
    return f"{request.path}?{urlencode(args)}"


def current_language() -> str:
    return str(get_locale() or DEFAULT)


def install(app: Flask) -> None:
    app.before_request(remember_choice)
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES, switch_url=switch_url, current_language=current_language
    )
