"""The command line: create an organisation, invite a person, seed the demo."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts import invitations
from accounts.models import Invitation, Membership, Organisation, Person
from trygg.seed import PEOPLE, SLUG


def _run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["trygg", *args])


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_create_org(app: Flask, db_session: Session) -> None:
    result = _run(app, "create-org", "Ny-Scene", "Ny scene")
    assert result.exit_code == 0, result.output
    assert "Created Ny scene (ny-scene)" in result.output
    org = db_session.scalar(select(Organisation).where(Organisation.slug == "ny-scene"))
    assert org is not None and org.name == "Ny scene"


@pytest.mark.parametrize("slug", ["taken", "Not a slug!", "-dash-first"])
def test_create_org_refuses_a_taken_or_bad_slug(
    app: Flask, db_session: Session, factory: Any, slug: str
) -> None:
    factory.org(slug="taken")
    before = _count(db_session, Organisation)
    result = _run(app, "create-org", slug, "Name")
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert _count(db_session, Organisation) == before


def test_invite_prints_a_link_that_works(app: Flask, db_session: Session, factory: Any) -> None:
    org = factory.org()
    result = _run(app, "invite", "Ombud@Example.test", org.slug, "handler",
                  "--title", "Verneombud", "--external")
    assert result.exit_code == 0, result.output
    token = result.output.strip().rsplit("/invite/", 1)[1]
    invitation = invitations.find(db_session, token)
    assert (invitation.email, invitation.role, invitation.title, invitation.external) == (
        "ombud@example.test", "handler", "Verneombud", True
    )


def test_invite_refuses_an_unknown_organisation_and_role(
    app: Flask, db_session: Session, factory: Any
) -> None:
    org = factory.org()
    assert _run(app, "invite", "x@example.test", "no-such-org", "leader").exit_code != 0
    assert _run(app, "invite", "x@example.test", org.slug, "owner").exit_code != 0
    assert _count(db_session, Invitation) == 0


def test_seed_demo_is_idempotent(app: Flask, db_session: Session) -> None:
    first = _run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    for person in PEOPLE:
        assert person.email in first.output
    counts = [_count(db_session, m) for m in (Organisation, Person, Membership)]
    demo = db_session.scalar(select(Organisation).where(Organisation.slug == SLUG))
    assert demo is not None
    assert {m.role for m in demo.memberships} == {"admin", "handler", "leader", "coordinator"}
    # The operator's confirmation is part of the demo: /r/demo takes reports at once.
    from casework import intake

    receiving = intake.destination(db_session, SLUG)
    assert receiving is not None
    assert {h.email for h in receiving.handlers} == {p.email for p in PEOPLE
                                                      if p.role == "handler"}
    keys = {p.email: p.public_key for p in db_session.scalars(select(Person))}

    second = _run(app, "seed-demo")
    assert second.exit_code == 0, second.output
    assert [_count(db_session, m) for m in (Organisation, Person, Membership)] == counts
    assert {p.email: p.public_key for p in db_session.scalars(select(Person))} == keys


def test_seed_demo_is_refused_in_production(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "TRYGG", app.config["TRYGG"].with_(env="production"))
    result = _run(app, "seed-demo")
    assert result.exit_code != 0
    assert "never runs in production" in result.output
    assert _count(db_session, Organisation) == 0
