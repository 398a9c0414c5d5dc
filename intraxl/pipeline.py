"""The month's run, stage after stage: validate the inbox -> store -> consolidate -> master;
and the month's templates, pre-filled from the store.

The CLI's `consolidate` is a thin shell over `run`, its `template` over `write_period_templates`;
they can be called from Python the same way.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Collection, Iterator

from . import contract
from .analyse.plausibility import LAST_MONTH_FIELDS, WINDOW_CELLS, file_checks, stored_checks
from .errors import IntraxlError
from .mappings import Mappings
from .periods import Period
from .store import (
    INBOX_SOURCE,
    Received,
    Store,
    SubmissionRecord,
    database_exists,
    modified_at,
    require_database,
)
from .validate import FileReport, expand_paths, validate_file

if TYPE_CHECKING:
    from .consolidate import Report

PARALLEL_FROM = 64  # below this many files a second process costs more than it saves


@dataclass
class RunResult:
    period: Period
    # this run's files, in the inbox's order: each one's verdict (a validated file's rows
    # and facts are in the store, not kept here: `verdict`)
    reports: list[FileReport]
    report: Report
    master: Path
    new: int  # files whose content was never stored before
    changed: int  # new content under the name of a file stored for the period before
    unchanged: int  # stored before under the same mappings: not read again
    revalidated: int  # stored before under other mappings (or intraxl version): read again


@dataclass
class TemplatesResult:
    paths: list[Path]  # the templates written
    history: str | None  # the database they were pre-filled from (its URL without a password)
    carried: list[str]  # the stored periods whose values they carry


@dataclass
class _Plan:
    """Which of the inbox's files need reading, and the stored verdicts of those that don't."""

    to_validate: list[Path]
    reused: dict[Path, FileReport]
    received_again: list[FileReport]  # reused, with a later received time or a new name
    new: int
    changed: int
    revalidated: int


def _plan(files: list[Path], period: Period, m: Mappings, store: Store) -> _Plan:
    """A file already stored for this period under the same mappings (same content, same
    fingerprint) is not read again: its stored verdict stands and its facts are in the
    store. (Stored for another period, its verdict there says nothing of this one.)"""
    shas = {f: _sha256(f) for f in files}
    stored = store.stored_files(s for s in shas.values() if s)
    names = {s.file_name for s in store.submissions(str(period))}
    plan = _Plan([], {}, [], 0, 0, 0)
    copies: dict[int, tuple[SubmissionRecord, list[Path]]] = {}  # by stored submission
    for f in files:
        records = [r for r in stored.get(shas[f] or "", []) if r.period == str(period)]
        same_rules = [r for r in records if r.rules == m.fingerprint]
        if same_rules:
            last = same_rules[-1]
            plan.reused[f] = last.file_report(f)
            copies.setdefault(last.id, (last, []))[1].append(f)
            continue
        plan.to_validate.append(f)
        if records:
            plan.revalidated += 1
        elif f.name in names:
            plan.changed += 1
        else:
            plan.new += 1
    for last, found in copies.values():  # every copy, for the store to tell the latest
        if last.file_name not in {f.name for f in found} or last.source == INBOX_SOURCE and any(
                modified_at(f) > last.received_at for f in found):
            plan.received_again += [plan.reused[f] for f in found]
    return plan


def verdict(report: FileReport) -> FileReport:
    """A stored file's report without its rows and facts (they are in the store): what a
    month's run keeps of each file it validated, so that its memory does not grow with the
    facts of every file (500,000 of them for 10,000 units)."""
    sub = report.submission
    if sub is None:
        return report
    slim = sub.model_construct(**{k: getattr(sub, k) for k in (
        "template_version", "period", "unit_id", "reporter", "email")})
    return report.model_copy(update={"submission": slim})


def _sha256(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None  # the reader will say why


_worker_mappings: Mappings | None = None


# The cycle collector's thresholds during a month's run: a young-generation pass per million
# new objects (at 100,000 the passes took 0.6 s of a 10,000-unit run, finding nothing).
FEW_COLLECTIONS = (1_000_000, 50, 100)


@contextmanager
def few_collections() -> Iterator[None]:
    """For the program that owns the process (the CLI), around a month's run. The run makes
    millions of small objects and almost no reference cycles; with Python's default thresholds
    the cycle collector runs every 700 allocations and keeps re-scanning the growing heap
    (~10 % of validation, more of unpickling the workers' reports). What exists already is
    frozen out of the scans and the collector runs rarely; restored afterwards. Library
    functions never call this: a host program's own freeze is its business."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*FEW_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _init_worker(m: Mappings) -> None:
    """A worker process is ours: it validates and ends, so the collector runs rarely there
    (a forked worker would inherit this, a spawned or forkserver one would not)."""
    global _worker_mappings
    _worker_mappings = m
    gc.set_threshold(*FEW_COLLECTIONS)


def _validate_chunk(args: tuple[list[str], str]) -> list[FileReport]:
    files, period = args
    assert _worker_mappings is not None
    return [validate_file(f, _worker_mappings, Period.parse(period)) for f in files]


def validate_chunks(files: list[Path], m: Mappings, period: Period,
                    start_method: str | None = None) -> Iterator[list[FileReport]]:
    """Validate files, on every core when there are many: reports in the files' order, a
    chunk at a time as they are done (so that the caller can store them meanwhile).
    `start_method` ('fork', 'spawn', 'forkserver'; default the platform's: fork on Linux
    before Python 3.14, forkserver from 3.14) only for tests and host programs that care:
    the workers get everything they need through their arguments, never by inheritance."""
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_FROM or workers < 2:
        for i in range(0, len(files), 8):
            yield [validate_file(f, m, period) for f in files[i:i + 8]]
        return
    size = max(8, len(files) // (workers * 8))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    context = multiprocessing.get_context(start_method) if start_method else None
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(m,)) as pool:
        jobs = [([str(f) for f in c], str(period)) for c in chunks]
        yield from pool.map(_validate_chunk, jobs)


def validate_many(files: list[Path], m: Mappings, period: Period,
                  progress: Callable[[int], None] | None = None) -> list[FileReport]:
    """Validate files, on every core when there are many; reports in the files' order."""
    out: list[FileReport] = []
    for chunk in validate_chunks(files, m, period):
        out += chunk
        if progress:
            progress(len(chunk))
    return out


def _load_report_modules() -> None:
    """Import what consolidating and writing need (pandas, XlsxWriter: 0.4 s) while the worker
    processes validate, not after: this module does not import them itself."""
    from . import consolidate, master  # noqa: F401


def check_files(files: list[Path], m: Mappings, period: Period | None,
                db_url: str | None = None, feedback_dir: Path | None = None,
                ) -> Iterator[tuple[FileReport, Path | str | None]]:
    """`intraxl validate`: each file validated, with the plausibility warnings against its
    unit's stored months when a history database is there (`db_url`, else the default one
    if it exists; a named one that is not there is an error), and, with `feedback_dir`, a
    feedback workbook for a file with errors or plausibility questions. Yields each report
    with the feedback workbook's path, or why none was written, as it goes."""
    from .feedback import make_feedback

    if db_url is not None:
        require_database(db_url)
    store = Store(db_url) if database_exists(db_url) else None
    try:
        for f in files:
            report = validate_file(f, m, period)
            found = [] if store is None else file_checks(report, m, store)
            if found:
                report = report.model_copy(update={"issues": [*report.issues, *found]})
            written = make_feedback(report, m, feedback_dir, period) \
                if feedback_dir is not None and (not report.valid or found) else None
            yield report, written
    finally:
        if store is not None:
            store.dispose()


def consolidation_periods(period: Period) -> list[str]:
    """The periods whose facts `consolidate` reads whole: the period, the same month last
    year and last year's December (the year's earlier months are read in part:
    `consolidated`)."""
    return [str(period), str(period.same_month_last_year()), str(period.year_end(1))]


def run(inbox: str | Path, period: Period, m: Mappings, store: Store, out: str | Path,
        progress: Callable[[int], None] | None = None,
        on_files: Callable[[int], None] | None = None, created: dt.datetime | None = None,
        pdf: str | Path | None = None, force: bool = False,
        keep: int | None = None, on_stage: Callable[[str], None] | None = None) -> RunResult:
    """Validate the inbox, store, consolidate and write the master at `out`: not over a
    master changed by hand unless `force`; `keep` earlier masters are kept (default 10).
    `progress` hears of the files validated (or found stored) as they are, `on_stage` of
    the stages after validating ("consolidating", "writing the master")."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise IntraxlError(f"inbox folder not found: {inbox}")
    files = expand_paths([inbox])
    if on_files:
        on_files(len(files))
    with store.run_lock():  # one run at a time on a database (and its master)
        plan = _plan(files, period, m, store)
        if progress and plan.reused:
            progress(len(plan.reused))
        validated: dict[str, FileReport] = {}  # by path, as the reports name their files
        if plan.received_again:  # the same file sent again, or renamed: its latest receipt
            store.record([Received(r, period=str(period)) for r in plan.received_again],
                         rules=m.fingerprint)
        with store.keeping_facts():  # what is stored now is not read back for the report
            for chunk in validate_chunks(plan.to_validate, m, period):
                # Stored while the worker processes validate the next chunks.
                store.record([Received(r, period=str(period)) for r in chunk],
                             rules=m.fingerprint)
                _load_report_modules()
                validated.update((r.file, verdict(r)) for r in chunk)
                if progress:
                    progress(len(chunk))
            reports = [plan.reused.get(f) or validated[str(f)] for f in files]
            if on_stage:
                on_stage("consolidating")
            report = consolidated(m, period, store)
        from .master import KEEP_PREVIOUS, write_master

        accepted = {u.unit_id: u.file for u in report.units
                    if u.status == contract.UNIT_ACCEPTED and u.file}
        # the months the consolidation read are not read again
        report.plausibility = stored_checks(m, period, store, accepted, report.months)
        report.months = {}  # not needed to write the master: memory back before it
        if on_stage:
            on_stage("writing the master")
        master = write_master(report, out, created, pdf, force,
                              KEEP_PREVIOUS if keep is None else keep)
        return RunResult(period, reports, report, master, plan.new, plan.changed,
                         len(plan.reused), plan.revalidated)


def consolidated(m: Mappings, period: Period, store: Store) -> Report:
    """The report model of `period` from the store: its facts and history, every file
    received for it (a run's files are stored for its period, whatever month they are of).
    Of the year's earlier months only what month over month needs is read (of the previous
    month some fields, of those before it the numbers of the trend's cells: in December
    eleven months, a fraction of the time of reading them whole), and what the plausibility
    rules read of them (so that `stored_checks` takes them from `months`)."""
    import pandas as pd

    from .consolidate import EARLIER_MONTHS_CELLS, PREVIOUS_MONTH_FIELDS, consolidate
    from .store import FACT_COLUMNS

    p = str(period)
    records = store.submissions(p)  # not every month's: the history grows by a month a month
    facts = store.facts(consolidation_periods(period))
    earlier = [str(month) for month in period.earlier_in_year()]
    if earlier:
        before = store.fact_rows(earlier[:-1], sorted({*EARLIER_MONTHS_CELLS, *WINDOW_CELLS}),
                                 numbers=True)  # the trend's: numbers, the fast way
        facts = pd.concat([
            facts, pd.DataFrame(list(before), columns=FACT_COLUMNS, dtype=object),
            store.facts(earlier[-1:], sorted({*PREVIOUS_MONTH_FIELDS, *LAST_MONTH_FIELDS})),
        ], ignore_index=True)
    quarantined = [a for a in store.attachments(p) if a["status"] == "quarantine"]
    return consolidate(m, period, facts, records, quarantined)


def write_period_templates(m: Mappings, period: Period, out_dir: str | Path,
                           unit_ids: Collection[str] = (),
                           db_url: str | None = None) -> TemplatesResult:
    """One template per unit (all when `unit_ids` is empty) for `period` in `out_dir`,
    pre-filled from the history database at `db_url` (None: the default one) when it exists."""
    from .template import prefill_periods, prefill_values, write_templates

    if not database_exists(db_url):
        return TemplatesResult(write_templates(m, period, out_dir, unit_ids), None, [])
    store = Store(db_url)
    try:
        facts = store.facts(prefill_periods(period))
    finally:
        store.dispose()
    values = {u.id: prefill_values(facts, u.id, period) for u in m.units}
    paths = write_templates(m, period, out_dir, unit_ids, values=values)
    return TemplatesResult(paths, store.safe_url, sorted(set(facts["period"])))
