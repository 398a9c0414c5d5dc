"""The Info table: template version, period, unit and reporter, and the unit whose
template's rows the file holds."""

from __future__ import annotations

from typing import NamedTuple

from .. import contract
from ..mappings import Mappings
from ..mappings.models import Unit
from ..periods import Period
from ..reader import RawTable, RawWorkbook
from ..template.layout import row_ids
from .checker import Checker, row_id
from .values import as_period, as_text

VALUE = contract.INFO.columns[1]  # "Värde": the column a unit fills in


class Info(NamedTuple):
    version: str | None
    period: Period | None  # None: missing or not a month
    unit_id: str | None
    unit: Unit | None  # the Enhet-ID's unit
    rows_unit: Unit | None  # the unit whose template's rows the file holds
    expected: dict[str, list[str]]  # table -> the ids of its rows in rows_unit's template
    reporter: str | None
    email: str | None


class _Fields:
    """The Info table's rows by their field (Fält), each value read once."""

    def __init__(self, c: Checker, table: RawTable):
        self.c, self.table = c, table
        self.rows = {str(r.values.get(table.spec.key) or "").strip(): r for r in table.rows}

    def text(self, field: str, required: bool = True) -> str | None:
        row = self.rows.get(field)
        if row is None:
            if required:
                self.c.add("missing-row", "", self.table, None, name=field)
            return None
        return self.c.value(self.table, row, VALUE, required, as_text, field)

    def period(self) -> Period | None:
        row = self.rows.get(contract.INFO_PERIOD)
        if row is None:
            self.text(contract.INFO_PERIOD)  # the missing row, said once
            return None
        return self.c.value(self.table, row, VALUE, True, as_period, contract.INFO_PERIOD)

    def add(self, code: str, field: str, variant: str = "", **fields: object) -> None:
        """An issue at `field`'s value."""
        self.c.add(code, variant, self.table, self.rows[field], VALUE, **fields)


def check_info(c: Checker, raw: RawWorkbook, m: Mappings, expected_period: Period | None,
               sender: str | None) -> Info | None:
    """The Info table's values, each problem said; None without an Info table (the reader
    has said so; without it the file has no unit)."""
    table = raw.tables.get(contract.INFO.name)
    if table is None:
        return None
    f = _Fields(c, table)
    version = f.text(contract.INFO_VERSION)
    period = f.period()
    unit_id = f.text(contract.INFO_UNIT_ID)
    if version is not None and version != m.template.version:
        f.add("wrong-template-version", contract.INFO_VERSION, version=version,
              current=m.template.version)
    if period is not None and expected_period is not None and period != expected_period:
        f.add("wrong-period", contract.INFO_PERIOD, period=period, expected=expected_period)
    unit = _unit(f, m, unit_id)
    rows_unit, expected = _rows_unit(f, raw, m, unit)
    reporter = f.text(contract.INFO_REPORTER, required=False)
    email = f.text(contract.INFO_EMAIL, required=False)
    if reporter is None and contract.INFO_REPORTER in f.rows:
        f.add("missing-value", contract.INFO_REPORTER, "reporter")
    if unit is not None and sender is not None and sender.lower() not in unit.reporters:
        f.add("sender-not-registered", contract.INFO_UNIT_ID, sender=sender, unit=unit.name)
    return Info(version, period, unit_id, unit, rows_unit, expected, reporter, email)


def _unit(f: _Fields, m: Mappings, unit_id: str | None) -> Unit | None:
    if unit_id is None:
        return None
    try:
        return m.unit(unit_id)
    except KeyError:
        f.add("unknown-unit", contract.INFO_UNIT_ID, unit=unit_id)
        return None


def _rows_unit(f: _Fields, raw: RawWorkbook, m: Mappings,
               unit: Unit | None) -> tuple[Unit | None, dict[str, list[str]]]:
    """The unit whose rows the file holds and its template's row ids (`unit_of_rows`);
    another unit's than the Enhet-ID's is said."""
    found = None if unit is None else unit_of_rows(raw, m, unit)
    rows_unit, expected = found or (None, {})
    if unit is not None and rows_unit is not None and rows_unit != unit:
        f.add("wrong-unit", contract.INFO_UNIT_ID, rows_unit=rows_unit.name,
              rows_unit_id=rows_unit.id, unit=unit.name, unit_id=unit.id)
    return rows_unit, expected


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


__all__ = ["Info", "check_info", "unit_of_rows"]
