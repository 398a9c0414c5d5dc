"""Stage 7 — write master: the report model -> the master workbook, written atomically.

The controller's own work survives re-generation: the `Controller` column of `Kommentarer`
and the analysis cell of `Sammanfattning` are read from the previous master and written
back. The new file is written beside the old one and renamed into place; the old one is kept
as a backup. A master that is open elsewhere is left intact, with a clear message.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import python_calamine as pc

from ..consolidate import Report
from ..errors import IntraxlError
from ..files import replaced_atomically
from .writer import ANALYSIS_CELL, REPORT_SHEETS, SHEETS, write_workbook


def _lock_files(path: Path) -> list[Path]:
    """Excel's `~$name` and LibreOffice's `.~lock.name#` beside an open workbook."""
    return [p for p in (path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#"))
            if p.exists()]


def read_controller_work(path: Path) -> tuple[dict[tuple[str, str], str], str | None]:
    """(Avsnitt, Enhet) -> the controller's text, and the analysis cell, of a previous master."""
    if not path.exists():
        return {}, None
    try:
        wb = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
        table = wb.get_table_by_name("Kommentarer")
        cols = list(table.columns)
        texts = {}
        for row in table.to_python():
            rec = dict(zip(cols, row, strict=False))
            text = rec.get("Controller")
            if isinstance(text, str) and text.strip():
                texts[(str(rec.get("Avsnitt")), str(rec.get("Enhet")))] = text
        rows = wb.get_sheet_by_name("Sammanfattning").to_python(skip_empty_area=False)
        r, c = ANALYSIS_CELL
        analysis = rows[r][c] if len(rows) > r and len(rows[r]) > c else None
        return texts, (analysis if isinstance(analysis, str) and analysis.strip() else None)
    except BaseException as e:  # noqa: BLE001 - calamine may panic; never lose the old file
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        raise IntraxlError(
            f"the existing master {path} cannot be read ({type(e).__name__}), so the "
            "controller's comments in it cannot be carried over. Move it aside and run again."
        ) from e


def backup_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.föregående{path.suffix}")


def check_not_open(path: Path) -> None:
    locks = _lock_files(path)
    if locks:
        raise IntraxlError(f"{path} is open in a spreadsheet program (lock file {locks[0].name})."
                           " Close it and run again; the existing file was not changed.")


def write_master(report: Report, path: str | Path, created: dt.datetime | None = None,
                 pdf: str | Path | None = None) -> Path:
    """Write the master workbook at `path`; with `pdf`, also its report sheets (all but
    Inlämningar and Data) as a PDF through LibreOffice."""
    path = Path(path)
    check_not_open(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    controller, analysis = read_controller_work(path)
    try:
        with replaced_atomically(path) as tmp:
            write_workbook(tmp, report, controller, analysis, created)
            if path.exists():
                shutil.copy2(path, backup_path(path))
    except PermissionError as e:
        raise IntraxlError(
            f"{path} cannot be replaced ({e.strerror}); it may be open in Excel. Close it and "
            "run again; the existing file was not changed.") from e
    if pdf is not None:
        export_pdf(report, Path(pdf), controller, analysis, created)
    return path


def export_pdf(report: Report, pdf: Path, controller: dict[tuple[str, str], str],
               analysis: str | None, created: dt.datetime | None = None) -> Path:
    """The report sheets as a PDF: the master written once more with the file log and the
    data hidden (LibreOffice prints no hidden sheet), converted by LibreOffice headless."""
    from .office import soffice, to_pdf

    soffice()  # a clear message before any work when LibreOffice is not there
    with tempfile.TemporaryDirectory(prefix="intraxl-") as d:
        printable = Path(d) / f"{pdf.stem}.xlsx"
        write_workbook(str(printable), report, controller, analysis, created,
                       hidden=[s for s in SHEETS if s not in REPORT_SHEETS])
        return to_pdf(printable, pdf)


__all__ = ["REPORT_SHEETS", "SHEETS", "backup_path", "check_not_open", "export_pdf",
           "read_controller_work", "write_master"]
