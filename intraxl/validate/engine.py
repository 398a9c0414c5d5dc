"""The declared checks (`rules.py`) run on a workbook's tables: each row's cells read by
their rule, then the rules between its values; each input value a fact."""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

from ..mappings import Mappings
from ..periods import Period
from ..reader import RawRow, RawTable
from ..rules import Cell, Row, RowRule, TableChecks
from .checker import Checker
from .values import convert


class CheckedRow(NamedTuple):
    table: str
    key: str  # the row's id, or a new risk's "ny-n"
    id: str | None  # None: a row the unit added
    values: dict[str, Any]  # column -> typed value (None when empty or wrong)


# A table's cells as read on a row, each with whether the unit fills it in (kept as a fact).
Cells = list[tuple[Cell, bool]]


def check_row(c: Checker, table: RawTable, cells: Cells, rules: tuple[RowRule, ...],
              raw: RawRow, row: Row) -> dict[str, Any]:
    """The row's values by its declared cells; the row rules' findings said."""
    values: dict[str, Any] = {}
    for cell, _ in cells:
        values[cell.column] = c.value(table, raw, cell.column, cell.is_required(row),
                                      partial(convert, cell, row))
    for rule in rules:
        for found in rule(values, row):
            c.add(found.code, found.variant, table, raw, found.column, **found.fields)
    return values


def check_table(c: Checker, table: RawTable, checks: TableChecks, expected: list[str],
                m: Mappings, period: Period | None) -> list[CheckedRow]:
    """Every row of `table` (those of the template, `expected`, and those the unit added)
    checked; the values the unit filled in kept as facts."""
    entries = checks.entries(m)
    cells = {new: [(cell, checks.is_input(cell.column, new)) for cell in checks.cells_of(new)]
             for new in (False, True)}
    out = []
    for rid, raw in c.keyed_rows(table, expected):
        new = rid is None
        row = Row(m, period, rid, None if rid is None else entries.get(rid))
        values = check_row(c, table, cells[new], checks.rules, raw, row)
        key = c.new_rows[raw.row] if rid is None else rid
        for cell, is_input in cells[new]:
            if is_input:
                c.fact(table, key, cell.column, values[cell.column])
        out.append(CheckedRow(table.spec.name, key, rid, values))
    return out
