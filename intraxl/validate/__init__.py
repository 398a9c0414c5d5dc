"""Stage 4b — validate: raw tables -> a typed `Submission` plus every `Issue`, located.

Every problem is collected (none stops the others from being found), each with a stable
code, a plain Swedish message for the department reporter and the cell address. Errors
reject the submission; warnings do not.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable

from .. import contract
from ..issues import Issue, make
from ..mappings import Mappings
from ..mappings.models import Unit
from ..periods import Period
from ..reader import RawRow, RawTable, RawWorkbook, read_workbook
from ..template.layout import row_ids
from .models import (
    EconomyRow,
    Fact,
    FileReport,
    IndicatorRow,
    ProjectRow,
    RiskRow,
    Submission,
    WorkItemRow,
)
from .values import Problem, as_choice, as_date, as_number, as_period, as_text, indicator_kind


class _Checker:
    """Reads typed values out of raw rows, recording an Issue for each problem."""

    def __init__(self, raw: RawWorkbook):
        self.raw = raw
        self.issues: list[Issue] = []
        self.facts: list[Fact] = []
        self.new_rows: dict[int, str] = {}  # sheet row of a new risk -> "ny-1", "ny-2", ...

    def place(self, table: RawTable, row: RawRow | None,
              column: str | None = None) -> dict[str, Any]:
        """Where an issue is: `issues.make`'s sheet, cell, table, row_key and column (of the
        row's key column when no column is given; the sheet alone without a row)."""
        if row is None:
            return {"sheet": table.sheet, "table": table.spec.name, "column": column}
        key = row.values.get(table.spec.key)
        return {"sheet": table.sheet, "cell": table.cell(row, column or table.spec.key),
                "table": table.spec.name, "column": column,
                "row_key": self.new_rows.get(row.row) if key is None else str(key)}

    def add(self, code: str, variant: str = "", table: RawTable | None = None,
            row: RawRow | None = None, column: str | None = None, **fields: Any) -> None:
        """The issue `code` (`issues.TYPES`) at a row's cell, its message filled from
        `fields`."""
        place = {} if table is None else self.place(table, row, column)
        self.issues.append(make(code, variant, **place, **fields))

    def fact(self, table: RawTable, key: str, column: str, value: Any) -> None:
        if value is not None:
            self.facts.append((table.spec.name, key, column, value))

    def _special(self, table: RawTable, row: RawRow, column: str) -> bool:
        if not self.raw.special:  # the normal case: no formulas, no error values
            return False
        what = self.raw.special.get((table.sheet, table.cell(row, column)))
        if what is None:
            return False
        kind, value = what
        if kind == "error":
            self.add("excel-error", "", table, row, column, error=value or "#FEL")
        elif row.values.get(column) is None:
            self.add("formula-without-value", "", table, row, column)
            return True
        else:
            return False
        return True

    def _value(self, table: RawTable, row: RawRow, column: str, required: bool,
               convert: Callable[[Any], tuple[Any, Problem | None]],
               info_field: str | None = None) -> Any:
        if self._special(table, row, column):
            return None
        v = row.values.get(column)
        if v is None:
            if required and info_field:
                self.add("missing-value", "info", table, row, column, field=info_field)
            elif required:
                self.add("missing-value", "", table, row, column)
            return None
        value, problem = convert(v)
        if problem:
            self.issues.append(problem.issue(**self.place(table, row, column)))
        return value

    def number(self, table: RawTable, row: RawRow, column: str, *, required: bool,
               kind: str = "amount") -> float | None:
        return self._value(table, row, column, required, lambda v: as_number(v, kind))

    def text(self, table: RawTable, row: RawRow, column: str, *, required: bool = False,
             info_field: str | None = None) -> str | None:
        return self._value(table, row, column, required, as_text, info_field)

    def choice(self, table: RawTable, row: RawRow, column: str, options: Iterable[Any], *,
               required: bool = True) -> Any:
        return self._value(table, row, column, required, lambda v: as_choice(v, options))

    def date(self, table: RawTable, row: RawRow, column: str, *, required: bool) -> dt.date | None:
        return self._value(table, row, column, required, as_date)

    def period(self, table: RawTable, row: RawRow, column: str) -> Period | None:
        return self._value(table, row, column, True, as_period, contract.INFO_PERIOD)

    def known_rows(self, table: RawTable, expected: list[str]) -> list[tuple[str, RawRow]]:
        """`keyed_rows` of a table that takes no new rows: each row's id is a known one."""
        return [(rid, row) for rid, row in self.keyed_rows(table, expected) if rid is not None]

    def keyed_rows(self, table: RawTable, expected: list[str], *,
                   allow_new: bool = False) -> list[tuple[str | None, RawRow]]:
        """Rows by their id: unknown, duplicate and missing ids are issues."""
        key = table.spec.key
        seen: Counter[str] = Counter()
        out: list[tuple[str | None, RawRow]] = []
        for row in table.rows:
            rid = row_id(row.values.get(key))
            if rid is None and allow_new:
                self.new_rows[row.row] = contract.new_risk_key(len(self.new_rows) + 1)
            if row.below_table:
                self.add("row-below-table", "", table, row, key, line=row.row + 1)
            if rid is None:
                if allow_new:
                    out.append((None, row))
                else:
                    self.add("missing-id", "", table, row, key, key=key)
                continue
            seen[rid] += 1
            if seen[rid] > 1:
                self.add("duplicate-id", "", table, row, key, key=key, id=rid)
            elif rid not in expected:
                self.add("unknown-id", "", table, row, key, key=key, id=rid)
            else:
                out.append((rid, row))
        for missing in [e for e in expected if e not in seen]:
            self.issues.append(make("missing-row", sheet=table.sheet, cell=contract_cell(table),
                                    table=table.spec.name, name=missing))
        return out


def row_id(value: Any) -> str | None:
    """A row's key as text (a number typed as an id, 12.0, is '12')."""
    if value is None:
        return None
    return str(int(value)) if isinstance(value, float) and value.is_integer() \
        else str(value).strip()


# The tables whose rows differ from unit to unit (Info and Kommentarer are the same for all).
UNIT_TABLES = tuple(t.name for t in contract.TABLES if t not in (contract.INFO, contract.COMMENTS))


def unit_of_rows(raw: RawWorkbook, m: Mappings,
                 stated: Unit | None) -> tuple[Unit, dict[str, list[str]]] | None:
    """The unit whose template's rows the file holds, and its template's row ids per table
    (`row_ids`): `stated` (the Enhet-ID's unit) when the file's ids are that unit's, else the
    one unit whose ids differ least from the file's (fewest missing and extra), when it
    shares more ids with the file than it differs; else `stated`. A reporter for two units
    who re-used one file and changed only Enhet-ID."""
    found = {name: {rid for row in t.rows if (rid := row_id(row.values.get(t.spec.key)))}
             for name, t in raw.tables.items() if name in UNIT_TABLES}
    if stated is not None:
        expected = row_ids(m, stated)
        if all(ids == set(expected[name]) for name, ids in found.items()):
            return stated, expected

    def compare(unit: Unit) -> tuple[int, int, dict[str, list[str]]]:
        """(ids missing or extra, ids in common, the unit's ids) of the file and `unit`."""
        expected = row_ids(m, unit)
        return (sum(len(ids ^ set(expected[name])) for name, ids in found.items()),
                sum(len(ids & set(expected[name])) for name, ids in found.items()), expected)

    scored = {unit.id: compare(unit) for unit in m.units}
    fewest = min(differ for differ, _, _ in scored.values())
    best = [unit for unit in m.units if scored[unit.id][0] == fewest]
    if len(best) == 1 and best[0] != stated and scored[best[0].id][1] > fewest:
        return best[0], scored[best[0].id][2]
    return None if stated is None else (stated, scored[stated.id][2])


def contract_cell(table: RawTable) -> str:
    return table.cell(RawRow(table.header_row, {}), table.spec.key)


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
    c = _Checker(raw)
    info_table = raw.tables.get("Info")
    if info_table is None:  # the reader has said so; without Info the file has no unit
        return None, c.issues
    info = {str(r.values.get("Fält") or "").strip(): r for r in info_table.rows}

    def info_text(field: str, required: bool = True) -> str | None:
        row = info.get(field)
        if row is None:
            if required:
                c.add("missing-row", "", info_table, None, name=field)
            return None
        return c.text(info_table, row, "Värde", required=required, info_field=field)

    version = info_text(contract.INFO_VERSION)
    period: Period | None = None
    if (period_row := info.get(contract.INFO_PERIOD)) is None:
        info_text(contract.INFO_PERIOD)  # the missing row, said once
    else:
        period = c.period(info_table, period_row, "Värde")
    unit_id = info_text(contract.INFO_UNIT_ID)
    report.template_version, report.unit_id = version, unit_id
    report.period = None if period is None else str(period)
    if version is not None and version != m.template.version:
        c.add("wrong-template-version", "", info_table, info[contract.INFO_VERSION], "Värde",
              version=version, current=m.template.version)
    if period is not None and expected_period is not None and period != expected_period:
        c.add("wrong-period", "", info_table, info[contract.INFO_PERIOD], "Värde",
              period=period, expected=expected_period)
    unit: Unit | None = None
    if unit_id is not None:
        try:
            unit = m.unit(unit_id)
        except KeyError:
            c.add("unknown-unit", "", info_table, info[contract.INFO_UNIT_ID], "Värde",
                  unit=unit_id)
    # table -> the ids of its rows in the template of the unit whose rows the file holds
    found = None if unit is None else unit_of_rows(raw, m, unit)
    rows_unit, expected = found or (None, {})
    if unit is not None and rows_unit is not None and rows_unit != unit:
        c.add("wrong-unit", "", info_table, info[contract.INFO_UNIT_ID], "Värde",
              rows_unit=rows_unit.name, rows_unit_id=rows_unit.id, unit=unit.name,
              unit_id=unit.id)
    reporter = info_text(contract.INFO_REPORTER, required=False)
    email = info_text(contract.INFO_EMAIL, required=False)
    if reporter is None and contract.INFO_REPORTER in info:
        c.add("missing-value", "reporter", info_table, info[contract.INFO_REPORTER], "Värde")
    if unit is not None and sender is not None and sender.lower() not in unit.reporters:
        c.add("sender-not-registered", "", info_table, info[contract.INFO_UNIT_ID], "Värde",
              sender=sender, unit=unit.name)
    if unit is None or rows_unit is None or period is None or version is None:
        return None, c.issues

    sub = Submission(template_version=version, period=str(period), unit_id=unit.id,
                     reporter=reporter, email=email)
    end_of_period = dt.date(period.year, period.month, 1) + dt.timedelta(days=31)
    end_of_period = end_of_period.replace(day=1) - dt.timedelta(days=1)

    if (t := raw.tables.get("Indikatorer")) is not None:
        by_id = {i.id: i for i in m.indicators}
        for rid, row in c.known_rows(t, expected["Indikatorer"]):
            ind = by_id[rid]
            required = ind.required and ind.frequency == "month" and (
                ind.first_period is None or period >= Period.parse(ind.first_period))
            kind = indicator_kind(m, rid)
            reported = IndicatorRow(
                id=rid, outcome=c.number(t, row, "Utfall", required=required, kind=kind),
                forecast=c.number(t, row, "Prognos helår", required=False, kind=kind),
                comment=c.text(t, row, "Kommentar"))
            sub.indicators.append(reported)
            for col, v in (("Utfall", reported.outcome), ("Prognos helår", reported.forecast),
                           ("Kommentar", reported.comment)):
                c.fact(t, rid, col, v)

    if (t := raw.tables.get("Ekonomi")) is not None:
        kinds = {line.id: line.kind for line in m.economy.lines}
        for rid, row in c.known_rows(t, expected["Ekonomi"]):
            vals = {col: c.number(t, row, col, required=True) for col in
                    ("Utfall ack", "Budget ack", "Årsbudget", "Prognos helår")}
            line = EconomyRow(id=rid, outcome=vals["Utfall ack"], budget=vals["Budget ack"],
                              annual_budget=vals["Årsbudget"], forecast=vals["Prognos helår"],
                              comment=c.text(t, row, "Kommentar"))
            if kinds[rid] == "cost":
                for col, v in vals.items():
                    if v is not None and v < 0:
                        c.add("negative-cost", "", t, row, col, value=v)
                if line.forecast is not None and line.annual_budget and \
                        abs(line.forecast - line.annual_budget) > 0.5 * abs(line.annual_budget):
                    c.add("forecast-far-from-budget", "", t, row, "Prognos helår",
                          forecast=line.forecast, budget=line.annual_budget)
            sub.economy.append(line)
            for col, v in vals.items():
                c.fact(t, rid, col, v)
            c.fact(t, rid, "Kommentar", line.comment)

    for name, target in (("Aktiviteter", sub.activities), ("Uppdrag", sub.assignments)):
        if (t := raw.tables.get(name)) is None:
            continue
        for rid, row in c.known_rows(t, expected[name]):
            item = WorkItemRow(
                id=rid, status=c.choice(t, row, "Status", contract.WORK_STATUSES),
                end=c.date(t, row, "Slutdatum", required=True),
                comment=c.text(t, row, "Kommentar"))
            if item.status == "Försenad" and not item.comment:
                c.add("comment-missing", "", t, row, "Kommentar")
            if item.end and item.end < end_of_period and \
                    item.status in ("Ej påbörjad", "Pågående"):
                c.add("overdue", "", t, row, "Status", end=item.end, status=item.status)
            target.append(item)
            for col, value in (("Status", item.status), ("Slutdatum", item.end),
                               ("Kommentar", item.comment)):
                c.fact(t, rid, col, value)

    if (t := raw.tables.get("Projekt")) is not None:
        for rid, row in c.known_rows(t, expected["Projekt"]):
            dims = {col: c.choice(t, row, col, contract.PROJECT_STATUSES)
                    for col in ("Tid", "Kostnad", "Resultat")}
            proj = ProjectRow(id=rid, time=dims["Tid"], cost=dims["Kostnad"],
                              result=dims["Resultat"], cause=c.text(t, row, "Orsak"),
                              action=c.text(t, row, "Åtgärd"))
            if "Röd" in dims.values():
                for col, v in (("Orsak", proj.cause), ("Åtgärd", proj.action)):
                    if not v:
                        c.add("comment-missing", "red-project", t, row, col)
            sub.projects.append(proj)
            for col, v in {**dims, "Orsak": proj.cause, "Åtgärd": proj.action}.items():
                c.fact(t, rid, col, v)

    if (t := raw.tables.get("Risker")) is not None:
        areas = [a.name for a in m.plan.risk_areas]
        for risk_id, row in c.keyed_rows(t, expected["Risker"], allow_new=True):
            is_new = risk_id is None
            risk = RiskRow(
                id=risk_id,
                area=c.choice(t, row, "Riskområde", areas) if is_new
                else c.text(t, row, "Riskområde"),
                risk=c.text(t, row, "Risk", required=is_new),
                probability=c.choice(t, row, "Sannolikhet", contract.SCALE_1_4),
                consequence=c.choice(t, row, "Konsekvens", contract.SCALE_1_4),
                action=c.text(t, row, "Åtgärd"), owner=c.text(t, row, "Ansvarig"))
            key: str = risk_id or c.new_rows[row.row]
            sub.risks.append(risk)
            for col, v in (("Riskområde", risk.area), ("Risk", risk.risk),
                           ("Sannolikhet", risk.probability), ("Konsekvens", risk.consequence),
                           ("Åtgärd", risk.action), ("Ansvarig", risk.owner)):
                if is_new or col not in ("Riskområde", "Risk"):
                    c.fact(t, key, col, v)

    if (t := raw.tables.get("Kommentarer")) is not None:
        for rid, row in c.known_rows(t, expected["Kommentarer"]):
            text = c.text(t, row, "Text")
            if text:
                sub.comments[rid] = text
                c.fact(t, rid, "Text", text)
            elif rid == "Sammanfattning":
                c.add("missing-value", "summary", t, row, "Text")

    sub.facts = c.facts
    # Rows of one unit under another's Enhet-ID: checked as that unit's, but not its report.
    return (sub if rows_unit == unit else None), c.issues


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
