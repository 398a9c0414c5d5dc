"""master/sheet.py writes the cells of a worksheet itself: the file must be the one XlsxWriter
alone writes from the same calls, part by part."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import xlsxwriter
from xlsxwriter.exceptions import OverlappingRange
from xlsxwriter.worksheet import Worksheet

from intraxl.master.sheet import Sheet
from intraxl.master.writer import Formula, write


def _book(sheet_class: type) -> dict[str, bytes]:
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("Blad", worksheet_class=sheet_class)
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    money = wb.add_format({"num_format": "# ##0", "bold": True})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    rows = [[("Enhet", None), ("Belopp", None), ("Datum", None), ("Text", None)]]
    for i in range(40):
        rows.append([
            (f"Enhet {i} & <co>", wrap), (i * 1.5 if i % 7 else None, money),
            (dt.date(2023, 2, 1 + i % 28), date) if i % 5 else (float("nan"), date),
            ("=inte en formel" if i % 3 == 0 else True if i % 3 == 1 else "", wrap)])
    ws.set_column(0, 0, 30)
    ws.add_table(2, 0, 2 + len(rows) - 1, 3, {
        "name": "Tabell", "columns": [{"header": h} for h, _ in rows[0]]})
    if sheet_class is Sheet:
        ws.write_rows(3, 0, rows[1:])
    else:  # what the master wrote cell by cell before
        for r, row in enumerate(rows[1:], start=3):
            for c, (value, fmt) in enumerate(row):
                _write_plain(ws, r, c, value, fmt)
    formulas = [(Formula("=SUM(B4:B43)", 1170.0), money), (Formula('=IF(1,"a","b")', "a"), None),
                (Formula("=1=1", True), None), (Formula("=1/0", "#DIV/0!"), None),
                (Formula("=A1&\"<x>\"", ""), wrap)]
    for c, (f, fmt) in enumerate(formulas):
        if sheet_class is Sheet:
            ws.write_cells(45, c, [(f, fmt)])
        else:
            ws.write_formula(45, c, f.text, fmt, f.value)
    ws.set_row(10, 40)
    ws.set_row(50, 30, money)  # a row with a format and no cells
    ws.set_row(12, 20, money, {"hidden": True, "level": 2, "collapsed": True})
    ws.set_row(13, None, wrap)
    ws.merge_range(47, 0, 47, 3, "", wrap)
    write(ws, 47, 0, "sammanfogad", wrap) if sheet_class is Sheet else \
        ws.write_string(47, 0, "sammanfogad", wrap)
    ws.write_string(0, 0, "Rubrik")
    ws.write_rich_string(1, 0, "fet ", money, "text")  # not one the fast path writes
    ws.freeze_panes(3, 0)
    wb.close()
    with zipfile.ZipFile(out) as z:
        return {n: z.read(n) for n in z.namelist()}


def _write_plain(ws: Worksheet, r: int, c: int, value, fmt) -> None:
    from intraxl.consolidate import blank

    if blank(value):
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(r, c, "Ja" if value else "", fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    elif isinstance(value, (dt.datetime, dt.date)):
        ws.write_datetime(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def test_the_master_sheet_writes_the_file_xlsxwriter_writes():
    fast, plain = _book(Sheet), _book(Worksheet)
    assert fast.keys() == plain.keys()
    for name in plain:
        assert fast[name] == plain[name], name


def test_overlapping_tables_and_merges_are_still_refused():
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    ws = wb.add_worksheet("Blad", worksheet_class=Sheet)
    ws.add_table(0, 0, 100, 3, {"name": "A"})
    with pytest.raises(OverlappingRange):
        ws.add_table(50, 2, 60, 5, {"name": "B"})  # past the rows XlsxWriter is shown
    with pytest.raises(OverlappingRange):
        ws.merge_range(80, 1, 80, 4, "")
    ws.merge_range(120, 0, 120, 3, "")
    with pytest.raises(OverlappingRange):
        ws.add_table(110, 0, 130, 1, {"name": "C"})
    wb.close()


def test_the_master_book_compresses_in_pieces_to_the_same_parts(tmp_path, monkeypatch):
    """master/book.py compresses the sheets on threads, a large part in pieces: the archive
    holds the parts XlsxWriter alone writes, and every zip reader reads it."""
    from intraxl.master import book

    def write(path, workbook_class):
        wb = workbook_class(str(path))
        wb.set_properties({"created": dt.datetime(2023, 3, 7, 8, 0)})  # both in the same second
        for n in range(3):
            ws = wb.add_worksheet(f"Blad{n}", worksheet_class=Sheet)
            ws.write_rows(0, 0, [[(f"text {r} {n} å", None), (r * 1.5, None)]
                                 for r in range(2000)])
        wb.close()
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None
            return {i.filename: (z.read(i), i.date_time, i.external_attr) for i in z.infolist()}

    monkeypatch.setattr(book, "PIECE", 4096)  # every sheet in pieces
    fast = write(tmp_path / "book.xlsx", book.Book)
    plain = write(tmp_path / "plain.xlsx", xlsxwriter.Workbook)
    assert list(fast) == list(plain) and fast == plain
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "plain.xlsx"]
