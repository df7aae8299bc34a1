"""Where each role goes from the home page. Links to endpoints that exist only."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

ROLE_NAMES = {
    "admin": _l("Administrator"),
    "handler": _l("Case handler"),
    "leader": _l("Leader"),
    "coordinator": _l("Prevention coordinator"),
}

ROLE_LINKS: dict[str, list[tuple[str, LazyString]]] = {
    "admin": [
        ("accounts.org_settings", _l("Organisation settings")),
        ("accounts.org_people", _l("People and roles")),
        ("prevention.overview", _l("Prevention")),
        ("exercise_facilitator.sessions", _l("«OK eller ikke OK?» exercise")),
    ],
    "handler": [
        ("casework.inbox", _l("Cases")),
        ("prevention.overview", _l("Prevention")),
        ("exercise_facilitator.sessions", _l("«OK eller ikke OK?» exercise")),
        ("accounts.handler_appointments", _l("Confirm case handlers")),
    ],
    "leader": [
        ("insights.dashboard", _l("Statistics")),
        ("prevention.overview", _l("Prevention")),
        ("prevention.signals_page", _l("Mapped risk and what cases show")),
        ("exercise_facilitator.sessions", _l("«OK eller ikke OK?» exercise")),
    ],
    "coordinator": [
        ("prevention.overview", _l("Prevention")),
        ("exercise_facilitator.sessions", _l("«OK eller ikke OK?» exercise")),
    ],
}


def role_links(role: str) -> list[tuple[str, LazyString]]:
    known = current_app.view_functions
    return [(ep, label) for ep, label in ROLE_LINKS.get(role, []) if ep in known]


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role))


def role_link_endpoints() -> set[str]:
    """The endpoints this app has (a sub-navigation lists only those)."""
    return set(current_app.view_functions)


def install(app: Flask) -> None:
    app.jinja_env.globals.update(role_links=role_links, role_name=role_name,
                                 role_link_endpoints=role_link_endpoints)
