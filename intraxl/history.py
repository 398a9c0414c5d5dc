"""History in and out: back-fill past periods from a tidy file, export the facts for BI.

The tidy shape is the master workbook's `Data` table: `Period, Enhet-ID, Enhet, Tabell, ID,
Fält, Värde`, one fact a row (`Enhet` is informational). Imported values go through the same
rules as a submitted template; a file with any error is not imported at all. In CSV, text
that a spreadsheet would run as a formula is written with a leading ' (`csv_text`), taken
off again on import.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine as pc

from . import contract
from .cells import a1
from .errors import IntraxlError
from .issues import Issue, Severity, make
from .mappings import Mappings
from .models import Fact, FileReport, Submission
from .periods import Period
from .reader import sha256_of
from .store import IMPORT_SOURCE, Received, Store
from .validate.values import coerce

COLUMNS = contract.DATA_COLUMNS
VALUE_COL = COLUMNS.index(contract.DATA_VALUE)
# A CSV cell starting with one of these is run as a formula by a spreadsheet (CSV injection:
# OWASP's list). Such text is written with a leading ', as is text starting with ' itself,
# so that reading the export back strips exactly what was added.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
CSV_SEPARATOR = ";"  # the list separator of Excel in Swedish (the decimal point is a comma)


def csv_text(text: str) -> str:
    """Text as written to a CSV cell: shown as text, never run, by a spreadsheet."""
    return TEXT_MARK + text if text.startswith((*FORMULA_START, TEXT_MARK)) else text


def from_csv_text(text: str) -> str:
    """The text a CSV cell written by `csv_text` holds."""
    marked = text.startswith(TEXT_MARK) and text[1:].startswith((*FORMULA_START, TEXT_MARK))
    return text[1:] if marked else text


def _read_rows(path: Path) -> list[list[Any]]:
    if path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        try:
            wb = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
            if "Data" in (wb.table_names or []):
                t = wb.get_table_by_name("Data")
                return [list(t.columns)] + t.to_python()
            return wb.get_sheet_by_index(0).to_python()
        except Exception as e:  # noqa: BLE001 - any unreadable file is one clear message
            raise IntraxlError(f"{path}: cannot read the workbook ({e})") from e
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            # The delimiter is the header row's (csv.Sniffer guessed ' for the quote
            # character of a file whose texts start with the ' of `csv_text`).
            header = f.readline()
            f.seek(0)
            delimiter = max(",;\t", key=header.count)
            rows = list(csv.reader(f, delimiter=delimiter))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise IntraxlError(f"{path}: cannot read the CSV file ({e})") from e
    for row in rows[1:]:
        if len(row) > VALUE_COL:
            row[VALUE_COL] = from_csv_text(row[VALUE_COL])
    return rows


def _csv_value(v: Any) -> Any:
    """CSV cells are text: numbers (also with a decimal comma) become numbers."""
    if isinstance(v, str):
        t = v.strip().replace("\u00a0", "").replace(" ", "")
        try:
            return float(t.replace(",", ".")) if t else None
        except ValueError:
            return v.strip() or None
    return None if v == "" else v


def _known_ids(m: Mappings) -> dict[str, set[str]]:
    p = m.plan
    return {
        contract.INDICATORS.name: {i.id for i in m.indicators if i.source == "indicators"},
        contract.ECONOMY.name: set(contract.ECONOMY_ROWS),
        contract.ACTIVITIES.name: {a.id for a in p.activities},
        contract.ASSIGNMENTS.name: {a.id for a in p.assignments},
        contract.PROJECTS.name: {x.id for x in p.projects},
        contract.RISKS.name: {r.id for r in p.risks},
        contract.COMMENTS.name: set(p.comment_sections),
    }


def check_tidy(path: Path, m: Mappings) -> tuple[dict[tuple[str, str], list[Fact]], list[Issue]]:
    """Validate a tidy file: (facts per (period, unit), issues located as sheet=file, cell)."""
    rows = _read_rows(path)
    issues: list[Issue] = []

    def problem(line: int, col: int, code: str, variant: str = "", **fields: Any) -> None:
        issues.append(make(code, variant, file=path.name, sheet=path.name, cell=a1(line, col),
                           **fields))

    if not rows or [str(h).strip() for h in rows[0][:len(COLUMNS)]] != list(COLUMNS):
        problem(0, 0, "missing-column", "headers", headers=COLUMNS)
        return {}, issues
    ids = _known_ids(m)
    units = {u.id for u in m.units}
    grouped: dict[tuple[str, str], list[Fact]] = defaultdict(list)
    seen: set[tuple[str, ...]] = set()
    for line, row in enumerate(rows[1:], start=1):
        row = list(row) + [""] * (len(COLUMNS) - len(row))
        if all(str(v).strip() == "" for v in row):
            continue
        period, unit, _, table, rid, field = (str(v).strip() for v in row[:6])
        if isinstance(row[0], (dt.date, dt.datetime)):
            period = f"{row[0].year:04d}-{row[0].month:02d}"
        try:
            period = str(Period.parse(period))
        except ValueError:
            problem(line, 0, "invalid-period", value=period)
            continue
        if unit not in units:
            problem(line, 1, "unknown-unit", unit=unit)
            continue
        if table not in ids:
            problem(line, 3, "missing-table", "unknown", table=table)
            continue
        if rid not in ids[table] and not (table == contract.RISKS.name
                                          and rid.startswith(contract.NEW_RISK_PREFIX)):
            problem(line, 4, "unknown-id", key=contract.TABLES_BY_NAME[table].key, id=rid,
                    table=table)
            continue
        spec = contract.TABLES_BY_NAME[table]
        if field not in spec.columns or field == spec.key:
            problem(line, 5, "missing-column", "unknown", column=field, table=table)
            continue
        key = (period, unit, table, rid, field)
        if key in seen:
            problem(line, 4, "duplicate-id", "fact", table=table, id=rid, column=field,
                    period=period, unit=unit)
            continue
        seen.add(key)
        cell = row[VALUE_COL]
        raw = _csv_value(cell)
        if raw is None:
            problem(line, VALUE_COL, "missing-value", column=COLUMNS[VALUE_COL])
            continue
        value, issue = coerce(m, table, rid, field, raw)
        if isinstance(value, str) and isinstance(cell, str):
            # A text field: the text as written ('007', '1 234,5'), not a number read from it.
            value, issue = coerce(m, table, rid, field, cell)
        if issue:
            issues.append(issue.issue(file=path.name, sheet=path.name,
                                      cell=a1(line, VALUE_COL), column=field))
        if value is not None:
            grouped[(period, unit)].append((table, rid, field, value))
    return grouped, issues


def import_history(path: str | Path, m: Mappings,
                   store: Store) -> tuple[list[Issue], dict[str, int]]:
    """Import a tidy file into the store unless it has errors. Returns (issues, summary):
    its facts, periods and units, the submissions (a unit's period) stored as new and the
    facts in them (a file imported before adds none)."""
    path = Path(path)
    if not path.is_file():
        raise IntraxlError(f"{path}: no such file")
    grouped, issues = check_tidy(path, m)
    summary = {"perioder": len({p for p, _ in grouped}), "enheter": len({u for _, u in grouped}),
               "fakta": sum(map(len, grouped.values())), "nya": 0, "nya fakta": 0}
    if any(i.severity == Severity.ERROR for i in issues):
        return issues, summary
    sha = sha256_of(path)
    items = [Received(FileReport(
        file=str(path), sha256=sha, size=path.stat().st_size, unit_id=unit, period=period,
        template_version="historik",
        submission=Submission(template_version="historik", period=period, unit_id=unit,
                              facts=facts)), source=IMPORT_SOURCE)
        for (period, unit), facts in sorted(grouped.items())]
    with store.run_lock():
        results = store.record(items)
    summary["nya"] = sum(new for _, new in results)
    summary["nya fakta"] = sum(len(facts) for (_, facts), (_, new) in zip(
        sorted(grouped.items()), results, strict=True) if new)
    return issues, summary


def export_history(store: Store, m: Mappings, out: str | Path,
                   periods: list[str] | None = None) -> int:
    """Write the stored facts (latest accepted per unit and period) as CSV or parquet."""
    out = Path(out)
    df = store.facts(periods or store.periods())
    names = {u.id: u.name for u in m.units}
    tidy = pd.DataFrame({
        contract.DATA_PERIOD: df["period"], contract.DATA_UNIT_ID: df["unit_id"],
        contract.DATA_UNIT: df["unit_id"].map(names).fillna(""), contract.DATA_TABLE: df["table"],
        contract.DATA_ID: df["id"], contract.DATA_FIELD: df["field"],
        contract.DATA_VALUE: df["value"]})
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        # Parquet columns have one type: the value as text, and as a number where it is one.
        tidy["Tal"] = pd.to_numeric(tidy[contract.DATA_VALUE].where(
            tidy[contract.DATA_VALUE].map(lambda v: isinstance(v, float))), errors="coerce")
        tidy[contract.DATA_VALUE] = tidy[contract.DATA_VALUE].map(
            lambda v: v.isoformat() if isinstance(v, dt.date) else f"{v:g}"
            if isinstance(v, float) else str(v))
        tidy.to_parquet(out, index=False)
    elif out.suffix.lower() == ".csv":
        # As Excel set to Swedish reads a CSV file: UTF-8 with a BOM (else åäö come out
        # garbled), `;` between fields and a decimal comma.
        tidy[contract.DATA_VALUE] = tidy[contract.DATA_VALUE].map(
            lambda v: v.isoformat() if isinstance(v, dt.date) else
            f"{v:.15g}".replace(".", ",") if isinstance(v, float) else csv_text(str(v)))
        tidy.to_csv(out, index=False, sep=CSV_SEPARATOR, encoding="utf-8-sig",
                    lineterminator="\n")
    else:
        raise IntraxlError(f"{out}: export writes .csv or .parquet")
    return len(tidy)
