"""Reading a workbook's raw rows: each value typed, each problem an Issue at its cell."""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from .. import contract
from ..issues import Issue, make
from ..models import Fact
from ..reader import RawRow, RawTable, RawWorkbook
from .values import Problem


def row_id(value: Any) -> str | None:
    """A row's key as text (a number typed as an id, 12.0, is '12')."""
    if value is None:
        return None
    return str(int(value)) if isinstance(value, float) and value.is_integer() \
        else str(value).strip()


def header_cell(table: RawTable) -> str:
    """The table's key column's header: where a problem of the whole table is said."""
    return table.cell(RawRow(table.header_row, {}), table.spec.key)


class Checker:
    """Reads typed values out of raw rows, recording an Issue for each problem and a fact
    for each value a unit filled in."""

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

    def add(self, code: str, variant: str, table: RawTable, row: RawRow | None,
            column: str | None = None, **fields: Any) -> None:
        """The issue `code` (`issues.TYPES`) at a row's cell, its message filled from
        `fields`."""
        self.issues.append(make(code, variant, **self.place(table, row, column), **fields))

    def fact(self, table: RawTable, key: str, column: str, value: Any) -> None:
        if value is not None:
            self.facts.append((table.spec.name, key, column, value))

    def _special(self, table: RawTable, row: RawRow, column: str) -> bool:
        """Whether the cell holds an Excel error or a formula without a value (said)."""
        if not self.raw.special:  # the normal case: no formulas, no error values
            return False
        what = self.raw.special.get((table.sheet, table.cell(row, column)))
        if what is None:
            return False
        sort, value = what
        if sort == "error":
            self.add("excel-error", "", table, row, column, error=value or "#FEL")
            return True
        if row.values.get(column) is None:
            self.add("formula-without-value", "", table, row, column)
            return True
        return False

    def value(self, table: RawTable, row: RawRow, column: str, required: bool,
              convert: Callable[[Any], tuple[Any, Problem | None]],
              info_field: str | None = None) -> Any:
        """The cell's value by `convert`; None when it is empty or wrong (said)."""
        if self._special(table, row, column):
            return None
        v = row.values.get(column)
        if v is None:
            if required:
                self.add("missing-value", "info" if info_field else "", table, row, column,
                         field=info_field)
            return None
        value, problem = convert(v)
        if problem:
            self.issues.append(problem.issue(**self.place(table, row, column)))
        return value

    def keyed_rows(self, table: RawTable, expected: list[str]) -> list[tuple[str | None, RawRow]]:
        """Rows by their id (None: a row the unit added, in a table that takes new rows):
        unknown, duplicate and missing ids are issues."""
        seen: Counter[str] = Counter()
        out: list[tuple[str | None, RawRow]] = []
        for row in table.rows:
            rid = row_id(row.values.get(table.spec.key))
            if rid is None and table.spec.takes_new_rows:
                self.new_rows[row.row] = contract.new_risk_key(len(self.new_rows) + 1)
            if row.below_table:
                self.add("row-below-table", "", table, row, table.spec.key, line=row.row + 1)
            if rid is None and table.spec.takes_new_rows:
                out.append((None, row))
            elif rid is None:
                self.add("missing-id", "", table, row, table.spec.key, key=table.spec.key)
            elif self._first_known(table, row, rid, expected, seen):
                out.append((rid, row))
        for missing in [e for e in expected if e not in seen]:
            self.issues.append(make("missing-row", sheet=table.sheet, cell=header_cell(table),
                                    table=table.spec.name, name=missing))
        return out

    def _first_known(self, table: RawTable, row: RawRow, rid: str, expected: list[str],
                     seen: Counter[str]) -> bool:
        """Whether `rid` is a template row's id, seen for the first time (else said)."""
        seen[rid] += 1
        if seen[rid] > 1:
            self.add("duplicate-id", "", table, row, table.spec.key, key=table.spec.key, id=rid)
        elif rid not in expected:
            self.add("unknown-id", "", table, row, table.spec.key, key=table.spec.key, id=rid)
        return seen[rid] == 1 and rid in expected
