"""The template contract's checks, declared once beside it (`contract.py`).

For each table a unit fills in: how each cell is read (a number of which sort, a text, a
value of a closed list, a date), whether it must be filled, and the rules between a row's
values (a delayed activity needs a comment, a cost forecast far from the budget is
questioned). `validate` runs them on a submitted workbook (`validate/engine.py`) and the
history import on each imported value (`validate.values.coerce`): one set of rules for both.
A check that needs the file's period skips when the period is unknown (`Row.period`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Literal, NamedTuple

from . import contract
from .periods import Period

if TYPE_CHECKING:
    from .mappings import Mappings
    from .mappings.models import Indicator

CellType = Literal["number", "text", "choice", "date"]
# A number's sort: amount (any sign), count (whole, ≥ 0), nonneg (≥ 0), percent (0–100 %).
NumberSort = Literal["amount", "count", "nonneg", "percent"]


class Row(NamedTuple):
    """What a row's checks may depend on."""

    m: Mappings
    period: Period | None  # the file's; None when it is unknown
    id: str | None  # None: a row the unit added itself (a new risk)
    entry: Any = None  # the row's entry in the mappings (its Indicator, its EconomyLine)


class Finding(NamedTuple):
    """A row rule's finding: the issue `code` (`issues.TYPES`) at the row's `column`."""

    code: str
    column: str
    variant: str = ""
    fields: dict[str, Any] = {}


RowRule = Callable[[dict[str, Any], Row], Iterator[Finding]]


@dataclass(frozen=True)
class Cell:
    """How a table's column is read on a row: `rows` says on which rows this declaration
    holds (the template's own rows, the rows a unit adds, or all)."""

    column: str
    type: CellType = "text"
    required: bool | Callable[[Row], bool] = False
    number: NumberSort | Callable[[Row], NumberSort] = "amount"
    options: tuple[Any, ...] | Callable[[Mappings], tuple[Any, ...]] = ()
    rows: Literal["all", "template", "new"] = "all"

    def is_required(self, row: Row) -> bool:
        return self.required(row) if callable(self.required) else self.required

    def number_sort(self, row: Row) -> NumberSort:
        return self.number(row) if callable(self.number) else self.number

    def choices(self, row: Row) -> tuple[Any, ...]:
        return self.options(row.m) if callable(self.options) else self.options


@dataclass(frozen=True)
class TableChecks:
    spec: contract.TableSpec
    cells: tuple[Cell, ...]
    rules: tuple[RowRule, ...] = ()
    # The table's rows in the mappings, by id: each row's `Row.entry`.
    entries: Callable[[Mappings], dict[str, Any]] = field(default=lambda m: {})

    def cells_of(self, new: bool) -> tuple[Cell, ...]:
        """The cells read on a template row, or on a row the unit added (`new`)."""
        rows = "new" if new else "template"
        return tuple(c for c in self.cells if c.rows in ("all", rows))

    def cell(self, column: str) -> Cell | None:
        """How `column` is read on a template row, if it is declared."""
        return next((c for c in self.cells_of(new=False) if c.column == column), None)

    def is_input(self, column: str, new: bool) -> bool:
        """Whether the unit fills `column` in (what the store keeps), else it is pre-filled."""
        inputs = contract.NEW_RISK_COLUMNS if new else contract.INPUT_COLUMNS[self.spec.name]
        return column in inputs


# --- what the rules depend on -----------------------------------------------------------------

def _indicator_required(row: Row) -> bool:
    """A monthly indicator's Utfall, from its first period on (when the period is known)."""
    ind: Indicator = row.entry
    if not (ind.required and ind.frequency == "month"):
        return False
    return ind.first_period is None or (
        row.period is not None and row.period >= Period.parse(ind.first_period))


def indicator_sort(ind: Indicator) -> NumberSort:
    return "percent" if ind.is_percent else "count" if ind.whole_numbers else "nonneg"


def _risk_areas(m: Mappings) -> tuple[str, ...]:
    return tuple(a.name for a in m.plan.risk_areas)


def last_day(period: Period) -> dt.date:
    first_of_next = dt.date(period.year + period.month // 12, period.month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


# --- row rules ----------------------------------------------------------------------------

ECONOMY_FIGURES = (contract.OUTCOME_YTD, contract.BUDGET_YTD, contract.ANNUAL_BUDGET,
                   contract.FORECAST)
FAR_FROM_BUDGET = 0.5  # a cost forecast more than this share from the annual budget


def negative_cost(values: dict[str, Any], row: Row) -> Iterator[Finding]:
    if row.entry.kind == "cost":
        for column in ECONOMY_FIGURES:
            if values[column] is not None and values[column] < 0:
                yield Finding("negative-cost", column, fields={"value": values[column]})


def forecast_far_from_budget(values: dict[str, Any], row: Row) -> Iterator[Finding]:
    forecast, budget = values[contract.FORECAST], values[contract.ANNUAL_BUDGET]
    if row.entry.kind == "cost" and forecast is not None and budget and \
            abs(forecast - budget) > FAR_FROM_BUDGET * abs(budget):
        yield Finding("forecast-far-from-budget", contract.FORECAST,
                      fields={"forecast": forecast, "budget": budget})


def delay_explained(values: dict[str, Any], row: Row) -> Iterator[Finding]:
    if values[contract.STATUS] == contract.WORK_DELAYED and not values[contract.COMMENT]:
        yield Finding("comment-missing", contract.COMMENT)


def overdue(values: dict[str, Any], row: Row) -> Iterator[Finding]:
    end, status = values[contract.END_DATE], values[contract.STATUS]
    if row.period is not None and end and end < last_day(row.period) and \
            status in (contract.WORK_NOT_STARTED, contract.WORK_ONGOING):
        yield Finding("overdue", contract.STATUS, fields={"end": end, "status": status})


PROJECT_DIMENSIONS = (contract.TIME, contract.COST, contract.RESULT)


def red_project_explained(values: dict[str, Any], row: Row) -> Iterator[Finding]:
    if contract.PROJECT_RED in (values[column] for column in PROJECT_DIMENSIONS):
        for column in (contract.CAUSE, contract.ACTION):
            if not values[column]:
                yield Finding("comment-missing", column, "red-project")


def summary_written(values: dict[str, Any], row: Row) -> Iterator[Finding]:
    if row.id == contract.SECTION_SUMMARY and not values[contract.TEXT]:
        yield Finding("missing-value", contract.TEXT, "summary")


# --- the tables -----------------------------------------------------------------------------

def _work_items(spec: contract.TableSpec) -> TableChecks:
    return TableChecks(spec, (
        Cell(contract.STATUS, "choice", required=True, options=contract.WORK_STATUSES),
        Cell(contract.END_DATE, "date", required=True),
        Cell(contract.COMMENT),
    ), rules=(delay_explained, overdue))


CHECKS: tuple[TableChecks, ...] = (
    TableChecks(contract.INDICATORS, (
        Cell(contract.OUTCOME, "number", required=_indicator_required,
             number=lambda row: indicator_sort(row.entry)),
        Cell(contract.FORECAST, "number", number=lambda row: indicator_sort(row.entry)),
        Cell(contract.COMMENT),
    ), entries=lambda m: {i.id: i for i in m.indicators}),
    TableChecks(contract.ECONOMY, (
        *(Cell(column, "number", required=True) for column in ECONOMY_FIGURES),
        Cell(contract.COMMENT),
    ), rules=(negative_cost, forecast_far_from_budget),
        entries=lambda m: {line.id: line for line in m.economy.lines}),
    _work_items(contract.ACTIVITIES),
    _work_items(contract.ASSIGNMENTS),
    TableChecks(contract.PROJECTS, (
        *(Cell(column, "choice", required=True, options=contract.PROJECT_STATUSES)
          for column in PROJECT_DIMENSIONS),
        Cell(contract.CAUSE),
        Cell(contract.ACTION),
    ), rules=(red_project_explained,)),
    TableChecks(contract.RISKS, (
        # The template's risks come with their area and text; a unit's new risk names both.
        Cell(contract.RISK_AREA, rows="template"),
        Cell(contract.RISK_AREA, "choice", required=True, options=_risk_areas, rows="new"),
        Cell(contract.RISK, rows="template"),
        Cell(contract.RISK, required=True, rows="new"),
        Cell(contract.PROBABILITY, "choice", required=True, options=contract.SCALE_1_4),
        Cell(contract.CONSEQUENCE, "choice", required=True, options=contract.SCALE_1_4),
        Cell(contract.ACTION),
        Cell(contract.OWNER),
    )),
    TableChecks(contract.COMMENTS, (Cell(contract.TEXT),), rules=(summary_written,)),
)
CHECKS_BY_TABLE = {checks.spec.name: checks for checks in CHECKS}
