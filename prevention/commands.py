"""`flask trygg prevention-reminders`: «Snakk om det» reminders to coordinators (daily,
next to `flask trygg reminders`)."""

from __future__ import annotations

from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from prevention import cadence, labels
from trygg import clock
from trygg.extensions import db


def _mail(to: str, org_slug: str, org_name: str, lines: list[str]) -> None:
    from trygg.mail import MailError, send_mail

    url = f"{current_app.config['TRYGG'].base_url}/orgs/{org_slug}/prevention"
    with force_locale("nb"):
        body = "\n".join([_("Hello,"), "",
                          _("It is time to talk about boundaries, rules and routines in "
                            "%(org)s:", org=org_name), "", *lines, "",
                          _("Log the talk afterwards: %(url)s", url=url)])
        subject = _("Trygg: time to talk about it")
    try:
        send_mail(to, subject, body)
    except MailError as exc:
        click.echo(f"  mail not sent ({exc})", err=True)


@click.command("prevention-reminders",
               help="Remind coordinators of «Snakk om det» talks that are due.")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Pretend today is this date (YYYY-MM-DD).")
@with_appcontext
def prevention_reminders(on: datetime | None) -> None:
    day = on.date() if on is not None else clock.today()
    due = cadence.reminders(db.session(), day)
    for membership, talks in due.items():
        with force_locale("nb"):
            lines = [f"- {labels.OCCASIONS[t.occasion]}"
                     + (f" – {t.production.name}" if t.production else "")
                     + f" ({t.on:%d.%m.%Y})" for t in talks]
        _mail(membership.person.email, membership.organisation.slug,
              membership.organisation.name, lines)
    click.echo(f"Prevention reminders sent: {len(due)}")


def register(app: Flask) -> None:
    from trygg.cli import trygg

    if prevention_reminders.name not in trygg.commands:
        trygg.add_command(prevention_reminders)
