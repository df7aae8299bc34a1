"""Database base class, column aliases and the Flask-SQLAlchemy handle."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, Uuid, event, types
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={datetime: UTCDateTime(), uuid.UUID: Uuid()},
    )


IntPk = Annotated[int, mapped_column(primary_key=True)]
PublicId = Annotated[uuid.UUID, mapped_column(Uuid(), unique=True, default=uuid.uuid4)]

db = SQLAlchemy(model_class=Base, disable_autonaming=True)


def sqlite_transactions(engine: Engine) -> None:
    """Give SQLite real transactions, savepoints and enforced foreign keys.

    The sqlite3 driver begins transactions lazily on its own, so a SAVEPOINT opened outside
    one starts a transaction that RELEASE then commits: an app's commit inside a test's
    savepoint would be written for good. SQLAlchemy's documented recipe: turn the driver's
    handling off and emit BEGIN ourselves.
    """

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        # SQLite ignores foreign keys unless asked, per connection: without this, deleting
        # a membership would leave case rows pointing at an id SQLite may hand out again.
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A transaction that will write can ask to take the write lock at once
        # (`execution_options(sqlite_begin="IMMEDIATE")`, see `write_transaction`): two
        # deferred transactions that both read and then write would otherwise fail with
        # "database is locked" instead of waiting their turn.
        if connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def write_transaction(session: Any) -> None:
    """Start the session's transaction as one that will write: on SQLite it takes the write
    lock at once (and waits for it), on other databases this changes nothing. Call before
    the first statement of a short read-then-write request."""
    if session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
