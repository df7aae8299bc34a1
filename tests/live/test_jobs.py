"""The daily jobs started on two servers at the same moment do their work once: two real
`flask trygg …` processes against one database (SQLite: a file lock; PostgreSQL: an
advisory lock), and reminders remember the day they were sent."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.models import Organisation
from casework import intake
from tests.conftest import make_config
from tests.live.client import ROOT
from tests.reporting import support
from tests.reporting.conftest import Database
from trygg import clock, jobs
from trygg.extensions import db
from trygg.mail import outbox


def _overdue_case(database: Database) -> None:
    """A case received ten days ago: its acknowledgement is overdue, a reminder is due."""
    with database.app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.slug == "demo"))
        destination = intake.Destination.of(db.session, org)
        keys = [h.public_key for h in destination.handlers if not h.external]
        sealed = support.sealed_submission(org, keys, {"what": "x"})
        submission = intake.Submission(
            case_id=sealed.case_id, lookup_token=sealed.keys.lookup_token,
            reporter_public_key=sealed.keys.public_key, report=sealed.body["report"],
            idempotency_key=os.urandom(32))
        intake.open_case(db.session(), destination, submission, secret="s" * 40,
                         today=clock.today() - timedelta(days=10))
        db.session.commit()
        db.session.remove()


def _job(database: Database, *args: str) -> subprocess.Popen[str]:
    config = make_config(database.url, database.folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRYGG_ENV": "testing",
           "TRYGG_DATABASE_URL": database.url, "TRYGG_SECRET_KEY": config.secret_key,
           "TRYGG_MAIL_OUTBOX": config.mail_outbox, "TRYGG_INSTANCE_DIR": str(database.folder)}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "trygg", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_reminders_started_on_two_servers_at_once_are_sent_once(database: Database) -> None:
    _overdue_case(database)
    config = database.app.config["TRYGG"]
    before = len(outbox(config))
    runs = [_job(database, "reminders"), _job(database, "reminders")]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    said = " ".join(out for out, _ in outputs)
    assert said.count("Deadline reminders sent: 1") == 1, said
    assert "skipped" in said
    assert len(outbox(config)) == before + 1  # one overdue case, one handler: one mail
    # Later the same day, on either server: nothing again.
    again = _job(database, "reminders")
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0 and "skipped" in out
    assert len(outbox(config)) == before + 1


@pytest.mark.parametrize("job", ["purge", "release-statistics"])
def test_the_other_daily_jobs_on_two_servers_at_once_both_finish(
    database: Database, job: str
) -> None:
    runs = [_job(database, job), _job(database, job)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs


def test_only_one_holder_of_a_job_lock_at_a_time(database: Database) -> None:
    with database.app.app_context():
        engine = db.engine
        with jobs.exclusive(engine, "reminders") as first:
            with jobs.exclusive(engine, "reminders") as second:
                assert (first, second) == (True, False)
            with jobs.exclusive(engine, "purge") as other:
                assert other  # another job's lock is another lock
        with jobs.exclusive(engine, "reminders") as later:
            assert later  # released when the holder finished
