"""Daily jobs run once, however many app servers start them.

Cron may run `flask trygg reminders`, `purge` and `release-statistics` on every node at the
same moment. `exclusive(name)` lets one of them work and tells the others to skip:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of
  its own, held for the job's duration and released when it ends (or when the process
  dies and its connection closes).
- SQLite: an exclusive `flock` on a file beside the database (`<db>.<job>.lock`), released
  the same way. SQLite is one machine's database, so every process that can write it can
  see the file.

Reminders also record the day they were sent (`JobRun`), so a node that starts a little
later, after the first has finished, does not mail everyone again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import Date, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from trygg.database import db, insert_if_absent


class JobRun(db.Model):  # type: ignore[name-defined]
    """A daily job that has done its work for a day (reminders: mails sent)."""

    __tablename__ = "job_run"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock, from the job's name."""
    digest = hashlib.sha256(f"trygg/job/{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_file(engine: Engine, name: str) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None  # one process only: nothing to share
    return Path(f"{database}.{name}.lock")


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[bool]:
    """Hold the job's lock while the block runs; yields False (at once) when another
    process holds it."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            key = lock_key(name)
            got = bool(connection.exec_driver_sql(
                "SELECT pg_try_advisory_lock(%(key)s)", {"key": key}).scalar())
            try:
                yield got
            finally:
                if got:
                    connection.exec_driver_sql("SELECT pg_advisory_unlock(%(key)s)", {"key": key})
        return
    path = lock_file(engine, name)
    if path is None:
        yield True
        return
    import fcntl

    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def done(session: Session, name: str, day: date) -> bool:
    """Whether the job already did its work for `day`."""
    return session.scalar(select(JobRun.job).where(JobRun.job == name, JobRun.day == day)) \
        is not None


def mark_done(session: Session, name: str, day: date) -> None:
    insert_if_absent(session, JobRun.__table__, {"job": name, "day": day})
