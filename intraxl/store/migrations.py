"""The history database's migrations: named, frozen steps applied in order by the tool.

Each step says its own DDL, as it was when it was released: never edit or reorder a released
step (a database that has applied it will not apply it again), add a new one at the end. The
tables as they are now, for queries, are in `schema.py`; a test checks that a database made by
these steps has exactly those tables and columns, and that an old database upgrades.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection

from .schema import migrations_table


def _0001_initial(conn: Connection) -> None:
    md = MetaData()
    Table(
        "submissions", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("sha256", String(64), nullable=False),
        Column("unit_id", String(100), nullable=False),
        Column("period", String(7), nullable=False),
        Column("file_name", String(500), nullable=False),
        Column("source", String(20), nullable=False),
        Column("sender", String(320)),
        Column("received_at", DateTime, nullable=False),
        Column("template_version", String(50)),
        Column("accepted", Boolean, nullable=False),
        Column("error_count", Integer, nullable=False),
        Column("warning_count", Integer, nullable=False),
        Column("issues", Text, nullable=False),
        Column("stored_at", DateTime, nullable=False),
        UniqueConstraint("sha256", "unit_id", "period", name="uq_submissions_file"),
        Index("ix_submissions_period_unit", "period", "unit_id"),
    )
    Table(
        "facts", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"),
               nullable=False),
        Column("period", String(7), nullable=False),
        Column("unit_id", String(100), nullable=False),
        Column("table_name", String(50), nullable=False),
        Column("row_id", String(100), nullable=False),
        Column("field", String(100), nullable=False),
        Column("value_num", Float),
        Column("value_text", Text),
        Column("value_date", Date),
        Index("ix_facts_submission", "submission_id"),
        Index("ix_facts_period_unit", "period", "unit_id"),
    )
    md.create_all(conn)


def _0002_attachments(conn: Connection) -> None:
    md = MetaData()
    Table(
        "attachments", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("period", String(7), nullable=False),
        Column("source", String(500), nullable=False),
        Column("message_id", String(998), nullable=False),
        Column("sender", String(320), nullable=False),
        Column("subject", Text, nullable=False),
        Column("received_at", DateTime, nullable=False),
        Column("file_name", String(500), nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("size", Integer, nullable=False),
        Column("unit_id", String(100), nullable=False),
        Column("status", String(20), nullable=False),
        Column("code", String(50)),
        Column("reason", Text),
        Column("saved_as", String(1000), nullable=False),
        Column("collected_at", DateTime, nullable=False),
        UniqueConstraint("message_id", "file_name", "sha256", name="uq_attachments_part"),
        Index("ix_attachments_period", "period"),
    )
    md.create_all(conn)


def _0003_submission_rules(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE submissions ADD COLUMN rules VARCHAR(64)"))


def _0004_mailbox_positions(conn: Connection) -> None:
    md = MetaData()
    Table(
        "mailbox_positions", md,
        Column("source", String(500), primary_key=True),
        Column("period", String(7), primary_key=True),
        Column("uidvalidity", BigInteger, nullable=False),
        Column("last_uid", BigInteger, nullable=False),
        Column("updated_at", DateTime, nullable=False),
    )
    md.create_all(conn)


def _0005_facts_by_cell(conn: Connection) -> None:
    # A submission's facts of one (table, field) found without reading its other facts (the
    # plausibility's history); it serves the lookups by submission alone that it replaces.
    conn.execute(text("CREATE INDEX ix_facts_submission_cell "
                      "ON facts (submission_id, table_name, field)"))
    conn.execute(text("DROP INDEX ix_facts_submission"))


def _0006_facts_without_period_index(conn: Connection) -> None:
    # No query looks facts up by (period, unit): they are found through their submission
    # (by period in `submissions`). The index cost a fifth of storing a month's facts.
    conn.execute(text("DROP INDEX IF EXISTS ix_facts_period_unit"))


def _0007_submission_last_receipt(conn: Connection) -> None:
    when = DateTime().compile(dialect=conn.dialect)
    conn.execute(text(f"ALTER TABLE submissions ADD COLUMN last_received_at {when}"))
    conn.execute(text("ALTER TABLE submissions ADD COLUMN last_file_name VARCHAR(500)"))
    conn.execute(text("ALTER TABLE submissions ADD COLUMN last_sender VARCHAR(320)"))


MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0001_initial", _0001_initial),
    ("0002_attachments", _0002_attachments),
    ("0003_submission_rules", _0003_submission_rules),
    ("0004_mailbox_positions", _0004_mailbox_positions),
    ("0005_facts_by_cell", _0005_facts_by_cell),
    ("0006_facts_without_period_index", _0006_facts_without_period_index),
    ("0007_submission_last_receipt", _0007_submission_last_receipt),
]


def migrations_pending(conn: Connection) -> bool:
    """Whether any migration is still to be applied (a fresh or older database)."""
    if not inspect(conn).has_table(migrations_table.name):
        return True
    done = set(conn.execute(select(migrations_table.c.name)).scalars())
    return any(name not in done for name, _ in MIGRATIONS)


def migrate(conn: Connection, upto: int | None = None) -> list[str]:
    """Apply the migrations not applied yet (the first `upto` of them, for tests of an
    upgrade); return their names."""
    migrations_table.create(conn, checkfirst=True)
    done = set(conn.execute(select(migrations_table.c.name)).scalars())
    applied = []
    for name, step in MIGRATIONS[:upto]:
        if name not in done:
            step(conn)
            conn.execute(migrations_table.insert().values(
                name=name, applied_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
            applied.append(name)
    return applied
