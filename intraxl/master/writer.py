"""The master workbook's sheets, written with XlsxWriter from the report model.

Only this module knows the master's layout. Every figure a reader sees is a stored value:
totals are Excel formulas written together with their computed result, so that Excel,
LibreOffice, pandas and a mail preview all show the same numbers. Text is always written
as text (never turned into a formula).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field
from typing import Any, Sequence

from xlsxwriter.utility import xl_range_abs, xl_rowcol_to_cell
from xlsxwriter.workbook import Format, Workbook

from .. import __version__, contract, swedish
from ..analyse.drafts import drafts
from ..cells import a1, area
from ..consolidate import Report, missing_previous_month
from ..consolidate import blank as _blank
from ..consolidate import records as _records
from ..contract import SECTION_SUMMARY
from ..periods import MONTHS_SV, Period
from ..swedish import EXCEL_FORMATS
from ..unit_state import LATER_REJECTED
from ..xlsx import MAX_ROW_PT, column_px, fit_rows, text_height
from . import fingerprint
from .book import Book
from .data_sheet import DataSheet
from .sheet import Sheet

HEADER_BG = "#1F4E79"
LIGHT_BAR = "#9DC3E6"  # a bar with its value label written on it
STATUS_COLOURS = {  # the city's scale (and a project's, the same words): fill, font
    contract.INDICATOR_GREEN: ("#C6EFCE", "#006100"),
    contract.INDICATOR_YELLOW: ("#FFEB9C", "#9C5700"),
    contract.INDICATOR_RED: ("#FFC7CE", "#9C0006"),
    contract.INDICATOR_NO_TARGET: ("#E4DFEC", "#5B3F86"),
    contract.INDICATOR_NOT_MEASURED: ("#EDEDED", "#595959"),
    # activities and assignments
    contract.WORK_DONE: ("#C6EFCE", "#006100"), contract.WORK_ONGOING: ("#DDEBF7", "#1F4E79"),
    contract.WORK_NOT_STARTED: ("#EDEDED", "#595959"),
    contract.WORK_DELAYED: ("#FFC7CE", "#9C0006"),
    contract.WORK_CANCELLED: ("#E4DFEC", "#5B3F86"),
    # submissions
    contract.UNIT_ACCEPTED: ("#C6EFCE", "#006100"), contract.UNIT_REJECTED: ("#FFC7CE", "#9C0006"),
    contract.UNIT_MISSING: ("#FFEB9C", "#9C5700"),
    contract.UNIT_QUARANTINED: ("#FFC7CE", "#9C0006"),
}
NUM = {"tkr": EXCEL_FORMATS["amount"], "st": EXCEL_FORMATS["amount"],
       "%": EXCEL_FORMATS["percent"], "åa": EXCEL_FORMATS["decimal"],
       "index": EXCEL_FORMATS["decimal"], "int": EXCEL_FORMATS["integer"],
       "date": EXCEL_FORMATS["date"], "datetime": EXCEL_FORMATS["datetime"]}
ANALYSIS_CELL = (3, 1)  # Sammanfattning!B4: the controller's analysis, kept across runs
ANALYSIS_NAME = "Analys"
SHEETS = ("Sammanfattning", "Ekonomi", "Ekonomi per enhet", "Indikatorer", "Aktiviteter",
          "Uppdrag", "Projekt", "Risker", "Kommentarer", "Inlämningar", "Data")
COMMENTS_SHEET, DATA_SHEET = "Kommentarer", "Data"
# What the board reads, in the PDF; the file log and the data are not.
REPORT_SHEETS = tuple(s for s in SHEETS if s not in ("Inlämningar", DATA_SHEET))
DATA_COLUMNS = contract.DATA_COLUMNS
DRAFT_PREFIX = "Utkast:"  # an administration text intraxl drafted: not the controller's


FILES_TABLE = "Inlamningar"  # the table of every file received, on Inlämningar


@dataclass
class ControllerWork:
    """What the controller writes in the master, carried over to the next one."""

    notes: dict[tuple[str, str], str] = field(default_factory=dict)  # Controller column
    sections: dict[str, str] = field(default_factory=dict)  # administration rows' Text
    analysis: str | None = None  # Sammanfattning's analysis cell


class Formats:
    """Every format of the master, created once."""

    def __init__(self, wb: Workbook):
        add = wb.add_format
        self.wb = wb
        self.title = add({"bold": True, "font_size": 16, "font_color": HEADER_BG})
        self.subtitle = add({"italic": True, "font_color": "#595959"})
        # a subtitle longer than the sheet is wide, merged across it (text running past
        # the last column would make LibreOffice print the whole sheet smaller)
        self.long_subtitle = add({"italic": True, "font_color": "#595959", "text_wrap": True,
                                  "valign": "top"})
        self.heading = add({"bold": True, "font_size": 12, "font_color": HEADER_BG})
        self.header = add({"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_BG,
                           "text_wrap": True, "valign": "top", "border": 1})
        self.text = add({"text_wrap": True, "valign": "top"})
        self.bold = add({"bold": True, "valign": "top"})
        self.analysis = add({"text_wrap": True, "valign": "top", "border": 1,
                             "bg_color": "#FFF9E5"})
        # a drafted text (Utkast:) where the controller has written none: grey, italic
        self.draft = add({"text_wrap": True, "valign": "top", "border": 1, "bg_color": "#FFF9E5",
                          "italic": True, "font_color": "#595959"})
        self._cache: dict[tuple, Format] = {}

    def get(self, num: str | None = None, bold: bool = False, status: str | None = None,
            top_border: bool = False, wrap: bool = False) -> Format:
        key = (num, bold, status, top_border, wrap)
        if key not in self._cache:
            props: dict[str, Any] = {"valign": "top"}
            if num:
                props["num_format"] = NUM.get(num, num)
            if bold:
                props["bold"] = True
            if status in STATUS_COLOURS:
                props["bg_color"], props["font_color"] = STATUS_COLOURS[status]
            if top_border:
                props["top"] = 1
            if wrap:
                props["text_wrap"] = True
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]


def write(ws: Sheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """Write by type; text stays text even when it starts with '=' (`Sheet.write_cells`)."""
    ws.write_cells(row, col, [(value, fmt)])


def _add_sheet(wb: Workbook, name: str) -> Sheet:
    sheet: Sheet = wb.add_worksheet(name, worksheet_class=Sheet)
    return sheet


def _page_setup(ws: Sheet, report: Report, repeat_row: int | None = None) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    if repeat_row is not None:
        ws.repeat_rows(repeat_row)
    ws.set_header(f"&L{_esc(report.administration)}&C{_esc(report.period.label_sv)}&R&A")
    ws.set_footer("&LMånadsuppföljning&RSida &P av &N")


def _esc(text: str) -> str:
    return text.replace("&", "&&")


def _table(ws: Sheet, fmt: Formats, top: int, name: str,
           columns: Sequence[tuple[str, float]],
           rows: Sequence[Sequence[tuple[Any, Format | None]]], freeze: bool = True) -> int:
    """An Excel table with filters at `top`, its header frozen unless it is one of several
    on the sheet; returns the row after it."""
    for c, (_, width) in enumerate(columns):
        ws.set_column(c, c, width)
    last = top + max(len(rows), 1)
    ws.add_table(top, 0, last, len(columns) - 1, {
        "name": name, "style": "Table Style Medium 2",
        "columns": [{"header": h, "header_format": fmt.header} for h, _ in columns]})
    ws.write_rows(top + 1, 0, rows)
    if freeze:
        ws.freeze_panes(top + 1, 0)
    return last + 1


class Formula:
    """A formula with its computed value, stored together."""

    def __init__(self, text: str, value: Any):
        self.text, self.value = text, (0 if _blank(value) else value)


def _short(period: Period) -> str:
    """A month as a column heading: `feb 2023`."""
    return f"{MONTHS_SV[period.month - 1][:3]} {period.year}"


def _month_short(report: Report, years_back: int = 0) -> str:
    return _short(Period(report.period.year - years_back, report.period.month))


# --- sheets --------------------------------------------------------------------------------

def _previous_month(report: Report) -> str:
    """The previous month's name for a heading (`jan 2023`), or what it stands for."""
    if report.previous_period is None:
        return "föreg. månad"
    return _short(Period.parse(report.previous_period))


def _comparison_note(report: Report) -> str | None:
    """Why the month-over-month columns are empty, when they are."""
    if report.previous_period is not None:
        return None
    if report.period.month == 1:
        return "Januari: ingen föregående månad inom året att jämföra med."
    return missing_previous_month(report.period)


def _economy(wb: Workbook, fmt: Formats, report: Report) -> dict[str, str]:
    """Result per unit grouped as in the reference under a heading per frame, with last
    month's forecast and the change beside; then the cost table with its deviations, and a
    chart. Returns the addresses of the key figures, for the summary."""
    ws = _add_sheet(wb, "Ekonomi")
    month = MONTHS_SV[report.period.month - 1]
    ws.write_string(0, 0, f"Ekonomi – {report.period.label_sv}", fmt.title)
    ws.write_string(1, 0, "Belopp i tkr. Avvikelse = utfall − budget; positivt är bättre än "
                    "budget. Förändring prognos = prognos − föregående månads prognos.",
                    fmt.subtitle)
    note = _comparison_note(report)
    if note:
        ws.write_string(2, 0, note, fmt.subtitle)
    ws.set_column(0, 0, 36)
    ws.set_column(1, 7, 13)
    ws.set_row(3, 45)
    row = 3
    for c, h in enumerate(("Resultat, tkr", f"Prognos helår ({month})",
                           f"Avvikelse utfall/budget jan–{month[:3]}",
                           f"Prognos helår ({_previous_month(report)})", "Förändring prognos")):
        ws.write_string(row, c, h, fmt.header)
    row += 1
    # last month's forecast and the change: empty, with the note, when there is no month
    # to compare with (never a 0)
    figures = ("forecast", "deviation", "forecast_previous", "forecast_change")
    shown = figures if report.previous_period is not None else figures[:2]
    # per frame: (address, value) per figure; None for a comparison no unit of the frame has
    sums: dict[str, list[tuple[str, float] | None]] = {}
    num, bold = fmt.get("tkr"), fmt.get("tkr", bold=True, top_border=True)
    for frame in ("Förvaltning", "Utveckling"):
        ws.write_string(row, 0, frame, fmt.heading)
        row += 1
        part = report.result[report.result["frame"] == frame]
        first, shown_groups = row, set()
        for r in _records(part):
            group = None if _blank(r["group"]) else r["group"]
            if group and group not in shown_groups:
                shown_groups.add(group)
                ws.write_string(row, 0, group, fmt.bold)
                row += 1
            label = f"- {r['label']}" if group else r["unit"]
            ws.write_string(row, 0, label)
            ws.write_cells(row, 1, [(r[f], num) for f in shown])
            row += 1
        ws.write_string(row, 0, f"Summa {frame}", fmt.get(bold=True, top_border=True))
        sums[frame] = []
        for c, f in enumerate(shown, start=1):
            if f in figures[2:] and part[f].isna().all():  # nothing to compare: empty, not 0
                ws.write_blank(row, c, None, bold)
                sums[frame].append(None)
                continue
            value = float(part[f].fillna(0).sum())
            ws.write_formula(row, c, f"=SUM({area(first, c, row - 1, c)})", bold, value)
            sums[frame].append((a1(row, c), value))
        row += 2
    ws.write_string(row, 0, "Resultat, tkr", fmt.get(bold=True, top_border=True))
    totals: list[float] = []
    for c, both in enumerate(zip(sums["Förvaltning"], sums["Utveckling"], strict=True),
                             start=1):
        known = [x for x in both if x is not None]
        if not known:
            ws.write_blank(row, c, None, bold)
            continue
        totals.append(sum(v for _, v in known))
        ws.write_formula(row, c, "=" + "+".join(a for a, _ in known), bold, totals[-1])
    keys = {"result_forecast": f"Ekonomi!{a1(row, 1)}", "result_deviation": f"Ekonomi!{a1(row, 2)}"}
    keys["values"] = (totals[0], totals[1])  # type: ignore[assignment]
    row += 3

    ws.write_string(row, 0, "Kostnader och verksamhetens resultat, tkr", fmt.heading)
    row += 1
    top = row
    columns = [("Indikator", 36), (f"Utfall {_month_short(report, 1)}", 13),
               (f"Utfall {_month_short(report)}", 13), (f"Mål {_month_short(report)}", 13),
               ("Prognos helår", 13), ("Årsmål", 13), ("Utfall − mål", 13),
               ("Prognos − årsmål", 13)]
    rows = [[(c["label"], None), (c["outcome_last_year"], num), (c["outcome"], num),
             (c["budget"], num), (c["forecast"], num), (c["annual_budget"], num),
             (_difference(r, 2, 3, c["deviation"]), num),
             (_difference(r, 4, 5, c["forecast_vs_annual"]), num)]
            for r, c in enumerate(_records(report.costs), start=top + 1)]
    end = _table(ws, fmt, top, "Kostnader", columns, rows, freeze=False)
    ws.freeze_panes(4, 0)  # the result table's header
    cost_totals = report.costs.iloc[0]
    keys["cost_outcome"] = f"Ekonomi!{a1(top + 1, 2)}"
    keys["cost_budget"] = f"Ekonomi!{a1(top + 1, 3)}"
    keys["cost_values"] = (cost_totals["outcome"],  # type: ignore[assignment]
                           cost_totals["budget"])

    chart = wb.add_chart({"type": "bar"})
    n_costs = len(report.costs) - 1  # without Verksamhetens resultat
    for col, colour in ((2, HEADER_BG), (3, "#A6A6A6")):
        chart.add_series({
            "name": ["Ekonomi", top, col],
            "categories": ["Ekonomi", top + 1, 0, top + n_costs, 0],
            "values": ["Ekonomi", top + 1, col, top + n_costs, col],
            "fill": {"color": colour}})
    # on a page of its own: its text as large as the tables' (8 pt or more when printed)
    chart.set_title({"name": "Kostnader: utfall mot budget (tkr)"})
    chart.set_x_axis({"min": 0, "num_format": NUM["tkr"], "num_font": {"size": 11}})
    chart.set_y_axis({"reverse": True, "num_font": {"size": 11}})
    chart.set_legend({"position": "bottom", "font": {"size": 11}})
    chart.set_size({"width": 720, "height": 360})
    # Under the cost table, on a page of its own when printed: the tables take the width.
    ws.set_h_pagebreaks([end + 1])
    ws.insert_chart(end + 2, 0, chart)
    _page_setup(ws, report, 3)
    return keys


def _difference(row: int, left: int, right: int, value: Any) -> Formula | None:
    """`left − right` of the row as a formula with its value; empty when it is unknown."""
    return None if _blank(value) else Formula(f"={a1(row, left)}-{a1(row, right)}", value)


def _rows_of(col: int, first: int, last: int) -> str:
    """A column's rows `first`..`last` (0-based), the rows fixed and the column not: `C$5:C$9`
    (a formula copied sideways sums the next column)."""
    return (f"{xl_rowcol_to_cell(first, col, row_abs=True)}:"
            f"{xl_rowcol_to_cell(last, col, row_abs=True)}")


def _unit_economy(wb: Workbook, fmt: Formats, report: Report) -> None:
    """Each unit's economy lines as it reported them, its comment on each line, and the sums
    per line over the units (SUMIFS on the table, with their values)."""
    ws = _add_sheet(wb, "Ekonomi per enhet")
    ws.write_string(0, 0, f"Ekonomi per enhet – {report.period.label_sv}", fmt.title)
    ws.write_string(1, 0, "Belopp i tkr, ackumulerat januari–månaden. Avvikelse = utfall − "
                    "budget. Enhetens kommentar står på sin rad.", fmt.subtitle)
    num, top = fmt.get("tkr"), 3
    figures = [("Utfall ack", "outcome"), ("Budget ack", "budget"), ("Avvikelse", "deviation"),
               ("Årsbudget", "annual_budget"), ("Prognos helår", "forecast")]
    text = fmt.text
    columns = [report.unit_economy[c].tolist() for c in (
        "unit", "label", *[key for _, key in figures], "comment")]
    rows = [[(unit, text), (label, text), (a, num), (b, num), (c, num), (d, num), (e, num),
             (comment, text)] for unit, label, a, b, c, d, e, comment in zip(*columns, strict=True)]
    end = _table(ws, fmt, top, "EkonomiPerEnhet",
                 [("Enhet", 22), ("Rad", 22), *[(h, 10) for h, _ in figures],
                  ("Kommentar", 40)], rows)
    last = end - 1
    ws.write_string(end + 1, 0, "Summa per rad, alla enheter", fmt.heading)
    sums, first = [], end + 3
    for r, label in enumerate(dict.fromkeys(report.unit_economy["label"]), start=first):
        part = report.unit_economy[report.unit_economy["label"] == label]
        sums.append([("Alla enheter", fmt.text), (label, fmt.text)] + [
            (Formula(f"=SUMIFS({_rows_of(c, top + 1, last)},"
                     f"{xl_range_abs(top + 1, 1, last, 1)},{a1(r, 1)})",
                     part[key].sum(min_count=1)), fmt.get("tkr", bold=True))
            for c, (_, key) in enumerate(figures, start=2)])
    _table(ws, fmt, end + 2, "EkonomiPerRad",
           [("Summa", 22), ("Rad", 22), *[(h, 10) for h, _ in figures]], sums,
           freeze=False)
    _page_setup(ws, report, top)


# Indikatorer's columns by position: Status (counted on Sammanfattning), Trend (the
# sparklines) and the first of the hidden monthly outcomes they are drawn from.
STATUS_COL, TREND_COL, FIRST_MONTH_COL = 12, 13, 15


def _indicators(wb: Workbook, fmt: Formats, report: Report) -> None:
    """Every indicator with last month's outcome beside this month's, its status, and its
    trend over the year's months so far: a sparkline over the monthly outcomes, which are
    columns of the table at its right, hidden (sorting the table keeps them on their row)."""
    ws = _add_sheet(wb, "Indikatorer")
    ws.write_string(0, 0, f"Indikatorer – {report.period.label_sv}", fmt.title)
    ws.write_string(1, 0, "Flöden ackumulerat januari–månaden; andelar och antal som månadens "
                    "värde. R12 = rullande tolv månader. Status enligt stadens skala. Trend: "
                    "årets månader hittills.", fmt.subtitle)
    note = _comparison_note(report)
    if note:
        ws.write_string(2, 0, note, fmt.subtitle)
    months = [_short(Period(report.period.year, n)) for n in range(1, report.period.month + 1)]
    # as wide as A4 landscape at 8 pt holds
    columns = [("Område", 8), ("Centralt mål", 12), ("Indikator", 16), ("Enhet", 5),
               ("Frekvens", 9), (f"Utfall {_month_short(report, 1)}", 8),
               (f"Utfall {_previous_month(report)}", 8),
               (f"Utfall {_month_short(report)}", 8), (f"Mål {_month_short(report)}", 8),
               ("Prognos helår", 8), ("Årsmål", 8), (f"R12 {_month_short(report)}", 8),
               ("Status", 7), ("Trend", 6), ("Kommentar", 12), *[(m, 8) for m in months]]
    top, last_month = 3, FIRST_MONTH_COL + len(months) - 1
    rows = []
    for r, i in enumerate(_records(report.indicators), start=top + 1):
        n = fmt.get(i["unit_of_measure"])
        yearly = i["frequency"] == "year"
        rows.append([
            (i["area"], fmt.text), (i["goal"], fmt.text), (i["name"], fmt.text),
            (i["unit_of_measure"], fmt.text), ("År" if yearly else "Månad", fmt.text),
            (i["outcome_last_year"], n), (i["outcome_previous"], n), (i["outcome"], n),
            (i["target"], n), (i["forecast"], n), (i["annual_target"], n), (i["r12"], n),
            (i["status"], fmt.get(status=i["status"])), (None, None), (i["comment"], fmt.text),
            *[(v, n) for v in i["trend"]]])
        if any(not _blank(v) for v in i["trend"]):
            ws.add_sparkline(r, TREND_COL, {
                "range": area(r, FIRST_MONTH_COL, r, last_month),
                "markers": True, "show_hidden": True, "series_color": HEADER_BG})
    _table(ws, fmt, top, "Indikatorer", columns, rows)
    ws.set_column(FIRST_MONTH_COL, last_month, 8, None, {"hidden": True})
    _page_setup(ws, report, top)


def _work_items(wb: Workbook, fmt: Formats, report: Report, name: str) -> None:
    df = report.activities if name == contract.ACTIVITIES.name else report.assignments
    ws = _add_sheet(wb, name)
    ws.write_string(0, 0, f"{name} – {report.period.label_sv}", fmt.title)
    ws.write_string(1, 0, "Försenad = slutdatum passerat och inte Klar eller Avbruten.",
                    fmt.subtitle)
    activities = name == contract.ACTIVITIES.name
    goal_cols = [("Område", 10), ("Centralt mål", 18)] if activities else []
    item = ("Aktivitet", 24) if activities else ("Uppdrag", 40)
    columns = [("ID", 5), *goal_cols, item,
               ("Enhet", 14), ("Status", 10), ("Slutdatum", 10), ("Försenad", 8),
               ("Kommentar", 34 if goal_cols else 48)]
    rows = []
    for a in _records(df):
        late = fmt.get(status="Röd") if a["overdue"] else fmt.text
        goal = [(a["area"], fmt.text), (a["goal"], fmt.text)] if goal_cols else []
        rows.append([(a["id"], late), *goal, (a["name"], fmt.text), (a["unit"], fmt.text),
                     (a["status"], fmt.get(status=a["status"])),
                     (a["end"], fmt.get("date")), ("Ja" if a["overdue"] else "", late),
                     (a["comment"], fmt.text)])
    _table(ws, fmt, 3, name, columns, rows)
    _page_setup(ws, report, 3)


def _projects(wb: Workbook, fmt: Formats, report: Report) -> None:
    ws = _add_sheet(wb, "Projekt")
    ws.write_string(0, 0, f"Portfölj och projekt – {report.period.label_sv}", fmt.title)
    ws.write_string(1, 0, "Status per dimension: Grön, Gul eller Röd.", fmt.subtitle)
    columns = [("ID", 5), ("Portfölj", 14), ("Projekt", 24), ("Enhet", 14), ("Tid", 7),
               ("Kostnad", 8), ("Resultat", 8), ("Orsak", 27), ("Åtgärd", 27)]
    rows = [[(p["id"], fmt.text), (p["portfolio"], fmt.text), (p["name"], fmt.text),
             (p["unit"], fmt.text),
             *[(p[d], fmt.get(status=p[d])) for d in (contract.TIME, contract.COST,
                                                      contract.RESULT)],
             (p[contract.CAUSE], fmt.text), (p[contract.ACTION], fmt.text)]
            for p in _records(report.projects)]
    _table(ws, fmt, 3, "Projekt", columns, rows)
    _page_setup(ws, report, 3)


def _risks(wb: Workbook, fmt: Formats, report: Report) -> None:
    ws = _add_sheet(wb, "Risker")
    ws.write_string(0, 0, f"Riskregister – {report.period.label_sv}", fmt.title)
    ws.write_string(1, 0, "S = sannolikhet, K = konsekvens (1–4). Sorterat på S×K.",
                    fmt.subtitle)
    # As wide as the page has room for at 8 pt with the map beside: a risk area and an owner's
    # title of up to 20 letters (Förvaltningsdirektör) print whole.
    columns = [("ID", 5), ("Riskområde", 15), ("Risk", 17), ("S", 4), ("K", 4), ("S×K", 5),
               ("Åtgärd", 21), ("Ansvarig", 16), ("Enhet", 13), ("Ny", 4)]
    rows = []
    top = 3
    for r, x in enumerate(_records(report.risks), start=top + 1):
        score = None if _blank(x["score"]) else int(x["score"])
        level = None if score is None else \
            "Röd" if score >= 9 else "Gul" if score >= 4 else "Grön"
        rows.append([(x["id"], fmt.text), (x["area"], fmt.text), (x["risk"], fmt.text),
                     (x["probability"], fmt.get("int")), (x["consequence"], fmt.get("int")),
                     (Formula(f"={a1(r, 3)}*{a1(r, 4)}", score), fmt.get("int", status=level)),
                     (x["action"], fmt.text), (x["owner"], fmt.text), (x["unit"], fmt.text),
                     ("Ja" if x["new"] else "", fmt.text)])
    end = _table(ws, fmt, top, "Risker", columns, rows)
    # The 4×4 heat map: the number of risks in each (S, K) cell, as COUNTIFS with values.
    left = len(columns) + 1
    ws.set_column(left - 1, left - 1, 2)  # a narrow gap between the register and the map
    ws.set_column(left, left, 5)
    ws.merge_range(top - 1, left, top - 1, left + 4, "Riskkarta: antal risker", fmt.heading)
    ws.write_string(top, left, "S \\ K", fmt.header)
    s_range, k_range = (xl_range_abs(top + 1, c, end - 1, c) for c in (3, 4))
    for k in range(1, 5):
        ws.write_number(top, left + k, k, fmt.header)
        ws.set_column(left + k, left + k, 4)
    for i, s in enumerate(range(4, 0, -1), start=1):
        ws.write_number(top + i, left, s, fmt.header)
        for k in range(1, 5):
            count = int(((report.risks["probability"] == s)
                         & (report.risks["consequence"] == k)).sum())
            level = "Röd" if s * k >= 9 else "Gul" if s * k >= 4 else "Grön"
            ws.write_formula(top + i, left + k,
                             f"=COUNTIFS({s_range},{s},{k_range},{k})",
                             fmt.get("int", bold=True, status=level), count)
    _page_setup(ws, report, top)


def _drafted(text: str | None, draft: str | None, fmt: Formats) -> tuple[str | None, Format]:
    """The controller's text in their format, else intraxl's draft marked `Utkast:`."""
    if text or not draft:
        return text, fmt.analysis
    return f"{DRAFT_PREFIX} {draft}", fmt.draft


def _comments(wb: Workbook, fmt: Formats, report: Report, work: ControllerWork,
              drafted: dict[str, str]) -> None:
    ws = _add_sheet(wb, "Kommentarer")
    ws.write_string(0, 0, f"Kommentarer – {report.period.label_sv}", fmt.title)
    ws.merge_range(1, 0, 1, 3, f"Först {report.administration}s text per avsnitt till "
                   "månadsrapporten (intraxl report), sedan enheternas texter. Förvaltningens "
                   "Text och kolumnen Controller är dina: de behålls när arbetsboken skapas på "
                   f"nytt. En text som börjar med {DRAFT_PREFIX} är intraxls utkast ur siffrorna "
                   "och skrivs om varje gång: skriv över den, eller ändra i den, så blir den "
                   "din.", fmt.long_subtitle)
    columns = [("Avsnitt", 19), ("Enhet", 20), ("Text", 58), ("Controller", 42)]
    admin, sections = report.administration, report.sections
    rows = [[(s, fmt.bold), (admin, fmt.bold), _drafted(work.sections.get(s), drafted.get(s), fmt),
             (work.notes.get((s, admin)), fmt.analysis)] for s in sections]
    said = [report.comments[c].tolist() if len(report.comments) else []
            for c in ("section", "unit", "text")]
    text, notes = fmt.text, work.notes
    rows += [[(section, text), (unit, text), (words, text), (notes.get((section, unit)),
                                                             fmt.analysis)]
             for section, unit, words in zip(*said, strict=True)]
    # Controller texts whose row has gone are kept too, never dropped.
    shown = {(s, admin) for s in sections} | set(zip(said[0], said[1], strict=True))
    rows += [[(s, fmt.text), (u, fmt.text), (None, fmt.text), (t, fmt.analysis)]
             for (s, u), t in work.notes.items() if (s, u) not in shown and t]
    _table(ws, fmt, 3, "Kommentarer", columns, rows)
    _page_setup(ws, report, 3)


def _local(received: Any) -> Any:
    """A stored (UTC) time on the administration's clock; no time stays none."""
    return swedish.local_time(received) if isinstance(received, dt.datetime) \
        and not _blank(received) else None


def _files(wb: Workbook, fmt: Formats, report: Report) -> None:
    ws = _add_sheet(wb, "Inlämningar")
    ws.write_string(0, 0, f"Inlämningar – {report.period.label_sv}", fmt.title)
    ws.write_string(1, 0, "Varje fil som tagits emot. Den senast mottagna godkända filen per "
                    "enhet används i rapporten. Karantän: e-postbilagor som inte släpptes in "
                    "(se orsak). Rimlighet: varningar mot enhetens egen historik för filen i "
                    "rapporten, med cellerna att kontrollera.", fmt.subtitle)
    columns = [("Enhet-ID", 18), ("Enhet", 28), ("Fil", 40), ("Källa", 8), ("Avsändare", 28),
               ("Mottagen", 17), ("SHA-256", 20), ("Mallversion", 11), ("Status", 10),
               ("Fel", 6), ("Varningar", 10), ("I rapporten", 11), ("Första felet", 60),
               ("Rimlighet", 10), ("Att kontrollera", 40)]

    def plausibility(f: dict[str, Any]) -> list[tuple[Any, Format | None]]:
        found = report.plausibility.get(f["unit_id"], []) if f["in_report"] else []
        return [(len(found) if f["in_report"] else None, fmt.get("int")),
                ("\n".join(f"{i.location}: {i.code}" for i in found) or None, fmt.text)]

    rows = [[(f["unit_id"], None), (f["unit"], None), (f["file"], None), (f["source"], None),
             (f["sender"], None), (_local(f["received_at"]), fmt.get("datetime")),
             (f["sha256"], None),
             (f["template_version"], None), (f["status"], fmt.get(status=f["status"])),
             (f["errors"], fmt.get("int")), (f["warnings"], fmt.get("int")),
             ("Ja" if f["in_report"] else "", None), (f["first_issue"], fmt.text),
             *plausibility(f)]
            for f in _records(report.files)] if len(report.files) else []
    _table(ws, fmt, 3, FILES_TABLE, columns, rows)
    _page_setup(ws, report, 3)


def _data(wb: Workbook, fmt: Formats, report: Report) -> None:
    ws = wb.add_worksheet("Data", worksheet_class=DataSheet)
    columns = [("Period", 9), ("Enhet-ID", 20), ("Enhet", 30), ("Tabell", 12), ("ID", 22),
               ("Fält", 14), ("Värde", 40)]
    for c, (_, width) in enumerate(columns):
        ws.set_column(c, c, width)
    data = report.data
    ws.add_table(0, 0, max(len(data), 1), len(columns) - 1, {
        "name": "Data", "style": "Table Style Light 1",
        "columns": [{"header": h, "header_format": fmt.header} for h, _ in columns]})
    # Column lists: iterating pandas' Arrow-backed text columns cell by cell is slow.
    ws.write_body([data[c].tolist() for c in data.columns], fmt.get("date"))
    ws.freeze_panes(1, 0)
    _page_setup(ws, report, 0)


def _analysis_box(ws: Sheet, fmt: Formats, analysis: str | None, draft: str | None) -> int:
    """The controller's analysis, B4 merged across to H, labelled on its left, as tall as its
    text (over several rows when one row, at most 409 pt, is not enough); without one, the
    drafted summary marked `Utkast:`. Returns the row after it and a blank one."""
    top, left = ANALYSIS_CELL
    analysis, style = _drafted(analysis, draft, fmt)
    ws.write_string(top, 0, "Analys (controller)", fmt.bold)
    width = sum(column_px(ws, c) for c in range(left, 8))
    height = max(90.0, text_height(analysis or "", width))
    rows = math.ceil(height / MAX_ROW_PT)
    ws.merge_range(top, left, top + rows - 1, 7, "", style)
    write(ws, top, left, analysis, style)
    for r in range(top, top + rows):
        ws.set_row(r, math.ceil(height / rows))
    return top + rows + 1


def _summary(ws: Sheet, wb: Workbook, fmt: Formats, report: Report, keys: dict[str, Any],
             analysis: str | None, generated: dt.datetime, draft: str | None) -> None:
    counts = report.status_counts()
    # The blocks below share columns; these widths fit them all (unit names, texts).
    ws.set_column(0, 0, 36)
    ws.set_column(1, 7, 14)
    ws.write_string(0, 0, f"Månadsuppföljning {report.period.label_sv} – "
                    f"{report.administration}", fmt.title)
    ws.write_string(1, 0, f"Skapad {generated:%Y-%m-%d %H:%M} av intraxl {__version__}. "
                    "Enheter: "
                    + swedish.counted(counts[contract.UNIT_ACCEPTED], "godkänd", "godkända")
                    + (f" ({counts[LATER_REJECTED]} med {LATER_REJECTED})"
                       if counts[LATER_REJECTED] else "")
                    + ", "
                    + swedish.counted(counts[contract.UNIT_REJECTED], "avvisad", "avvisade")
                    + ", "
                    + (f"{counts[contract.UNIT_QUARANTINED]} i karantän, "
                       if counts[contract.UNIT_QUARANTINED] else "")
                    + f"{counts[contract.UNIT_MISSING]} saknas.", fmt.subtitle)
    row = _analysis_box(ws, fmt, analysis, draft)
    wb.define_name(ANALYSIS_NAME, "=Sammanfattning!" + xl_rowcol_to_cell(
        *ANALYSIS_CELL, row_abs=True, col_abs=True))

    ws.write_string(row, 0, "Ekonomi, tkr", fmt.heading)
    total_f, total_d = keys["values"]
    cost_out, cost_budget = keys["cost_values"]
    figures = [("Resultat: prognos helår", keys["result_forecast"], total_f),
               ("Resultat: avvikelse utfall/budget", keys["result_deviation"], total_d),
               ("Verksamhetens kostnader: utfall", keys["cost_outcome"], cost_out),
               ("Verksamhetens kostnader: budget", keys["cost_budget"], cost_budget)]
    for i, (label, ref, value) in enumerate(figures, start=row + 1):
        ws.write_string(i, 0, label)
        ws.write_formula(i, 1, f"={ref}", fmt.get("tkr", bold=True), 0 if _blank(value) else value)
    row += len(figures) + 2

    ws.write_string(row, 0, "Inlämningar per enhet", fmt.heading)
    # Files and times are on Inlämningar, not in what the board reads.
    status_rows = [[(u.name, fmt.text), (u.label, fmt.get(
                        status="Gul" if u.label != u.status else u.status, wrap=True)),
                    (u.errors, fmt.get("int")), (u.warnings, fmt.get("int")),
                    (len(report.plausibility.get(u.unit_id, [])), fmt.get("int"))]
                   for u in report.units]
    row = _table(ws, fmt, row + 1, "Inlamningsstatus",
                 [("Enhet", 36), ("Status", 14), ("Fel", 14), ("Varningar", 14),
                  ("Rimlighet", 14)], status_rows, freeze=False) + 1

    ws.write_string(row, 0, "Indikatorer: status per område", fmt.heading)
    statuses = contract.INDICATOR_STATUSES
    n_ind = len(report.indicators)
    rng = lambda c: "Indikatorer!" + xl_range_abs(4, c, 3 + max(n_ind, 1), c)  # noqa: E731
    rows = []
    for r, a in enumerate(dict.fromkeys(report.indicators["area"]), start=row + 2):
        part = report.indicators[report.indicators["area"] == a]
        rows.append([(a, None)] + [
            (Formula(f'=COUNTIFS({rng(0)},{a1(r, 0)},{rng(STATUS_COL)},"{s}")',
                     int((part["status"] == s).sum())), fmt.get("int", status=s))
            for s in statuses])
    row = _table(ws, fmt, row + 1, "Statusoversikt", [("Område", 36)] + [
        (s, 14) for s in statuses], rows, freeze=False) + 1

    ws.set_h_pagebreaks([row])  # the table and its chart on a page of their own
    ws.write_string(row, 0, "Avvikelse utfall/budget per enhet, tkr", fmt.heading)
    per_unit = report.deviation_by_unit()
    top = row + 1
    row = _table(ws, fmt, top, "Avvikelse", [("Enhet", 36), ("Avvikelse", 14)],
                 [[(name, fmt.text), (deviation, fmt.get("tkr"))]
                  for name, deviation in per_unit.values()], freeze=False)
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": "Avvikelse utfall/budget (tkr)",
                      "categories": ["Sammanfattning", top + 1, 0, top + len(per_unit), 0],
                      "values": ["Sammanfattning", top + 1, 1, top + len(per_unit), 1],
                      # light bars: their value labels (dark text) read on them
                      "fill": {"color": LIGHT_BAR}, "invert_if_negative": False,
                      "data_labels": {"value": True, "num_format": NUM["tkr"],
                                      "position": "inside_base"}})
    chart.set_title({"name": "Avvikelse per enhet (tkr)"})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_format": NUM["tkr"]})  # the value axis: 10 000, not 10000
    chart.set_y_axis({"reverse": True, "label_position": "low"})
    chart.set_size({"width": 500, "height": 300})
    ws.insert_chart(top, 3, chart)
    row = max(row, top + 16) + 1

    ws.write_string(row, 0, "Sammanfattning från enheterna", fmt.heading)
    row += 1
    summaries = report.comments[report.comments["section"] == SECTION_SUMMARY] \
        if len(report.comments) else report.comments
    for c in _records(summaries):
        ws.write_string(row, 0, c["unit"], fmt.get(bold=True, wrap=True))
        ws.merge_range(row, 1, row, 7, "", fmt.text)
        write(ws, row, 1, c["text"], fmt.text)  # its row is fitted to it at the end
        row += 1
    if report.notes:
        row += 1
        ws.write_string(row, 0, "Att observera", fmt.heading)
        for note in report.notes:
            row += 1
            ws.write_string(row, 0, note)
    ws.activate()
    _page_setup(ws, report)


def _carried(wb: Workbook, fmt: Formats, name: str, cells: fingerprint.Carried) -> None:
    """A sheet the controller added to the previous master, with its values and formulas: a
    formula with the value last computed, or none (not a made-up 0) when the program that
    saved it stored none; Excel computes it on opening."""
    ws = _add_sheet(wb, name)
    for (r, c), (content, value) in sorted(cells.items()):
        if isinstance(content, fingerprint.Formula):
            ws.write_formula(r, c, content.text, None, "" if value is None else value)
        else:
            write(ws, r, c, content, fmt.get("date") if isinstance(content, dt.date) else None)


def _generated_at() -> dt.datetime:
    """Now, or the time SOURCE_DATE_EPOCH gives (the reproducible-builds convention: the
    README's pictures are made with it, so they change only when the master does)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    return now()


def now() -> dt.datetime:
    """The time on the administration's clock (the clock of the received times the master
    lists), whatever the machine's time zone."""
    return swedish.local_time(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None,
                                                                         microsecond=0))


def write_workbook(path: str, report: Report, work: ControllerWork,
                   created: dt.datetime | None = None, hidden: Sequence[str] = (),
                   carried: dict[str, fingerprint.Carried] | None = None) -> None:
    """The master workbook at `path` with the controller's `work` carried over; `hidden`
    sheets are hidden (for the PDF export); `carried` are the sheets the controller added,
    written after intraxl's own. The record of every cell written goes into the very hidden
    sheet `intraxl`."""
    generated = created or _generated_at()
    wb = Book(path, {"strings_to_formulas": False, "strings_to_urls": False,
                     "strings_to_numbers": False})
    wb.set_properties({
        "title": f"Månadsuppföljning {report.period} – {report.administration}",
        "subject": f"Månadsuppföljning {report.period.label_sv}",
        "author": "intraxl", "company": report.administration,
        "comments": f"Skapad av intraxl {__version__}", "created": generated,
        "keywords": "månadsuppföljning, intraxl",
    })
    wb.set_custom_property("Period", str(report.period))
    wb.set_custom_property("Skapad", generated)
    wb.set_custom_property("intraxl", __version__)
    fmt = Formats(wb)
    summary = _add_sheet(wb, "Sammanfattning")
    keys = _economy(wb, fmt, report)
    _unit_economy(wb, fmt, report)
    _indicators(wb, fmt, report)
    _work_items(wb, fmt, report, contract.ACTIVITIES.name)
    _work_items(wb, fmt, report, contract.ASSIGNMENTS.name)
    _projects(wb, fmt, report)
    _risks(wb, fmt, report)
    drafted = drafts(report)
    _comments(wb, fmt, report, work, drafted)
    _files(wb, fmt, report)
    _data(wb, fmt, report)
    _summary(summary, wb, fmt, report, keys, work.analysis, generated,
             drafted.get(SECTION_SUMMARY))
    for name, cells in (carried or {}).items():
        _carried(wb, fmt, name, cells)
    recorded = fingerprint.write(wb)  # made by a copy of this process meanwhile
    try:
        fit_rows(wb)
        for name in hidden:
            wb.get_worksheet_by_name(name).hide()
        wb.close()
    finally:
        recorded.cancel()
