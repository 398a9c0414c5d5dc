"""The master's worksheets: XlsxWriter's own, with the per-cell costs of a large month taken
out and the file it writes unchanged.

A month of 1,000 units puts 120,000 cells in tables outside the Data sheet, 10,000 units
1.2 million. XlsxWriter spends about 10 µs on each: its `write_*` methods check every cell's
position one at a time, `add_table` notes every cell of a table in a dictionary to tell
overlapping ranges (3.5 million entries and 400 MB for the Data table of 10,000 units), and
its XML writer builds each `<c>` element from lists of attribute pairs. This class
  - takes a row of cells at once (`write_cells`), storing the same cell records XlsxWriter's
    `write_*` store, so everything that reads its cell table (the row heights, the record of
    what intraxl wrote) reads them as before;
  - tells overlapping tables and merged ranges by their corners;
  - writes `<sheetData>` with the same elements and attributes as XlsxWriter, a row at a time.
Its private parts it uses are listed in `intraxl.xlsx` and checked by a test; the master is
compared with what XlsxWriter alone writes, part by part, in the tests.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Sequence

from xlsxwriter.exceptions import OverlappingRange
from xlsxwriter.utility import xl_col_to_name, xl_range
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellDatetimeTuple,
    CellFormulaTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
    convert_range_args,
)

from ..consolidate import blank as _blank
from ..xlsx import cell_text

ERROR_CODES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _overlap(a: Sequence[int], b: Sequence[int]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


class Sheet(Worksheet):
    def __init__(self) -> None:
        super().__init__()
        self._table_areas: list[tuple[tuple[int, int, int, int], str]] = []

    # --- cells ---------------------------------------------------------------------------

    def write_cells(self, row: int, col: int, cells: Sequence[tuple[Any, Any]]) -> None:
        """`cells` from (`row`, `col`) rightwards, each (value, format), as intraxl's `write`
        writes one: empty (None, NaN, NaT) a blank cell when it has a format, a bool as
        `Ja` or an empty text, a number as a number, a date as a date, anything else
        as its text (cut to fit a cell); a `Formula` (anything with `text` and `value`) as a
        formula with its value."""
        cells_of_row = self.table[row]
        index = self.str_table._get_shared_string_index
        first = last = None
        for c, (value, fmt) in enumerate(cells, start=col):
            if _blank(value):
                if fmt is None:
                    continue
                cell: Any = CellBlankTuple(fmt)
            elif isinstance(value, bool):
                cell = CellStringTuple(index("Ja" if value else ""), fmt)
            elif isinstance(value, (int, float)):
                if math.isinf(value):
                    self.write_number(row, c, value, fmt)  # XlsxWriter says what is wrong
                    continue
                cell = CellNumberTuple(value, fmt)
            elif isinstance(value, (dt.datetime, dt.date)):
                cell = CellDatetimeTuple(self._convert_date_time(value), fmt)
            elif hasattr(value, "to_pydatetime"):
                cell = CellDatetimeTuple(self._convert_date_time(value.to_pydatetime()), fmt)
            elif hasattr(value, "text") and hasattr(value, "value"):
                self._write_formula(row, c, value.text, fmt, value.value)
                continue  # the formula as XlsxWriter prepares it, its position checked
            else:
                cell = CellStringTuple(index(cell_text(str(value))), fmt)
            cells_of_row[c] = cell
            if first is None:
                first = c
            last = c
        if first is not None:
            self._check_dimensions(row, first)
            self._check_dimensions(row, last)

    # --- tables and merged ranges, told apart by their corners -----------------------------

    @convert_range_args
    def add_table(self, first_row: int, first_col: int, last_row: int,  # type: ignore[override]
                  last_col: int, options: dict[str, Any] | None = None) -> int:
        """XlsxWriter's `add_table`, with overlaps told by the table's corners: XlsxWriter
        is given the header and the first row, and the table is then extended to its
        last row."""
        area = (min(first_row, last_row), min(first_col, last_col),
                max(first_row, last_row), max(first_col, last_col))
        first_row, first_col, last_row, last_col = area
        cell_range = xl_range(*area)
        for other, name in self._table_areas:
            if _overlap(area, other):
                raise OverlappingRange(f"Table range '{cell_range}' overlaps previous table "
                                       f"range '{name}'.")
        for merged in self.merge:
            if _overlap(area, merged):
                raise OverlappingRange(f"Table range '{cell_range}' overlaps previous merge "
                                       f"range '{xl_range(*merged)}'.")
        if options and ("data" in options or "total_row" in options
                        or any(c.get("formula") for c in options.get("columns", []) if c)):
            result: int = super().add_table(*area, options)  # not a case the master has
        else:
            short = min(last_row, first_row + 1)
            result = super().add_table(first_row, first_col, short, last_col, options)
            if result == 0 and short < last_row:
                table = self.tables[-1]
                table["range"] = cell_range
                table["a_range"] = cell_range
                if "autofilter" in table:
                    table["autofilter"] = cell_range
        if result == 0:
            self._table_areas.append((area, cell_range))
        return result

    @convert_range_args
    def merge_range(self, first_row: int, first_col: int,  # type: ignore[override]
                    last_row: int, last_col: int, data: Any, cell_format: Any = None) -> int:
        area = (min(first_row, last_row), min(first_col, last_col),
                max(first_row, last_row), max(first_col, last_col))
        for other, name in self._table_areas:
            if _overlap(area, other):
                raise OverlappingRange(f"Merge range '{xl_range(*area)}' overlaps previous "
                                       f"table range '{name}'.")
        result: int = super().merge_range(first_row, first_col, last_row, last_col, data,
                                          cell_format)
        return result

    # --- the XML ---------------------------------------------------------------------------

    def _write_rows(self) -> None:
        """XlsxWriter's `_write_rows`, the same elements in the same order, written a row at
        a time from f-strings."""
        if self.comments or self.excel_version == 2010 or \
                self.default_row_height != self.original_row_height:
            super()._write_rows()  # not a case the master has
            return
        table, row_info, col_info = self.table, self.row_info, self.col_info
        column_styles = {c: info.column_format._get_xf_index() for c, info in col_info.items()
                         if info.column_format is not None}
        spans = self._spans()
        names: dict[int, str] = {}
        write, out = self.fh.write, list[str]()
        for r in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(r)
            info = row_info.get(r)
            if not cells and info is None:
                continue
            span = spans.get(r // 16)
            if info is not None or not cells:
                write("".join(out))
                out = []
                if cells:
                    self._write_row(r, span, info)
                else:
                    self._write_empty_row(r, span, info)
                    continue
            else:
                out.append(f'<row r="{r + 1}" spans="{span}">' if span else f'<row r="{r + 1}">')
            row_style = info.row_format._get_xf_index() \
                if info is not None and info.row_format else None
            n = r + 1
            for c, cell in sorted(cells.items()):
                name = names.get(c) or names.setdefault(c, xl_col_to_name(c))
                fmt = cell.format
                if fmt:
                    attrs = f' r="{name}{n}" s="{fmt._get_xf_index()}"'
                elif row_style is not None:
                    attrs = f' r="{name}{n}" s="{row_style}"'
                elif c in column_styles:
                    attrs = f' r="{name}{n}" s="{column_styles[c]}"'
                else:
                    attrs = f' r="{name}{n}"'
                kind = type(cell)
                if kind is CellStringTuple:
                    out.append(f'<c{attrs} t="s"><v>{cell.string}</v></c>')
                elif kind is CellNumberTuple or kind is CellDatetimeTuple:
                    out.append(f"<c{attrs}><v>{cell.number:.16G}</v></c>")
                elif kind is CellBlankTuple:
                    out.append(f"<c{attrs}/>")
                elif kind is CellFormulaTuple:
                    out.append(self._formula_xml(attrs, cell))
                else:  # rich strings, booleans, errors, array formulas: XlsxWriter's own
                    write("".join(out))
                    out = []
                    self._write_cell(r, c, cell)
            out.append("</row>")
            if len(out) > 4096:
                write("".join(out))
                out = []
        write("".join(out))

    def _formula_xml(self, attrs: str, cell: Any) -> str:
        value = cell.value
        if isinstance(value, bool):
            attrs += ' t="b"'
            value = 1 if value else 0
        elif isinstance(value, str):
            if value in ERROR_CODES:
                attrs += ' t="e"'
            elif value != "":
                attrs += ' t="str"'
            value = value.translate(_ESCAPES)
        formula = cell.formula.translate(_ESCAPES)
        return f"<c{attrs}><f>{formula}</f><v>{value}</v></c>"

    def _spans(self) -> dict[int, str]:
        """XlsxWriter's `_calculate_spans`: per block of 16 rows, the first and last column
        with a cell (1-based), from each row's columns at once."""
        spans: dict[int, list[int]] = {}
        for r, cells in self.table.items():
            if cells and self.dim_rowmin <= r <= self.dim_rowmax:
                low, high = min(cells), max(cells)
                block = spans.get(r // 16)
                if block is None:
                    spans[r // 16] = [low, high]
                else:
                    block[0], block[1] = min(block[0], low), max(block[1], high)
        return {k: f"{low + 1}:{high + 1}" for k, (low, high) in spans.items()}
