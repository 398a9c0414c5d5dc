"""What intraxl wrote into the master, kept inside it, to tell what the controller changed.

Every cell intraxl writes is recorded when the master is written (from XlsxWriter's own cell
table, so nothing can be left out) and stored, compressed, in the very hidden sheet
`intraxl`, which travels with the workbook and survives saving in Excel or LibreOffice.
Before a master is replaced, its cells are read as any reader sees them (python-calamine)
and compared with that record: every difference outside the controller's kept areas, and
every sheet the controller added, is a `Change`.

The kept areas are the controller's and never a change: the analysis cell of
`Sammanfattning`, the `Controller` column of `Kommentarer`, and the `Text` cells of its
administration rows (those whose `Enhet` is the administration itself).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Literal

import python_calamine as pc
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellBooleanTuple,
    CellDatetimeTuple,
    CellFormulaTuple,
    CellNumberTuple,
    CellRichStringTuple,
    CellStringTuple,
    Worksheet,
)

from .. import swedish
from ..cells import a1, rowcol
from ..xlsx import shared_strings
from .aside import Aside
from .sheet import Sheet

SHEET = "intraxl"  # very hidden: the record of what intraxl wrote
# The record's format: 2 keeps the Data sheet's text columns coded. An intraxl that knows
# only 1 finds no record it can read in a master of format 2 (and says so) rather than
# taking the coded columns for cells.
MARK = "intraxl-fingerprint-2"
MARKS = ("intraxl-fingerprint-1", MARK)  # the formats this intraxl reads
SEAL = b"intraxl-sha256:"  # the zip comment of a master as intraxl wrote it, then its digest
CHUNK = 32_000  # characters per cell (Excel's limit is 32,767)
EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (1900 date system)


@dataclass(frozen=True)
class Formula:
    """A formula cell: the formula and the value stored with it. Compared by its value when
    the master holds one (as Excel and LibreOffice save it), else by its text (openpyxl, for
    one, saves formulas without their values)."""

    text: str  # with its leading "="
    value: Any = None  # the value as the record keeps it (`canonical`)


Value = str | float | bool | Formula | None


def _from_datetime(v: dt.date | dt.time | dt.timedelta) -> str:
    """A date or time as text, the same whichever side it comes from: a date alone when
    it has no time of day."""
    if isinstance(v, dt.timedelta):
        v = EPOCH + v
    if isinstance(v, dt.time):
        return v.replace(microsecond=0).isoformat()
    if not isinstance(v, dt.datetime):
        return v.isoformat()
    v = (v + dt.timedelta(microseconds=500_000)).replace(microsecond=0)
    return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")


def _from_serial(serial: float) -> str:
    return _from_datetime(EPOCH + dt.timedelta(days=serial))


def canonical(v: Any) -> Value:
    """A cell's value as python-calamine reads it, in the form the record keeps."""
    if v is None or v == "":
        return None
    if isinstance(v, bool | str):
        return v
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, dt.date | dt.time | dt.timedelta):
        return _from_datetime(v)
    return str(v)


# --- recording what intraxl writes ---------------------------------------------------------

def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _written(ws: Worksheet, strings: list[str]) -> list[list[Any]]:
    """The cells of an XlsxWriter worksheet as a reader will see them, a row at a time as
    [row, col, value, col, value, ...] (a formula's value as {"f": text, "v": value});
    empty cells and rows left out."""
    out: list[list[Any]] = []
    for r, row in ws.table.items():
        entry: list[Any] = [r]
        for c, cell in row.items():
            kind = type(cell)  # XlsxWriter's cell records, the common ones first
            if kind is CellStringTuple or kind is CellRichStringTuple:
                text = strings[cell.string]
                if text:
                    entry += (c, text)
            elif kind is CellNumberTuple:
                entry += (c, float(cell.number))
            elif kind is CellBlankTuple:
                continue
            elif kind is CellDatetimeTuple:
                entry += (c, _from_serial(cell.number))
            elif kind is CellBooleanTuple:
                entry += (c, bool(cell.boolean))
            elif kind is CellFormulaTuple:
                entry += (c, {"f": f"={cell.formula}", "v": canonical(cell.value)})
            # errors, array formulas: nothing the master writes
        if len(entry) > 1:
            out.append(entry)
    return out


def _body(ws: Worksheet, strings: list[str]) -> Iterator[list[Any] | dict[str, Any]]:
    """The Data sheet's rows 2.., which it writes itself, a column at a time: each text
    column coded, {"texts": {code: text}, "codes": [code, ...]} (a few hundred texts repeat
    over 500,000 rows: for 10,000 units those columns' JSON took 0.48 s, 0.27 s coded, and
    the whole record 93 MB, 79 MB coded), the values as they are."""
    codes, text_of, values = ws.body()
    for column, texts in zip(codes, text_of, strict=True):
        yield {"texts": texts, "codes": column}
    yield [strings[v] if kind == "s" else _from_serial(v) if kind == "d" else
           float(v) if kind == "n" else None for kind, v in values]


def _column(column: list[Any] | dict[str, Any]) -> list[Any]:
    """A recorded body column as its values (a coded text column decoded)."""
    if isinstance(column, dict):
        texts = column["texts"]
        return [texts[code] for code in column["codes"]]
    return column


def _record(sheets: list[Worksheet], strings: list[str]
            ) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every non-empty cell of `sheets`, a sheet at a time: its name, and its cells as rows
    [row, col, value, col, value, ...] (a formula as {"f": text, "v": value}), for the Data
    sheet also its rows from the second on as columns (an iterator)."""
    for ws in sheets:
        sheet: dict[str, Any] = {"rows": _written(ws, strings)}
        if hasattr(ws, "body"):
            sheet["columns"] = _body(ws, strings)
        yield ws.get_name(), sheet


def _packed(recorded: Iterable[tuple[str, dict[str, Any]]]) -> bytes:
    """The record as JSON {sheet: {"rows": [...], "columns": [...]}}, compressed and in
    base64, encoded and compressed a part at a time, so that the whole text is never held
    (80 MB for 10,000 units)."""
    packer = zlib.compressobj(1)
    # Compressed on a thread of its own (zlib lets go of Python's lock while it works) while
    # this one writes the next part's JSON; one thread, so the parts go in in order.
    with ThreadPoolExecutor(1, thread_name_prefix="intraxl-record") as pool:
        pending: list[Future[bytes]] = []

        def put(text: str) -> None:
            pending.append(pool.submit(packer.compress, text.encode()))

        put("{")
        for i, (name, sheet) in enumerate(recorded):
            put(f'{"," if i else ""}{_json(name)}:{{"rows":{_json(sheet["rows"])}')
            sheet["rows"] = None  # done with: let it go before the next sheet's
            if "columns" in sheet:
                put(',"columns":[')
                for j, column in enumerate(sheet["columns"]):
                    put(("," if j else "") + _json(column))
                put("]")
            put("}")
        put("}")
        parts = [p.result() for p in pending]
    parts.append(packer.flush())
    return base64.b64encode(b"".join(parts))


class RecordSheet(Sheet):
    """The sheet `intraxl`: the mark in A1, the packed record from A2 down, `CHUNK`
    characters a cell. Its texts are written in the cells (inline), not in the workbook's
    shared strings: the record is finished while the workbook is closed, and closing fixes
    XlsxWriter's table of shared strings before the first sheet is written."""

    def __init__(self) -> None:
        super().__init__()
        self.packed: Callable[[], bytes] = lambda: b""  # the record, when it is done
        self._texts: list[str] = []

    def _assemble_xml_file(self) -> None:
        packed = self.packed().decode("ascii")
        self._texts = [MARK, *(packed[i:i + CHUNK] for i in range(0, len(packed), CHUNK))]
        self._check_dimensions(0, 0)
        self._check_dimensions(len(self._texts) - 1, 0)
        super()._assemble_xml_file()

    def _write_sheet_data(self) -> None:
        self._xml_start_tag("sheetData")
        for r, text in enumerate(self._texts, start=1):  # base64: nothing to escape
            self.fh.write(f'<row r="{r}" spans="1:1"><c r="A{r}" t="inlineStr"><is><t>{text}'
                          '</t></is></c></row>')
        self._xml_end_tag("sheetData")


def write(wb: Workbook) -> Aside:
    """The record of every cell written so far, compressed, as the very hidden sheet
    `intraxl` (the last sheet). The record is made by a copy of this process while this one
    goes on to close the workbook (`Aside`): for 10,000 units its 4.8 million cells take
    0.9 s. Call when every cell is written, before `wb.close()`; `cancel` the result after
    it, which ends the copy if the workbook failed before its record was written."""
    strings = shared_strings(wb)  # now: closing the workbook empties XlsxWriter's table
    sheets = list(wb.worksheets())
    made = Aside(lambda: _packed(_record(sheets, strings)))
    ws = wb.add_worksheet(SHEET, worksheet_class=RecordSheet)
    ws.packed = made.result
    ws.very_hidden()
    return made


def _cells(sheet: dict[str, Any]) -> dict[tuple[int, int], Value]:
    """A sheet's recorded cells: kept as rows [row, col, value, col, value, ...], or, by an
    earlier intraxl, as cells [row, col, value]."""
    def value(v: Any) -> Value:
        return Formula(v["f"], v["v"]) if isinstance(v, dict) else v

    if "rows" not in sheet:
        return {(r, c): value(v) for r, c, v in sheet["cells"]}
    return {(entry[0], entry[i]): value(entry[i + 1]) for entry in sheet["rows"]
            for i in range(1, len(entry), 2)}


Recorded = dict[str, tuple[dict[tuple[int, int], Value], list[list[Value]] | None]]


def read(wb: pc.CalamineWorkbook) -> Recorded | None:
    """The record in a master, or None when it has none (an older intraxl wrote it): per
    sheet its cells, and the Data sheet's rows from the second on as columns."""
    if SHEET not in wb.sheet_names:
        return None
    rows = wb.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    if not rows or rows[0][0] not in MARKS:
        return None
    packed = "".join(str(r[0]) for r in rows[1:] if r and r[0])
    try:
        data = json.loads(zlib.decompress(base64.b64decode(packed)))
    except (ValueError, zlib.error):
        return None  # damaged: treated as a master without a record
    return {name: (_cells(sheet), [_column(c) for c in sheet["columns"]] if sheet.get(
        "columns") else sheet.get("columns")) for name, sheet in data.items()}


# --- comparing -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """A difference between what intraxl wrote and the master as it is now."""

    sheet: str
    kind: Literal["cell", "added", "removed", "unknown"]
    cell: str | None = None
    old: Value = None
    new: Value = None

    def __str__(self) -> str:
        if self.kind == "cell":
            return f"{self.sheet}!{self.cell}: {shown(self.old)} → {shown(self.new)}"
        if self.kind == "added":
            return f"{self.sheet}: a sheet added by hand"
        if self.kind == "removed":
            return f"{self.sheet}: a sheet intraxl wrote is gone (deleted or renamed)"
        return ("there is no record of what intraxl wrote in it (an older intraxl made it), "
                "so changes cannot be told")


def shown(v: Value) -> str:
    """A value in a change list: text quoted and cut, numbers in Swedish."""
    if v is None:
        return "(empty)"
    if isinstance(v, bool):
        return str(v).upper()
    if isinstance(v, Formula):
        return shown(v.value)
    if isinstance(v, float):
        decimals = 0 if v.is_integer() else min(6, len(repr(v).split(".")[-1]))
        return swedish.number(v, decimals)
    text = v if len(v) <= 60 else v[:57] + "…"
    return repr(text)


def _same(a: Value, b: Value) -> bool:
    if isinstance(a, Formula):
        return a.text == b.text if isinstance(b, Formula) else _same(a.value, b)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
    return a == b and type(a) is type(b)


def _kept(written: Recorded, administration: str) -> set[tuple[str, int, int]]:
    """The cells that are the controller's, located in the record: the analysis cell, and in
    Kommentarer's table the Controller column and the administration rows' Text cells."""
    from .writer import ANALYSIS_CELL, COMMENTS_SHEET

    kept = {("Sammanfattning", *ANALYSIS_CELL)}
    comments = written[COMMENTS_SHEET][0] if COMMENTS_SHEET in written else {}
    header = next(((r, c) for (r, c), v in comments.items() if v == "Controller"), None)
    if header is None:
        return kept
    top = header[0]
    columns = {v: c for (r, c), v in comments.items() if r == top}
    rows = {r for (r, _) in comments if r > top}
    for r in rows:
        kept.add((COMMENTS_SHEET, r, columns["Controller"]))
        if comments.get((r, columns.get("Enhet", -1))) == administration:
            kept.add((COMMENTS_SHEET, r, columns["Text"]))
    return kept


def _sheet_changes(sheet: str, rows: list[list[Any]], cells: dict[tuple[int, int], Value],
                   columns: list[list[Value]] | None,
                   kept: set[tuple[str, int, int]]) -> list[Change]:
    """The differences on one sheet, outside the kept cells, between its record and its rows
    as read now. A body kept as columns (the Data sheet) is compared column by column first,
    and cell by cell only when a column differs."""
    body, width = 0, 0
    if columns:
        n, width = len(columns[0]), len(columns)
        current = [[canonical(row[c]) if c < len(row) else None for row in rows[1:n + 1]]
                   for c in range(width)]
        if current == columns:
            body = n  # rows 1..n, columns 0..width-1: as written
        else:
            cells = cells | {(r, c): v for c, column in enumerate(columns)
                             for r, v in enumerate(column, start=1) if v is not None}
    now: dict[tuple[int, int], Value] = {}
    for r, row in enumerate(rows):
        for c in range(width if 1 <= r <= body else 0, len(row)):
            if (v := canonical(row[c])) is not None:
                now[(r, c)] = v
    return [Change(sheet, "cell", a1(r, c), cells.get((r, c)), now.get((r, c)))
            for r, c in sorted(cells.keys() | now.keys())
            if not (1 <= r <= body and c < width) and (sheet, r, c) not in kept
            and not _same(cells.get((r, c)), now.get((r, c)))]


def _formulas(path: str, sheets: list[str]) -> dict[str, dict[tuple[int, int], Formula]]:
    """The formula cells of `sheets` (python-calamine reads only their values)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {sheet: {(cell.row - 1, cell.column - 1): Formula(cell.value)
                        for row in book[sheet].iter_rows() for cell in row
                        if getattr(cell, "data_type", None) == "f"} for sheet in sheets}
    finally:
        book.close()


def changes(path: str, administration: str) -> list[Change]:
    """What differs in the master at `path` from what intraxl wrote into it."""
    wb = pc.CalamineWorkbook.from_path(path)
    try:
        written = read(wb)
        if written is None:
            return [Change("", "unknown")]
        kept = _kept(written, administration)
        present = [s for s in wb.sheet_names if s != SHEET]
        found = [Change(s, "removed") for s in written if s not in present]
        found += [Change(s, "added") for s in present if s not in written]
        for sheet in (s for s in present if s in written):
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            found += _sheet_changes(sheet, rows, *written[sheet], kept)
    finally:
        wb.close()
    # A formula whose value is gone (saved by a program that stores none), and a formula of a
    # sheet the controller added (carried with the value it had, which their spreadsheet
    # program recalculates), is compared by its text, read with openpyxl only for the sheets
    # where that happened.
    from .writer import SHEETS

    def by_text(c: Change) -> bool:
        return isinstance(c.old, Formula) and (c.new is None or c.sheet not in SHEETS)

    if not any(by_text(c) for c in found):
        return found
    texts = _formulas(path, sorted({c.sheet for c in found if by_text(c)}))
    return [c for c in found if not (by_text(c) and c.cell and isinstance(c.old, Formula)
                                     and texts[c.sheet].get(rowcol(c.cell), Formula("")).text
                                     == c.old.text)]


Carried = dict[tuple[int, int], tuple[Any, Any]]  # (row, col) -> (value or Formula, value)


def added_sheets(path: str, names: list[str]) -> dict[str, Carried]:
    """The cells of sheets the controller added, to carry into the new master: each cell's
    value as read (dates as dates), and for a formula the `Formula` with its stored value."""
    wb = pc.CalamineWorkbook.from_path(path)
    try:
        values = {name: {(r, c): x for r, row in enumerate(
            wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for c, x in enumerate(row) if x is not None and x != ""} for name in names}
    finally:
        wb.close()
    formulas = _formulas(path, names)
    return {name: {rc: (formulas[name].get(rc, v), v) for rc, v in values[name].items()}
            | {rc: (f, None) for rc, f in formulas[name].items() if rc not in values[name]}
            for name in names}


# --- the seal: a master exactly as intraxl wrote it ----------------------------------------

def seal(path: str) -> None:
    """Mark the workbook at `path`, just written, as intraxl's own: the zip archive's comment
    (which no spreadsheet program reads, and none keeps when it saves) becomes the sha256 of
    the file as written. Cells, sheets and the record are untouched."""
    with open(path, "r+b") as fh:
        data = fh.read()
        if not _plain_end(data):
            return  # not a zip file as XlsxWriter writes one: left unsealed, checked in full
        comment = SEAL + hashlib.sha256(data).hexdigest().encode()
        fh.seek(len(data) - 2)
        fh.write(len(comment).to_bytes(2, "little") + comment)


def sealed(path: str) -> bool:
    """The master at `path` is byte for byte the file intraxl wrote, so nothing in it was
    changed since: the check cell by cell can be skipped. Any other file (saved by Excel or
    LibreOffice, changed by a program that kept the comment, written by an older intraxl)
    is not."""
    size = len(SEAL) + 64
    with open(path, "rb") as fh:
        data = fh.read()
    comment, head = data[-size:], data[:-size - 2]
    if (len(data) < 22 + size or not comment.startswith(SEAL)
            or data[-size - 2:-size] != size.to_bytes(2, "little")
            or head[-20:-16] != b"PK\x05\x06"):
        return False
    return hashlib.sha256(head + b"\x00\x00").hexdigest().encode() == comment[len(SEAL):]


def _plain_end(data: bytes) -> bool:
    """The file ends with a zip end-of-central-directory record without a comment."""
    return len(data) >= 22 and data[-22:-18] == b"PK\x05\x06" and data[-2:] == b"\x00\x00"


__all__ = ["SHEET", "Carried", "Change", "Formula", "added_sheets", "canonical", "changes", "read",
           "seal", "sealed", "shown", "write"]
