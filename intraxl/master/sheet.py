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
from ..xlsx import CELL_TEXT_MAX, cell_text

SHORT_TEXT = CELL_TEXT_MAX // 2  # a text this long or shorter fits a cell whole
ERROR_CODES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _overlap(a: Sequence[int], b: Sequence[int]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


class Sheet(Worksheet):
    def __init__(self) -> None:
        super().__init__()
        self._table_areas: list[tuple[tuple[int, int, int, int], str]] = []
        self.deflater: Any = None  # master/book.py's, when the workbook is a Book
        self._xml_path: str | None = None

    # --- the sheet's part, compressed as soon as it is written (master/book.py) ------------

    def _set_xml_writer(self, filename: Any) -> None:
        self._xml_path = filename if isinstance(filename, str) else None
        super()._set_xml_writer(filename)

    def _assemble_xml_file(self) -> None:
        super()._assemble_xml_file()
        if self.deflater is not None and self._xml_path is not None:
            self.deflater.submit(self._xml_path)

    # --- cells ---------------------------------------------------------------------------

    def write_cells(self, row: int, col: int, cells: Sequence[tuple[Any, Any]]) -> None:
        """`cells` from (`row`, `col`) rightwards, each (value, format), as intraxl's `write`
        writes one: empty (None, NaN, NaT) a blank cell when it has a format, a bool as
        `Ja` or an empty text, a number as a number, a date as a date, anything else
        as its text (cut to fit a cell); a `Formula` (anything with `text` and `value`) as a
        formula with its value."""
        span = self._put(row, col, cells)
        if span is not None:
            self._check_dimensions(row, span[0])
            self._check_dimensions(row, span[1])

    def write_rows(self, row: int, col: int, rows: Sequence[Sequence[tuple[Any, Any]]]) -> None:
        """`rows` of cells from (`row`, `col`) down, each as `write_cells` writes it."""
        top = bottom = left = right = -1
        for r, cells in enumerate(rows, start=row):
            span = self._put(r, col, cells)
            if span is not None:
                if top < 0:
                    top, left, right = r, span[0], span[1]
                else:
                    left, right = min(left, span[0]), max(right, span[1])
                bottom = r
        if top >= 0:  # the corners of what was written: its position checked
            self._check_dimensions(top, left)
            self._check_dimensions(bottom, right)

    def _put(self, row: int, col: int, cells: Sequence[tuple[Any, Any]]) -> tuple[int, int] | None:
        """The cells into the cell table; the first and last column written, if any."""
        cells_of_row = self.table[row]
        strings = self.str_table
        index, known = strings._get_shared_string_index, strings.string_table
        seen = 0  # texts already in the table: counted at the end, as `index` counts them
        first = last = None
        for c, (value, fmt) in enumerate(cells, start=col):
            kind = type(value)  # the common kinds first, exactly
            if kind is str:
                at = known.get(value)
                if at is not None:
                    seen += 1
                else:
                    at = index(value if len(value) <= SHORT_TEXT else cell_text(value))
                cell: Any = CellStringTuple(at, fmt)
            elif kind is int or (kind is float and math.isfinite(value)):
                cell = CellNumberTuple(value, fmt)
            elif _blank(value):
                if fmt is None:
                    continue
                cell = CellBlankTuple(fmt)
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
                text = value.text
                if not text or "(" in text or text[0] == "{" or text[-1] == "}":
                    self._write_formula(row, c, text, fmt, value.value)
                    continue  # as XlsxWriter prepares it (functions), its position checked
                # No function, no braces: XlsxWriter's preparing only drops the "=".
                cell = CellFormulaTuple(text[1:] if text[0] == "=" else text, fmt, value.value)
            else:
                cell = CellStringTuple(index(cell_text(str(value))), fmt)
            cells_of_row[c] = cell
            if first is None:
                first = c
            last = c
        strings.count += seen
        return None if first is None or last is None else (first, last)

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
        if first_row != last_row or first_col == last_col or \
                self._check_dimensions(first_row, first_col) or \
                self._check_dimensions(last_row, last_col):
            result: int = super().merge_range(first_row, first_col, last_row, last_col, data,
                                              cell_format)  # several rows: XlsxWriter's own
            return result
        # XlsxWriter's merge_range of one row (10,000 of them on Sammanfattning for 10,000
        # units), its blank cells put at once.
        first, last = area[1], area[3]
        cell_range = xl_range(*area)
        for col in range(first, last + 1):
            for taken, what in ((self.merged_cells, "merge"), (self.table_cells, "table")):
                if (previous := taken.get((first_row, col))) is not None:
                    raise OverlappingRange(f"Merge range '{cell_range}' overlaps previous "
                                           f"{what} range '{previous}'.")
            self.merged_cells[(first_row, col)] = cell_range
        self.merge.append([first_row, first, first_row, last])
        self._write(first_row, first, data, cell_format)
        self._put(first_row, first + 1, [(None, cell_format)] * (last - first))
        return 0

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
        names = [xl_col_to_name(c) for c in range((self.dim_colmax or 0) + 1)]
        styles: dict[int, str] = {}  # id(format) -> ' s="index"', in the order first met
        write, out = self.fh.write, list[str]()
        for r in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(r)
            info = row_info.get(r)
            if not cells and info is None:
                continue
            span = spans.get(r // 16)
            if not cells:
                write("".join(out))
                out = []
                self._write_empty_row(r, span, info)
                continue
            out.append(self._row_tag(r, span, info))
            row_style = f' s="{info.row_format._get_xf_index()}"' \
                if info is not None and info.row_format else None
            n = r + 1
            for c, cell in sorted(cells.items()):
                fmt = cell.format
                if fmt:
                    style = styles.get(id(fmt))
                    if style is None:
                        style = styles[id(fmt)] = f' s="{fmt._get_xf_index()}"'
                elif row_style is not None:
                    style = row_style
                elif c in column_styles:
                    style = f' s="{column_styles[c]}"'
                else:
                    style = ""
                kind = type(cell)
                if kind is CellStringTuple:
                    out.append(f'<c r="{names[c]}{n}"{style} t="s"><v>{cell.string}</v></c>')
                elif kind is CellNumberTuple or kind is CellDatetimeTuple:
                    out.append(f'<c r="{names[c]}{n}"{style}><v>{cell.number:.16G}</v></c>')
                elif kind is CellBlankTuple:
                    out.append(f'<c r="{names[c]}{n}"{style}/>')
                elif kind is CellFormulaTuple:
                    out.append(self._formula_xml(f' r="{names[c]}{n}"{style}', cell))
                else:  # rich strings, booleans, errors, array formulas: XlsxWriter's own
                    write("".join(out))
                    out = []
                    self._write_cell(r, c, cell)
            out.append("</row>")
            if len(out) > 4096:
                write("".join(out))
                out = []
        write("".join(out))

    def _row_tag(self, r: int, span: str | None, info: Any) -> str:
        """XlsxWriter's `_write_row` for a row with cells, as a string (its attributes in
        its order)."""
        tag = f'<row r="{r + 1}" spans="{span}"' if span else f'<row r="{r + 1}"'
        if info is None:
            return tag + ">"
        height = self.default_row_height if info.height is None else info.height
        if info.row_format:
            xf = info.row_format._get_xf_index()
            tag += f' s="{xf}" customFormat="1"' if xf else ' customFormat="1"'
        custom = height != self.original_row_height  # (default and original are the same)
        if custom:
            tag += f' ht="{height * 0.75:.16g}"'
        if info.hidden:
            tag += ' hidden="1"'
        if custom:
            tag += ' customHeight="1"'
        if info.level:
            tag += f' outlineLevel="{info.level}"'
        if info.collapsed:
            tag += ' collapsed="1"'
        return tag + ">"

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
