"""Every endpoint declares who may use it, and the declaration holds for everyone.

The matrix walks `app.url_map`, so endpoints that packages add later are checked without
editing this file. For each endpoint and method it asks as an anonymous visitor, as an
admin, a handler, a leader and a coordinator of the organisation in the URL, and as a
member (with every role) of another organisation:

- `public`: answered (no server error) for everyone.
- `pending`: sends everyone without a half-finished sign-in to /login.
- `login`: anonymous → /login; anyone signed in is let through.
- `org(roles)`: anonymous → /login; the listed roles of this organisation are let through
  (the access layer set `g.membership`; the view may still answer 404 for a random id);
  the other roles and members of another organisation get 404.

URLs use the test organisation's slug and random UUIDs for every other parameter.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter, Rule, UUIDConverter

from tests.conftest import FreshGlobalsClient, login, make_config
from trygg import access, create_app
from trygg.extensions import limiter

SKIPPED_METHODS = {"HEAD", "OPTIONS"}
ROLES = ("admin", "handler", "leader", "coordinator")


def is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def checked_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if not is_static(r.endpoint)),
        key=lambda r: (r.rule, r.endpoint),
    )


def missing_rules(app: Flask) -> list[str]:
    """Endpoints whose view declares no access rule."""
    return sorted(
        {
            rule.endpoint
            for rule in checked_rules(app)
            if getattr(app.view_functions[rule.endpoint], "access_rule", None) is None
        }
    )


def build_path(app: Flask, rule: Rule, org_slug: str, fill: uuid.UUID | None = None) -> str:
    """A concrete path for `rule`: the given slug, and `fill` (or a random UUID) elsewhere."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if name == "org_slug":
            values[name] = org_slug
        elif isinstance(converter, UUIDConverter):
            values[name] = fill or uuid.uuid4()
        elif isinstance(converter, IntegerConverter):
            values[name] = (fill or uuid.uuid4()).int % 1_000_000_007
        else:
            values[name] = str(fill or uuid.uuid4())
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule}"
    return built[1]


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - SKIPPED_METHODS)


@dataclass
class Persona:
    name: str
    client: FlaskClient
    person: Any = None
    roles: frozenset[str] = frozenset()  # in the organisation of the URL

    def ensure_signed_in(self, session: Session) -> None:
        """Sign in again after a request that signed this persona out (POST /logout)."""
        if self.person is None:
            return
        with self.client.session_transaction() as cookie:
            if "_user_id" in cookie:
                return
        self.person.totp_last_step = 0  # the same code may be needed again within 30 s
        session.flush()
        login(self.client, self.person)


@pytest.fixture()
def personas(app: Flask, db_session: Session, factory: Any) -> Iterator[dict[str, Persona]]:
    app.test_client_class = FreshGlobalsClient
    org = factory.org(slug="matrix-org")
    other = factory.org(slug="matrix-other")
    people: dict[str, Persona] = {"anonymous": Persona("anonymous", app.test_client())}
    for role in ROLES:
        person = factory.person(org, role, title=f"{role} title")
        people[role] = Persona(role, app.test_client(), person, frozenset({role}))
    outsider = factory.person(other, "admin", totp=True)
    for role in ("handler", "leader", "coordinator"):
        factory.person  # noqa: B018 - roles are added through the service below
        from accounts import services

        services.appoint(db_session, other, outsider, role, title="x")
    from accounts.keys import enrol_demo_keys
    from tests.conftest import FAST_KDF_ITERATIONS

    enrol_demo_keys(outsider, "outsider passphrase", kdf_iterations=FAST_KDF_ITERATIONS)
    db_session.flush()
    people["outsider"] = Persona("outsider", app.test_client(), outsider)
    for persona in people.values():
        persona.ensure_signed_in(db_session)
    yield people


def _goes_to_login(response: Any) -> bool:
    return response.status_code in (301, 302, 303) and response.headers.get(
        "Location", ""
    ).startswith("/login")


def _problem(rule_: access.Rule, persona: Persona, response: Any) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    granted = g.get("membership")
    if rule_.kind == "public":
        return None
    if persona.person is None or rule_.kind == "pending":
        return None if _goes_to_login(response) else f"expected a redirect to /login, got {status}"
    if _goes_to_login(response):
        return "a signed-in person was sent to /login"
    if rule_.kind == "login":
        return None
    allowed = persona.roles & rule_.roles
    if allowed:
        if granted is None or granted.role not in rule_.roles or g.org.slug != "matrix-org":
            return f"should be let in (status {status})"
        return None
    if granted is not None or status != 404:
        return f"should get 404, got {status}"
    return None


def _walk(app: Flask, db_session: Session, persona: Persona) -> list[str]:
    problems = []
    for rule in checked_rules(app):
        rule_ = app.view_functions[rule.endpoint].access_rule
        for method in methods(rule):
            persona.ensure_signed_in(db_session)
            limiter.reset()
            path = build_path(app, rule, "matrix-org")
            response = persona.client.open(path, method=method)
            problem = _problem(rule_, persona, response)
            if problem:
                problems.append(f"{persona.name}: {method} {path} ({rule.endpoint}, "
                                f"{rule_.describe()}): {problem}")
    return problems


def test_every_endpoint_declares_an_access_rule(app: Flask) -> None:
    assert missing_rules(app) == []


@pytest.mark.parametrize("who", ["anonymous", "admin", "handler", "leader", "coordinator",
                                 "outsider"])
def test_role_matrix(app: Flask, db_session: Session, personas: dict[str, Persona],
                     who: str) -> None:
    assert _walk(app, db_session, personas[who]) == []


def test_the_matrix_covers_the_organisation_pages(app: Flask) -> None:
    # A guard against the walk quietly checking nothing.
    kinds = {app.view_functions[r.endpoint].access_rule.kind for r in checked_rules(app)}
    assert {"public", "pending", "login", "org"} <= kinds
    assert "accounts.org_settings" in {r.endpoint for r in checked_rules(app)}


def test_an_endpoint_without_a_rule_is_caught(database_url: str, tmp_path: Path) -> None:
    fresh = create_app(make_config(database_url, tmp_path))
    fresh.add_url_rule("/naked", "naked", lambda: "anyone can see this")
    assert missing_rules(fresh) == ["naked"]
    with pytest.raises(access.MissingAccessRule):
        fresh.test_client().get("/naked")


def test_the_matrix_notices_wrong_answers(
    app: Flask, db_session: Session, personas: dict[str, Persona]
) -> None:
    """_problem() flags a role let in where it should not be, and one kept out where it
    should be let in (so the matrix can fail)."""
    admin_only = access.Rule("org", frozenset({"admin"}))
    leaders_only = access.Rule("org", frozenset({"leader"}))
    admin, leader = personas["admin"], personas["leader"]

    let_in = admin.client.get("/orgs/matrix-org/admin/settings")
    assert _problem(admin_only, admin, let_in) is None
    assert _problem(leaders_only, admin, let_in) == "should get 404, got 200"

    kept_out = leader.client.get("/orgs/matrix-org/admin/settings")
    assert _problem(admin_only, leader, kept_out) is None
    assert _problem(leaders_only, leader, kept_out) == "should be let in (status 404)"

    anonymous = personas["anonymous"].client.get("/orgs/matrix-org/admin/settings")
    assert _problem(admin_only, personas["anonymous"], anonymous) is None
    assert _problem(access.Rule("login"), admin, anonymous) == (
        "a signed-in person was sent to /login"
    )
