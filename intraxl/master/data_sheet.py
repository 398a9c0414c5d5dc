"""The master's Data sheet: one row per fact, tens of thousands of rows, written in one pass.

XlsxWriter keeps every cell as an object and writes each back out through its general cell
writer at close, about 5 µs a cell: a 1,000-unit month (50,000 facts × 7 columns) took 1.75 s,
two thirds of the whole master. This worksheet class takes the columns at once, enters
their texts in the workbook's shared-string table as `write_string` does (each distinct text
once), and writes the `<row>` elements itself when XlsxWriter assembles the sheet. Everything
else on the sheet (the header row, the table part, panes, columns, page setup) is
XlsxWriter's own.
Tests read the sheet back with openpyxl and LibreOffice and check the file against the schemas.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Sequence

from xlsxwriter.workbook import Format

from ..xlsx import cell_text
from .sheet import SHORT_TEXT, Sheet


class DataSheet(Sheet):
    """A worksheet whose rows 2.. are six text columns and a value column given to
    `write_body`."""

    def __init__(self) -> None:
        super().__init__()
        # Six columns of shared-string indices, as the text XML wants them, and per column
        # the text each index stands for.
        self._texts: list[list[str]] = []
        self._text_of: list[dict[str, str]] = []
        self._values: list[tuple[str, Any]] = []  # (kind, value): n number, d date, s text
        self._date_format: Format | None = None

    def write_body(self, columns: Sequence[Sequence[Any]], date_format: Format) -> int:
        """Seven columns: six texts and the values (numbers, dates, texts; None for an empty
        cell), from sheet row 2 on. Returns the number of rows."""
        table = self.str_table
        index = table._get_shared_string_index  # what write_string uses
        for column in columns[:6]:
            # The texts repeat (a period, a thousand units, a few tables and fields): each
            # distinct one is entered once, and the table's reference count kept right.
            written = {v: cell_text(str(v)) for v in dict.fromkeys(column)}
            codes = {v: str(index(text)) for v, text in written.items()}
            table.count += len(column) - len(codes)
            self._texts.append([codes[v] for v in column])
            self._text_of.append({codes[v]: text for v, text in written.items()})
        values = self._values
        for v in columns[6]:
            if type(v) is float and math.isfinite(v):  # most of them, told first
                values.append(("n", v))
            elif type(v) is str:
                values.append(("s", index(v if len(v) <= SHORT_TEXT else cell_text(v))))
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                self._values.append(("n", v) if math.isfinite(v) else ("", v))  # NaN: empty
            elif isinstance(v, dt.date):
                self._values.append(("d", self._convert_date_time(v)) if v == v else ("", v))
            elif v is None:
                self._values.append(("", v))
            else:
                self._values.append(("s", index(cell_text(str(v)))))
        if self._values:
            self._check_dimensions(len(self._values), 6)
        self._date_format = date_format
        return len(self._values)

    def body(self) -> tuple[list[list[str]], list[dict[str, str]], list[tuple[str, Any]]]:
        """Rows 2.. as written (for the record of what intraxl wrote): the six text columns
        as codes (a shared-string index, as text) and per column the text of each code; the
        values as (kind, value): "s" a shared-string index, "n" a number, "d" a date's
        serial number, "" empty."""
        return self._texts, self._text_of, self._values

    def _write_sheet_data(self) -> None:
        self._xml_start_tag("sheetData")
        self._write_rows()  # the header row, written by add_table
        date_style = self._date_format._get_xf_index() if self._date_format else 0
        out = []
        for r, a, b, c, d, e, f, (kind, v) in zip(map(str, range(2, len(self._values) + 2)),
                                                  *self._texts, self._values, strict=False):
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
            if len(out) == 10_000:  # a part at a time: 500,000 rows are 136 MB of text
                self.fh.write("".join(out))
                out.clear()
        self.fh.write("".join(out))
        self._xml_end_tag("sheetData")
