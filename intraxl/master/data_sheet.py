"""The master's Data sheet: one row per fact, tens of thousands of rows, written in one pass.

XlsxWriter keeps every cell as an object and writes each back out through its general cell
writer at close, about 5 µs a cell: a 1,000-unit month (50,000 facts × 7 columns) took 1.75 s,
two thirds of the whole master. This worksheet class takes the rows at once, enters their
texts in the workbook's shared-string table exactly as `write_string` does, and writes the
`<row>` elements itself when XlsxWriter assembles the sheet. Everything else on the sheet
(the header row, the table part, panes, columns, page setup) is XlsxWriter's own.
Tests read the sheet back with openpyxl and pandas and check the file against the schemas.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable

from xlsxwriter.workbook import Format
from xlsxwriter.worksheet import Worksheet

STRMAX = 32767  # Excel's longest cell text; XlsxWriter's write_string cuts there too


class DataSheet(Worksheet):
    """A worksheet whose rows 2.. are (six texts, value) rows given to `write_body`."""

    def __init__(self) -> None:
        super().__init__()
        self._body: list[tuple[Any, ...]] = []
        self._date_format: Format | None = None

    def write_body(self, rows: Iterable[tuple[Any, ...]], date_format: Format) -> int:
        """Rows of six texts and a value (a number, a date, a text, or None for an empty cell),
        from sheet row 2 on. Returns the number of rows."""
        index = self.str_table._get_shared_string_index  # what write_string uses
        body = self._body
        for values in rows:
            cells: list[Any] = [index(str(v)[:STRMAX]) for v in values[:6]]
            v = values[6]
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                kind = "n" if math.isfinite(v) else ""  # NaN: an empty cell
            elif isinstance(v, dt.date):
                kind = "d" if v == v else ""  # NaT: an empty cell
                v = self._convert_date_time(v) if kind else v
            elif v is None:
                kind = ""
            else:
                kind, v = "s", index(str(v)[:STRMAX])
            cells += (kind, v)
            body.append(tuple(cells))
        if body:
            self._check_dimensions(len(body), 6)
        self._date_format = date_format
        return len(body)

    def _write_sheet_data(self) -> None:
        self._xml_start_tag("sheetData")
        self._write_rows()  # the header row, written by add_table
        date_style = self._date_format._get_xf_index() if self._date_format else 0
        out = []
        for r, (a, b, c, d, e, f, kind, v) in enumerate(self._body, start=2):
            if kind == "n":
                value = f'<c r="G{r}"><v>{v:.16G}</v></c>'
            elif kind == "s":
                value = f'<c r="G{r}" t="s"><v>{v}</v></c>'
            elif kind == "d":
                value = f'<c r="G{r}" s="{date_style}"><v>{v:.16G}</v></c>'
            else:
                value = ""
            out.append(f'<row r="{r}"><c r="A{r}" t="s"><v>{a}</v></c><c r="B{r}" t="s"><v>'
                       f'{b}</v></c><c r="C{r}" t="s"><v>{c}</v></c><c r="D{r}" t="s"><v>{d}'
                       f'</v></c><c r="E{r}" t="s"><v>{e}</v></c><c r="F{r}" t="s"><v>{f}</v>'
                       f'</c>{value}</row>')
        self.fh.write("".join(out))
        self._xml_end_tag("sheetData")
