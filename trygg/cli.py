"""Command-line tasks: `flask --app wsgi trygg ...`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from accounts import invitations, services
from accounts.models import ROLE_VALUES, Organisation
from trygg.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(trygg)
    from casework.commands import register as register_casework
    from exercise.commands import register as register_exercise

    register_casework(app)
    register_exercise(app)


@click.group(help="Trygg administration.")
def trygg() -> None:
    pass


@trygg.command("create-org", help="Create an organisation.")
@click.argument("slug")
@click.argument("name")
def create_org(slug: str, name: str) -> None:
    try:
        org = services.create_organisation(db.session(), slug=slug, name=name)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {org.name} ({org.slug}). Public page: /r/{org.slug}")


@trygg.command("invite", help="Invite a person to an organisation with a role.")
@click.argument("email")
@click.argument("slug")
@click.argument("role", type=click.Choice(ROLE_VALUES))
@click.option("--title", default="", help="What reporters see for a handler.")
@click.option("--external", is_flag=True, help="An advisor outside the organisation.")
def invite(email: str, slug: str, role: str, title: str, external: bool) -> None:
    org = db.session.scalar(db.select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise click.ClickException(f"No organisation with the slug {slug!r}.")
    token = invitations.create(db.session(), org, email, role, title=title, external=external)
    db.session.commit()
    base = current_app.config["TRYGG"].base_url
    click.echo(f"Invitation for {email} ({role}) — valid for {invitations.VALID_DAYS} days:")
    click.echo(f"{base}/invite/{token}")


@trygg.command("confirm-handler", help="Confirm an organisation's first case handler.")
@click.argument("email")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask; confirm the fingerprint shown.")
def confirm_handler(email: str, slug: str, yes: bool) -> None:
    """The operator's half of the two-person appointment (design.md section 5): only for an
    organisation with no confirmed handler yet; later handlers are confirmed by a colleague."""
    from accounts import appointments

    org = db.session.scalar(db.select(Organisation).where(Organisation.slug == slug))
    if org is None:
        raise click.ClickException(f"No organisation with the slug {slug!r}.")
    if appointments.confirmed(db.session(), org):
        raise click.ClickException(
            f"{org.name} already has a confirmed case handler; they confirm new ones "
            "(Confirm case handlers, on their home page)."
        )
    person = services.person_by_email(db.session(), email)
    target = next((m for m in appointments.pending(db.session(), org)
                   if person is not None and m.person_id == person.id), None)
    if target is None or person is None or person.public_key is None:
        raise click.ClickException(
            f"{email} is not a case handler of {slug!r} with a key waiting for confirmation."
        )
    click.echo(f"{person.name} <{person.email}>, {target.title} in {org.name}")
    click.echo(f"Key fingerprint: {appointments.fingerprint(person.public_key)}")
    if not yes:
        click.confirm("Does the handler see this fingerprint on their key page?", abort=True)
    appointments.confirm(db.session(), org, target.public_id, by=None)
    db.session.commit()
    click.echo(f"Confirmed: reports to {org.slug} now reach {person.email}.")


@trygg.command("seed-demo", help="Create the demo organisation and its people (development only).")
def seed_demo() -> None:
    from trygg.seed import DemoRefused, seed

    try:
        logins = seed(db.session(), current_app.config["TRYGG"])
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(logins)
import insights.cli  # noqa: E402,F401 - registers the statistics commands on this group
