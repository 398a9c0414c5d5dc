"""What goes where in a unit's template: sheets, rows and cells, from the mappings.

Pure data, no file I/O. The writer turns a layout into a workbook; the reader and the
feedback workbook use the same layout to know which cells are input.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel

from .. import contract
from ..cells import a1
from ..contract import TableSpec
from ..mappings import Mappings
from ..mappings.models import Indicator, Unit
from ..periods import Period

# What a template cell holds: its number format, its data validation and its input message.
ValueType = Literal["text", "longtext", "tkr", "integer", "number", "percent", "date", "list"]

HEADER_ROW = 3  # zero-based row of each table's header row on its sheet
FIRST_DATA_ROW = HEADER_ROW + 1
# The input column whose figure from the same month last year a pre-filled template shows
# beside its table (see TemplateValues.last_year).
LAST_YEAR_COLUMN = {contract.INDICATORS.name: contract.OUTCOME,
                    contract.ECONOMY.name: contract.OUTCOME_YTD}


@dataclass(frozen=True)
class Cell:
    value: Any = None
    input: bool = False  # white and unlocked; otherwise grey and locked
    value_type: ValueType = "text"
    options: tuple[Any, ...] = ()  # the closed list of a "list" cell
    title: str = ""  # input message shown by Excel when the cell is selected (Swedish)
    message: str = ""


@dataclass
class SheetLayout:
    table: TableSpec
    title: str
    hint: str
    rows: list[dict[str, Cell]] = field(default_factory=list)
    widths: tuple[float, ...] = ()
    # A grey column to the right of the table, outside it (not part of the contract): last
    # year's figure beside each row's input cells. (header, one cell per row)
    beside: tuple[str, list[Cell]] | None = None

    @property
    def name(self) -> str:
        return self.table.name


class TemplateValues(BaseModel):
    """Values put into a template's input cells: carried forward from last month, or a
    submission's own values (the shipped examples, the feedback workbook).

    `cells[table][row id][column]`; for `Info` the row id is the Fält. `new_risks` are rows a
    unit added to `Risker` (no Risk-ID yet), as column -> value. `last_year[table][row id]`
    is shown beside the table (locked), headed by `last_year_label` (e.g. "februari 2022").
    """

    cells: dict[str, dict[str, dict[str, Any]]] = {}
    new_risks: list[dict[str, Any]] = []
    last_year: dict[str, dict[str, Any]] = {}
    last_year_label: str = ""


def _text(value: Any = None, title: str = "", message: str = "") -> Cell:
    return Cell(value, input=True, value_type="longtext", title=title, message=message)


def _status(options: tuple[Any, ...], value: Any = None, what: str = "status") -> Cell:
    return Cell(value, input=True, value_type="list", options=options, title="Välj i listan",
                message=f"Välj {what} i rullistan: {', '.join(map(str, options))}.")


def _date(value: Any) -> Cell:
    return Cell(value, input=True, value_type="date", title="Datum",
                message="Ange ett datum, t.ex. 2023-12-31.")


def _indicator_value_type(ind: Indicator) -> ValueType:
    return "percent" if ind.is_percent else "integer" if ind.whole_numbers else "number"


def _indicator_input(ind: Indicator, what: str) -> Cell:
    value_type = _indicator_value_type(ind)
    if value_type == "percent":
        message = f"Ange {what} i procent, t.ex. 5,9 %. Högst 100 %."
    elif value_type == "integer":
        message = f"Ange {what} som ett heltal (antal), inte negativt."
    else:
        message = f"Ange {what} som ett tal, inte negativt."
    if ind.kind == "flow":
        message += " Ackumulerat januari–rapportmånaden."
    if ind.frequency == "year":
        message += " Årsindikator: fylls i vid årets slut."
    return Cell(None, input=True, value_type=value_type, title=what.capitalize()[:32],
                message=message)


def row_ids(m: Mappings, unit: Unit) -> dict[str, list[str]]:
    """The ids of the pre-filled rows of each table in `unit`'s template (what build_layout
    puts in the key column), without building the layout."""
    return {
        contract.INFO.name: list(contract.INFO_FIELDS),
        contract.INDICATORS.name: [i.id for i in m.indicators_for(unit)],
        contract.ECONOMY.name: [line.id for line in m.economy_lines_for(unit)],
        contract.ACTIVITIES.name: [a.id for a in m.activities_for(unit)],
        contract.ASSIGNMENTS.name: [a.id for a in m.assignments_for(unit)],
        contract.PROJECTS.name: [p.id for p in m.projects_for(unit)],
        contract.RISKS.name: [r.id for r in m.risks_for(unit)],
        contract.COMMENTS.name: list(m.plan.comment_sections),
    }


def cell_address(ids: dict[str, list[str]], table: str, row_id: str, column: str) -> str | None:
    """The A1 address of a row's cell in a unit's template, from its pre-filled rows' ids
    (`row_ids`); None when the template has no such row or column."""
    rows = ids.get(table, [])
    columns = contract.TABLES_BY_NAME[table].columns
    if row_id not in rows or column not in columns:
        return None
    return a1(FIRST_DATA_ROW + rows.index(row_id), columns.index(column))


def build_layout(m: Mappings, unit: Unit, period: Period,
                 values: TemplateValues | None = None) -> list[SheetLayout]:
    """Every table sheet of `unit`'s template for `period`, with `values` filled in."""
    month = period.month
    label = f"{unit.name} – {period.label_sv}"
    sheets: list[SheetLayout] = []

    info = SheetLayout(contract.INFO, f"Info – {label}",
                       "Fyll i ditt namn och din e-postadress.", widths=(20, 60))
    prefilled = {
        contract.INFO_VERSION: m.template.version, contract.INFO_PERIOD: str(period),
        contract.INFO_UNIT_ID: unit.id, contract.INFO_UNIT: unit.name,
    }
    for f in contract.INFO_FIELDS:
        value = Cell(prefilled[f]) if f in prefilled else _text(
            title=f, message=f"Ange {f.lower()} för den som lämnar uppgifterna.")
        info.rows.append({contract.FIELD: Cell(f),
                          contract.VALUE: replace(value, value_type="text")})
    sheets.append(info)

    ind = SheetLayout(
        contract.INDICATORS, f"Indikatorer – {label}",
        "Flöden (antal) anges ackumulerat för året, andelar och antal anställda som "
        "månadens värde.", widths=(22, 42, 8, 14, 14, 14, 14, 60))
    for i in m.indicators_for(unit):
        value_type = _indicator_value_type(i)
        target = i.period_target(month) if i.unit_target_applies else None
        annual = i.annual_target if i.unit_target_applies else None
        ind.rows.append({
            contract.INDICATOR_ID: Cell(i.id), contract.INDICATOR: Cell(i.name),
            contract.MEASURE: Cell(i.unit_of_measure),
            contract.PERIOD_TARGET: Cell(target, value_type=value_type),
            contract.ANNUAL_TARGET: Cell(annual, value_type=value_type),
            contract.OUTCOME: _indicator_input(i, "utfall"),
            contract.FORECAST: _indicator_input(i, "prognos för helåret"),
            contract.COMMENT: _text(title=contract.COMMENT,
                                    message="Kommentera utfall och prognos."),
        })
    sheets.append(ind)

    eco = SheetLayout(
        contract.ECONOMY, f"Ekonomi – {label}",
        "Belopp i tkr. Utfall och budget ackumulerat januari–rapportmånaden. För "
        "resultatrader är prognos helår årets prognostiserade resultat (0 = budget i balans).",
        widths=(26, 36, 14, 14, 14, 14, 60))
    for line in m.economy_lines_for(unit):
        result = line.kind == "result"
        sign = "Resultat: positivt är överskott." if result else "Kostnad, anges positivt."

        def amount(what: str, _sign: str = sign) -> Cell:
            return Cell(None, input=True, value_type="tkr", title=what[:32],
                        message=f"{what} i tkr (hela tusental kronor). {_sign}")

        eco.rows.append({
            contract.ROW_ID: Cell(line.id), contract.ROW: Cell(line.label),
            contract.OUTCOME_YTD: amount("Utfall ackumulerat"),
            contract.BUDGET_YTD: amount("Budget ackumulerad"),
            contract.ANNUAL_BUDGET: amount(contract.ANNUAL_BUDGET),
            contract.FORECAST: amount(contract.FORECAST),
            contract.COMMENT: _text(title=contract.COMMENT,
                                    message="Förklara avvikelser mot budget."),
        })
    sheets.append(eco)

    act = SheetLayout(contract.ACTIVITIES, f"Aktiviteter – {label}",
                      "Välj status för varje aktivitet. Försenade aktiviteter kommenteras.",
                      widths=(14, 50, 50, 16, 14, 60))
    for a in m.activities_for(unit):
        act.rows.append({
            contract.ACTIVITY_ID: Cell(a.id), contract.GOAL: Cell(m.goal_text(a.goal)),
            contract.ACTIVITY: Cell(a.name), contract.STATUS: _status(contract.WORK_STATUSES),
            contract.END_DATE: _date(a.end), contract.COMMENT: _text(title=contract.COMMENT,
                                                          message="Kommentera läget."),
        })
    sheets.append(act)

    asg = SheetLayout(contract.ASSIGNMENTS, f"Uppdrag – {label}",
                      "Välj status för varje uppdrag. Försenade uppdrag kommenteras.",
                      widths=(12, 80, 16, 14, 60))
    for assignment in m.assignments_for(unit):
        asg.rows.append({
            contract.ASSIGNMENT_ID: Cell(assignment.id),
            contract.ASSIGNMENT: Cell(assignment.name),
            contract.STATUS: _status(contract.WORK_STATUSES),
            contract.END_DATE: _date(assignment.end),
            contract.COMMENT: _text(title=contract.COMMENT, message="Kommentera läget."),
        })
    sheets.append(asg)

    prj = SheetLayout(contract.PROJECTS, f"Projekt – {label}",
                      "Status per dimension: Grön, Gul eller Röd. Vid Gul eller Röd anges "
                      "orsak och åtgärd.", widths=(12, 30, 42, 10, 10, 10, 50, 50))
    for p in m.projects_for(unit):
        prj.rows.append({
            contract.PROJECT_ID: Cell(p.id),
            contract.PORTFOLIO: Cell(m.portfolio_name(p.portfolio)),
            contract.PROJECT: Cell(p.name),
            contract.TIME: _status(contract.PROJECT_STATUSES, what="status för tid"),
            contract.COST: _status(contract.PROJECT_STATUSES, what="status för kostnad"),
            contract.RESULT: _status(contract.PROJECT_STATUSES, what="status för resultat"),
            contract.CAUSE: _text(title=contract.CAUSE,
                                  message="Orsak till gul eller röd status."),
            contract.ACTION: _text(title=contract.ACTION, message="Planerad åtgärd."),
        })
    sheets.append(prj)

    area_names = tuple(a.name for a in m.plan.risk_areas)
    rsk = SheetLayout(contract.RISKS, f"Risker – {label}",
                      "Bedöm sannolikhet och konsekvens 1–4. Nya risker skrivs på de tomma "
                      "raderna sist; Risk-ID lämnas tomt.", widths=(10, 30, 44, 13, 13, 60, 30))

    def scale(what: str, value: Any) -> Cell:
        return replace(_status(contract.SCALE_1_4, value, what=what.lower()), title=what)

    for r in m.risks_for(unit):
        rsk.rows.append({
            contract.RISK_ID: Cell(r.id), contract.RISK_AREA: Cell(m.risk_area_name(r.area)),
            contract.RISK: Cell(r.name),
            contract.PROBABILITY: scale(contract.PROBABILITY, r.probability),
            contract.CONSEQUENCE: scale(contract.CONSEQUENCE, r.consequence),
            contract.ACTION: _text(r.action, contract.ACTION, "Åtgärd som minskar risken."),
            contract.OWNER: replace(_text(r.owner, contract.OWNER, "Ansvarig roll."),
                                    value_type="text"),
        })
    new_risks = list((values.new_risks if values else []))
    new_risks += [{}] * max(0, m.template.new_risk_rows - len(new_risks))
    for new in new_risks:
        rsk.rows.append({
            contract.RISK_ID: Cell(None),
            contract.RISK_AREA: Cell(new.get(contract.RISK_AREA), input=True, value_type="list",
                                     options=area_names, title=contract.RISK_AREA,
                                     message="Ny risk: välj riskområde i listan."),
            contract.RISK: _text(new.get(contract.RISK), "Ny risk", "Beskriv risken kort."),
            contract.PROBABILITY: scale(contract.PROBABILITY, new.get(contract.PROBABILITY)),
            contract.CONSEQUENCE: scale(contract.CONSEQUENCE, new.get(contract.CONSEQUENCE)),
            contract.ACTION: _text(new.get(contract.ACTION), contract.ACTION,
                                   "Åtgärd som minskar risken."),
            contract.OWNER: replace(_text(new.get(contract.OWNER), contract.OWNER,
                                          "Ansvarig roll."), value_type="text"),
        })
    sheets.append(rsk)

    com = SheetLayout(contract.COMMENTS, f"Kommentarer – {label}",
                      "En kort text per avsnitt. Texterna används i förvaltningens "
                      "månadsrapport.", widths=(22, 110))
    for section in m.plan.comment_sections:
        com.rows.append({contract.SECTION: Cell(section),
                         contract.TEXT: _text(title=section[:32],
                                              message="Skriv avsnittets text.")})
    sheets.append(com)

    if values:
        _apply(sheets, values)
        for sheet in sheets:
            column = LAST_YEAR_COLUMN.get(sheet.name)
            given = values.last_year.get(sheet.name) if column else None
            if column and given:
                key = sheet.table.key
                sheet.beside = (f"{column} {values.last_year_label}".strip(), [
                    replace(r[column], value=given.get(str(r[key].value)), input=False)
                    for r in sheet.rows])
    return sheets


def unplaced_values(sheets: list[SheetLayout], values: TemplateValues) -> list[str]:
    """Values that name no input cell of the layout (unknown table, row id or column)."""
    by_name = {s.name: s for s in sheets}
    problems = []
    for table, rows in values.cells.items():
        sheet = by_name.get(table)
        if sheet is None:
            problems.append(f"unknown table {table!r}")
            continue
        layout_rows = {str(r[sheet.table.key].value): r for r in sheet.rows}
        for key, cols in rows.items():
            if key not in layout_rows:
                problems.append(f"{table}: no row {key!r} in this unit's template")
                continue
            for col in cols:
                cell = layout_rows[key].get(col)
                if cell is None or not cell.input:
                    problems.append(f"{table}: {key}: {col!r} is not an input column")
    return problems


def _apply(sheets: list[SheetLayout], values: TemplateValues) -> None:
    """Put `values` into the input cells they name; values for locked cells are ignored."""
    for sheet in sheets:
        given = values.cells.get(sheet.name, {})
        for row in sheet.rows:
            key = row[sheet.table.key].value
            for column, value in given.get(str(key), {}).items():
                if column in row and row[column].input:
                    row[column] = replace(row[column], value=value)
