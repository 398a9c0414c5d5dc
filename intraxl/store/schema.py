"""The history database's tables as they are now, for the store's queries.

The database is made and upgraded by the frozen steps of `migrations.py`, never from these
definitions: a change here needs a new migration there (a test compares the two)."""

from __future__ import annotations

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
)

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
    # The mappings' fingerprint the verdict and facts were reached under (NULL: before 0003)
    Column("rules", String(64)),
    # The latest receipt of the same file for the period, when it came again later or under
    # another name (NULL: only the first): a unit's latest file is its latest received.
    Column("last_received_at", DateTime),
    Column("last_file_name", String(500)),
    Column("last_sender", String(320)),
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
    Index("ix_facts_submission_cell", "submission_id", "table_name", "field"),
)


# Every e-mail attachment collected, where it came from and where it went (the period's
# inbox or quarantine, and why). Collecting the same message again adds nothing.
attachments = Table(
    "attachments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(7), nullable=False),
    Column("source", String(500), nullable=False),  # the folder or imaps://user@host/folder
    Column("message_id", String(998), nullable=False),
    Column("sender", String(320), nullable=False),
    Column("subject", Text, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("file_name", String(500), nullable=False),  # the attachment's own name
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("unit_id", String(100), nullable=False),  # '' when no unit can be told
    Column("status", String(20), nullable=False),  # inbox | quarantine
    Column("code", String(50)),  # the issue code of a quarantined attachment
    Column("reason", Text),
    Column("saved_as", String(1000), nullable=False),
    Column("collected_at", DateTime, nullable=False),
    UniqueConstraint("message_id", "file_name", "sha256", name="uq_attachments_part"),
    Index("ix_attachments_period", "period"),
)


# How far `collect` has read each IMAP mailbox for each period: the mailbox's UIDVALIDITY and
# the highest UID taken. The next collect of that period asks only for newer messages; a
# changed UIDVALIDITY (the server renumbered the folder) means a full pass.
mailbox_positions = Table(
    "mailbox_positions", metadata,
    Column("source", String(500), primary_key=True),  # imaps://user@host:port/folder
    Column("period", String(7), primary_key=True),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("last_uid", BigInteger, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
