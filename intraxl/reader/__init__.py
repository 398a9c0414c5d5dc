"""Stage 4a — read: a submitted workbook -> raw tables, never re-saved, never a traceback.

Blocks are located by their Excel table name, falling back to the header row on the sheet
of that name (a file re-saved by LibreOffice, or a table converted to a range, still reads).
Values come from python-calamine (the values Excel stored, formula results included); the
cells calamine cannot describe (Excel errors, formulas without a stored value) are found in
the sheet XML.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc

from .. import contract
from ..cells import a1
from ..contract import TableSpec
from ..issues import Issue, make
from .links import hyperlinks, with_target
from .package import MAX_FILE_BYTES, Package, PackageRejected, inspect, special_cells

HEADER_SEARCH_ROWS = 30  # the fallback looks for a header row among the first rows
MAX_TABLE_ROWS = 5000  # a template's tables have tens of rows
DIMENSION = re.compile(rb'<dimension ref="[A-Z]{1,3}[0-9]{1,7}:[A-Z]{1,3}([0-9]{1,7})"')


@dataclass
class RawRow:
    row: int  # zero-based sheet row
    values: dict[str, Any]  # header -> value; empty cells are None
    # Typed just below the table (a spreadsheet does not always grow the table when one
    # types there), read as the table's own: only for tables that take new rows.
    below_table: bool = False


@dataclass
class RawTable:
    spec: TableSpec
    sheet: str
    header_row: int  # zero-based
    columns: dict[str, int]  # header -> zero-based column
    rows: list[RawRow] = field(default_factory=list)

    def cell(self, row: RawRow, column: str) -> str:
        return a1(row.row, self.columns[column])


@dataclass
class RawWorkbook:
    path: Path
    sha256: str
    size: int
    tables: dict[str, RawTable] = field(default_factory=dict)
    # (sheet, A1) -> ("error", "#REF!") | ("formula", None)
    special: dict[tuple[str, str], tuple[str, str | None]] = field(default_factory=dict)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_workbook(path: str | Path) -> tuple[RawWorkbook | None, list[Issue]]:
    """Read the contract's tables from `path`. (None, issues) when the file cannot be opened;
    a workbook without tables, and the issues, when it is not a workbook we can read (its
    checksum still tells it apart from every other file)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= MAX_FILE_BYTES else None  # read once, for all
        sha = hashlib.sha256(data).hexdigest() if data is not None else sha256_of(path)
    except OSError as e:
        return None, [make("unreadable-file", reason=e.strerror)]
    raw = RawWorkbook(path, sha, size)
    try:
        package = inspect(path, data)
    except PackageRejected as e:
        return raw, [e.issue]
    except Exception as e:  # noqa: BLE001 - whatever else a broken zip raises
        return raw, [_corrupt(e)]
    try:
        return raw, _read_tables(raw, package)
    except BaseException as e:  # noqa: BLE001 - a calamine panic is a BaseException
        if isinstance(e, MemoryError) or not (isinstance(e, Exception) or is_calamine_panic(e)):
            raise  # KeyboardInterrupt, SystemExit and the like are not the file's fault
        raw.tables.clear()
        raw.special.clear()
        if isinstance(e, PackageRejected):
            return raw, [e.issue]
        if isinstance(e, pc.PasswordError):
            return raw, [make("encrypted-file")]
        return raw, [_corrupt(e)]
    finally:
        package.close()


def is_calamine_panic(e: BaseException) -> bool:
    """True when `e` is a Rust panic inside python-calamine: pyo3's PanicException, a
    BaseException of module "pyo3_runtime" that pyo3 creates on the first panic and exports
    nowhere, so it is recognised by name."""
    return type(e).__name__ == "PanicException" and type(e).__module__ == "pyo3_runtime"


def _corrupt(e: BaseException) -> Issue:
    return make("corrupt-file", detail=f"{type(e).__name__}: {str(e)[:200]}")


def _too_many_rows(name: str, n: int) -> PackageRejected:
    return PackageRejected("too-many-rows", name=name, rows=n)


def _read_tables(raw: RawWorkbook, package: Package) -> list[Issue]:
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(package.data), load_tables=True)
    try:
        table_names = set(wb.table_names or ())
    except Exception:  # noqa: BLE001 - tables unsupported or unreadable: use the fallback
        table_names = set()
    sheets: dict[str, list[list[Any]]] = {}

    def sheet_rows(name: str) -> list[list[Any]]:
        if name not in sheets:
            sheet = wb.get_sheet_by_name(name)
            if sheet.height > MAX_TABLE_ROWS + HEADER_SEARCH_ROWS:
                raise _too_many_rows(name, sheet.height)
            sheets[name] = sheet.to_python(skip_empty_area=False)
        return sheets[name]

    issues: list[Issue] = []
    for spec in contract.TABLES:
        if spec.name in table_names:
            # The table itself: its data rows, at sheet row t.start[0] + i.
            t = wb.get_table_by_name(spec.name)
            assert t.start is not None and t.end is not None  # a table always has its range
            start, end = t.start, t.end
            if end[0] - start[0] > MAX_TABLE_ROWS:
                raise _too_many_rows(t.sheet, end[0] - start[0])
            sheet_name, header_row = t.sheet, start[0] - 1
            columns = {str(h).strip(): start[1] + i for i, h in enumerate(t.columns)}
            # (first sheet row, first column, rows, typed below the table)
            parts = [(start[0], start[1], t.to_python(), False)]
            if spec.takes_new_rows and _typed_below(package, t.sheet, end[0]):
                below = end[0] + 1
                parts.append((below, 0, sheet_rows(t.sheet)[below:], True))
        elif spec.name in wb.sheet_names and (
                found := _find_header(spec, sheet_rows(spec.name))) is not None:
            # A table converted to a range, or dropped by another program: the header row.
            sheet_name, header_row, columns = spec.name, found[0], found[1]
            parts = [(header_row + 1, 0, sheet_rows(spec.name)[header_row + 1:], False)]
        else:
            on_sheet = spec.name in wb.sheet_names
            issues.append(make("missing-table", "sheet" if on_sheet else "",
                               sheet=spec.name if on_sheet else None, table=spec.name))
            continue
        missing = [c for c in spec.columns if c not in columns]
        renamed = _renamed(spec, columns, missing) if missing else {}
        for column in missing:
            header, col = renamed.get(column, ("", min(columns.values(), default=0)))
            if header:
                columns[column] = col  # its values are read all the same
            issues.append(make("missing-column", "renamed" if header else "", sheet=sheet_name,
                               cell=a1(header_row, col), table=spec.name, column=column,
                               header=header))
        if len(renamed) < len(missing):
            continue
        table = RawTable(spec, sheet_name, header_row, {c: columns[c] for c in spec.columns})
        for first_row, offset, data, below_table in parts:
            at = {c: i - offset for c, i in table.columns.items()}
            for r, line in enumerate(data, start=first_row):
                values = {c: _clean(line[i]) if i < len(line) else None for c, i in at.items()}
                if any(v is not None for v in values.values()):
                    table.rows.append(RawRow(r, values, below_table))
        raw.tables[spec.name] = table
    for sheet_name in {t.sheet for t in raw.tables.values()}:
        part = package.sheet_parts.get(sheet_name)
        if part:
            for ref, what in special_cells(package, part).items():
                raw.special[(sheet_name, ref)] = what
            if links := hyperlinks(package, part):
                _keep_link_targets([t for t in raw.tables.values() if t.sheet == sheet_name],
                                   links)
    if not raw.tables and not any(i.code == "missing-column" for i in issues):
        return [make("not-a-template")]
    return issues


def _keep_link_targets(tables: list[RawTable], links: dict[str, str]) -> None:
    """A linked cell of prose holds its text and where the link leads (calamine gives only
    the text); a link on a figure or a closed-list value changes nothing."""
    for table in tables:
        prose = [c for c in table.columns if c in contract.PROSE_COLUMNS]
        for row in table.rows:
            for column in prose:
                text, target = row.values.get(column), links.get(table.cell(row, column))
                if target and isinstance(text, str):
                    row.values[column] = with_target(text, target)


def _renamed(spec: TableSpec, columns: dict[str, int],
             missing: list[str]) -> dict[str, tuple[str, int]]:
    """The missing columns whose header was renamed: {column: (header, sheet column)}, when
    a header the template does not have stands in the column's place, counted from the
    nearest of its neighbours (in the template's order) that is there."""
    others = {col: header for header, col in columns.items() if header not in spec.columns}
    present = [j for j, c in enumerate(spec.columns) if c in columns]
    out = {}
    for column in missing:
        k = spec.columns.index(column)
        if present:
            j = min(present, key=lambda j: abs(j - k))
            place = columns[spec.columns[j]] + k - j
            if place in others:
                out[column] = (others[place], place)
    return out


def _typed_below(package: Package, sheet: str, last_row: int) -> bool:
    """Whether the sheet may hold anything below `last_row` (zero-based): what its
    `<dimension>` says, read from the first bytes of its part (where Excel, LibreOffice and
    XlsxWriter write it), else True. Parsing the sheet to learn that costs more."""
    part = package.sheet_parts.get(sheet)
    found = DIMENSION.search(package.read(part)[:1024]) if part else None
    return found is None or int(found.group(1)) - 1 > last_row


def _find_header(spec: TableSpec, rows: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    """The row among the first ones holding most of `spec`'s headers: (row, columns)."""
    best = None
    for r, line in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cols = {str(v).strip(): i for i, v in enumerate(line) if isinstance(v, str) and v.strip()}
        hits = sum(1 for c in spec.columns if c in cols)
        if hits and (best is None or hits > best[0]):
            best = (hits, r, cols)
    if best is None or best[0] < max(1, len(spec.columns) // 2):
        return None
    return best[1], best[2]


__all__ = ["RawRow", "RawTable", "RawWorkbook", "read_workbook", "sha256_of"]
