"""What the workbook writers (master, templates, feedback) need beyond XlsxWriter's own API:
Excel's limits, the texts written so far, and rows as tall as their wrapped text.

A cell holds at most 32,767 characters (UTF-16 units). A longer text is kept whole in the
store; in a workbook it is shown cut, ending with a visible mark (`cell_text`), never cut
silently as XlsxWriter would.

A wrapped cell's row does not grow by itself: XlsxWriter writes no height, LibreOffice (and
so the PDF) keeps the default, and Excel grows it only when the cell is edited, so long
texts print over the rows below. `fit_rows` gives every row with wrapped text the height of
its longest cell, estimated from the column widths (merged cells: the merged width) as
LibreOffice lays text out with its substitute for Calibri, the wider DejaVu Sans: generous
for Excel with Calibri, never too short.
"""

from __future__ import annotations

import functools
import math
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # validation uses the limits without loading XlsxWriter
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

# XlsxWriter's internals read here and in master/fingerprint.py (its public API does not
# say what was written): a test checks an upgrade still has them.
XLSXWRITER_INTERNALS = {
    "Workbook": ("str_table",),  # .string_table: text -> shared-string index
    "Worksheet": ("table", "col_info", "row_info", "row_sizes", "merge",  # cells, sizes, merges
                  "tables", "comments", "excel_version", "default_row_height",
                  "original_row_height", "dim_rowmin", "dim_rowmax"),  # master/sheet.py
    "cells": ("String", "RichString", "Number", "Datetime", "Boolean", "Formula"),
    "classes": ("RowInfo",),  # a row's height and format (fit_rows)
}
# XlsxWriter's private methods the Worksheet subclasses of master/sheet.py,
# master/data_sheet.py and master/fingerprint.py (RecordSheet) call or override.
XLSXWRITER_METHODS = {
    "Worksheet": ("_assemble_xml_file", "_set_xml_writer", "_write_sheet_data", "_write_rows",
                  "_write_row", "_write_empty_row", "_write_cell", "_write_formula",
                  "_check_dimensions", "_convert_date_time", "_xml_start_tag",
                  "_xml_end_tag"),
    "SharedStringTable": ("_get_shared_string_index",),
    "Format": ("_get_xf_index",),
}
CELL_TEXT_MAX = 32_767  # Excel's longest cell text, in UTF-16 units
MAX_ROWS = 1_048_576  # Excel's rows per sheet
CUT_MARK = " […] (avkortad: texten är längre än en Excel-cell rymmer; hela texten finns i " \
           "historikdatabasen)"

CHAR_PX = 5.8  # the width of an average character of 11-pt text, in pixels
BOLD = 1.1  # bold text is this much wider
PADDING_PX = 5  # a cell's inner margins
DEFAULT_COLUMN_PX = 64  # a column of Excel's default width (8.43)
LINE_PT = 15.0  # the height of a line of 11-pt text
MAX_ROW_PT = 409.0  # Excel's tallest row


def utf16_len(text: str) -> int:
    """A text's length as Excel counts it (a character outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def cell_text(text: str) -> str:
    """`text` as a cell can hold it: whole, or cut with `CUT_MARK` at its end."""
    if len(text) <= CELL_TEXT_MAX // 2 or utf16_len(text) <= CELL_TEXT_MAX:
        return text
    room, kept = CELL_TEXT_MAX - utf16_len(CUT_MARK), 0
    for i, ch in enumerate(text):
        kept += 2 if ord(ch) > 0xFFFF else 1
        if kept > room:
            return text[:i] + CUT_MARK
    return text  # not reached: the text is longer than the room


def shared_strings(wb: Workbook) -> list[str]:
    """The texts written so far, by their index in XlsxWriter's shared-string table (what
    its worksheets' cell table holds for a text cell). Call before `wb.close()`."""
    table = wb.str_table.string_table
    strings = [""] * len(table)
    for text, index in table.items():
        strings[index] = text
    return strings


def text_lines(text: str, width_px: float, bold: bool = False) -> int:
    """The lines `text` takes when wrapped at word boundaries in a cell `width_px` wide."""
    chars = max(1, int((width_px - PADDING_PX) / (CHAR_PX * (BOLD if bold else 1.0))))
    if len(text) <= chars and "\n" not in text:
        return 1  # most cells: a name, a figure's label
    return _wrapped_lines(text, chars)


@functools.lru_cache(maxsize=4096)
def _wrapped_lines(text: str, chars: int) -> int:
    """(Texts repeat: a unit's name on each of its rows, a goal on each of its indicators.)"""
    return sum(max(1, len(textwrap.wrap(part, chars, break_long_words=True)))
               for part in text.split("\n"))


def text_height(text: str, width_px: float, bold: bool = False, size: float = 11) -> float:
    """The row height, in points, that `text` needs in a cell `width_px` wide."""
    return text_lines(text, width_px * 11 / size, bold) * LINE_PT * size / 11 + 3


def column_px(ws: Worksheet, col: int) -> float:
    info = ws.col_info.get(col)
    return DEFAULT_COLUMN_PX if info is None or info.width is None else info.width


def _cell_text(cell: object, strings: list[str]) -> str | None:
    cell_type = type(cell).__name__
    if cell_type in ("String", "RichString"):
        return strings[cell.string]  # type: ignore[attr-defined]
    if cell_type == "Formula" and isinstance(cell.value, str):  # type: ignore[attr-defined]
        return cell.value  # type: ignore[attr-defined]
    return None


def fit_rows(wb: Workbook) -> None:
    """Every row with wrapped text, on every sheet, as tall as its text needs (never lower
    than set; at most Excel's 409 pt). Call when everything is written, before close."""
    from xlsxwriter.worksheet import CellStringTuple, RowInfo

    strings = shared_strings(wb)
    for ws in wb.worksheets():
        merged = {(r, c): c2 for r, c, r2, c2 in ws.merge if r == r2}
        sized = {(r, c) for r, c, r2, _ in ws.merge if r2 > r}  # sized by their writer
        widths: dict[tuple[int, int], float] = {}  # (first, last column) -> pixels
        heights: dict[tuple[str, float, bool, float], float] = {}  # texts repeat
        need: dict[int, float] = {}
        for r, row in ws.table.items():
            tallest = 0.0
            for c, cell in row.items():
                fmt = cell.format
                if fmt is None or not fmt.text_wrap:
                    continue
                text = strings[cell.string] if type(cell) is CellStringTuple \
                    else _cell_text(cell, strings)
                if not text or (sized and (r, c) in sized):
                    continue
                span = (c, merged.get((r, c), c)) if merged else (c, c)
                width = widths.get(span)
                if width is None:
                    width = widths[span] = sum(column_px(ws, k)
                                               for k in range(span[0], span[1] + 1))
                key = (text, width, bool(fmt.bold), fmt.font_size or 11)
                height = heights.get(key)
                if height is None:
                    height = heights[key] = text_height(*key)
                if height > tallest:
                    tallest = height
            if tallest > 0.0:
                need[r] = tallest
        for r, height in need.items():
            info = ws.row_info.get(r)
            current = info.height * 0.75 if info is not None and info.height else LINE_PT
            if height > current:
                # What set_row(r, points, format) stores, without its checks (a row with
                # cells is inside the sheet): 180,000 rows for 10,000 units.
                pixels = int(min(math.ceil(height), MAX_ROW_PT) * 4.0 / 3.0 + 0.5)
                ws.row_info[r] = RowInfo(height=pixels,
                                         row_format=info.row_format if info else None)
                ws.row_sizes[r] = [pixels, False]  # where charts below it are placed


__all__ = ["CELL_TEXT_MAX", "CUT_MARK", "MAX_ROWS", "MAX_ROW_PT", "cell_text", "column_px",
           "fit_rows", "shared_strings", "text_height", "text_lines", "utf16_len"]
