"""Telling handlers that something new arrived: coalesced by delaying, never by dropping.

Every new report and reporter message adds to a per-handler row (HandlerNotice): counts
only, never which case or what. A handler who wants immediate mails gets one as soon as
nothing was mailed to them in the last `window` seconds; otherwise the row waits until
`last_sent_at + window`, and one mail then covers everything that arrived meanwhile. A
handler who chose the daily digest gets one mail a day (at DIGEST_HOUR UTC) for the lot.

The state is in the database, so it works across gunicorn workers and nodes: a process
sends a due row only after claiming it under a row lock (`SELECT … FOR UPDATE` on
PostgreSQL; SQLite serialises writers) and emptying it in the same transaction; a second
process finds it empty and sends nothing. A due row is sent by the request that made it due
(when it is due at once) or by `flask trygg notices`, which cron runs every minute
(docs/deploy.md). A mail that fails is put back, due again one window later.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Membership
from casework.workflow_models import NOTICE_MODES, HandlerNotice

DIGEST_HOUR = 7  # UTC: the daily digest goes out with the first run at or after this hour


@dataclass(frozen=True)
class Due:
    membership: Membership
    reports: int
    messages: int


Send = Callable[[Due], bool]  # True when the mail was handed on


def _round_up(moment: datetime) -> datetime:
    """To the next whole minute: a waiting row never records when a reporter wrote."""
    seconds = math.ceil(moment.timestamp() / 60) * 60
    return datetime.fromtimestamp(seconds, tz=moment.tzinfo)


def _next_digest(now: datetime) -> datetime:
    today = now.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return today if now <= today else today + timedelta(days=1)


def _row(session: Session, membership_id: int) -> HandlerNotice:
    row = session.get(HandlerNotice, membership_id, with_for_update=True,
                      populate_existing=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            session.add(HandlerNotice(membership_id=membership_id, mode="immediate",
                                      reports=0, messages=0))
    except IntegrityError:  # another process created it just now
        pass
    row = session.get(HandlerNotice, membership_id, with_for_update=True,
                      populate_existing=True)
    assert row is not None  # noqa: S101 - created above or by the other process
    return row


def queue(session: Session, membership_ids: Iterable[int], what: str, *, now: datetime,
          window: float) -> None:
    """Count one new report or message for each handler and make sure a mail is due."""
    for membership_id in sorted(set(membership_ids)):  # one lock order: no deadlocks
        row = _row(session, membership_id)
        if what == "report":
            row.reports += 1
        else:
            row.messages += 1
        if row.due_at is None:
            row.due_at = _due_time(row, now, window)


def _due_time(row: HandlerNotice, now: datetime, window: float) -> datetime:
    if row.mode == "digest":
        return _next_digest(now)
    if row.last_sent_at is None or row.last_sent_at + timedelta(seconds=window) <= now:
        return now  # nothing mailed lately: at once (the row is emptied when it goes)
    return _round_up(row.last_sent_at + timedelta(seconds=window))


def set_mode(session: Session, membership: Membership, mode: str, *, now: datetime) -> None:
    if mode not in NOTICE_MODES:
        raise ValueError(mode)
    row = _row(session, membership.id)
    row.mode = mode
    if row.due_at is not None:  # what is waiting follows the new choice
        row.due_at = _next_digest(now) if mode == "digest" else now


def send_due(session: Session, *, now: datetime, send: Send,
             only: Iterable[int] | None = None, window: float = 120.0) -> int:
    """Send every mail that is due; commits. Returns how many mails were handed on."""
    query = select(HandlerNotice.membership_id).where(HandlerNotice.due_at <= now)
    if only is not None:
        query = query.where(HandlerNotice.membership_id.in_(set(only)))
    sent = 0
    for membership_id in session.scalars(query.order_by(HandlerNotice.membership_id)).all():
        row = session.get(HandlerNotice, membership_id, with_for_update=True,
                          populate_existing=True)
        if row is None or row.due_at is None or row.due_at > now:
            session.commit()
            continue  # another process sent it
        due = Due(row.membership, row.reports, row.messages)
        row.reports = row.messages = 0
        row.due_at, row.last_sent_at = None, now
        active = due.membership.person.active and due.membership.role == "handler"
        session.commit()  # claimed: no other process will send these
        if not active or (due.reports == 0 and due.messages == 0):
            continue
        if send(due):
            sent += 1
            continue
        # Not handed on: put it back, due again one window later.
        row = _row(session, membership_id)
        row.reports += due.reports
        row.messages += due.messages
        row.due_at = _round_up(now + timedelta(seconds=window))
        session.commit()
    return sent


def mail_for(due: Due, link: str) -> tuple[str, str]:
    """Subject and body: the organisation, counts and a link; never a case or its content."""
    from flask_babel import force_locale, ngettext
    from flask_babel import gettext as _

    org = due.membership.organisation.name
    with force_locale("nb"):  # staff mail goes out in bokmål, the default language
        lines = []
        if due.reports:
            lines.append(ngettext("%(num)d new report has arrived for %(org)s.",
                                  "%(num)d new reports have arrived for %(org)s.",
                                  due.reports, org=org))
        if due.messages:
            lines.append(ngettext("A reporter has written %(num)d time in cases for %(org)s.",
                                  "Reporters have written %(num)d times in cases for %(org)s.",
                                  due.messages, org=org))
        subject = _("Trygg: something new is waiting for you")
        body = "\n\n".join([
            " ".join(lines),
            _("Sign in to read it: %(link)s", link=link),
            _("For the reporter's safety this email never says what was written."),
        ])
    return subject, body


__all__ = ["DIGEST_HOUR", "Due", "mail_for", "queue", "send_due", "set_mode"]
