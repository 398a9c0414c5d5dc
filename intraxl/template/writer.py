"""Stage 2 — template: a unit's layout -> an .xlsx workbook, written with XlsxWriter.

Only this module knows how a template looks (formats, widths, protection, validations).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Format, Workbook
from xlsxwriter.worksheet import Worksheet

from .. import __version__, contract, swedish
from ..cells import a1
from ..files import replaced_atomically
from ..issues import Issue, Severity
from ..mappings import Mappings
from ..mappings.models import Unit
from ..periods import Period
from ..swedish import EXCEL_FORMATS
from ..xlsx import cell_text, fit_rows
from .layout import FIRST_DATA_ROW, HEADER_ROW, Cell, SheetLayout, TemplateValues, build_layout

GREY = "#D9D9D9"
MARKED = "#FFC7CE"  # a cell with a problem, in the feedback workbook
HEADER = "#1F4E79"
NUM_FORMATS = {
    "tkr": EXCEL_FORMATS["amount"], "integer": EXCEL_FORMATS["amount"],
    "number": EXCEL_FORMATS["decimal"], "percent": EXCEL_FORMATS["percent"],
    "date": EXCEL_FORMATS["date"],
}
# Bounds for validations: wide, but they stop text and absurd numbers.
MAX_AMOUNT = 1e9
DATE_MIN, DATE_MAX = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class _Formats:
    """One Format per (input, value type, marked), created on first use."""

    def __init__(self, wb: Workbook):
        self.wb = wb
        self._cache: dict[tuple[bool, str, bool], Format] = {}
        self.title = wb.add_format({"bold": True, "font_size": 14, "font_color": HEADER})
        self.hint = wb.add_format({"italic": True, "font_color": "#595959"})
        self.header = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER,
                                     "text_wrap": True, "valign": "top", "border": 1})
        self.legend_grey = wb.add_format({"bg_color": GREY, "border": 1})
        self.legend_white = wb.add_format({"bg_color": "#FFFFFF", "border": 1, "locked": False})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})

    def cell(self, c: Cell, marked: bool = False) -> Format:
        key = (c.input, c.value_type, marked)
        if key not in self._cache:
            props: dict[str, Any] = {"border": 1, "border_color": "#A6A6A6", "valign": "top"}
            props["locked"] = not c.input
            props["bg_color"] = MARKED if marked else "#FFFFFF" if c.input else GREY
            if marked:
                props.update(border=2, border_color="#C00000")
            if c.value_type in NUM_FORMATS:
                props["num_format"] = NUM_FORMATS[c.value_type]
            if c.value_type == "longtext" or (c.value_type == "text" and not c.input):
                props["text_wrap"] = True
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]


def _write_value(ws: Worksheet, row: int, col: int, value: Any, fmt: Format) -> None:
    """Write by the value's own type: text stays text even if it starts with '='."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(row, col, value, fmt)
    else:
        ws.write_string(row, col, cell_text(str(value)), fmt)


def _validation(c: Cell) -> dict[str, Any] | None:
    if c.value_type == "list":
        v: dict[str, Any] = {"validate": "list", "source": [str(o) for o in c.options],
                             "error_message": "Välj ett värde i listan."}
    elif c.value_type == "integer":
        v = {"validate": "integer", "criteria": "between", "minimum": 0,
             "maximum": int(MAX_AMOUNT), "error_message": "Ange ett heltal, 0 eller större."}
    elif c.value_type == "number":
        v = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": MAX_AMOUNT,
             "error_message": "Ange ett tal, 0 eller större."}
    elif c.value_type == "tkr":
        v = {"validate": "decimal", "criteria": "between", "minimum": -MAX_AMOUNT,
             "maximum": MAX_AMOUNT, "error_message": "Ange ett belopp i tkr."}
    elif c.value_type == "percent":
        v = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1,
             "error_message": "Ange en andel mellan 0 % och 100 %."}
    elif c.value_type == "date":
        v = {"validate": "date", "criteria": "between", "minimum": DATE_MIN,
             "maximum": DATE_MAX, "error_message": "Ange ett datum, t.ex. 2023-12-31."}
    elif c.message:
        v = {"validate": "any"}
    else:
        return None
    v["error_title"] = "Ogiltigt värde"
    if c.message:
        v["input_title"] = c.title[:32]
        v["input_message"] = c.message[:255]
    return v


Marks = dict[tuple[str, str, str], list[str]]  # (table, row key, column) -> messages


def row_keys(sheet: SheetLayout) -> list[str | None]:
    """Each layout row's key; a unit's new risks go by ny-1, ny-2, ... (as in validation)."""
    keys: list[str | None] = []
    new = 0
    for row in sheet.rows:
        key = row[sheet.table.key].value
        if key is None and sheet.name == contract.RISKS.name:
            new += 1
            keys.append(contract.new_risk_key(new))
        else:
            keys.append(None if key is None else str(key))
    return keys


def _write_sheet(wb: Workbook, fmt: _Formats, sheet: SheetLayout, marks: Marks) -> None:
    ws = wb.add_worksheet(sheet.name)
    columns = sheet.table.columns
    ws.write_string(0, 0, sheet.title, fmt.title)
    ws.write_string(1, 0, sheet.hint, fmt.hint)
    for col, width in enumerate(sheet.widths):
        ws.set_column(col, col, width)
    rows = sheet.rows or [{c: Cell() for c in columns}]  # a table needs one data row
    last_row = FIRST_DATA_ROW + len(rows) - 1
    ws.add_table(HEADER_ROW, 0, last_row, len(columns) - 1, {
        "name": sheet.name, "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": h, "header_format": fmt.header} for h in columns],
    })
    keys = row_keys(sheet) if sheet.rows else [None]
    for r, (row, key) in enumerate(zip(rows, keys, strict=False), start=FIRST_DATA_ROW):
        for col, header in enumerate(columns):
            cell = row[header]
            messages = marks.get((sheet.name, key or "", header), [])
            _write_value(ws, r, col, cell.value, fmt.cell(cell, marked=bool(messages)))
            if messages:
                ws.write_comment(r, col, "\n".join(messages),
                                 {"author": "intraxl", "x_scale": 2.5, "y_scale": 2})
    if sheet.beside:  # outside the table, one empty column apart: read by no one
        header, cells = sheet.beside
        col = len(columns) + 1
        ws.set_column(col, col, 16)
        ws.write_string(HEADER_ROW, col, header, fmt.header)
        for r, cell in enumerate(cells, start=FIRST_DATA_ROW):
            _write_value(ws, r, col, cell.value, fmt.cell(cell))
    # One validation per run of identical input cells down a column.
    for col, header in enumerate(columns):
        start = None
        for r in range(len(rows) + 1):
            current: Cell | None = rows[r][header] if r < len(rows) else None
            same = start is not None and current is not None and current.input \
                and _validation(current) == _validation(rows[start][header])
            if start is not None and not same:
                v = _validation(rows[start][header])
                if v:
                    ws.data_validation(FIRST_DATA_ROW + start, col,
                                       FIRST_DATA_ROW + r - 1, col, v)
                start = None
            if start is None and current is not None and current.input:
                start = r
    ws.freeze_panes(FIRST_DATA_ROW, 0)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)


def _write_instructions(wb: Workbook, fmt: _Formats, m: Mappings, unit: Unit,
                        period: Period) -> None:
    ws = wb.add_worksheet(contract.TEMPLATE_SHEETS_FIRST)
    ws.set_column(0, 0, 4)
    ws.set_column(1, 1, 110)
    ws.write_string(0, 1, f"Månadsuppföljning {period.label_sv} – {unit.name}", fmt.title)
    ws.write_string(1, 1, f"{m.organisation.administration} · mallversion "
                    f"{m.template.version} · period {period}", fmt.hint)
    row = 3
    for paragraph in m.template.instructions:
        ws.write_string(row, 0, "•", fmt.wrap)
        ws.write_string(row, 1, paragraph, fmt.wrap)
        row += 1
    row += 1
    ws.write_blank(row, 0, None, fmt.legend_grey)
    ws.write_string(row, 1, "Grå cell: förifylld och låst.")
    ws.write_blank(row + 1, 0, None, fmt.legend_white)
    ws.write_string(row + 1, 1, "Vit cell: fyll i. Rullistor visar de tillåtna värdena.")
    ws.write_string(row + 3, 1, "Blad i mallen: " + ", ".join(t.name for t in contract.TABLES))
    ws.protect("")
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _cell_addresses(sheets: list[SheetLayout]) -> dict[tuple[str, str, str], str]:
    out = {}
    for sheet in sheets:
        for r, key in enumerate(row_keys(sheet), start=FIRST_DATA_ROW):
            for col, header in enumerate(sheet.table.columns):
                out[(sheet.name, key or "", header)] = a1(r, col)
    return out


def _header_link(issue: Issue, headers: dict[str, dict[str, str]]) -> tuple[str, str, str] | None:
    """Where a row of `Att åtgärda` links to when the issue's cell is not in the template (a
    note row the reporter inserted, a renamed header, a removed row): its column's header
    on its table's sheet, or the table's first header: (sheet, cell, text shown)."""
    sheet = issue.table or issue.sheet
    if sheet not in headers:
        return None
    cell = headers[sheet].get(issue.column or "", a1(HEADER_ROW, 0))
    return sheet, cell, f"{issue.location or sheet} i din fil"


def _write_issues_sheet(wb: Workbook, fmt: _Formats, issues: list[Issue],
                        sheets: list[SheetLayout], source: str) -> Marks:
    """The feedback workbook's first sheet, `Att åtgärda`: every issue, linked to its cell."""
    ws = wb.add_worksheet(FEEDBACK_SHEET)
    ws.write_string(0, 0, f"Att åtgärda i {source}", fmt.title)
    errors = sum(i.severity == Severity.ERROR for i in issues)
    warnings = swedish.counted(len(issues) - errors, "varning", "varningar")
    ask = "Rätta i din ifyllda fil och skicka den igen" if errors else \
        "Kontrollera värdena, och rätta och skicka filen igen om något är fel"
    ws.write_string(1, 0, f"{errors} fel (måste rättas) och {warnings}. {ask}; markerade "
                    "celler nedan visar var.", fmt.hint)
    headers = ("Allvarlighet", "Kod", "Cell", "Meddelande")
    for col, w in enumerate((12, 24, 22, 110)):
        ws.set_column(col, col, w)
    addresses = _cell_addresses(sheets)
    table_headers = {sheet.name: {h: a1(HEADER_ROW, col) for col, h in
                                  enumerate(sheet.table.columns)} for sheet in sheets}
    marks: Marks = {}
    rows: list[tuple[Issue, tuple[str, str, str] | None]] = []
    for issue in issues:
        key = (issue.table or "", issue.row_key or "", issue.column or "")
        # Its own cell: a row of the template (rows without a key are none of its rows).
        cell = addresses.get(key) if issue.table and issue.row_key and issue.column else None
        if issue.table and cell:
            marks.setdefault(key, []).append(issue.message)
            rows.append((issue, (issue.table, cell, f"{issue.table}!{cell}")))
        else:
            rows.append((issue, _header_link(issue, table_headers)))
    last = HEADER_ROW + max(len(rows), 1)
    ws.add_table(HEADER_ROW, 0, last, len(headers) - 1, {
        "name": "Att_atgarda", "style": "Table Style Light 9",
        "columns": [{"header": h, "header_format": fmt.header} for h in headers]})
    for r, (issue, link) in enumerate(rows, start=FIRST_DATA_ROW):
        ws.write_string(r, 0, "Fel" if issue.severity == Severity.ERROR else "Varning")
        ws.write_string(r, 1, issue.code)
        if link:
            sheet, cell, text = link
            ws.write_url(r, 2, f"internal:'{sheet}'!{cell}", string=text)
        else:
            ws.write_string(r, 2, issue.location or "hela filen")
        ws.write_string(r, 3, issue.message, fmt.wrap)
    ws.freeze_panes(FIRST_DATA_ROW, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.activate()
    return marks


FEEDBACK_SHEET = "Att åtgärda"


def write_template(m: Mappings, unit: Unit, period: Period, path: str | Path,
                   values: TemplateValues | None = None,
                   created: dt.datetime | None = None,
                   feedback: tuple[str, list[Issue]] | None = None) -> Path:
    """Write `unit`'s template for `period` to `path` (atomically), `values` filled in.

    `created` pins the document's creation time, so that the same input gives the same bytes.
    `feedback` = (source file name, its issues) makes it a feedback workbook: a first sheet
    `Att åtgärda` listing the issues, linked to their cells, which are marked and commented.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_atomically(path) as tmp:
        wb = xlsxwriter.Workbook(tmp, {"strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({
            "title": f"Månadsuppföljning {period} – {unit.name}",
            "subject": "Månadsuppföljning", "author": m.organisation.administration,
            "company": m.organisation.administration, "comments": f"intraxl {__version__}",
            "created": created or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
        })
        wb.set_custom_property(contract.INFO_VERSION, m.template.version)
        wb.set_custom_property(contract.INFO_PERIOD, str(period))
        wb.set_custom_property(contract.INFO_UNIT_ID, unit.id)
        fmt = _Formats(wb)
        sheets = build_layout(m, unit, period, values)
        marks: Marks = {}
        if feedback:
            marks = _write_issues_sheet(wb, fmt, feedback[1], sheets, feedback[0])
        _write_instructions(wb, fmt, m, unit, period)
        for sheet in sheets:
            _write_sheet(wb, fmt, sheet, marks)
        fit_rows(wb)
        wb.close()
    return path


def template_filename(unit: Unit, period: Period) -> str:
    return f"manadsuppfoljning_{period}_{unit.id}.xlsx"


__all__ = ["FEEDBACK_SHEET", "write_template", "template_filename"]
