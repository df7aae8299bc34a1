"""Who may reach casework's endpoints: only a handler the case is sealed to.

Walks every `casework.*` endpoint in the app's url_map (a new endpoint is covered without
editing this test) for: nobody signed in, the organisation's leader and admin, a handler of
another organisation, a handler the reporter excluded, and the case's handler.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask

from casework.models import AuditEntry

FAKE = uuid.uuid4()
OWN_PAGES = ("casework.inbox", "casework.wrapped_key")


def _endpoints(app: Flask) -> list[tuple[str, str, set[str]]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("casework."):
            methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
            out.append((rule.endpoint, rule.rule, methods))
    return sorted(out)


def test_every_casework_endpoint_declares_the_handler_rule(app: Flask) -> None:
    endpoints = _endpoints(app)
    assert len(endpoints) >= 15
    for endpoint, _rule, _methods in endpoints:
        rule = getattr(app.view_functions[endpoint], "access_rule", None)
        assert rule is not None, endpoint
        assert (rule.kind, rule.roles) == ("org", frozenset({"handler"})), endpoint


def _url(rule: str, org: Any, case: Any, handoff: Any = None) -> str:
    values = {"org_slug": org.slug, "case_id": case.public_id, "attachment_id": FAKE,
              "handoff_id": handoff or FAKE, "membership_id": FAKE, "task_id": FAKE}
    url = rule
    for name, value in values.items():
        for conv in ("", "uuid:"):
            url = url.replace(f"<{conv}{name}>", str(value))
    assert "<" not in url, url
    return url


@pytest.mark.parametrize("who", ["anonymous", "leader", "admin", "stranger", "excluded"])
def test_nobody_but_the_case_handler_gets_anything(
    app: Flask, client: Any, login_as: Any, team: Any, cases: Any, who: str, db_session: Any
) -> None:
    opened = cases.open(team.org, excluded=(team.membership(team.rolf),))
    if who == "excluded":
        login_as(team.rolf)
    elif who != "anonymous":
        login_as(getattr(team, who))
    before = db_session.query(AuditEntry).count()
    for endpoint, rule, methods in _endpoints(app):
        # The stranger is a handler elsewhere: try both their own slug and the case's.
        orgs = [team.org, team.other_org] if who == "stranger" else [team.org]
        for org in orgs:
            url = _url(rule, org, opened.case)
            for method in methods:
                response = client.open(url, method=method, json={} if method == "POST" else None)
                if who == "anonymous":
                    assert response.status_code == 302, (endpoint, method)
                    assert "/login" in response.headers["Location"]
                elif endpoint == "casework.notice_mode" and (
                    (who == "stranger" and org is team.other_org) or who == "excluded"
                ):
                    # Their own mail setting, in an organisation they handle for: an empty
                    # form is refused as bad input, about no case.
                    assert response.status_code == 400, (endpoint, method)
                    assert str(opened.case.public_id) not in response.get_data(as_text=True)
                elif endpoint in OWN_PAGES and (
                    (who == "stranger" and org is team.other_org) or who == "excluded"
                ):
                    # A handler's own inbox and key, in an organisation they handle for.
                    assert response.status_code == 200, (endpoint, method)
                    assert str(opened.case.public_id) not in response.get_data(as_text=True)
                else:
                    assert response.status_code == 404, (who, endpoint, method)
    # Nothing but refusals was written: the excluded handler's attempts are logged for the
    # case's handlers; nobody else's (they never reached a case).
    entries = db_session.query(AuditEntry).filter(AuditEntry.seq > before).all()
    assert all(e.outcome == "refused" for e in entries)
    assert bool(entries) == (who == "excluded")


def test_the_case_handler_reaches_the_pages(client: Any, login_as: Any, team: Any,
                                            cases: Any) -> None:
    opened = cases.open(team.org)
    login_as(team.vera)
    base = f"/orgs/{team.org.slug}"
    for path in ("/cases", "/key", f"/cases/{opened.case.public_id}",
                 f"/cases/{opened.case.public_id}/sealed",
                 f"/cases/{opened.case.public_id}/export"):
        assert client.get(base + path).status_code == 200, path


def test_excluded_handler_never_sees_the_case_in_the_inbox(client: Any, login_as: Any,
                                                           team: Any, cases: Any) -> None:
    opened = cases.open(team.org, excluded=(team.membership(team.vera),))
    login_as(team.vera)
    page = client.get(f"/orgs/{team.org.slug}/cases?state=all").get_data(as_text=True)
    assert str(opened.case.public_id)[:8] not in page
    # And nothing on any page of theirs mentions being excluded.
    assert "exclu" not in page.lower() and "utelukk" not in page.lower()
    client.post("/logout")
    login_as(team.rolf)
    page = client.get(f"/orgs/{team.org.slug}/cases?state=all").get_data(as_text=True)
    assert str(opened.case.public_id)[:8] in page
