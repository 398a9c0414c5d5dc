"""The feedback workbook: the unit's template regenerated with the submitted values, each
problem cell marked and commented, and a first sheet `Att åtgärda` listing every issue.
It is the file finance e-mails back to the department."""

from __future__ import annotations

from pathlib import Path

from . import contract
from .mappings import Mappings
from .periods import Period
from .reader import RawWorkbook, read_workbook
from .template import TemplateValues, write_template
from .validate import FileReport, unit_of_rows


def submitted_values(raw: RawWorkbook) -> TemplateValues:
    """The values of a submission's input cells, as submitted (wrong ones included)."""
    cells: dict[str, dict[str, dict]] = {}
    new_risks = []
    for name, table in raw.tables.items():
        key_col = table.spec.key
        inputs = contract.INPUT_COLUMNS[name]
        for row in table.rows:
            key = row.values.get(key_col)
            if key is None and name == contract.RISKS.name:
                new_risks.append({c: row.values.get(c) for c in contract.NEW_RISK_COLUMNS})
            elif key is not None:
                cells.setdefault(name, {})[str(key).strip()] = {
                    c: row.values.get(c) for c in inputs}
    return TemplateValues(cells=cells, new_risks=new_risks)


def feedback_path(report: FileReport, out_dir: str | Path) -> Path:
    return Path(out_dir) / f"{Path(report.file).stem}_att_atgarda.xlsx"


def make_feedback(report: FileReport, m: Mappings, out_dir: str | Path,
                  period: Period | None = None) -> Path | str:
    """Write the feedback workbook for an invalid file: the template of the unit whose rows
    the file holds (its Enhet-ID's, unless the rows are another unit's), for `period` or
    else the file's own Period cell. Returns its path, or why none was written (in Swedish,
    for the finance officer: the issue list is then all there is to send)."""
    raw, _ = read_workbook(report.file)
    if raw is None or not raw.tables:  # (said first: no --period would help)
        return "filen har inga av mallens tabeller att fylla i en ny mall"
    if period is None:
        try:
            period = Period.parse(report.period or "")
        except ValueError:
            return (f"filen har ingen giltig {contract.INFO_PERIOD} i Info: ange månaden med "
                    "--period ÅÅÅÅ-MM")
    try:
        stated = m.unit(report.unit_id or "")
    except KeyError:
        stated = None
    found = unit_of_rows(raw, m, stated)
    if found is None:
        return ("filens rader hör inte till någon känd enhet, så det finns ingen mall att "
                "fylla i")
    unit = found[0]
    path = feedback_path(report, out_dir)
    return write_template(m, unit, period, path, submitted_values(raw),
                          feedback=(Path(report.file).name, report.issues))


def write_feedback(report: FileReport, m: Mappings, out_dir: str | Path,
                   period: Period | None = None) -> Path | None:
    """`make_feedback`'s workbook, or None when none could be made."""
    made = make_feedback(report, m, out_dir, period)
    return made if isinstance(made, Path) else None
