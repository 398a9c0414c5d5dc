"""The board report's content: the report model and the controller's texts -> every chapter,
table and sentence of the document, as plain typed data with every figure already written
in Swedish (`intraxl.swedish`). The Word template only places it; nothing here knows Word.
"""

from __future__ import annotations

from typing import Any, Literal, Mapping

import pandas as pd
from pydantic import BaseModel, ConfigDict

from .. import contract, swedish
from ..consolidate import Report
from ..consolidate import blank as _blank
from ..consolidate import records as _records
from ..mappings import Mappings
from ..mappings.models import Area, Goal

BULLETS = ("- ", "• ", "* ", "– ")  # a line starting so is a bullet in Word


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paragraph(Model):
    """One paragraph of a text: plain, a bullet, or the name of the unit whose text follows."""

    text: str
    kind: Literal["text", "bullet", "label"] = "text"


class GoalRow(Model):
    area: str  # empty on an area's second and later goals (the cell spans them in the reference)
    goal: str
    subgoals: str  # one a line


class MonthlyRow(Model):
    name: str
    last_year: str
    outcome: str
    target: str
    forecast: str
    annual_target: str
    r12: str
    status: str


class YearlyRow(Model):
    name: str
    last_year: str
    outcome: str
    forecast: str
    annual_target: str
    status: str


class ResultRow(Model):
    label: str
    forecast: str
    deviation: str
    bold: bool = False  # a group's name, a sum, the total
    heading: bool = False  # a frame's heading: Förvaltning, Utveckling


class CostRow(Model):
    label: str
    last_year: str
    outcome: str
    target: str
    forecast: str
    annual_target: str


class Economy(Model):
    outcome_text: list[Paragraph]
    result: list[ResultRow]
    forecast_text: list[Paragraph]
    costs: list[CostRow]


class AreaSection(Model):
    heading: str  # "2.1 Kund och ägare"
    text: list[Paragraph]
    goals: list[GoalRow]
    monthly: list[MonthlyRow]
    yearly: list[YearlyRow]
    notes: list[str]
    economy: Economy | None = None


class WorkRow(Model):
    status: str
    name: str
    end: str
    overdue: bool


class GoalActivities(Model):
    heading: str  # "3.1.1 Vi ska …"
    rows: list[WorkRow]


class AreaActivities(Model):
    heading: str  # "3.1 Kund och ägare"
    goals: list[GoalActivities]


class ProjectRow(Model):
    name: str
    time: str
    cost: str
    result: str
    cause: str  # Orsak and Åtgärd: only for a yellow or red project
    action: str


class PortfolioSection(Model):
    name: str
    projects: list[ProjectRow]


class ClosedProject(Model):
    name: str
    portfolio: str
    closed: str


class RiskRow(Model):
    area: str  # empty on an area's second and later risks
    risk: str
    probability: str
    consequence: str
    action: str


class Columns(Model):
    """Column headings that name the period: `Utfall feb 2022`, `R12 Utfall feb 2023`."""

    last_year: str
    outcome: str
    target: str
    r12: str
    year_last: str
    year: str
    result_forecast: str
    result_deviation: str


class ReportContext(Model):
    """Everything the Word template places; the names are the template's variables."""

    title: str
    administration: str
    period: str  # "februari 2023"
    columns: Columns
    summary_goals: list[GoalRow]
    summary_text: list[Paragraph]
    areas: list[AreaSection]
    activities: list[AreaActivities]
    assignments: list[WorkRow]
    portfolio_text: list[Paragraph]
    portfolios: list[PortfolioSection]
    closed_projects: list[ClosedProject]
    risks: list[RiskRow]
    heat_map: list[list[int]]  # risks per cell: rows S = 4 … 1, columns K = 1 … 4


# --- texts ---------------------------------------------------------------------------------

def paragraphs(text: str | None) -> list[Paragraph]:
    """A controller's text as Word paragraphs: each line its own, a line starting with a
    bullet ("- ", "• ") a bullet, blank lines dropped."""
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        bullet = next((b for b in BULLETS if line.startswith(b)), None)
        if bullet:
            out.append(Paragraph(text=line[len(bullet):].strip(), kind="bullet"))
        else:
            out.append(Paragraph(text=line))
    return out


def _section_text(section: str, texts: Mapping[str, str], comments: pd.DataFrame,
                  ) -> list[Paragraph]:
    """The administration's text for `section`; without one, each unit's text under its name."""
    if (texts.get(section) or "").strip():
        return paragraphs(texts[section])
    out: list[Paragraph] = []
    if len(comments):
        for c in _records(comments[comments["section"] == section]):
            out += [Paragraph(text=c["unit"], kind="label"), *paragraphs(c["text"])]
    return out


# --- figures -------------------------------------------------------------------------------

def figure(value: Any, unit_of_measure: str = "st") -> str:
    """A figure as the reference writes it: counts and tkr whole (`114 537`), percentages
    and other levels with a decimal only when there is one (`5,9 %`, `5 %`, `571,5`)."""
    if _blank(value):
        return ""
    if unit_of_measure in ("st", "tkr"):
        return swedish.number(value)
    shown = value * 100 if unit_of_measure == "%" else value
    decimals = 0 if round(shown, 1) == round(shown) else 1
    if unit_of_measure == "%":
        return swedish.percent(value, decimals)
    return swedish.number(value, decimals)


def _status(value: Any) -> str:
    return "" if _blank(value) else str(value)


def _date(value: Any) -> str:
    return "" if _blank(value) else swedish.date(value)  # a time of day (babel) left out


# --- chapters ------------------------------------------------------------------------------

def _goal_rows(goals: list[Goal], areas: list[Area], with_area: bool) -> list[GoalRow]:
    rows = []
    for a in areas:
        for n, g in enumerate(x for x in goals if x.area == a.id):
            rows.append(GoalRow(area=a.name if with_area and n == 0 else "", goal=g.text,
                                subgoals="\n".join(g.subgoals)))
    return rows


def _indicator_rows(report: Report, m: Mappings, area: str,
                    ) -> tuple[list[MonthlyRow], list[YearlyRow], list[str]]:
    """The area's indicators that the units report (economy's own are the cost table)."""
    by_id = {i.id: i for i in m.indicators}
    monthly, yearly, notes = [], [], []
    rows = report.indicators[report.indicators["area"] == area]
    for r in _records(rows):
        ind = by_id[r["indicator_id"]]
        if ind.source != "indicators":
            continue
        u = ind.unit_of_measure
        if ind.frequency == "year":
            yearly.append(YearlyRow(
                name=ind.name, last_year=figure(r["outcome_last_year"], u),
                outcome=figure(r["outcome"], u), forecast=figure(r["forecast"], u),
                annual_target=figure(r["annual_target"], u), status=_status(r["status"])))
        else:
            monthly.append(MonthlyRow(
                name=ind.name, last_year=figure(r["outcome_last_year"], u),
                outcome=figure(r["outcome"], u), target=figure(r["target"], u),
                forecast=figure(r["forecast"], u), annual_target=figure(r["annual_target"], u),
                r12=figure(r["r12"], u), status=_status(r["status"])))
        if ind.note:
            notes.append(ind.note)
    return monthly, yearly, notes


def _result_rows(report: Report) -> list[ResultRow]:
    """The result table as the reference lays it out: under each frame's heading its units
    (a group's units indented under its name) and the frame's sum, then the total."""
    rows: list[ResultRow] = []
    totals: list[tuple[Any, Any]] = []
    for frame in ("Förvaltning", "Utveckling"):
        part = report.result[report.result["frame"] == frame]
        rows.append(ResultRow(label=frame, forecast="", deviation="", bold=True, heading=True))
        shown: set[str] = set()
        for r in _records(part):
            group = None if _blank(r["group"]) else r["group"]
            if group and group not in shown:
                shown.add(group)
                rows.append(ResultRow(label=group, forecast="", deviation="", bold=True))
            rows.append(ResultRow(label=f"- {r['label']}" if group else r["unit"],
                                  forecast=figure(r["forecast"], "tkr"),
                                  deviation=figure(r["deviation"], "tkr")))
        sums = (part["forecast"].sum(min_count=1), part["deviation"].sum(min_count=1))
        totals.append(sums)
        rows.append(ResultRow(label=f"Summa {frame}", forecast=figure(sums[0], "tkr"),
                              deviation=figure(sums[1], "tkr"), bold=True))
    total = [pd.Series([t[i] for t in totals]).sum(min_count=1) for i in (0, 1)]
    rows.append(ResultRow(label="Resultat, tkr", forecast=figure(total[0], "tkr"),
                          deviation=figure(total[1], "tkr"), bold=True))
    return rows


def _cost_rows(report: Report) -> list[CostRow]:
    return [CostRow(label=c["label"], last_year=figure(c["outcome_last_year"], "tkr"),
                    outcome=figure(c["outcome"], "tkr"), target=figure(c["budget"], "tkr"),
                    forecast=figure(c["forecast"], "tkr"),
                    annual_target=figure(c["annual_budget"], "tkr"))
            for c in _records(report.costs)]


def _economy_area(m: Mappings) -> str | None:
    """The area of the goals that the economy's indicators follow: it holds 2.4 Ekonomi's
    result and cost tables."""
    goals = {g.id: g.area for g in m.catalogue.goals}
    return next((goals[i.goal] for i in m.indicators if i.source == "economy"), None)


def _work_row(r: dict[str, Any]) -> WorkRow:
    return WorkRow(status=_status(r["status"]), name=r["name"], end=_date(r["end"]),
                   overdue=bool(r["overdue"]))


def _activities(report: Report, m: Mappings) -> list[AreaActivities]:
    out: list[AreaActivities] = []
    acts = _records(report.activities) if len(report.activities) else []
    for a in m.catalogue.areas:
        goals = []
        for g in (x for x in m.catalogue.goals if x.area == a.id):
            rows = [_work_row(r) for r in acts if r["goal"] == g.text]
            if rows:
                goals.append((g.text, rows))
        if goals:
            n = len(out) + 1
            out.append(AreaActivities(heading=f"3.{n} {a.name}", goals=[
                GoalActivities(heading=f"3.{n}.{k} {text}", rows=rows)
                for k, (text, rows) in enumerate(goals, start=1)]))
    return out


def _portfolios(report: Report, m: Mappings) -> list[PortfolioSection]:
    projects = _records(report.projects) if len(report.projects) else []
    out = []
    for p in m.plan.portfolios:
        rows = []
        for x in (x for x in projects if x["portfolio"] == p.name):
            dims = [_status(x[d]) for d in (contract.TIME, contract.COST, contract.RESULT)]
            flagged = any(s in (contract.PROJECT_YELLOW, contract.PROJECT_RED) for s in dims)
            rows.append(ProjectRow(
                name=x["name"], time=dims[0], cost=dims[1], result=dims[2],
                cause=str(x[contract.CAUSE] or "") if flagged else "",
                action=str(x[contract.ACTION] or "") if flagged else ""))
        if rows:
            out.append(PortfolioSection(name=p.name, projects=rows))
    return out


def _closed_projects(report: Report, m: Mappings) -> list[ClosedProject]:
    """Projects closed during the period's year up to its end, by closing date."""
    end = report.period
    portfolios = {p.id: p.name for p in m.plan.portfolios}
    closed = [p for p in m.plan.projects if p.closed is not None
              and p.closed.year == end.year and (p.closed.year, p.closed.month) <= (
                  end.year, end.month)]
    return [ClosedProject(name=p.name, portfolio=portfolios[p.portfolio],
                          closed=swedish.date(p.closed))
            for p in sorted(closed, key=lambda p: (p.closed, p.name)) if p.closed]


def _risk_rows(report: Report, m: Mappings) -> list[RiskRow]:
    """The register per risk area (the plan's order), highest S×K first within an area."""
    risks = _records(report.risks) if len(report.risks) else []
    order = [a.name for a in m.plan.risk_areas]
    order += sorted({str(r["area"]) for r in risks if r["area"] not in order})
    rows = []
    for area in order:
        mine = [r for r in risks if r["area"] == area]  # already sorted by S×K
        for n, r in enumerate(mine):
            rows.append(RiskRow(area=area if n == 0 else "", risk=str(r["risk"] or ""),
                                probability=figure(r["probability"]),
                                consequence=figure(r["consequence"]),
                                action=str(r["action"] or "")))
    return rows


def _heat_map(report: Report) -> list[list[int]]:
    r = report.risks
    return [[int(((r["probability"] == s) & (r["consequence"] == k)).sum()) if len(r) else 0
             for k in contract.SCALE_1_4] for s in reversed(contract.SCALE_1_4)]


def build_context(report: Report, m: Mappings, texts: Mapping[str, str]) -> ReportContext:
    """The board report of `report`'s period; `texts` maps a comment section (Avsnitt) to the
    administration's text for it, as the controller wrote it in the master."""
    p = report.period
    short = swedish.month(p)[:3]
    columns = Columns(
        last_year=f"Utfall {short} {p.year - 1}", outcome=f"Utfall {short} {p.year}",
        target=f"Mål {short} {p.year}", r12=f"R12 Utfall {short} {p.year}",
        year_last=f"Utfall {p.year - 1}", year=f"Utfall {p.year}",
        result_forecast=f"Prognos helår ({swedish.month(p)})",
        result_deviation=f"Avvikelse utfall/budget jan–{short}")
    comments = report.comments
    economy_area = _economy_area(m)
    areas = []
    for n, a in enumerate(m.catalogue.areas, start=1):
        monthly, yearly, notes = _indicator_rows(report, m, a.name)
        economy = None
        if a.id == economy_area:
            economy = Economy(
                outcome_text=_section_text(contract.SECTION_ECONOMY_OUTCOME, texts, comments),
                result=_result_rows(report),
                forecast_text=_section_text(contract.SECTION_ECONOMY_FORECAST, texts,
                                            comments),
                costs=_cost_rows(report))
        areas.append(AreaSection(
            heading=f"2.{n} {a.name}", text=_section_text(a.name, texts, comments),
            goals=_goal_rows(m.catalogue.goals, [a], with_area=False), monthly=monthly,
            yearly=yearly, notes=notes, economy=economy))
    assignments = _records(report.assignments) if len(report.assignments) else []
    return ReportContext(
        title=f"Månadsuppföljning {swedish.month_year(p)}", administration=report.administration,
        period=swedish.month_year(p), columns=columns,
        summary_goals=_goal_rows(m.catalogue.goals, m.catalogue.areas, with_area=True),
        summary_text=_section_text(contract.SECTION_SUMMARY, texts, comments),
        areas=areas, activities=_activities(report, m),
        assignments=[_work_row(r) for r in assignments],
        portfolio_text=_section_text(contract.SECTION_PORTFOLIO, texts, comments),
        portfolios=_portfolios(report, m), closed_projects=_closed_projects(report, m),
        risks=_risk_rows(report, m), heat_map=_heat_map(report))


__all__ = ["ReportContext", "build_context", "figure", "paragraphs"]
