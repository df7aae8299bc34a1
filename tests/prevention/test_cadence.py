"""«Snakk om det»: which talks are due and when coordinators are reminded."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from prevention import cadence, productions

START = date(2027, 3, 1)


def test_reminders_go_to_coordinators_around_a_due_talk(db_session: Session, org: Any,
                                                        people: dict[str, Any]) -> None:
    production = productions.save_production(
        db_session, org, None, name="Vildanden", kind="stage", starts_on=START,
        ends_on=START + timedelta(days=60), has_minors=False, has_intimate_work=False,
        contacts="")
    due = {(d.occasion, d.on) for d in cadence.due_talks(db_session, org, START)}
    assert ("production_start", START) in due
    assert ("halfway", START + timedelta(days=30)) in due
    sent = cadence.reminders(db_session, START - timedelta(days=7))
    assert {m.role for m in sent} == {"coordinator"}
    assert cadence.reminders(db_session, START - timedelta(days=6)) == {} or all(
        t.occasion != "production_start" for ts in cadence.reminders(
            db_session, START - timedelta(days=6)).values() for t in ts)
    productions.log_talk(db_session, org, production, on=START, occasion="production_start",
                         topics=["rules"], participants=12, today=START)
    after = cadence.due_talks(db_session, org, START)
    assert "production_start" not in {d.occasion for d in after if d.production}
