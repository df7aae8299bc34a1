"""The exercise's scheduled job: `flask --app wsgi trygg close-stale-exercises`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from exercise import services
from trygg.database import utcnow
from trygg.extensions import db


@click.command("close-stale-exercises",
               help="Close exercise sessions left open for more than a day (deletes their "
                    "answers; keeps no figures).")
@with_appcontext
def close_stale_command() -> None:
    closed = services.close_stale(db.session(), now=utcnow())
    db.session.commit()
    click.echo(f"Closed {closed} exercise session(s) left open.")


def register(app: Flask) -> None:
    from trygg.cli import trygg

    trygg.add_command(close_stale_command)
