"""Plausibility against the unit's own history: warnings with their template cell, never
errors (the unit may be right).

Each rule looks at one unit's figures for the period and at the same unit's stored months
(the latest accepted file per period, as the report uses):

- `ytd-decreased`: a year-to-date flow (a cost line's Utfall ack, a monthly flow indicator's
  Utfall) lower than in the previous month. Not in January: the year starts again.
- `outlier`: an outcome (a cost line's Utfall ack, a monthly indicator's Utfall) outside
  median ± k × spread of the unit's stored months for that row. A year-to-date flow is taken
  per month (Utfall ack / the month's number), so that February and November compare; a level
  (sick leave, staff) as it is. spread = 1.4826 × MAD (the median absolute deviation,
  scaled to a standard deviation), at least `min_spread` × |median|: a history that never
  moved (MAD 0) would otherwise flag every small change; a history of zeros judges nothing.
  Judged only with at least `min_months` of the `months` before the period stored. Result
  lines are not judged: a result is the small difference of two large flows and swings
  legitimately in size and sign.
- `forecast-jump`: a Prognos helår (economy line or indicator) that moved more than the
  share `forecast_jump` of last month's (any move from 0) without a comment on its line.
- `budget-changed`: an Årsbudget that is not last month's.
forecast-jump and budget-changed compare with the previous month of the same year only: a
January forecast and budget are for another year than December's.

The settings are `plausibility:` in mappings/template.yaml. The warnings are computed on each
run from the store, never kept in a file's stored verdict: they depend on other months,
which change after the file was stored (a corrected February changes March's warnings; a
March stored before February had none to compare with).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from .. import contract, swedish
from ..contract import ANNUAL_BUDGET, COMMENT, FORECAST, OUTCOME, OUTCOME_YTD
from ..issues import Issue, make
from ..mappings import Mappings
from ..mappings.models import Indicator, Unit
from ..models import number
from ..periods import Period
from ..template.layout import cell_address, row_ids

if TYPE_CHECKING:
    from ..models import FileReport
    from ..store import Store

MAD_TO_SD = 1.4826  # MAD × this estimates the standard deviation of normal data

ECONOMY, INDICATORS = contract.ECONOMY.name, contract.INDICATORS.name
# The (table, field) pairs the rules read: the outcomes of every month of the outlier's
# window; every figure of the period and of the month before; the period's comments.
OUTCOMES = ((ECONOMY, OUTCOME_YTD), (INDICATORS, OUTCOME))
FIGURES = (*OUTCOMES, (ECONOMY, ANNUAL_BUDGET), (ECONOMY, FORECAST), (INDICATORS, FORECAST))
COMMENTS = ((ECONOMY, COMMENT), (INDICATORS, COMMENT))

Key = tuple[str, str, str]  # (table, row id, field): a cell of the template
# One month's figures of every unit, as the consolidation keeps them: cell -> unit -> value.
Month = Mapping[Key, Mapping[str, Any]]


class Cells(Protocol):
    """One unit's figures of a month: cell -> value (None when not there). A dict is one."""

    def get(self, key: Key, /) -> Any: ...


class _UnitCells:
    """One unit's cells of a Month, looked up there without copying them."""

    __slots__ = ("month", "unit")

    def __init__(self, month: Month, unit: str) -> None:
        self.month, self.unit = month, unit

    def get(self, key: Key, /) -> Any:
        by_unit = self.month.get(key)
        return None if by_unit is None else by_unit.get(self.unit)


class Band(NamedTuple):
    median: float
    low: float
    high: float


def per_month(value: float, period: Period, flow: bool) -> float:
    """A year-to-date flow as its average month; a level as it is."""
    return value / period.month if flow else value


def robust_band(values: Sequence[float], k: float, min_spread: float) -> Band | None:
    """median ± k × spread of `values`, spread = 1.4826 × MAD but at least min_spread ×
    |median|; None when the spread is 0 (a history of zeros)."""
    median = statistics.median(values)
    mad = statistics.median([abs(v - median) for v in values])
    spread = max(MAD_TO_SD * mad, min_spread * abs(median))
    if spread == 0:
        return None
    return Band(median, median - k * spread, median + k * spread)


def jumped(before: float, now: float, share: float) -> bool:
    """Moved by more than `share` of `before` (any move from 0)."""
    return abs(now - before) > share * abs(before)


def changed(before: float, now: float) -> bool:
    return not math.isclose(before, now, rel_tol=1e-9, abs_tol=1e-9)


@lru_cache(maxsize=64)
def window(period: Period, months: int) -> tuple[Period, ...]:
    """The `months` periods before `period`, latest first."""
    out = [period.previous()]
    while len(out) < months:
        out.append(out[-1].previous())
    return tuple(out)


@dataclass(frozen=True)
class _Row:
    """A template row the rules read, and how its figures are said."""

    table: str
    id: str
    outcome: str  # the outcome's column
    flow: bool  # the outcome is year to date
    judged: bool  # its outcome is judged (ytd-decreased, outlier)
    say: Callable[[float], str]


def _say_indicator(ind: Indicator) -> Callable[[float], str]:
    if ind.is_percent:
        return swedish.percent
    if ind.unit_of_measure == "tkr":
        return swedish.tkr
    return swedish.number if ind.whole_numbers else lambda v: swedish.figure(v, 1)


def _rows(m: Mappings, unit: Unit) -> list[_Row]:
    rows = [_Row(ECONOMY, line.id, OUTCOME_YTD, True, line.kind == "cost", swedish.tkr)
            for line in m.economy_lines_for(unit)]
    rows += [_Row(INDICATORS, ind.id, OUTCOME, ind.kind == "flow", True, _say_indicator(ind))
             for ind in m.indicators_for(unit) if ind.frequency == "month"]
    return rows


def check(m: Mappings, unit: Unit, period: Period, now: Cells,
          history: Mapping[Period, Cells]) -> list[Issue]:
    """The plausibility warnings of `unit`'s figures `now` for `period`, against its stored
    months `history` (periods before `period`), each at its cell of the unit's template."""
    settings = m.template.plausibility
    ids: dict[str, list[str]] = {}
    previous = period.previous()
    before = history.get(previous) if period.month > 1 else None
    months = [(p, history[p]) for p in window(period, settings.outlier.months) if p in history]
    last_month = swedish.month(previous)
    issues: list[Issue] = []

    def warn(code: str, row: _Row, column: str, **fields: Any) -> None:
        if not ids:  # the template's rows, looked up only for a warning
            ids.update(row_ids(m, unit))
        issues.append(make(code, sheet=row.table, cell=cell_address(ids, row.table, row.id,
                                                                      column),
                           table=row.table, row_key=row.id, column=column,
                           last_month=last_month, **fields))

    for row in _rows(m, unit):
        key, outcome = (row.table, row.id), (row.table, row.id, row.outcome)
        value = number(now.get(outcome))
        if row.judged and value is not None:
            prior = None if before is None else number(before.get(outcome))
            if row.flow and prior is not None and value < prior:
                warn("ytd-decreased", row, row.outcome, value=row.say(value),
                     prior=row.say(prior))
            past = [per_month(v, p, row.flow) for p, cells in months
                    if (v := number(cells.get(outcome))) is not None]
            band = robust_band(past, settings.outlier.k, settings.outlier.min_spread) \
                if len(past) >= settings.outlier.min_months else None
            mine = per_month(value, period, row.flow)
            if band is not None and not band.low <= mine <= band.high:
                each = " per månad" if row.flow else ""
                said = f"{row.say(value)}, {row.say(mine)}{each}," if row.flow \
                    else row.say(value)
                warn("outlier", row, row.outcome, value=said,
                     median=f"{row.say(band.median)}{each}", months=len(past))
        if before is None:
            continue
        forecast = number(now.get((*key, FORECAST)))
        prior = number(before.get((*key, FORECAST)))
        if forecast is not None and prior is not None and not now.get((*key, COMMENT)) \
                and jumped(prior, forecast, settings.forecast_jump):
            share = f" ({swedish.percent((forecast - prior) / abs(prior))})" if prior else ""
            warn("forecast-jump", row, FORECAST, prior=row.say(prior),
                 forecast=row.say(forecast), share=share)
        budget = number(now.get((*key, ANNUAL_BUDGET)))
        prior = number(before.get((*key, ANNUAL_BUDGET)))
        if budget is not None and prior is not None and changed(prior, budget):
            warn("budget-changed", row, ANNUAL_BUDGET, prior=prior, budget=budget)
    return issues


# --- from the store --------------------------------------------------------------------------

Months = dict[str, dict[Key, dict[str, Any]]]  # period -> cell -> unit -> value
# The fields the rules read of the month before the period (its figures), and of each other
# month of the outlier's window (its outcomes): what a caller's months must hold for them to
# be used instead of the store's (`stored_checks`).
LAST_MONTH_FIELDS = tuple(sorted({f for _, f in FIGURES}))
WINDOW_CELLS = OUTCOMES  # (table, field) pairs, numbers only


def _read(store: Store, periods: Iterable[Period], cells: Collection[tuple[str, str]],
          units: Collection[str], into: Months, numbers: bool = False) -> None:
    """The stored facts of `cells` for `periods` and `units` (only those with a number,
    when `numbers`), into period -> cell -> unit -> value."""
    _add(store.fact_rows([str(p) for p in periods], cells, units, numbers), into)


def _add(rows: Iterable[tuple[Any, ...]], into: Months) -> None:
    """(period, unit, table, row id, field, value) rows into period -> cell -> unit -> value."""
    for period, unit, table, rid, field, value in rows:
        month = into.get(period)
        if month is None:
            month = into[period] = {}
        key = (table, rid, field)
        by_unit = month.get(key)
        if by_unit is None:
            by_unit = month[key] = {}
        by_unit[unit] = value


def _history(m: Mappings, period: Period, store: Store, units: Collection[str],
             into: Months, known: Collection[str] = ()) -> None:
    """The months before `period` that the rules read, but those `known`: last month's
    figures, and the outcomes of the rest of the outlier's window; only numbers (the rules
    judge nothing else of those months: see `models.number`)."""
    months = [p for p in window(period, m.template.plausibility.outlier.months)
              if str(p) not in known]
    last = [p for p in months if p == period.previous()]
    _read(store, last, FIGURES, units, into, numbers=True)
    _read(store, [p for p in months if p not in last], OUTCOMES, units, into, numbers=True)


def _unit_history(m: Mappings, period: Period, months: Mapping[str, Month],
                  unit: str) -> dict[Period, Cells]:
    """The unit's cells of each month of the window that `months` holds."""
    return {p: _UnitCells(months[str(p)], unit)
            for p in window(period, m.template.plausibility.outlier.months)
            if str(p) in months}


def stored_checks(m: Mappings, period: Period, store: Store, files: Mapping[str, str],
                  known: Mapping[str, Month] | None = None) -> dict[str, list[Issue]]:
    """The warnings of each unit's file in the report (`files`: unit id -> its file name),
    its figures and history read from the store, except the months in `known` (period ->
    cell -> unit -> value, as the consolidation has read them: `Report.months`): the period
    itself whole, the previous month with at least LAST_MONTH_FIELDS, an earlier month with
    at least the numbers of WINDOW_CELLS. unit id -> its warnings, when any."""
    months: dict[str, Month] = dict(known or {})
    read: Months = {}
    _history(m, period, store, files, read, months)
    months.update(read)
    if not any(months.get(str(p))
               for p in window(period, m.template.plausibility.outlier.months)):
        return {}  # nothing stored before the period (a new store): nothing to judge
    if str(period) not in months:
        _read(store, [period], (*FIGURES, *COMMENTS), files, read)
        months.update(read)
    now = months.get(str(period), {})
    out = {}
    for unit_id, file in files.items():
        try:
            unit = m.unit(unit_id)
        except KeyError:
            continue
        issues = [i.model_copy(update={"file": file}) for i in check(
            m, unit, period, _UnitCells(now, unit_id), _unit_history(m, period, months, unit_id))]
        if issues:
            out[unit_id] = issues
    return out


def file_checks(report: FileReport, m: Mappings, store: Store) -> list[Issue]:
    """The warnings of a validated file's own figures against its unit's stored history
    (nothing for a file without content, unit or period)."""
    sub = report.submission
    if sub is None or not sub.facts:
        return []
    try:
        unit, period = m.unit(sub.unit_id), Period.parse(sub.period)
    except (KeyError, ValueError):
        return []
    found: Months = {}
    _history(m, period, store, [unit.id], found)
    now = {(table, rid, field): value for table, rid, field, value in sub.facts}
    return [i.model_copy(update={"file": Path(report.file).name})
            for i in check(m, unit, period, now, _unit_history(m, period, found, unit.id))]


__all__ = ["LAST_MONTH_FIELDS", "WINDOW_CELLS", "Band", "Cells", "Month", "check",
           "file_checks", "jumped", "per_month", "robust_band",
           "stored_checks", "window"]
