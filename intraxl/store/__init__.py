"""Stage 5 — store: the history database, the single source of truth for every month.

Every file received is kept (accepted or rejected, and why); the facts of accepted ones are
kept too. Nothing is ever deleted or overwritten: a newer submission from a unit supersedes
the older one for the report by being newer. Recording the same file twice changes nothing.
SQLite file by default, PostgreSQL (or anything SQLAlchemy speaks) by URL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection, Iterable, Iterator, Sequence

from sqlalchemy import and_, create_engine, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import IntraxlError
from ..issues import Issue
from ..models import FileReport
from .migrations import migrate, migrations_pending
from .schema import attachments, facts, mailbox_positions, submissions

if TYPE_CHECKING:  # imported where a frame is made: recording needs none of pandas
    import pandas as pd

DEFAULT_URL = "sqlite:///intraxl.db"
IMPORT_SOURCE = "import"  # a submission's source when `history import` stored it
INBOX_SOURCE = "inbox"  # ... when a run found it in an inbox folder (its time: the file's)
LOCK_TIMEOUT_ENV = "INTRAXL_LOCK_TIMEOUT"  # seconds a run waits for another run's lock
LOCK_TIMEOUT = 300.0
PG_LOCK_KEY = int.from_bytes(b"intraxl", "big")  # the advisory lock's key, in every database
FACT_COLUMNS = ["period", "unit_id", "table", "id", "field", "value"]
FACT_BATCH = 2_000  # submissions per query for their facts (bounded IN lists, every database)


def database_url(url: str | None = None) -> str:
    """--db URL, else INTRAXL_DB, else intraxl.db in the current folder. A plain path is a
    SQLite file."""
    url = url or os.environ.get("INTRAXL_DB") or DEFAULT_URL
    return url if "://" in url else f"sqlite:///{Path(url)}"


def database_exists(url: str | None = None) -> bool:
    """False only for a SQLite file that is not there yet (a server database is assumed)."""
    from sqlalchemy.engine import make_url

    u = make_url(database_url(url))
    return u.get_backend_name() != "sqlite" or bool(u.database and Path(u.database).exists())


def require_database(url: str | None = None) -> None:
    """For a command that only reads: a SQLite file that is not there is an error, not a new
    empty database (a mistyped name would show every unit as missing)."""
    if not database_exists(url):
        raise IntraxlError(f"no history database at {database_url(url)}: run intraxl "
                           "consolidate or collect first, or give the one they wrote with --db "
                           "(or INTRAXL_DB)")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


@dataclass
class Received:
    """A file's provenance: how it reached us. received_at defaults to the file's mtime;
    `period` is the month it was received for (a run's or a collect's), the file's own when
    not given. A file is stored per month it was received for: its verdict depends on that
    month (a file of another month is rejected there, and stays accepted in its own)."""

    report: FileReport
    source: str = INBOX_SOURCE
    sender: str | None = None
    received_at: dt.datetime | None = None
    period: str | None = None


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    sha256: str
    unit_id: str
    period: str
    file_name: str  # as last received (a renamed file's new name)
    source: str
    sender: str | None
    received_at: dt.datetime  # the latest receipt (the same file sent again later)
    template_version: str | None
    accepted: bool
    error_count: int
    warning_count: int
    issues: list[dict[str, Any]]
    rules: str | None = None  # the mappings' fingerprint of the verdict (None: before 0003)

    def file_report(self, path: str | Path) -> FileReport:
        """The stored verdict as a report on the file at `path` (its facts stay in the store)."""
        return FileReport(file=str(path), sha256=self.sha256, unit_id=self.unit_id or None,
                          period=self.period or None, template_version=self.template_version,
                          issues=[Issue(**i) for i in self.issues],
                          from_store=True)


def _verdict(r: FileReport, rules: str | None) -> dict[str, Any]:
    """The columns of a submission that validation decides."""
    return {
        "template_version": r.template_version, "accepted": r.valid,
        "error_count": len(r.errors), "warning_count": len(r.warnings),
        "issues": json.dumps([i.model_dump(mode="json", exclude={"table", "row_key", "column"})
                              for i in r.issues], ensure_ascii=False),
        "rules": rules,
    }


# A submission as `record` finds it stored: id, rules, latest receipt, latest name, source.
_Stored = tuple[int, "str | None", dt.datetime, str, str]
# A submission's latest receipt and name: the first unless it came again.
_LATEST = func.coalesce(submissions.c.last_received_at, submissions.c.received_at)
_LATEST_NAME = func.coalesce(submissions.c.last_file_name, submissions.c.file_name)


def _received(item: Received) -> dt.datetime:
    """When the item was received: its own time, else its file's modification time."""
    return item.received_at or modified_at(item.report.file)


def _latest(copies: list[Received]) -> Received:
    """Of a file's copies, the one received last (the first of them on a tie)."""
    return copies[0] if len(copies) == 1 else max(copies, key=_received)


def _submission_row(key: tuple[str, str, str], item: Received,
                    rules: str | None) -> dict[str, Any]:
    r = item.report
    return {
        "sha256": key[0], "unit_id": key[1], "period": key[2],
        "file_name": os.path.basename(r.file), "source": item.source, "sender": item.sender,
        "received_at": _received(item), "stored_at": _now(),
        **_verdict(r, rules),
    }


FACT_INSERT_COLUMNS = ("submission_id", "period", "unit_id", "table_name", "row_id", "field",
                       "value_num", "value_text", "value_date")


def _fact_rows(submission_id: int, period: str, unit_id: str,
               report: FileReport) -> list[tuple[Any, ...]]:
    """The facts' rows, in FACT_INSERT_COLUMNS order: a value goes to the column of its type
    (a number and a text, most of them, told by their exact type first)."""
    assert report.submission is not None
    head = (submission_id, period, unit_id)
    return [(*head, table, rid, field, v, None, None) if type(v) is float and v == v else
            (*head, table, rid, field, None, v, None) if type(v) is str else
            (*head, table, rid, field, *_value_columns(v))
            for table, rid, field, v in report.submission.facts]


def _value_columns(v: Any) -> tuple[Any, Any, Any]:
    """(number, text, date) of a fact's value."""
    if isinstance(v, bool):
        return None, str(v), None
    if isinstance(v, (int, float)):
        return (float(v), None, None) if v == v else (None, None, None)  # NaN: no value,
        # on every database (SQLite would make it NULL, PostgreSQL keep it)
    if isinstance(v, dt.datetime):
        return None, None, v.date()
    if isinstance(v, dt.date):
        return None, None, v
    return None, str(v), None


def _value(number: Any, text: Any, date: Any) -> Any:
    """A fact's value from its stored columns (value_num, value_text, value_date)."""
    return number if number is not None else date if date is not None else text


def _copies(conn: Any) -> bool:
    """PostgreSQL through psycopg: bulk rows go in by COPY."""
    return bool(conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg")


def _copy(conn: Any, table: str, columns: Iterable[str], rows: Iterable[tuple[Any, ...]]) -> None:
    cursor = conn.connection.dbapi_connection.cursor()
    with cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert_submissions(conn: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert submissions; their ids in the rows' order. On PostgreSQL the ids are taken from
    the table's sequence first and the rows copied in: an INSERT ... RETURNING of a batch is
    a statement psycopg parses in Python for every batch (a third of storing a month)."""
    if not _copies(conn):
        return list(conn.execute(
            submissions.insert().returning(submissions.c.id, sort_by_parameter_order=True),
            rows).scalars().all())
    ids = list(conn.exec_driver_sql(
        "SELECT nextval(pg_get_serial_sequence('submissions', 'id')) "
        f"FROM generate_series(1, {len(rows)})").scalars())
    columns = ["id", *rows[0]]
    _copy(conn, "submissions", columns,
          ((sid, *row.values()) for sid, row in zip(ids, rows, strict=True)))
    return ids


def _insert_facts(conn: Any, rows: list[tuple[Any, ...]]) -> None:
    """A month holds tens of thousands of facts. On PostgreSQL (psycopg) they go in one COPY
    (executemany took 50 % longer there). Elsewhere positional rows go straight to the
    driver's executemany (SQLAlchemy's per-row parameter handling doubled the time), dates
    converted as the column's type converts them for this database. Drivers with other
    parameter styles go through SQLAlchemy."""
    if not rows:
        return
    if _copies(conn):
        _copy(conn, "facts", FACT_INSERT_COLUMNS, rows)
        return
    style = conn.dialect.paramstyle
    if style not in ("qmark", "format", "pyformat"):
        conn.execute(facts.insert(),
                     [dict(zip(FACT_INSERT_COLUMNS, r, strict=True)) for r in rows])
        return
    to_db = facts.c.value_date.type.bind_processor(conn.dialect)
    if to_db is not None:
        rows = [r if r[8] is None else (*r[:8], to_db(r[8])) for r in rows]
    mark = "?" if style == "qmark" else "%s"
    conn.exec_driver_sql(f"INSERT INTO facts ({', '.join(FACT_INSERT_COLUMNS)}) VALUES "
                         f"({', '.join([mark] * len(FACT_INSERT_COLUMNS))})", rows)


def _lock_timeout() -> float:
    try:
        return float(os.environ.get(LOCK_TIMEOUT_ENV) or LOCK_TIMEOUT)
    except ValueError:
        raise IntraxlError(f"{LOCK_TIMEOUT_ENV} must be a number of seconds") from None


class Store:
    def __init__(self, url: str | None = None):
        self.url = database_url(url)
        # submission id -> its fact rows as stored (FACT_INSERT_COLUMNS), in the order they
        # were stored, while `keeping_facts`
        self._kept: dict[int, list[tuple[Any, ...]]] | None = None
        try:
            self.engine: Engine = create_engine(self.url)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            self.migrations_applied: list[str] = []
            with self.engine.connect() as conn:
                pending = migrations_pending(conn)
            if pending:  # a fresh database: two runs must not both set it up
                with self.run_lock(), self.engine.begin() as conn:
                    self.migrations_applied = migrate(conn)
        except SQLAlchemyError as e:
            raise IntraxlError(f"cannot open the history database {self.safe_url}: "
                               f"{e.__class__.__name__}: {str(e).splitlines()[0]}") from e

    @contextmanager
    def run_lock(self) -> Iterator[None]:
        """Hold the database for one run (collect, consolidate, import), so that two runs at
        once take turns: a file lock beside a SQLite file, an advisory lock on PostgreSQL.
        Waits up to INTRAXL_LOCK_TIMEOUT seconds (default 300) for another run, then raises
        IntraxlError."""
        timeout = _lock_timeout()
        busy = IntraxlError(f"the history database {self.safe_url} is in use by another "
                            f"intraxl run; waited {timeout:g} s (try again when it is done)")
        dialect, database = self.engine.dialect.name, self.engine.url.database
        if dialect == "sqlite" and database and database != ":memory:":
            import filelock

            lock = filelock.FileLock(f"{database}.lock")
            try:
                lock.acquire(timeout=timeout)
            except filelock.Timeout:
                raise busy from None
            try:
                yield
            finally:
                lock.release()
        elif dialect == "postgresql":
            with self.engine.connect() as conn:
                deadline = time.monotonic() + timeout
                while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                       {"k": PG_LOCK_KEY}).scalar():
                    if time.monotonic() >= deadline:
                        raise busy
                    time.sleep(0.2)
                conn.commit()  # the lock is the session's: no transaction left open
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                    conn.commit()
        else:
            yield

    @property
    def safe_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    def record(self, items: Iterable[Received],
               rules: str | None = None) -> list[tuple[int, bool]]:
        """Store files and the facts of accepted ones, in one transaction, with the mappings'
        fingerprint (`rules`) their verdicts were reached under. Returns (submission id,
        newly stored) per item. A file is stored once, with the provenance it first came
        with; the same file twice in one batch is stored once. A file stored under other
        rules gets the verdict and facts of these rules (its provenance stays). A file's
        latest receipt is kept too: received again later (a unit that sends an earlier
        version once more wants that one in the report), or its copies in one batch, the
        latest counts, with its name and sender; under names that do not include the one
        stored (renamed), it is known by the latest copy's name. An inbox folder's time (a
        file's modification time) never re-dates a file that came another way (e-mail: the
        receiving server's time; a history import)."""
        items = list(items)
        keys = [(i.report.sha256 or "", i.report.unit_id or "", i.period or i.report.period or "")
                for i in items]
        copies: dict[tuple[str, str, str], list[Received]] = {}  # a file's copies in the batch
        for key, item in zip(keys, items, strict=True):
            copies.setdefault(key, []).append(item)
        with self.engine.begin() as conn:
            known = self._stored(conn, {k[0] for k in copies})
            self._received_again(conn, {k: c for k, c in copies.items() if k in known}, known)
            new = {key: _latest(found) for key, found in copies.items() if key not in known}
            again = {key: found[0] for key, found in copies.items()  # stored under other rules
                     if key in known and rules is not None and known[key][1] != rules}
            if new:
                ids = _insert_submissions(
                    conn, [_submission_row(key, item, rules) for key, item in new.items()])
                known.update((key, (sid, rules, dt.datetime.min, "", ""))
                             for key, sid in zip(new, ids, strict=True))
            for key, item in again.items():
                sid = known[key][0]
                conn.execute(submissions.update().where(submissions.c.id == sid)
                             .values(**_verdict(item.report, rules)))
                conn.execute(facts.delete().where(facts.c.submission_id == sid))
            stored = [(known[key][0], _fact_rows(known[key][0], key[2], key[1], item.report))
                      for key, item in (*new.items(), *again.items()) if item.report.valid]
            _insert_facts(conn, [row for _, rows in stored for row in rows])
        if self._kept is not None:  # committed: kept in the order they went in
            for sid, rows in stored:
                self._kept.pop(sid, None)
                self._kept[sid] = rows
        return [(known[key][0], new.pop(key, None) is not None) for key in keys]

    @contextmanager
    def keeping_facts(self) -> Iterator[None]:
        """While inside, the facts this Store object stores are also kept in memory, and
        `facts` takes them from there instead of reading them back (a month's run stores
        500,000 facts for 10,000 units and then reads them for the report: 0.8 s of making
        Python objects the run already has). Forgotten on leaving."""
        if self._kept is not None:  # already keeping: the outer one forgets them
            yield
            return
        self._kept = {}
        try:
            yield
        finally:
            self._kept = None

    @staticmethod
    def _stored(conn: Any, shas: set[str]) -> dict[tuple[str, str, str], _Stored]:
        """(sha256, unit, period) -> (id, rules, latest receipt, latest name, source) of the
        stored submissions with these checksums."""
        found: dict[tuple[str, str, str], _Stored] = {}
        ordered = sorted(shas)
        c = submissions.c
        for i in range(0, len(ordered), 500):  # bounded IN lists, for every database
            for sid, sha, unit, period, rules, when, name, source in conn.execute(select(
                    c.id, c.sha256, c.unit_id, c.period, c.rules, _LATEST, _LATEST_NAME,
                    c.source,
            ).where(c.sha256.in_(ordered[i:i + 500]))):
                found[(sha, unit, period)] = (sid, rules, when, name, source)
        return found

    @staticmethod
    def _received_again(conn: Any, copies: dict[tuple[str, str, str], list[Received]],
                        known: dict[tuple[str, str, str], _Stored]) -> None:
        """The latest receipt of files stored before (`record`), from their `copies` in the
        batch. Not of a history import: importing a file again adds nothing, even when it
        was saved again since."""
        for key, copied in copies.items():
            found = [i for i in copied if i.source != IMPORT_SOURCE]
            if not found:
                continue
            sid, rules, latest, name, source = known[key]
            counted = [i for i in found if i.source != INBOX_SOURCE or source == INBOX_SOURCE]
            last = _latest(counted) if counted else None
            named = os.path.basename((last or found[0]).report.file)
            if last is not None and (when := _received(last)) > latest:
                latest = when
                update = submissions.update().values(
                    last_received_at=latest, last_file_name=named, last_sender=last.sender)
            elif name not in {os.path.basename(i.report.file) for i in found}:  # renamed
                update = submissions.update().values(last_file_name=named)
            else:
                continue
            conn.execute(update.where(submissions.c.id == sid))
            known[key] = (sid, rules, latest, named, source)

    def stored_files(self, shas: Iterable[str]) -> dict[str, list[SubmissionRecord]]:
        """sha256 -> the stored submissions of files with that content."""
        ordered = sorted(set(shas))
        out: dict[str, list[SubmissionRecord]] = {}
        for i in range(0, len(ordered), 500):
            for rec in self._records(submissions.c.sha256.in_(ordered[i:i + 500])):
                out.setdefault(rec.sha256, []).append(rec)
        return out

    def submissions(self, period: str | None = None) -> list[SubmissionRecord]:
        """Every file stored (for a period), oldest first."""
        return self._records(None if period is None else submissions.c.period == period)

    def _records(self, where: Any) -> list[SubmissionRecord]:
        q = select(submissions).order_by(_LATEST, submissions.c.id)
        if where is not None:
            q = q.where(where)
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        left = ("issues", "stored_at", "received_at", "file_name", "sender",
                "last_received_at", "last_file_name", "last_sender")
        return [SubmissionRecord(**{k: v for k, v in row.items() if k not in left},
                                 issues=json.loads(row["issues"]),
                                 received_at=row["last_received_at"] or row["received_at"],
                                 file_name=row["last_file_name"] or row["file_name"],
                                 sender=row["last_sender"] if row["last_received_at"]
                                 else row["sender"])
                for row in rows]

    def latest_accepted(self, period: str) -> dict[str, SubmissionRecord]:
        """unit id -> the unit's latest accepted submission for `period` (latest received)."""
        latest: dict[str, SubmissionRecord] = {}
        for s in self.submissions(period):
            if s.accepted:
                latest[s.unit_id] = s  # ordered by received time: the last one wins
        return latest

    def _latest_accepted_keys(self, period: str) -> dict[int, tuple[str, str]]:
        """id -> (period, unit) of `latest_accepted(period)`, without reading the
        submissions whole."""
        latest: dict[str, int] = {}
        with self.engine.connect() as conn:
            for sid, unit in conn.execute(
                    select(submissions.c.id, submissions.c.unit_id)
                    .where(and_(submissions.c.period == period, submissions.c.accepted))
                    .order_by(_LATEST, submissions.c.id)):
                latest[unit] = sid  # ordered by received time: the last one wins
        return {sid: (period, unit) for unit, sid in latest.items()}

    def facts(self, periods: Iterable[str], fields: Sequence[str] = ()) -> pd.DataFrame:
        """The facts of each unit's latest accepted submission for each period, in long form
        (FACT_COLUMNS), in the order they were stored; only those of `fields` (column
        headers such as `Utfall`) when given. Every column holds Python objects: a text that
        repeats (a period, a unit, a table, a row id, a field) is one object however many
        rows hold it, so 500,000 facts take tens of megabytes, not hundreds."""
        import pandas as pd

        keys = {k: v for p in set(periods) for k, v in self._latest_accepted_keys(p).items()}
        columns = self._fact_columns(keys, list(fields))
        return pd.DataFrame(dict(zip(FACT_COLUMNS, columns, strict=True)), columns=FACT_COLUMNS,
                            dtype=object)

    def fact_rows(self, periods: Iterable[str], cells: Collection[tuple[str, str]],
                  units: Collection[str] | None = None,
                  numbers: bool = False) -> Iterator[tuple[Any, ...]]:
        """(period, unit, table, row id, field, value) of `facts`' facts of the (table, field)
        pairs `cells` (of `units`, when given; only those with a number, when `numbers`), in
        no particular order. Many months' figures read fast: a pair at a time through the
        facts' index by submission and cell, unsorted, and when `numbers` without the
        columns of the other values (6 months of 1,000 units: 0.18 s before, 0.12 s)."""
        keys = {k: v for p in set(periods) for k, v in self._latest_accepted_keys(p).items()
                if units is None or v[1] in units}
        ids = sorted(keys)
        for table, field in sorted(set(cells)):
            for batch in (ids[i:i + FACT_BATCH] for i in range(0, len(ids), FACT_BATCH)):
                for part in self._fact_parts(batch, (table, field), ordered=False,
                                             numbers=numbers):
                    yield from ([(*keys[sid], table, rid, field, num) for sid, rid, num in part]
                                if numbers else
                                [(*keys[sid], table, rid, field, _value(num, text_, date))
                                 for _, sid, _, rid, _, num, text_, date in part])

    def _fact_columns(self, keys: dict[int, tuple[str, str]],
                      fields: list[str]) -> list[list[Any]]:
        """The facts of the submissions `keys` (id -> (period, unit)), of `fields` only when
        any are given, as six columns, in the order they were stored: those kept in memory
        (`keeping_facts`) as kept, the others fetched a batch at a time through the driver's
        own cursor (SQLAlchemy's rows cost twice the time), their texts interned."""
        columns: list[list[Any]] = [[] for _ in FACT_COLUMNS]
        order: list[int] = []
        texts: dict[str, str] = {}
        kept = self._kept or {}
        ids = sorted(k for k in keys if k not in kept)
        for batch in (ids[i:i + FACT_BATCH] for i in range(0, len(ids), FACT_BATCH)):
            for part in self._fact_parts(batch, fields=fields):
                fid, sid, *names, num, text_, date = zip(*part, strict=True)
                order += fid
                periods_units = [keys[i] for i in sid]
                columns[0] += (k[0] for k in periods_units)
                columns[1] += (k[1] for k in periods_units)
                for column, values in zip(columns[2:5], names, strict=True):
                    column += map(texts.setdefault, values, values)
                columns[5] += map(_value, num, text_, date)
        if any(a > b for a, b in zip(order, order[1:], strict=False)):  # batches interleave
            by_id = sorted(range(len(order)), key=order.__getitem__)
            columns = [[column[i] for i in by_id] for column in columns]
        # The facts kept in memory went in after every fact read above (they are this
        # Store's latest), in the order kept: as the database would order them.
        wanted = set(fields)
        for submission, rows in kept.items():
            if submission not in keys:
                continue
            if wanted:
                rows = [r for r in rows if r[5] in wanted]
            period, unit = keys[submission]
            columns[0] += [period] * len(rows)
            columns[1] += [unit] * len(rows)
            for column, i in zip(columns[2:5], (3, 4, 5), strict=True):
                column += [r[i] for r in rows]
            columns[5] += (_value(*r[6:]) for r in rows)
        return columns

    def _fact_parts(self, ids: list[int], cell: tuple[str, str] | None = None,
                    ordered: bool = True, numbers: bool = False,
                    fields: Sequence[str] = ()) -> Iterator[list[tuple[Any, ...]]]:
        """(id, submission id, table, row id, field, number, text, date) of the submissions'
        facts (only those of the (table, field) pair `cell`, when given, or of `fields`, when
        any; only (submission id,
        row id, number) of those with a number, when `numbers`), ordered by id unless not
        `ordered`, in parts of at most 10,000."""
        columns = [facts.c.submission_id, facts.c.row_id, facts.c.value_num] if numbers else [
            facts.c.id, facts.c.submission_id, facts.c.table_name, facts.c.row_id,
            facts.c.field, facts.c.value_num, facts.c.value_text, facts.c.value_date]
        with self.engine.connect() as conn:
            style = conn.dialect.paramstyle
            if style not in ("qmark", "format", "pyformat"):  # a driver of another kind
                query = select(*columns).where(facts.c.submission_id.in_(ids))
                if cell:
                    query = query.where(facts.c.table_name == cell[0],
                                        facts.c.field == cell[1])
                if fields:
                    query = query.where(facts.c.field.in_(fields))
                if numbers:
                    query = query.where(facts.c.value_num.is_not(None))
                if ordered:
                    query = query.order_by(facts.c.id)
                for rows in conn.execution_options(yield_per=10_000).execute(query).partitions():
                    yield [tuple(r) for r in rows]
                return
            mark = "?" if style == "qmark" else "%s"
            date_type = facts.c.value_date.type.dialect_impl(conn.dialect)
            to_date = None if numbers else date_type.result_processor(conn.dialect, None)
            driver: Any = conn.connection.dbapi_connection
            cursor = driver.cursor()
            named = f" AND field IN ({', '.join([mark] * len(fields))})" if fields else ""
            try:
                cursor.execute(
                    f"SELECT {', '.join(c.name for c in columns)} FROM facts WHERE "
                    f"submission_id IN ({', '.join([mark] * len(ids))})"
                    f"{f' AND table_name = {mark} AND field = {mark}' if cell else ''}"
                    f"{named}"
                    f"{' AND value_num IS NOT NULL' if numbers else ''}"
                    f"{' ORDER BY id' if ordered else ''}", [*ids, *(cell or ()), *fields])
                while part := cursor.fetchmany(10_000):
                    yield list(part) if to_date is None else [
                        r if r[7] is None else (*r[:7], to_date(r[7])) for r in part]
            finally:
                cursor.close()

    def attachment_seen(self, message_id: str, file_name: str, sha256: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(attachments.c.id).where(and_(
                attachments.c.message_id == message_id, attachments.c.file_name == file_name,
                attachments.c.sha256 == sha256))).first() is not None

    def inbox_copy(self, period: str, sha256: str) -> str | None:
        """Where a workbook with this checksum was already saved in the period's inbox."""
        with self.engine.connect() as conn:
            return conn.execute(select(attachments.c.saved_as).where(and_(
                attachments.c.period == period, attachments.c.sha256 == sha256,
                attachments.c.status == "inbox")).order_by(attachments.c.id)).scalar()

    def record_attachment(self, row: dict[str, Any]) -> None:
        """Log one collected attachment (the columns of the attachments table)."""
        with self.engine.begin() as conn:
            conn.execute(attachments.insert().values(collected_at=_now(), **row))

    def mailbox_position(self, source: str, period: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, highest UID taken) of an IMAP folder for `period`, if read before."""
        with self.engine.connect() as conn:
            row = conn.execute(select(mailbox_positions.c.uidvalidity,
                                      mailbox_positions.c.last_uid).where(and_(
                mailbox_positions.c.source == source,
                mailbox_positions.c.period == period))).first()
        return None if row is None else (int(row[0]), int(row[1]))

    def save_mailbox_position(self, source: str, period: str, uidvalidity: int,
                              last_uid: int) -> None:
        where = and_(mailbox_positions.c.source == source,
                     mailbox_positions.c.period == period)
        with self.engine.begin() as conn:
            conn.execute(mailbox_positions.delete().where(where))
            conn.execute(mailbox_positions.insert().values(
                source=source, period=period, uidvalidity=uidvalidity, last_uid=last_uid,
                updated_at=_now()))

    def attachments(self, period: str) -> list[dict[str, Any]]:
        """Every attachment collected for `period`, in the order collected."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(attachments).where(
                attachments.c.period == period).order_by(attachments.c.id)).mappings()]

    def periods(self) -> list[str]:
        """Every period with an accepted submission, in order."""
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(submissions.c.period).where(
                submissions.c.accepted).distinct()).scalars())

    def dispose(self) -> None:
        self.engine.dispose()


def modified_at(file: str | Path) -> dt.datetime:
    """A file's received time in an inbox folder: its modification time (UTC, whole
    seconds); now when it cannot be read."""
    try:
        ts = os.stat(file).st_mtime
    except OSError:
        return _now()
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


__all__ = ["IMPORT_SOURCE", "INBOX_SOURCE", "LOCK_TIMEOUT_ENV", "Received", "Store",
           "SubmissionRecord", "database_exists", "database_url", "modified_at"]
