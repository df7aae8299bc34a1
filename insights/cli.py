"""The statistics' commands, registered on the `flask trygg` group."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from accounts.models import Organisation
from insights import periods, releases
from trygg import jobs
from trygg.cli import trygg
from trygg.extensions import db


@trygg.command(
    "seed-demo-history",
    help="Give the demo organisation three years of assessed cases, and a demo umbrella, "
    "so the leader's statistics have something to show (development only).",
)
def seed_demo_history() -> None:
    from insights.demo import seed_history
    from trygg.seed import DemoRefused

    config = current_app.config["TRYGG"]
    try:
        seeded = seed_history(db.session(), config)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(seeded.text(config.base_url))


@trygg.command(
    "release-statistics",
    help="Freeze the statistics periods that have become due, for every organisation "
    "(views do it on demand too; run daily to keep first views fast).",
)
def release_statistics() -> None:
    on = periods.today()
    count = 0
    session = db.session()
    with jobs.exclusive(db.engine, "release-statistics") as mine:
        if not mine:
            click.echo("Statistics: another server is releasing them now; skipped.")
            return
        for org in list(session.scalars(select(Organisation).order_by(Organisation.id))):
            for scope in releases.SCOPES:
                count += len(releases.release_due(session, org, scope, on))
            db.session.commit()
    click.echo(f"Released {count} new period(s) and year total(s) as of {on.isoformat()}.")
