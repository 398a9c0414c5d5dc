"""The history database's tables and its named migrations, applied in order by the tool."""

from __future__ import annotations

import datetime as dt
from typing import Callable

from sqlalchemy import (
    Boolean, Column, Date, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Table,
    Text, UniqueConstraint, select,
)
from sqlalchemy.engine import Connection

metadata = MetaData()

migrations_table = Table(
    "schema_migrations", metadata,
    Column("name", String(100), primary_key=True),
    Column("applied_at", DateTime, nullable=False),
)

# Every file ever received, accepted or not. unit_id and period are '' when unknown.
submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("unit_id", String(100), nullable=False),
    Column("period", String(7), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("source", String(20), nullable=False),  # inbox | import | email
    Column("sender", String(320)),
    Column("received_at", DateTime, nullable=False),
    Column("template_version", String(50)),
    Column("accepted", Boolean, nullable=False),
    Column("error_count", Integer, nullable=False),
    Column("warning_count", Integer, nullable=False),
    Column("issues", Text, nullable=False),  # JSON list of issues
    Column("stored_at", DateTime, nullable=False),
    UniqueConstraint("sha256", "unit_id", "period", name="uq_submissions_file"),
    Index("ix_submissions_period_unit", "period", "unit_id"),
)

# The facts of accepted submissions: one submitted cell value a row (SPEC §5's Data shape).
facts = Table(
    "facts", metadata,
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


def _initial(conn: Connection) -> None:
    metadata.create_all(conn, tables=[submissions, facts])


# Never edit or reorder a released migration: add a new one at the end.
MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0001_initial", _initial),
]


def migrate(conn: Connection) -> list[str]:
    """Apply the migrations not applied yet; return their names."""
    metadata.create_all(conn, tables=[migrations_table])
    done = set(conn.execute(select(migrations_table.c.name)).scalars())
    applied = []
    for name, step in MIGRATIONS:
        if name not in done:
            step(conn)
            conn.execute(migrations_table.insert().values(
                name=name, applied_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
            applied.append(name)
    return applied
