"""Stage 7 — write master: the report model -> the master workbook, written atomically.

The controller's own work survives re-generation: the `Controller` column of `Kommentarer`,
the `Text` of its administration rows (the board report's texts) and the analysis cell of
`Sammanfattning` are read from the previous master and written back. The new file is
written beside the old one and renamed into place; the old one is kept as a backup. A
master that is open elsewhere is left intact, with a clear message.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import python_calamine as pc

from ..consolidate import Report
from ..errors import IntraxlError
from ..files import check_not_open, replaced_atomically
from .writer import (
    ANALYSIS_CELL,
    DRAFT_PREFIX,
    REPORT_SHEETS,
    SHEETS,
    ControllerWork,
    write_workbook,
)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def read_controller_work(path: Path, administration: str) -> ControllerWork:
    """The controller's work in a previous master: the `Controller` column of `Kommentarer`
    by (Avsnitt, Enhet), the `Text` of the administration's rows by Avsnitt (not a drafted
    text, which starts with `Utkast:` and is intraxl's), and the analysis cell."""
    if not path.exists():
        return ControllerWork()
    try:
        wb = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
        table = wb.get_table_by_name("Kommentarer")
        cols = list(table.columns)
        work = ControllerWork()
        for row in table.to_python():
            rec = dict(zip(cols, row, strict=False))
            section, unit = str(rec.get("Avsnitt")), str(rec.get("Enhet"))
            if (note := _text(rec.get("Controller"))) is not None:
                work.notes[(section, unit)] = note
            text = _text(rec.get("Text"))
            if unit == administration and text and not text.startswith(DRAFT_PREFIX):
                work.sections[section] = text
        rows = wb.get_sheet_by_name("Sammanfattning").to_python(skip_empty_area=False)
        r, c = ANALYSIS_CELL
        work.analysis = _text(rows[r][c] if len(rows) > r and len(rows[r]) > c else None)
        return work
    except BaseException as e:  # noqa: BLE001 - calamine may panic; never lose the old file
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        raise IntraxlError(
            f"the existing master {path} cannot be read ({type(e).__name__}), so the "
            "controller's comments in it cannot be carried over. Move it aside and run again."
        ) from e


def backup_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.föregående{path.suffix}")


def write_master(report: Report, path: str | Path, created: dt.datetime | None = None,
                 pdf: str | Path | None = None) -> Path:
    """Write the master workbook at `path`; with `pdf`, also its report sheets (all but
    Inlämningar and Data) as a PDF through LibreOffice."""
    path = Path(path)
    check_not_open(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    work = read_controller_work(path, report.administration)
    try:
        with replaced_atomically(path) as tmp:
            write_workbook(tmp, report, work, created)
            if path.exists():
                shutil.copy2(path, backup_path(path))
    except PermissionError as e:
        raise IntraxlError(
            f"{path} cannot be replaced ({e.strerror}); it may be open in Excel. Close it and "
            "run again; the existing file was not changed.") from e
    if pdf is not None:
        export_pdf(report, Path(pdf), work, created)
    return path


def export_pdf(report: Report, pdf: Path, work: ControllerWork,
               created: dt.datetime | None = None) -> Path:
    """The report sheets as a PDF: the master written once more with the file log and the
    data hidden (LibreOffice prints no hidden sheet), converted by LibreOffice headless."""
    from .office import soffice, to_pdf

    soffice()  # a clear message before any work when LibreOffice is not there
    with tempfile.TemporaryDirectory(prefix="intraxl-") as d:
        printable = Path(d) / f"{pdf.stem}.xlsx"
        write_workbook(str(printable), report, work, created,
                       hidden=[s for s in SHEETS if s not in REPORT_SHEETS])
        return to_pdf(printable, pdf)


__all__ = ["REPORT_SHEETS", "SHEETS", "ControllerWork", "backup_path", "check_not_open",
           "export_pdf", "read_controller_work", "write_master"]
