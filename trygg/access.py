"""Who may use which endpoint, declared on every view and checked in one place.

Every view function carries an `access_rule`. `enforce()` runs before each request and
refuses an endpoint without one, so a new view cannot be reachable by accident; the
role-matrix test walks `app.url_map` to prove every endpoint has a rule.

Kinds:
- `public`: anyone, no login (the reporter's pages, login, static files).
- `pending`: someone who passed the password step and must still give or enrol a
  second factor (nobody else).
- `login`: any fully signed-in person.
- `org(*roles)`: a signed-in member of the organisation named by the URL's `org_slug`
  with one of the roles. Anyone else gets 404, so a URL does not confirm that a
  resource exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

F = TypeVar("F", bound=Callable[..., Any])

ROLES = ("admin", "handler", "leader", "coordinator")


@dataclass(frozen=True)
class Rule:
    kind: str  # public | pending | login | org
    roles: frozenset[str] = frozenset()

    def describe(self) -> str:
        return self.kind if not self.roles else f"{self.kind}:{','.join(sorted(self.roles))}"


class MissingAccessRule(RuntimeError):
    """An endpoint was reached that declares no access rule."""


def _mark(rule: Rule) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorate


public = _mark(Rule("public"))
pending = _mark(Rule("pending"))
login = _mark(Rule("login"))


def org(*roles: str) -> Callable[[F], F]:
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"org() needs roles from {ROLES}, got {roles}")
    return _mark(Rule("org", frozenset(roles)))


def rule_for(endpoint: str) -> Rule | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce() -> Response | None:
    """before_request hook: apply the endpoint's rule."""
    if request.endpoint is None:  # no route matched; Flask answers 404/405 itself
        return None
    if request.endpoint == "static" or request.endpoint.endswith(".static"):
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        raise MissingAccessRule(f"endpoint {request.endpoint!r} declares no access rule")
    if rule.kind == "public":
        return None
    if rule.kind == "pending":
        if session.get("pending_person") is None:
            return redirect(url_for("accounts.login"))
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if rule.kind == "login":
        return None
    slug = (request.view_args or {}).get("org_slug")
    if slug is None:
        raise MissingAccessRule(f"endpoint {request.endpoint!r} uses org() without <org_slug>")
    from accounts.models import Membership, Organisation

    membership = (
        current_user.memberships_query()
        .join(Organisation)
        .filter(Organisation.slug == slug, Membership.role.in_(rule.roles))
        .first()
    )
    if membership is None:
        abort(404)
    g.org = membership.organisation
    g.membership = membership
    return None
