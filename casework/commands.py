"""Casework's command-line tasks, registered on the app by trygg/cli.py.

    flask trygg reminders      deadline reminders to handlers (daily from cron)
    flask trygg notices        mails about new reports and messages that are due (every minute)
    flask trygg purge          warn about, then purge, closed cases past retention (daily)
    flask trygg bundle-key     the public key that signs case bundles
    flask audit verify         check the audit log's hash chain
"""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from accounts.models import Organisation, Person
from casework import audit, followups, notices, reminders, retention
from casework.bundle import b64e, fingerprint, signing_key
from casework.services import today
from trygg import jobs
from trygg.extensions import db

audit_cli = AppGroup("audit", help="The audit log.")


def _send(to: str, subject: str, body: str) -> None:
    from trygg.mail import MailError, send_mail

    try:
        send_mail(to, subject, body)
    except MailError as exc:
        click.echo(f"  mail not sent ({exc})", err=True)


def _inbox_url(org: Organisation) -> str:
    return f"{current_app.config['TRYGG'].base_url}/orgs/{org.slug}/cases"


MAIL_LANGUAGE = "nb"  # staff mail goes out in bokmål, the default language


def _remind(due: reminders.Due) -> None:
    org = due.membership.organisation
    with force_locale(MAIL_LANGUAGE):
        lines = [_("Hello,"), ""]
        if due.overdue:
            lines.append(ngettext("%(num)d case in %(org)s is past its deadline.",
                                  "%(num)d cases in %(org)s are past their deadline.",
                                  due.overdue, org=org.name))
        if due.soon:
            lines.append(ngettext("%(num)d case in %(org)s has a deadline in the next few days.",
                                  "%(num)d cases in %(org)s have a deadline in the next few days.",
                                  due.soon, org=org.name))
        seq, digest = audit.current_head(db.session())
        lines += ["", _("The first deadline is %(date)s.", date=f"{due.first:%d.%m.%Y}"), "",
                  _("Sign in to see the cases: %(url)s", url=_inbox_url(org)), "",
                  _("(This message says nothing about what is in the cases.)"), "",
                  _("Audit log head: %(anchor)s. Keep this message: with it, the operator can "
                    "later prove that no audit entry was removed (flask audit verify --anchor).",
                    anchor=f"{seq}:{digest.hex()}")]
        subject = _("Trygg: case deadlines")
    _send(due.membership.person.email, subject, "\n".join(lines))


def _warn(person: Person, org: Organisation, count: int, first: date) -> None:
    with force_locale(MAIL_LANGUAGE):
        body = "\n".join([
            _("Hello,"), "",
            ngettext(
                "The content of %(num)d closed case in %(org)s will be deleted from %(date)s, "
                "when its retention period ends. The assessment is kept for the statistics.",
                "The content of %(num)d closed cases in %(org)s will be deleted from %(date)s, "
                "when their retention period ends. The assessments are kept for the statistics.",
                count, org=org.name, date=f"{first:%d.%m.%Y}"), "",
            _("If you need the content for longer (for example for a court case), export the "
              "case or reopen it before that date."), "",
            _("The cases: %(url)s", url=f"{_inbox_url(org)}?state=closed"),
        ])
        subject = _("Trygg: cases will soon be deleted")
    _send(person.email, subject, body)


@click.command("reminders", help="Email handlers about deadlines that are near or passed.")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Pretend today is this date (YYYY-MM-DD).")
@with_appcontext
def reminders_command(on: object) -> None:
    day = on.date() if on is not None else today()  # type: ignore[attr-defined]
    with jobs.exclusive(db.engine, "reminders") as mine:
        if not mine:
            click.echo("Deadline reminders: another server is sending them now; skipped.")
            return
        if jobs.done(db.session(), "reminders", day):
            click.echo(f"Deadline reminders for {day.isoformat()} were sent already; skipped.")
            return
        sent = reminders.send(db.session(), on=day, notify=_remind)
        jobs.mark_done(db.session(), "reminders", day)
        db.session.commit()
    click.echo(f"Deadline reminders sent: {sent}")
    work = followups.due_counts(db.session(), on=day)
    for due in work:
        _remind_work(due)
    click.echo(f"Task and review reminders sent: {len(work)}")


def _remind_work(due: followups.DueWork) -> None:
    org = due.membership.organisation
    with force_locale(MAIL_LANGUAGE):
        lines = [_("Hello,"), ""]
        if due.tasks:
            lines.append(ngettext("%(num)d task in cases for %(org)s is due in the next few days "
                                  "or overdue.",
                                  "%(num)d tasks in cases for %(org)s are due in the next few "
                                  "days or overdue.", due.tasks, org=org.name))
        if due.reviews:
            lines.append(ngettext("%(num)d interim measure in %(org)s should be reviewed.",
                                  "%(num)d interim measures in %(org)s should be reviewed.",
                                  due.reviews, org=org.name))
        lines += ["", _("Sign in to see the cases: %(url)s", url=_inbox_url(org)), "",
                  _("(This message says nothing about what is in the cases.)")]
        subject = _("Trygg: tasks and reviews")
    _send(due.membership.person.email, subject, "\n".join(lines))


def _notice(due: notices.Due) -> bool:
    from trygg.mail import MailError, send_mail

    subject, body = notices.mail_for(due, _inbox_url(due.membership.organisation))
    try:
        send_mail(due.membership.person.email, subject, body)
    except MailError as exc:
        click.echo(f"  mail not sent ({exc})", err=True)
        return False
    return True


@click.command("notices", help="Mail handlers about new reports and messages, when due.")
@with_appcontext
def notices_command() -> None:
    from trygg.database import utcnow

    config = current_app.config["TRYGG"]
    default = 0.0 if config.env == "testing" else 120.0
    window = float(config.extra.get("notify_window_seconds", default))
    sent = notices.send_due(db.session(), now=utcnow(), send=_notice, window=window)
    click.echo(f"Notices sent: {sent}")


@click.command("purge", help="Warn about and purge the content of closed cases past retention.")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Pretend today is this date (YYYY-MM-DD).")
@with_appcontext
def purge_command(on: object) -> None:
    day = on.date() if on is not None else today()  # type: ignore[attr-defined]
    with jobs.exclusive(db.engine, "purge") as mine:
        if not mine:
            click.echo("Purge: another server is running it now; skipped.")
            return
        warned = retention.warn(db.session(), on=day, notify=_warn)
        db.session.commit()
        purged = retention.purge(db.session(), on=day, commit_each_batch=True)
        db.session.commit()
    click.echo(f"Warned about {warned.cases} case(s) ({warned.mails} email(s)); purged "
               f"{purged.cases} case(s): {purged.messages} message(s), "
               f"{purged.attachments} attachment(s).")


@click.command("bundle-key", help="Show the public key that signs case bundles.")
@with_appcontext
def bundle_key_command() -> None:
    key = signing_key(current_app.config["SECRET_KEY"]).verify_key
    click.echo(f"Ed25519 public key: {b64e(bytes(key))}")
    click.echo(f"Fingerprint:        {fingerprint(bytes(key))}")


def _anchor(_ctx: object, _param: object, values: tuple[str, ...]) -> list[tuple[int, bytes]]:
    out = []
    for value in values:
        seq, _sep, digest = value.partition(":")
        try:
            out.append((int(seq), bytes.fromhex(digest)))
        except ValueError:
            raise click.BadParameter(f"{value!r}: use SEQ:HASH (the hash in hex)") from None
    return out


@audit_cli.command("verify", help="Check that no audit entry was edited, deleted or reordered.")
@click.option("--expect-head", default=None, help="The head hash you noted earlier (hex).")
@click.option("--anchor", "anchors", multiple=True, callback=_anchor, metavar="SEQ:HASH",
              help="An audit head noted outside the database (a bundle, a reminder mail): "
                   "that entry must still be there with that hash. Repeatable.")
def verify_command(expect_head: str | None, anchors: list[tuple[int, bytes]]) -> None:
    expected = bytes.fromhex(expect_head) if expect_head else None
    result = audit.verify(db.session(), expect_head=expected, anchors=anchors)
    for problem in result.problems:
        where = f"entry {problem.seq}: " if problem.seq is not None else ""
        click.echo(f"PROBLEM {where}{problem.what}", err=True)
    click.echo(f"{result.entries} entries; head seq {result.head_seq}, "
               f"hash {result.head_hash.hex()}")
    if not result.ok:
        raise SystemExit(1)
    click.echo("The audit chain is intact.")


@audit_cli.command("seal-head", help="Give the head its MAC once (after upgrading).")
def seal_head_command() -> None:
    if not audit.seal_head(db.session()):
        raise click.ClickException("Nothing sealed: the head has a MAC already, there is no "
                                   "head, or the chain has problems (run flask audit verify).")
    db.session.commit()
    click.echo("The audit head is sealed.")


def register(app: Flask) -> None:
    from trygg.cli import trygg

    for command in (reminders_command, notices_command, purge_command, bundle_key_command):
        if command.name not in trygg.commands:
            trygg.add_command(command)
    app.cli.add_command(audit_cli)
