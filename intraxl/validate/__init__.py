"""Stage 4b — validate: raw tables -> a typed `Submission` plus every `Issue`, located.

Every problem is collected (none stops the others from being found: a file whose Period is
not a month still has every cell checked), each with a stable code, a plain Swedish message
for the department reporter and the cell address. Errors reject the submission; warnings do
not. The Info table is checked by `info.py`; every other table by the checks declared for it
beside the contract (`rules.py`), run by `engine.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

from .. import contract
from ..issues import Issue
from ..mappings import Mappings
from ..models import (
    EconomyRow,
    FileReport,
    IndicatorRow,
    ProjectRow,
    RiskRow,
    Submission,
    WorkItemRow,
)
from ..periods import Period
from ..reader import RawWorkbook, read_workbook
from ..rules import CHECKS
from .checker import Checker
from .engine import CheckedRow, check_table
from .info import Info, check_info, unit_of_rows


def validate_file(path: str | Path, m: Mappings, period: Period | None = None,
                  sender: str | None = None) -> FileReport:
    """Read and validate one file. Never raises for a bad file: problems are Issues."""
    path = Path(path)
    raw, issues = read_workbook(path)
    report = FileReport(file=str(path))
    if raw is not None:
        report.sha256, report.size = raw.sha256, raw.size
    if raw is not None and raw.tables:
        submission, more = validate_tables(raw, m, period, sender, report)
        issues = issues + more
        report.submission = submission
    report.issues = [i.model_copy(update={"file": path.name}) for i in issues]
    return report


def validate_tables(raw: RawWorkbook, m: Mappings, expected_period: Period | None,
                    sender: str | None, report: FileReport,
                    ) -> tuple[Submission | None, list[Issue]]:
    """The file's Info and every table checked; the submission when the file names its
    version, period and unit and holds that unit's rows."""
    c = Checker(raw)
    info = check_info(c, raw, m, expected_period, sender)
    if info is None:
        return None, c.issues
    report.template_version, report.unit_id = info.version, info.unit_id
    report.period = None if info.period is None else str(info.period)
    if info.unit is None or info.rows_unit is None:
        return None, c.issues
    rows: list[CheckedRow] = []
    for checks in CHECKS:
        if (table := raw.tables.get(checks.spec.name)) is not None:
            rows += check_table(c, table, checks, info.expected[checks.spec.name], m,
                                info.period)
    # Rows of one unit under another's Enhet-ID: checked as that unit's, but not its report.
    if info.version is None or info.period is None or info.rows_unit != info.unit:
        return None, c.issues
    return _submission(info, rows, c), c.issues


def _submission(info: Info, rows: list[CheckedRow], c: Checker) -> Submission:
    assert info.version is not None and info.period is not None and info.unit is not None
    sub = Submission(template_version=info.version, period=str(info.period),
                     unit_id=info.unit.id, reporter=info.reporter, email=info.email)
    for row in rows:
        ADD_ROW[row.table](sub, row)
    sub.facts = c.facts
    return sub


# How a checked row of each table goes into the typed submission.
def _indicator(sub: Submission, r: CheckedRow) -> None:
    v = r.values
    sub.indicators.append(IndicatorRow(r.key, v[contract.OUTCOME], v[contract.FORECAST],
                                       v[contract.COMMENT]))


def _economy(sub: Submission, r: CheckedRow) -> None:
    v = r.values
    sub.economy.append(EconomyRow(
        r.key, v[contract.OUTCOME_YTD], v[contract.BUDGET_YTD], v[contract.ANNUAL_BUDGET],
        v[contract.FORECAST], v[contract.COMMENT]))


def _activity(sub: Submission, r: CheckedRow) -> None:
    sub.activities.append(WorkItemRow(r.key, *(r.values[c] for c in _WORK_ITEM)))


def _assignment(sub: Submission, r: CheckedRow) -> None:
    sub.assignments.append(WorkItemRow(r.key, *(r.values[c] for c in _WORK_ITEM)))


def _project(sub: Submission, r: CheckedRow) -> None:
    v = r.values
    sub.projects.append(ProjectRow(r.key, v[contract.TIME], v[contract.COST],
                                   v[contract.RESULT], v[contract.CAUSE], v[contract.ACTION]))


def _risk(sub: Submission, r: CheckedRow) -> None:
    v = r.values
    sub.risks.append(RiskRow(r.id, v[contract.RISK_AREA], v[contract.RISK], v[contract.PROBABILITY],
                             v[contract.CONSEQUENCE], v[contract.ACTION], v[contract.OWNER]))


def _comment(sub: Submission, r: CheckedRow) -> None:
    if r.values[contract.TEXT]:
        sub.comments[r.key] = r.values[contract.TEXT]


_WORK_ITEM = (contract.STATUS, contract.END_DATE, contract.COMMENT)
ADD_ROW: dict[str, Callable[[Submission, CheckedRow], None]] = {
    contract.INDICATORS.name: _indicator, contract.ECONOMY.name: _economy,
    contract.ACTIVITIES.name: _activity, contract.ASSIGNMENTS.name: _assignment,
    contract.PROJECTS.name: _project, contract.RISKS.name: _risk,
    contract.COMMENTS.name: _comment,
}


def validate_paths(paths: Iterable[str | Path], m: Mappings,
                   period: Period | None = None) -> list[FileReport]:
    return [validate_file(p, m, period) for p in expand_paths(paths)]


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders as their files (not hidden, not recursive), sorted."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir()
                          if f.is_file() and not f.name.startswith((".", "~$")))
        else:
            out.append(p)
    return out


__all__ = ["FileReport", "Submission", "expand_paths", "unit_of_rows", "validate_file",
           "validate_paths"]
