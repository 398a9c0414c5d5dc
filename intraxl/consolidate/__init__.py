"""Stage 6 — consolidate: the period's facts + history -> the report model. Pure pandas,
no file or database I/O: the caller hands in the facts and the submission records.

Figures follow SPEC §3: flows are year to date, R12 = YTD + last year's full year − last
year's YTD, year over year comes from history, and what history lacks is left empty and
noted, never guessed. Month over month compares with the previous month of the same year
(January compares with nothing) and the year's monthly outcomes so far make each
indicator's trend.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import pandas as pd

from .. import contract
from ..issues import Issue
from ..mappings import Mappings
from ..mappings.models import Indicator
from ..models import number
from ..periods import Period
from ..rules import last_day
from ..unit_state import LATER_REJECTED, standing

if TYPE_CHECKING:  # the store (SQLAlchemy) is not needed to consolidate, only its records
    from ..store import SubmissionRecord

FRAMES = {contract.RESULT_ADMIN: "Förvaltning", contract.RESULT_DEVELOPMENT: "Utveckling"}
DONE = (contract.WORK_DONE, contract.WORK_CANCELLED)

Key = tuple[str, str, str, str]  # unit, table, row id, field
FACT_FIELDS = ("period", "unit_id", "table", "id", "field", "value")  # the facts frame's
# What month over month reads of the year's earlier months: each indicator's outcome (an
# Indikatorer Utfall; an economy one's from Ekonomi Utfall ack) for its trend, numbers only
# (a trend draws nothing else), and of the previous month these fields whole and the
# forecasts (Prognos helår) too, for their change.
EARLIER_MONTHS_CELLS = ((contract.INDICATORS.name, contract.OUTCOME),
                        (contract.ECONOMY.name, contract.OUTCOME_YTD))
PREVIOUS_MONTH_FIELDS = (contract.OUTCOME, contract.OUTCOME_YTD, contract.FORECAST)


@dataclass
class ReportUnit:
    """A unit as the month's report shows it (the master's Inlämningar); `intraxl status`
    has its own, fuller row per unit: `status.UnitStatus`."""

    unit_id: str
    name: str
    status: str  # godkänd | avvisad | karantän | saknas (unit_state.standing)
    label: str  # the state as shown: `godkänd, senare fil avvisad`
    needs_attention: bool
    file: str | None = None  # the file in the report; else the latest rejected one
    received_at: dt.datetime | None = None
    errors: int = 0
    warnings: int = 0
    files_seen: int = 0


@dataclass
class Report:
    period: Period
    administration: str
    units: list[ReportUnit]
    files: pd.DataFrame  # every file seen for the period (Inlämningar)
    result: pd.DataFrame  # result per unit and frame
    costs: pd.DataFrame  # the cost table
    indicators: pd.DataFrame
    activities: pd.DataFrame
    assignments: pd.DataFrame
    projects: pd.DataFrame
    risks: pd.DataFrame
    comments: pd.DataFrame
    data: pd.DataFrame  # the Data table of SPEC §5
    notes: list[str] = field(default_factory=list)  # what could not be computed, and why
    # the month compared with: the previous month of the same year when any facts exist
    # for it; None in January and when that month is missing (then a note says so)
    previous_period: str | None = None
    sections: list[str] = field(default_factory=list)  # the comment sections, report order
    # each reporting unit's economy lines (Ekonomi per enhet), in organisation order
    unit_economy: pd.DataFrame = field(default_factory=pd.DataFrame)
    # unit id -> the plausibility warnings of its file in the report (set by the pipeline
    # from the store: intraxl.analyse.plausibility)
    plausibility: dict[str, list[Issue]] = field(default_factory=dict)
    # the facts read, by period: cell (table, row id, field) -> unit -> value; the pipeline
    # hands them to the plausibility step and lets them go before writing the master
    months: dict[str, dict[tuple[str, str, str], dict[str, Any]]] = field(default_factory=dict)

    def status_counts(self) -> dict[str, int]:
        """Units per state, and `senare fil avvisad`: accepted units whose newer file was
        rejected."""
        counts = {s: sum(u.status == s for u in self.units) for s in contract.UNIT_STATES}
        counts[LATER_REJECTED] = sum(u.label != u.status for u in self.units)
        return counts

    def deviation_by_unit(self) -> dict[str, tuple[str, float | None]]:
        """unit id -> (its name, its deviation utfall − budget summed over its frames; None
        when it has none), in the result table's order."""
        found: dict[str, tuple[str, list[float]]] = {}
        if len(self.result):
            for uid, name, value in zip(*(self.result[c].tolist() for c in (
                    "unit_id", "unit", "deviation")), strict=True):
                _, values = found.setdefault(uid, (name, []))
                if not blank(value):
                    values.append(float(value))
        return {uid: (name, math.fsum(values) if values else None)
                for uid, (name, values) in found.items()}

    def totals(self) -> tuple[pd.Series, pd.Series]:
        """The result's forecast and deviation summed over the units and frames (NaN where
        no unit has a figure), and the cost table's first line (`kostnad.totalt`)."""
        return self.result[["forecast", "deviation"]].sum(min_count=1), self.costs.iloc[0]


class _Facts:
    """Fast lookups in a long facts frame: (unit, table, id, field) -> value, kept per
    (table, id, field) as unit -> value, so that a figure over every unit looks up short
    unit ids in one small dictionary instead of a tuple per unit in one of 500,000."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.units: set[str] = set()
        self.rows: list[list[Any]] = [[] for _ in FACT_FIELDS]  # the facts, as columns
        self._numeric: dict[tuple[str, str, str], dict[str, float]] = {}

    @staticmethod
    def of(df: pd.DataFrame, periods: Sequence[str]) -> list[_Facts]:
        """The facts of each of `periods`, in one pass over the frame's column lists
        (iterating pandas' text columns cell by cell is slow); the rows themselves are kept
        for the first period only (the Data table's)."""
        found = {p: _Facts() for p in periods}
        if not len(df):
            return [found[p] for p in periods]
        at = df.groupby(FACT_FIELDS[0], sort=False).indices  # period -> its rows, in order
        arrays = [df[c].to_numpy() for c in FACT_FIELDS[1:]]
        for i, p in enumerate(periods):
            rows = at.get(p)
            if rows is None or found[p].units:  # none, or a period asked for twice
                continue
            facts = found[p]
            columns = [a[rows].tolist() for a in arrays]
            cells = facts.cells
            for u, t, r, f, v in zip(*columns, strict=True):
                by_unit = cells.get((t, r, f))
                if by_unit is None:
                    by_unit = cells[(t, r, f)] = {}
                by_unit[u] = v  # the same key twice: the later value, as a dict keeps
            facts.units = set(columns[0])
            if i == 0:
                facts.rows = [[p] * len(rows), *columns]
        return [found[p] for p in periods]

    def column(self, table: str, rid: str, fld: str) -> dict[str, Any]:
        """unit -> value of one cell of the template, for every unit that reported it."""
        return self.cells.get((table, rid, fld)) or {}

    def get(self, unit: str, table: str, rid: str, fld: str) -> Any:
        by_unit = self.cells.get((table, rid, fld))
        return None if by_unit is None else by_unit.get(unit)

    def num(self, unit: str, table: str, rid: str, fld: str) -> float | None:
        return number(self.get(unit, table, rid, fld))

    def total(self, units: list[str], table: str, rids: list[str], fld: str) -> float | None:
        """Σ over units and rows (in that order, unit by unit); None when nobody reported
        any of them."""
        columns = [c for r in rids if (c := self._numbers(table, r, fld))]
        if not columns:
            return None
        vals = [v for u in units for c in columns if (v := c.get(u)) is not None]
        return sum(vals) if vals else None

    def _numbers(self, table: str, rid: str, fld: str) -> dict[str, float]:
        """unit -> the cell's value as a number, for the units that reported a number."""
        key = (table, rid, fld)
        found = self._numeric.get(key)
        if found is None:
            found = self._numeric[key] = {
                u: n for u, v in self.column(table, rid, fld).items()
                if (n := number(v)) is not None}
        return found


def _status(ind: Indicator, value: float | None, target: float | None) -> str | None:
    """The city's scale: Grön / Gul / Röd, Ej mätt without a value, Lila without a target."""
    if value is None:
        return contract.INDICATOR_NOT_MEASURED
    if ind.status is None:
        return None
    if target is None:
        return contract.INDICATOR_NO_TARGET
    rule, t = ind.status, target
    band = rule.yellow_band * abs(t)
    if rule.direction == "higher":
        return _colour(value >= t, value >= t - band)
    if rule.direction == "lower":
        return _colour(value <= t, value <= t + band)
    gap = abs(value - t)
    tol = rule.tolerance * abs(t)
    return _colour(gap <= tol, gap <= tol + band)


def _colour(on_target: bool, within_band: bool) -> str:
    """Grön on target, Gul within the yellow band beside it, else Röd."""
    return (contract.INDICATOR_GREEN if on_target else
            contract.INDICATOR_YELLOW if within_band else contract.INDICATOR_RED)


SEVERITY = {contract.INDICATOR_GREEN: 0, contract.INDICATOR_YELLOW: 1, contract.INDICATOR_RED: 2}


def _judged(ind: Indicator, outcome: float | None, target: float | None,
            forecast: float | None, annual: float | None) -> str | None:
    """The status on what the rule judges (`on`): the outcome against the period's target,
    the forecast against the year's, or both (the worse of the two; without a forecast, the
    outcome's status)."""
    on = ind.status.on if ind.status else "outcome"
    if on == "forecast":
        return _status(ind, forecast, annual)
    by_outcome = _status(ind, outcome, target)
    if on == "outcome" or forecast is None:
        return by_outcome
    by_forecast = _status(ind, forecast, annual)
    if by_outcome in SEVERITY and by_forecast in SEVERITY:
        return max(by_outcome, by_forecast, key=SEVERITY.__getitem__)
    return by_outcome


def missing_previous_month(period: Period) -> str:
    """The note of a month whose previous month has no facts in the store."""
    return (f"Historik för {period.previous()} (föregående månad) saknas: jämförelsen med "
            "föregående månad lämnas tom.")


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _aggregate(ind: Indicator, f: _Facts, units: list[str], fld: str,
               m: Mappings) -> float | None:
    owners = units if ind.owners == "all" else [u for u in units if u in ind.owners]
    if ind.source == "economy":
        column = {contract.OUTCOME: contract.OUTCOME_YTD, contract.FORECAST: contract.FORECAST,
                  contract.PERIOD_TARGET: contract.BUDGET_YTD,
                  contract.ANNUAL_TARGET: contract.ANNUAL_BUDGET}[fld]
        return f.total(units, contract.ECONOMY.name, ind.economy_lines, column)
    if fld not in (contract.OUTCOME, contract.FORECAST):
        return None
    if ind.aggregation == "weighted_mean":
        pairs = [(v, w) for u in owners
                 if (v := f.num(u, contract.INDICATORS.name, ind.id, fld)) is not None
                 and (w := f.num(u, contract.INDICATORS.name, ind.weight or "", contract.OUTCOME))]
        weight = sum(w for _, w in pairs)
        return sum(v * w for v, w in pairs) / weight if weight else None
    return f.total(owners, contract.INDICATORS.name, [ind.id], fld)


def consolidate(m: Mappings, period: Period, facts: pd.DataFrame,
                records: list[SubmissionRecord],
                quarantined: Sequence[Mapping[str, Any]] = ()) -> Report:
    """The report model for `period`. `facts` holds the latest accepted facts per unit for
    the period and for the history periods (same month last year, last December), and of
    the year's earlier months at least the numbers of their EARLIER_MONTHS_CELLS (the
    previous month its PREVIOUS_MONTH_FIELDS); `quarantined` the e-mail
    attachments of the period that collect kept out (the store's attachments rows), listed
    among the files seen."""
    p, ly, fy = str(period), str(period.same_month_last_year()), str(period.year_end(1))
    months = [str(month) for month in period.earlier_in_year()]
    read = _Facts.of(facts, [p, ly, fy, *months])
    cur, last, full, *earlier = read
    year = [*earlier, cur]  # January .. the period
    notes: list[str] = []
    prev = earlier[-1] if earlier else _Facts()  # January: nothing to compare with
    previous_period = str(period.previous()) if prev.units else None
    if earlier and not prev.units:
        notes.append(missing_previous_month(period))
    unit_ids = [u.id for u in m.units]
    names = {u.id: u.name for u in m.units}
    # Month over month compares like with like: the units that reported in both months (this
    # month's figures themselves are every unit's).
    both = [u for u in unit_ids if u in cur.units and (u in prev.units or not prev.units)]
    in_both = set(both)
    gone, new = len(prev.units - cur.units), len(cur.units - prev.units)
    if previous_period and (gone or new):
        notes.append(f"Jämförelsen med {previous_period} gäller de {len(both)} enheter som "
                     "rapporterat båda månaderna"
                     + (f"; {gone} som rapporterade då saknas nu" if gone else "")
                     + (f"; {new} rapporterar för första gången i år" if new else "") + ".")

    units, files = _unit_status(m, p, records, quarantined)
    if not last.units:
        notes.append(f"Historik för {ly} saknas: kolumnerna för föregående år lämnas tomma.")
    if not full.units:
        notes.append(f"Historik för helåret {period.year - 1} ({fy}) saknas: R12 lämnas tomt.")

    # --- economy: result per unit and frame, and the cost table ---
    result_rows = []
    groups: dict[str, str] = {}
    for g in m.organisation.groups:
        groups.setdefault(g.id, g.name)
    for rid, frame in FRAMES.items():
        outcomes, budgets, forecasts = (cur.column(contract.ECONOMY.name, rid, f) for f in (
            contract.OUTCOME_YTD, contract.BUDGET_YTD, contract.FORECAST))
        previous = prev.column(contract.ECONOMY.name, rid, contract.FORECAST)
        for u in m.units:
            if rid == contract.RESULT_DEVELOPMENT and not u.development_frame:
                continue
            outcome = number(outcomes.get(u.id))
            budget = number(budgets.get(u.id))
            forecast = number(forecasts.get(u.id))
            forecast_previous = number(previous.get(u.id)) if u.id in in_both else None
            result_rows.append({
                "frame": frame, "row_id": rid, "unit_id": u.id, "unit": u.name,
                "label": u.label, "group": groups.get(u.group or ""),
                "forecast": forecast, "deviation": _difference(outcome, budget),
                "outcome": outcome, "budget": budget, "forecast_previous": forecast_previous,
                "forecast_change": _difference(forecast, forecast_previous),
            })
    result = pd.DataFrame(result_rows)

    cost_rows = []
    lines = [(line.id, line.label, [line.id]) for line in m.economy.lines if line.kind == "cost"]
    lines.append(("verksamhetens-resultat", "Verksamhetens resultat", list(contract.RESULT_ROWS)))
    for lid, label, rids in lines:
        outcome, budget, forecast, annual_budget = (
            cur.total(unit_ids, contract.ECONOMY.name, rids, f) for f in (
                contract.OUTCOME_YTD, contract.BUDGET_YTD, contract.FORECAST,
                contract.ANNUAL_BUDGET))
        forecast_previous = prev.total(both, contract.ECONOMY.name, rids, contract.FORECAST)
        forecast_now = cur.total(both, contract.ECONOMY.name, rids, contract.FORECAST)
        cost_rows.append({
            "line_id": lid, "label": label,
            "outcome_last_year": last.total(unit_ids, contract.ECONOMY.name, rids,
                                            contract.OUTCOME_YTD),
            "outcome": outcome, "budget": budget, "forecast": forecast,
            "annual_budget": annual_budget, "forecast_previous": forecast_previous,
            "forecast_change": _difference(forecast_now, forecast_previous),
            "deviation": _difference(outcome, budget),  # Utfall − mål
            "forecast_vs_annual": _difference(forecast, annual_budget),  # Prognos − årsmål
        })
    costs = pd.DataFrame(cost_rows)
    unit_economy = _unit_economy(m, cur)

    # --- indicators ---
    goals = {g.id: g for g in m.catalogue.goals}
    areas = {a.id: a.name for a in m.catalogue.areas}
    ind_rows = []
    for ind in m.indicators:
        yearly = ind.frequency == "year"
        first = Period.parse(ind.first_period) if ind.first_period else None
        trend = [_aggregate(ind, month, both, contract.OUTCOME, m)  # like with like
                 if first is None or Period(period.year, n) >= first else None
                 for n, month in enumerate(year, start=1)]
        outcome = _aggregate(ind, cur, unit_ids, contract.OUTCOME, m) \
            if first is None or period >= first else None
        outcome_previous = trend[-2] if earlier else None
        last_year = _aggregate(ind, full if yearly else last, unit_ids, contract.OUTCOME, m)
        if ind.source == "economy":
            target = _aggregate(ind, cur, unit_ids, contract.PERIOD_TARGET, m)
            annual = _aggregate(ind, cur, unit_ids, contract.ANNUAL_TARGET, m)
        else:
            target, annual = ind.period_target(period.month), ind.annual_target
        r12 = None
        if ind.kind == "flow" and not yearly and ind.source == "indicators":
            fy_value = _aggregate(ind, full, unit_ids, contract.OUTCOME, m)
            if outcome is not None and fy_value is not None and last_year is not None:
                r12 = outcome + fy_value - last_year
            elif outcome is not None:
                notes.append(f"R12 för {ind.name} kan inte räknas: historik saknas.")
        said = cur.column(contract.INDICATORS.name, ind.id, contract.COMMENT)
        comments = [f"{names[u]}: {c}" for u in unit_ids if said and (c := said.get(u))]
        goal = goals[ind.goal]
        forecast = _aggregate(ind, cur, unit_ids, contract.FORECAST, m)
        ind_rows.append({
            "area": areas[goal.area], "goal": goal.text, "indicator_id": ind.id,
            "name": ind.name, "unit_of_measure": ind.unit_of_measure,
            "frequency": ind.frequency, "outcome_last_year": last_year, "outcome": outcome,
            "target": target, "forecast": forecast, "annual_target": annual, "r12": r12,
            "status": _judged(ind, outcome, target if not yearly else annual, forecast,
                              annual),
            "comment": "\n".join(comments) or None,
            "outcome_previous": outcome_previous, "trend": trend,
        })
    indicators = pd.DataFrame(ind_rows)

    # --- activities, assignments, projects ---
    end_of_period = last_day(period)

    def work_items(items: list[Any], table: str, with_goal: bool) -> pd.DataFrame:
        rows = []
        for a in items:
            status = cur.get(a.unit, table, a.id, contract.STATUS)
            end = cur.get(a.unit, table, a.id, contract.END_DATE) or a.end
            row = {"id": a.id, "name": a.name, "unit_id": a.unit, "unit": names[a.unit],
                   "status": status, "end": end,
                   "comment": cur.get(a.unit, table, a.id, contract.COMMENT),
                   # past its end date and not finished, whatever its status: what the
                   # controller marks (validation's `overdue` asks the unit only about items
                   # still marked as on track, rules.overdue)
                   "overdue": bool(end and end < end_of_period and status not in DONE)}
            if with_goal:
                row = {"goal": goals[a.goal].text, "area": areas[goals[a.goal].area], **row}
            rows.append(row)
        return pd.DataFrame(rows)

    activities = work_items(m.plan.activities, contract.ACTIVITIES.name, True)
    assignments = work_items(m.plan.assignments, contract.ASSIGNMENTS.name, False)
    portfolios = {x.id: x for x in m.plan.portfolios}
    projects = pd.DataFrame([{
        "id": x.id, "portfolio": portfolios[x.portfolio].name, "name": x.name,
        "unit_id": portfolios[x.portfolio].unit, "unit": names[portfolios[x.portfolio].unit],
        **{col: cur.get(portfolios[x.portfolio].unit, contract.PROJECTS.name, x.id, col)
           for col in (contract.TIME, contract.COST, contract.RESULT, contract.CAUSE,
                       contract.ACTION)},
    } for x in m.plan.projects if x.open])

    risks, new_ids = _risks(m, cur)

    texts = {s: cur.column(contract.COMMENTS.name, s, contract.TEXT)
             for s in m.plan.comment_sections}
    written = [(s, u, text) for s in m.plan.comment_sections for u in m.units
               if (text := texts[s].get(u.id))]
    comments = pd.DataFrame({  # texts as they are: a frame of dicts, or pandas' own text
        # columns, took 0.25 s for 10,000 units
        "section": [s for s, _, _ in written], "unit_id": [u.id for _, u, _ in written],
        "unit": [u.name for _, u, _ in written], "text": [t for _, _, t in written]},
        dtype=object)

    # The Data table: in the organisation's unit order, each unit's facts as submitted (the
    # same month gives the same table whatever order the files arrived in); units the
    # organisation does not know last. Built from column lists: pandas' sorting and mapping
    # of text columns took a quarter of a second for 10,000 units.
    order = {u.id: n for n, u in enumerate(m.units)}
    period_, unit_, table_, rid_, field_, value_ = cur.rows
    rank = [order.get(u, len(order)) for u in unit_]
    by_unit = sorted(range(len(rank)), key=rank.__getitem__)  # stable
    if any(a > b for a, b in zip(by_unit, by_unit[1:], strict=False)):
        take = itemgetter(*by_unit)  # out of order: at least two rows, so a tuple of them
        period_, unit_, table_, rid_, field_, value_ = (list(take(column)) for column in (
            period_, unit_, table_, rid_, field_, value_))
    data = pd.DataFrame({
        contract.DATA_PERIOD: period_, contract.DATA_UNIT_ID: unit_,
        contract.DATA_UNIT: [names.get(u, math.nan) for u in unit_], contract.DATA_TABLE: table_,
        contract.DATA_ID: [new_ids.get((u, i), i) for u, i in zip(unit_, rid_, strict=True)],
        contract.DATA_FIELD: field_, contract.DATA_VALUE: value_}, dtype=object)

    return Report(period, m.organisation.administration, units, files, result, costs,
                  indicators, activities, assignments, projects, risks, comments, data,
                  list(dict.fromkeys(notes)), previous_period,
                  list(m.plan.comment_sections), unit_economy,
                  months={q: f.cells for q, f in zip([p, ly, fy, *months], read, strict=True)})


def _unit_economy(m: Mappings, cur: _Facts) -> pd.DataFrame:
    """Every economy line of every unit that reported, as it reported it, with its
    deviation (utfall − budget) and its comment. Built as columns (7 rows a unit)."""
    names = ["unit_id", "unit", "line_id", "label", "outcome", "budget", "deviation",
             "annual_budget", "forecast", "comment"]
    out: dict[str, list[Any]] = {c: [] for c in names}
    (unit_id, unit, line_id, label, outcome_, budget_, deviation, annual_, forecast_,
     comment) = out.values()
    lines = [(line, [cur.column(contract.ECONOMY.name, line.id, f) for f in (
        contract.OUTCOME_YTD, contract.BUDGET_YTD, contract.ANNUAL_BUDGET, contract.FORECAST,
        contract.COMMENT)])
        for line in m.economy.lines]
    for u in m.units:
        if u.id not in cur.units:
            continue
        for line, (outcomes, budgets, annual, forecasts, notes) in lines:
            if line.development_only and not u.development_frame:
                continue
            outcome = number(outcomes.get(u.id))
            budget = number(budgets.get(u.id))
            unit_id.append(u.id)
            unit.append(u.name)
            line_id.append(line.id)
            label.append(line.label)
            outcome_.append(outcome)
            budget_.append(budget)
            deviation.append(None if outcome is None or budget is None else outcome - budget)
            annual_.append(number(annual.get(u.id)))
            forecast_.append(number(forecasts.get(u.id)))
            comment.append(notes.get(u.id))
    return pd.DataFrame(out if unit_id else [], columns=names)


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A report frame's rows as dicts, made from column lists: DataFrame.to_dict and iterrows
    go through pandas' Arrow-backed text columns cell by cell (0.15 s for 1,000 units)."""
    columns = list(df.columns)
    return [dict(zip(columns, row, strict=True))
            for row in zip(*(df[c].tolist() for c in columns), strict=True)]


def blank(v: Any) -> bool:
    """An empty cell of a report frame: None, NaN or NaT."""
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT


def _risks(m: Mappings, cur: _Facts) -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """One register: the plan's risks as the units assessed them, then the units' new risks
    with ids continuing the plan's numbering (R14, R15, ...)."""
    names = {u.id: u.name for u in m.units}
    areas = {a.id: a.name for a in m.plan.risk_areas}
    rows = []
    for r in m.plan.risks:
        def val(fld: str, default: Any, r: Any = r) -> Any:
            v = cur.get(r.unit, contract.RISKS.name, r.id, fld)
            return default if v is None else v
        rows.append({"id": r.id, "area": areas[r.area], "risk": r.name,
                     "probability": int(val(contract.PROBABILITY, r.probability)),
                     "consequence": int(val(contract.CONSEQUENCE, r.consequence)),
                     "action": val(contract.ACTION, r.action),
                     "owner": val(contract.OWNER, r.owner),
                     "unit_id": r.unit, "unit": names[r.unit], "new": False})
    numbers = [int(x) for r in m.plan.risks for x in re.findall(r"\d+$", r.id)]
    prefix = re.sub(r"\d+$", "", m.plan.risks[0].id) if m.plan.risks else "R"
    width = max((len(x) for r in m.plan.risks for x in re.findall(r"\d+$", r.id)), default=2)
    next_number = max(numbers, default=0) + 1
    new_ids: dict[tuple[str, str], str] = {}
    new_by_unit: dict[str, set[str]] = {}
    for (table, rid, _), by_unit in cur.cells.items():
        if table == contract.RISKS.name and rid.startswith(contract.NEW_RISK_PREFIX):
            for unit in by_unit:
                new_by_unit.setdefault(unit, set()).add(rid)
    for u in m.units:
        for key in sorted(new_by_unit.get(u.id, ()), key=contract.new_risk_number):
            new_id = f"{prefix}{next_number:0{width}d}"
            next_number += 1
            new_ids[(u.id, key)] = new_id
            p, c = (cur.get(u.id, contract.RISKS.name, key, f)
                    for f in (contract.PROBABILITY, contract.CONSEQUENCE))
            rows.append({"id": new_id,
                         "area": cur.get(u.id, contract.RISKS.name, key, contract.RISK_AREA),
                         "risk": cur.get(u.id, contract.RISKS.name, key, contract.RISK),
                         "probability": int(p) if p is not None else None,
                         "consequence": int(c) if c is not None else None,
                         "action": cur.get(u.id, contract.RISKS.name, key, contract.ACTION),
                         "owner": cur.get(u.id, contract.RISKS.name, key, contract.OWNER),
                         "unit_id": u.id, "unit": u.name, "new": True})
    risks = pd.DataFrame(rows)
    risks["score"] = risks["probability"] * risks["consequence"]
    risks = risks.sort_values(["score", "id"], ascending=[False, True], kind="stable")
    return risks.reset_index(drop=True), new_ids


def _unit_status(m: Mappings, period: str, records: list[SubmissionRecord],
                 quarantined: Sequence[Mapping[str, Any]],
                 ) -> tuple[list[ReportUnit], pd.DataFrame]:
    names = {u.id: u.name for u in m.units}
    held = {a["unit_id"] for a in quarantined}
    by_unit: dict[str, list[SubmissionRecord]] = {}
    for r in records:  # oldest first
        by_unit.setdefault(r.unit_id, []).append(r)
    statuses, used = [], set()
    for u in m.units:
        st = standing(by_unit.get(u.id, []), period, u.id in held)
        shown = st.in_report or st.latest
        if st.in_report is not None:
            used.add(st.in_report.id)
        unit = ReportUnit(u.id, u.name, st.state, st.label, st.needs_attention,
                          files_seen=st.files)
        if shown is not None:
            unit.file, unit.received_at = shown.file_name, shown.received_at
            unit.errors, unit.warnings = shown.error_count, shown.warning_count
        statuses.append(unit)
    files = pd.DataFrame([{
        "unit_id": r.unit_id or None, "unit": names.get(r.unit_id),
        "file": r.file_name, "source": r.source, "sender": r.sender,
        "received_at": r.received_at, "sha256": r.sha256,
        "template_version": r.template_version,
        "status": contract.UNIT_ACCEPTED if r.accepted else contract.UNIT_REJECTED,
        "errors": r.error_count,
        "warnings": r.warning_count, "in_report": r.id in used,
        "first_issue": r.issues[0]["message"] if r.issues and not r.accepted else None,
    } for r in records] + [{
        "unit_id": a["unit_id"] or None, "unit": names.get(a["unit_id"]),
        "file": Path(a["saved_as"]).name, "source": "email", "sender": a["sender"],
        "received_at": a["received_at"], "sha256": a["sha256"], "template_version": None,
        "status": contract.UNIT_QUARANTINED, "errors": None, "warnings": None, "in_report": False,
        "first_issue": f"{a['code']}: {a['reason']}",
    } for a in quarantined])
    return statuses, files


__all__ = ["Report", "ReportUnit", "blank", "consolidate", "missing_previous_month", "records"]
