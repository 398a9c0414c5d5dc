"""Stage 7 — write master: the report model -> the master workbook, written atomically.

The master is the controller's workspace, and no work in it is lost. Their kept areas (the
`Controller` column of `Kommentarer`, the `Text` of its administration rows — the board
report's texts — and the analysis cell of `Sammanfattning`) are read from the previous
master and written back. Anything else they changed since intraxl wrote it (`fingerprint.py`
tells) stops the run with the list, unless forced; the sheets they added are carried over.
The new file is written beside the old one and renamed into place; every earlier master is
kept in `föregående/`. A master that is open elsewhere is left intact, with a message.
"""

from __future__ import annotations

import datetime as dt
import glob
import shutil
import tempfile
import zipfile
from pathlib import Path

import python_calamine as pc
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from ..consolidate import Report
from ..errors import IntraxlError, MasterChangedError, UnreadableMasterError
from ..files import check_not_open, replaced_atomically
from ..reader import is_calamine_panic
from ..xlsx import MAX_ROWS
from . import fingerprint
from .writer import (
    ANALYSIS_CELL,
    COMMENTS_SHEET,
    DRAFT_PREFIX,
    FILES_TABLE,
    REPORT_SHEETS,
    SHEETS,
    ControllerWork,
    now,
    write_workbook,
)

PREVIOUS_FOLDER = "föregående"  # beside the master: every earlier master, newest last
KEEP_PREVIOUS = 10  # how many earlier masters are kept unless told
SHOWN_CHANGES = 40  # the changes listed when a changed master is not replaced


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def master_period(path: Path) -> str | None:
    """The period of a master intraxl wrote (its `Period` document property); None for a
    workbook without one or one that cannot be read."""
    try:
        with zipfile.ZipFile(path) as z:
            if z.getinfo("docProps/custom.xml").file_size > 1 << 20:
                return None
            root = SafeET.fromstring(z.read("docProps/custom.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, SafeET.ParseError, DefusedXmlException):
        return None
    found = [p for p in root if p.get("name") == "Period"]
    return "".join(found[0].itertext()).strip() or None if found else None


def master_files(path: Path) -> set[tuple[str, str]] | None:
    """(unit id, sha256) of the files a master's figures come from (`Inlämningar`, `I
    rapporten`); None when it cannot be told."""
    try:
        table = pc.CalamineWorkbook.from_path(str(path), load_tables=True) \
            .get_table_by_name(FILES_TABLE)
        cols = list(table.columns)
        unit, sha, used = (cols.index(c) for c in ("Enhet-ID", "SHA-256", "I rapporten"))
        return {(str(r[unit]), str(r[sha])) for r in table.to_python() if r[used] == "Ja"}
    except BaseException as e:  # calamine may panic (a BaseException): nothing to compare
        if not (isinstance(e, Exception) or is_calamine_panic(e)):
            raise
        return None


def read_controller_work(path: Path, administration: str) -> ControllerWork:
    """The controller's work in a previous master: the `Controller` column of `Kommentarer`
    by (Avsnitt, Enhet), the `Text` of the administration's rows by Avsnitt, and the analysis
    cell. A drafted text (starting with `Utkast:`) is intraxl's and is left out, unless the
    controller edited it: then it is theirs, without the mark. UnreadableMasterError when it
    cannot be read."""
    if not path.exists():
        return ControllerWork()
    try:
        wb = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
        table = wb.get_table_by_name(COMMENTS_SHEET)
        cols = list(table.columns)
        work = ControllerWork()
        drafts: dict[tuple[str, int, int], tuple[str | None, str]] = {}
        start = table.start  # the first row's cell: where a drafted text was written
        for i, row in enumerate(table.to_python()):
            rec = dict(zip(cols, row, strict=False))
            section, unit = str(rec.get("Avsnitt")), str(rec.get("Enhet"))
            if (note := _text(rec.get("Controller"))) is not None:
                work.notes[(section, unit)] = note
            text = _text(rec.get("Text"))
            if unit == administration and text:
                if text.startswith(DRAFT_PREFIX):
                    if start is not None:
                        cell = (COMMENTS_SHEET, start[0] + i, start[1] + cols.index("Text"))
                        drafts[cell] = (section, text)
                else:
                    work.sections[section] = text
        rows = wb.get_sheet_by_name("Sammanfattning").to_python(skip_empty_area=False)
        r, c = ANALYSIS_CELL
        work.analysis = _text(rows[r][c] if len(rows) > r and len(rows[r]) > c else None)
        if work.analysis and work.analysis.startswith(DRAFT_PREFIX):
            drafts[("Sammanfattning", r, c)] = (None, work.analysis)
            work.analysis = None
        for where, text in _edited(wb, path, drafts):
            mine = text[len(DRAFT_PREFIX):].strip()
            if where is None:
                work.analysis = mine
            else:
                work.sections[where] = mine
        return work
    except BaseException as e:  # calamine may panic (a BaseException): never lose the old file
        if not (isinstance(e, Exception) or is_calamine_panic(e)):
            raise
        raise UnreadableMasterError(
            f"the master {path} cannot be read ({type(e).__name__})") from e


def _edited(wb: pc.CalamineWorkbook, path: Path,
            drafts: dict[tuple[str, int, int], tuple[str | None, str]],
            ) -> list[tuple[str | None, str]]:
    """The drafted texts the controller changed: those that differ from what intraxl wrote
    in their cell (its record in the master). A master byte for byte as intraxl wrote it,
    or one without a record, has none."""
    if not drafts or fingerprint.sealed(str(path)):
        return []
    written = fingerprint.read(wb)
    if written is None:
        return []

    def same(a: object, b: str) -> bool:  # a spreadsheet program may store line breaks its way
        return isinstance(a, str) and a.split() == b.split()

    return [(section, text) for (sheet, r, c), (section, text) in drafts.items()
            if not same(written.get(sheet, ({}, None))[0].get((r, c)), text)]


def previous_masters(path: Path) -> list[Path]:
    """The earlier masters kept for `path`, oldest first."""
    folder = path.parent / PREVIOUS_FOLDER
    kept = folder.glob(f"{glob.escape(path.stem)}_*{path.suffix}")
    return sorted(kept, key=lambda p: (p.stat().st_mtime_ns, p.name))


def keep_previous(path: Path, keep: int = KEEP_PREVIOUS) -> Path:
    """A copy of the workbook at `path` as `föregående/NAME_<time>.xlsx` beside it; of these
    the newest `keep` are kept."""
    folder = path.parent / PREVIOUS_FOLDER
    folder.mkdir(exist_ok=True)
    stamp = now().strftime("%Y-%m-%d_%H%M%S")
    target, n = folder / f"{path.stem}_{stamp}{path.suffix}", 2
    while target.exists():
        target, n = folder / f"{path.stem}_{stamp}_{n}{path.suffix}", n + 1
    shutil.copyfile(path, target)
    for old in previous_masters(path)[:-max(keep, 1)]:
        old.unlink()
    return target


def _refusal(path: Path, found: list[fingerprint.Change]) -> list[str]:
    lines = [f"{path} was changed since intraxl wrote it, so it was not replaced:"]
    lines += [f"  {c}" for c in found[:SHOWN_CHANGES]]
    if len(found) > SHOWN_CHANGES:
        lines.append(f"  … and {len(found) - SHOWN_CHANGES} more")
    lines.append("Only the analysis cell, the Controller column and the administration's "
                 "texts in Kommentarer are carried over. Run again with --force to replace it "
                 "anyway: sheets you added are carried over, and the master as it is now is "
                 f"kept in {path.parent / PREVIOUS_FOLDER}.")
    return lines


def _sheets_added(path: Path, force: bool, administration: str) -> dict[str, fingerprint.Carried]:
    """The sheets the controller added to the master at `path`, to carry over; a master
    changed elsewhere stops here unless `force`. A master that is byte for byte the file
    intraxl wrote (`fingerprint.sealed`) has nothing changed: its cells are not compared."""
    if not fingerprint.sealed(str(path)):
        found = fingerprint.changes(str(path), administration)
        if found and not force:
            raise MasterChangedError(_refusal(path, found))
    wb = pc.CalamineWorkbook.from_path(str(path))
    names = [s for s in wb.sheet_names if s not in SHEETS and s != fingerprint.SHEET]
    wb.close()
    return fingerprint.added_sheets(str(path), names) if names else {}


def write_master(report: Report, path: str | Path, created: dt.datetime | None = None,
                 pdf: str | Path | None = None, force: bool = False,
                 keep: int = KEEP_PREVIOUS) -> Path:
    """Write the master workbook at `path`; with `pdf`, also its report sheets (all but
    Inlämningar and Data) as a PDF through LibreOffice. A master changed by hand outside the
    kept areas is not replaced (MasterChangedError) unless `force`; the one replaced is kept
    in `föregående/` with the `keep` newest before it."""
    path = Path(path)
    if len(report.data) + 1 > MAX_ROWS:
        raise IntraxlError(
            f"the month has {len(report.data):,} facts, more than the master's Data sheet can "
            f"hold (Excel's {MAX_ROWS:,} rows), so the master was not written. The facts are "
            f"stored: take them out with `intraxl history export --period {report.period} "
            "--out FILE.parquet` (or .csv) for a BI tool.")
    check_not_open(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        work = read_controller_work(path, report.administration)
    except UnreadableMasterError as e:
        raise IntraxlError(f"{e}, so the controller's comments in it cannot be carried over. "
                           "Move it aside and run again.") from e
    carried = _sheets_added(path, force, report.administration) if path.exists() else {}
    try:
        with replaced_atomically(path) as tmp:
            write_workbook(tmp, report, work, created, carried=carried)
            fingerprint.seal(tmp)
            if path.exists():
                keep_previous(path, keep)
    except PermissionError as e:
        raise IntraxlError(
            f"{path} cannot be replaced ({e.strerror}); it may be open in Excel. Close it and "
            "run again; the existing file was not changed.") from e
    if pdf is not None:
        export_pdf(report, Path(pdf), work, created, carried)
    return path


def export_pdf(report: Report, pdf: Path, work: ControllerWork,
               created: dt.datetime | None = None,
               carried: dict[str, fingerprint.Carried] | None = None) -> Path:
    """The report sheets and the sheets the controller added (`carried`, their work) as a
    PDF: the master written once more with the file log and the data hidden (LibreOffice
    prints no hidden sheet), converted by LibreOffice headless."""
    from .office import soffice, to_pdf

    soffice()  # a clear message before any work when LibreOffice is not there
    with tempfile.TemporaryDirectory(prefix="intraxl-") as d:
        printable = Path(d) / f"{pdf.stem}.xlsx"
        write_workbook(str(printable), report, work, created,
                       hidden=[s for s in SHEETS if s not in REPORT_SHEETS], carried=carried)
        return to_pdf(printable, pdf)


__all__ = ["KEEP_PREVIOUS", "PREVIOUS_FOLDER", "REPORT_SHEETS", "SHEETS", "ControllerWork",
           "check_not_open", "export_pdf", "keep_previous", "previous_masters",
           "read_controller_work", "write_master"]
