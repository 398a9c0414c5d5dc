"""The month's run, stage after stage: validate the inbox -> store -> consolidate -> master.

The CLI's `consolidate` is a thin shell over `run`; it can be called from Python the same way.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .errors import IntraxlError
from .mappings import Mappings
from .periods import Period
from .store import Received, Store
from .validate import FileReport, expand_paths, validate_file

if TYPE_CHECKING:
    from .consolidate import Report

PARALLEL_FROM = 64  # below this many files a second process costs more than it saves


@dataclass
class RunResult:
    period: Period
    reports: list[FileReport]  # this run's files
    report: Report
    master: Path
    new_files: int


_worker_mappings: Mappings | None = None


@contextmanager
def few_collections() -> Iterator[None]:
    """A month's run makes millions of small objects and almost no reference cycles. With
    Python's default thresholds the cycle collector runs every 700 allocations and keeps
    re-scanning the growing heap: ~10 % of validation, more of unpickling the workers'
    reports. What exists already is frozen out of the scans and the collector runs rarely;
    the worker processes, forked inside, inherit this. Restored afterwards."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _init_worker(m: Mappings) -> None:
    global _worker_mappings
    _worker_mappings = m


def _validate_chunk(args: tuple[list[str], str]) -> list[FileReport]:
    files, period = args
    assert _worker_mappings is not None
    return [validate_file(f, _worker_mappings, Period.parse(period)) for f in files]


def validate_chunks(files: list[Path], m: Mappings,
                    period: Period) -> Iterator[list[FileReport]]:
    """Validate files, on every core when there are many: reports in the files' order, a
    chunk at a time as they are done (so that the caller can store them meanwhile)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_FROM or workers < 2:
        for i in range(0, len(files), 8):
            yield [validate_file(f, m, period) for f in files[i:i + 8]]
        return
    size = max(8, len(files) // (workers * 8))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(m,)) as pool:
        jobs = [([str(f) for f in c], str(period)) for c in chunks]
        yield from pool.map(_validate_chunk, jobs)


def validate_many(files: list[Path], m: Mappings, period: Period,
                  progress: Callable[[int], None] | None = None) -> list[FileReport]:
    """Validate files, on every core when there are many; reports in the files' order."""
    out: list[FileReport] = []
    with few_collections():
        for chunk in validate_chunks(files, m, period):
            out += chunk
            if progress:
                progress(len(chunk))
    return out


def _load_report_modules() -> None:
    """Import what consolidating and writing need (pandas, XlsxWriter: 0.4 s) while the worker
    processes validate, not after: this module does not import them itself."""
    from . import consolidate, master  # noqa: F401


def history_periods(period: Period) -> list[str]:
    return [str(period), str(period.same_month_last_year()), str(period.year_end(1))]


def run(inbox: str | Path, period: Period, m: Mappings, store: Store, out: str | Path,
        progress: Callable[[int], None] | None = None,
        on_files: Callable[[int], None] | None = None, created: dt.datetime | None = None,
        pdf: str | Path | None = None) -> RunResult:
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise IntraxlError(f"inbox folder not found: {inbox}")
    files = expand_paths([inbox])
    if on_files:
        on_files(len(files))
    # One run at a time on a database (and its master); also in the worker processes and the
    # master writer, few cycle collections.
    with store.run_lock(), few_collections():
        reports: list[FileReport] = []
        new_files = 0
        for chunk in validate_chunks(files, m, period):
            # Stored while the worker processes validate the next chunks.
            new_files += sum(new for _, new in store.record([Received(r) for r in chunk]))
            _load_report_modules()
            reports += chunk
            if progress:
                progress(len(chunk))
        from .consolidate import consolidate
        from .master import write_master

        shas = {r.sha256 for r in reports}
        records = [s for s in store.submissions()
                   if s.period == str(period) or (s.sha256 in shas and s.period != str(period))]
        facts = store.facts(history_periods(period))
        quarantined = [a for a in store.attachments(str(period)) if a["status"] == "quarantine"]
        report = consolidate(m, period, facts, records, quarantined)
        master = write_master(report, out, created, pdf)
        return RunResult(period, reports, report, master, new_files)
