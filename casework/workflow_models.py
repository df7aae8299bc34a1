"""Tables of the verneombud's workflow (issue 12) that are not part of a case's content.

`HandlerNotice`: per handler membership, what has arrived that they have not been mailed
about yet, when that mail is due, and how they want it (immediate or a daily digest). The
state is in the database so that several gunicorn workers and nodes coalesce the same way:
whichever process sends a due mail claims the row first (casework/notices.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Membership
from casework.vocabulary import check_sql
from trygg.database import db

NOTICE_MODES = ("immediate", "digest")


class HandlerNotice(db.Model):  # type: ignore[name-defined]
    """Pending mail for one handler membership: counts only, never which case or what.

    `due_at` is rounded up to the minute and the row is emptied when the mail goes, so it
    never becomes a record of when reporters wrote.
    """

    __tablename__ = "handler_notice"
    __table_args__ = (CheckConstraint(check_sql("mode", NOTICE_MODES), name="mode"),)

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True
    )
    mode: Mapped[str] = mapped_column(String(16), default="immediate",
                                      server_default="immediate")
    reports: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    due_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(default=None)

    membership: Mapped[Membership] = relationship()
