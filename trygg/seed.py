"""The demo organisation for development: `make run` seeds it idempotently.

Its handlers get real key pairs, wrapped exactly as browser enrolment wraps them, under
a demo key passphrase printed with the logins, so /r/demo accepts reports that the demo
handler can open straight away. Refused in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import appointments, services
from accounts.models import Organisation
from trygg.config import Config

SLUG = "demo"
KEY_PASSPHRASE = "demo key passphrase"  # noqa: S105 - development demo only, printed


class DemoRefused(RuntimeError):
    pass


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    password: str
    role: str
    title: str = ""
    external: bool = False


PEOPLE = (
    DemoPerson("admin@demo.trygg.test", "Ada Admin", "demo-admin-passord", "admin"),
    DemoPerson("verneombud@demo.trygg.test", "Vera Verneombud", "demo-verneombud-passord",
               "handler", "Verneombud"),
    DemoPerson("radgiver@demo.trygg.test", "Rolf Rådgiver", "demo-radgiver-passord",
               "handler", "Ekstern rådgiver", external=True),
    DemoPerson("leder@demo.trygg.test", "Lise Leder", "demo-leder-passord", "leader",
               "Daglig leder"),
    DemoPerson("hms@demo.trygg.test", "Hanne HMS", "demo-hms-passord", "coordinator",
               "HMS-koordinator"),
)

TEXTS = {
    "name": "Demoteateret",
    "standpoint": (
        "Hos Demoteateret skal alle kunne jobbe trygt. Seksuell trakassering er ikke en del av "
        "kunsten, og vi tar hver melding på alvor – også når den gjelder noen med makt."
    ),
    "rules": (
        "Vi behandler hverandre med respekt på prøver, turné, fest og nett. Nei betyr nei, og "
        "intime scener avtales og instrueres på forhånd."
    ),
    "routines": (
        "Meldinger går til verneombudet. Du får svar innen sju dager og en tilbakemelding innen "
        "tre måneder. Er meldingen om verneombudet, kan du velge vår eksterne rådgiver i stedet."
    ),
    "consequences": (
        "Reaksjonene står i forhold til det som har skjedd: fra en samtale og tydeligere regler "
        "til advarsel, endrede roller, avsluttet samarbeid eller oppsigelse. "
        "Publikum kan bortvises."
    ),
}


def seed(session: Session, config: Config, *, kdf_iterations: int | None = None) -> str:
    """Create what is missing of the demo; return the logins to print."""
    if config.is_production:
        raise DemoRefused("The demo seed never runs in production (TRYGG_ENV=production).")
    org = session.scalar(select(Organisation).where(Organisation.slug == SLUG))
    if org is None:
        org = services.create_organisation(session, slug=SLUG, **TEXTS)
    for p in PEOPLE:
        person = services.person_by_email(session, p.email)
        if person is None:
            person = services.create_person(session, p.email, p.name, p.password)
            session.flush()
        membership = services.appoint(session, org, person, p.role, p.title, p.external)
        if p.role == "handler" and person.public_key is None:
            _give_demo_keys(person, kdf_iterations)
        if p.role == "handler":
            # The operator's confirmation (flask trygg confirm-handler) done for the demo,
            # so /r/demo accepts reports right after `make run`.
            session.flush()
            if not appointments.is_confirmed(membership):
                appointments.confirm_now(membership)
    session.flush()
    from prevention.demo import seed as seed_prevention
    from prevention.views import today

    seed_prevention(session, org, today())
    return logins_text(config)


def _give_demo_keys(person: object, kdf_iterations: int | None) -> None:
    from accounts.keys import enrol_demo_keys

    enrol_demo_keys(person, KEY_PASSPHRASE, kdf_iterations=kdf_iterations)


def logins_text(config: Config) -> str:
    lines = [
        "",
        "Demo organisation 'demo' (Demoteateret) is ready — development only.",
        f"  Reporting page:  {config.base_url}/r/{SLUG}",
        f"  Sign in:         {config.base_url}/login",
        "",
    ]
    for p in PEOPLE:
        role = p.role + (f" ({p.title})" if p.title else "")
        lines.append(f"  {role:<30} {p.email:<32} password: {p.password}")
    lines += [
        "",
        f"  Handlers' key passphrase (unlocks reports in the browser): {KEY_PASSPHRASE}",
        "  Admins and handlers set up two-step sign-in (an authenticator app) at first login.",
        "",
    ]
    return "\n".join(lines)
