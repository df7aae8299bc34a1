"""The demo history and the release command."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Organisation
from casework.models import Case
from insights import periods
from insights.demo import DEMO_QUARTERS, UMBRELLA, seed_history
from insights.models import StatsRelease
from tests.conftest import FAST_KDF_ITERATIONS
from trygg import clock
from trygg.seed import DemoRefused, seed


@pytest.fixture()
def demo(app: Flask, db_session: Session) -> None:
    seed(db_session, app.config["TRYGG"], kdf_iterations=FAST_KDF_ITERATIONS)


def test_the_demo_history_is_refused_in_production(
    app: Flask, db_session: Session, demo: None
) -> None:
    production = app.config["TRYGG"].with_(env="production")
    with pytest.raises(DemoRefused, match="production"):
        seed_history(db_session, production)


def test_the_demo_history_needs_the_demo_organisation(app: Flask, db_session: Session) -> None:
    with pytest.raises(DemoRefused, match="seed-demo"):
        seed_history(db_session, app.config["TRYGG"])


def test_seed_demo_history_from_the_command_line(
    app: Flask, db_session: Session, demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["trygg", "seed-demo-history"])
    assert result.exit_code == 0, result.output
    assert "/orgs/demo/statistics" in result.output
    demo_org = db_session.scalar(select(Organisation).where(Organisation.slug == "demo"))
    assert demo_org is not None and demo_org.umbrella is not None
    assert demo_org.umbrella.slug == UMBRELLA[0]
    count = db_session.scalar(select(func.count()).select_from(Case)
                              .where(Case.organisation_id == demo_org.id))
    assert count == sum(DEMO_QUARTERS)
    # Seeding again adds nothing.
    again = runner.invoke(args=["trygg", "seed-demo-history"])
    assert again.exit_code == 0
    assert db_session.scalar(select(func.count()).select_from(Case)
                             .where(Case.organisation_id == demo_org.id)) == count

    monkeypatch.setattr(periods, "today", lambda: clock.today())
    released = runner.invoke(args=["trygg", "release-statistics"])
    assert released.exit_code == 0, released.output
    assert db_session.scalar(select(func.count()).select_from(StatsRelease)
                             .where(StatsRelease.organisation_id == demo_org.id)) > 0
    assert "Released" in released.output


def test_the_demo_leader_sees_quarters_half_years_and_a_merged_year(
    app: Flask, db_session: Session, demo: None
) -> None:
    from insights import statistics

    seeded = seed_history(db_session, app.config["TRYGG"], on=date(2026, 11, 26))
    assert seeded.cases > 0
    demo_org: Any = db_session.scalar(select(Organisation).where(Organisation.slug == "demo"))
    with app.test_request_context("/?lang=en"):
        stats = statistics.build(db_session, demo_org, "org", date(2026, 11, 26))
    grains = {p.unit.grain for p in stats.periods}
    assert "quarter" in grains and grains & {"half", "year"}
    assert any(p.total.value is not None for p in stats.periods)
