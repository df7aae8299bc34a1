"""Database base class, column aliases and the Flask-SQLAlchemy handle."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, Uuid, event, types
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, registry, sessionmaker

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


# How long a request waits for a pooled connection (PostgreSQL) before it fails: short, so
# that an exhausted pool answers 503 within seconds instead of queueing every request.
POOL_TIMEOUT_SECONDS = 5
# How long an SQLite writer waits for another writer to finish before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 15_000
# An execution option for connections that only read (a streamed download): on SQLite they
# begin a deferred transaction, which in WAL mode never waits for, or blocks, a writer.
READ_ONLY = "trygg_read_only"


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy engine options for the app (docs/deploy.md, "Database connections").

    `hide_parameters`: an error never writes a statement's parameters (a case id, a lookup
    digest, ciphertext) into a log or an exception message.
    """
    options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if database_url not in ("sqlite://", "sqlite:///:memory:"):  # those have no queue pool
        options["pool_timeout"] = POOL_TIMEOUT_SECONDS
    return options


def sqlite_transactions(engine: Engine) -> None:
    """Give SQLite real transactions, savepoints, enforced foreign keys, WAL and writers that
    wait for each other instead of failing.

    The sqlite3 driver begins transactions lazily on its own, so a SAVEPOINT opened outside
    one starts a transaction that RELEASE then commits: an app's commit inside a test's
    savepoint would be written for good. SQLAlchemy's documented recipe: turn the driver's
    handling off and emit BEGIN ourselves.

    We emit BEGIN IMMEDIATE: a transaction takes SQLite's single write lock when it starts,
    waiting up to the busy timeout for another writer. With a plain (deferred) BEGIN, a
    transaction that read first and writes later cannot wait: SQLite answers "database is
    locked" at once when another writer got there first (its snapshot is stale). This also
    serialises allocating the next number of a case's thread. Connections marked READ_ONLY
    (streamed downloads) begin deferred and, in WAL mode, read alongside a writer.
    """

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        # SQLite ignores foreign keys unless asked, per connection: without this, deleting
        # a membership would leave case rows pointing at an id SQLite may hand out again.
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        # WAL: readers do not block the writer nor the writer the readers. Persistent in the
        # database file; an in-memory database keeps its own mode.
        dbapi_connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


SessionFactory = Callable[[], Session]


def short_sessions(session: Session) -> SessionFactory:
    """Sessions for work done after a request's own session is gone: a streamed response
    body is produced after the request context (and its session) was torn down, so it must
    open, use and close sessions of its own. Each `with factory() as s:` holds a connection
    only for that block. Bound like `session` (in tests, to the test's connection)."""
    bind = session.get_bind()
    if isinstance(bind, Engine):
        bind = bind.execution_options(**{READ_ONLY: True})
    return sessionmaker(bind=bind)


def insert_ignoring_conflicts(session: Session, table: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for the session's database (PostgreSQL or SQLite).

    A row that is already there is not an error, so nothing reaches the database server's
    own log (PostgreSQL logs every failed statement, with the values and the time).
    """
    from sqlalchemy.dialects import postgresql, sqlite

    dialect: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def insert_if_absent(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """Insert one row unless it conflicts with one already there: whether it was added."""
    result = session.execute(insert_ignoring_conflicts(session, table).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def write_transaction(session: Any) -> None:
    """Mark the session's coming transaction as one that will write. Every transaction on
    SQLite already begins IMMEDIATE unless it is read-only (above), so this only documents
    intent at the call site; on other databases it changes nothing."""
    if session.in_transaction() or session.get_bind().dialect.name != "sqlite":
        return
    session.connection()
