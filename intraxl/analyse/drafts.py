"""Stage 8, drafts: the report model -> a drafted Swedish text for each administration section
of `Kommentarer`, for the controller to review (the master marks it `Utkast:`).

Rules and phrasings are plain functions, figures in and sentences out; every figure is
written through `intraxl.swedish`. The same figures always give the same text: no network,
no language model, no randomness. Where a figure is unknown (a column missing from the
model, an empty cell) its sentence is left out, never guessed.

Which section says what:
- `Sammanfattning`: who has reported, and the three most important points of the others.
- `Ekonomi – utfall`: the budget deviation, the units and cost lines behind it, and the
  units' own economy comments on those lines.
- `Ekonomi – prognos`: the year's forecast, its change since last month (when known), the
  units whose forecast is off balance or moved most, cost forecasts over the annual budget.
- an area (`Kund och ägare`, `Medarbetare`, …): its indicators off target, those not yet
  measured, and rolling twelve months (R12) against last year.
- `Portfölj`: what the report's chapters 3–6 hold and have no text of their own for:
  delayed or overdue activities and assignments, yellow and red projects with their cause,
  new risks and the highest S×K.
A section the figures say nothing about gets no draft.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

import pandas as pd

from .. import contract, swedish
from ..consolidate import Report, ReportUnit, blank, records
from ..periods import Period

OFF_TARGET = (contract.PROJECT_RED, contract.PROJECT_YELLOW)
DIMENSIONS = (contract.TIME, contract.COST, contract.RESULT)  # a project's
MOST_UNITS = 3  # units named for a deviation or a forecast
LEAD_SHARE = 0.5  # a unit is among the largest when at least this share of the largest
COUNTER_SHARE = 0.1  # a unit pulling the other way is named from this share of the total
MOST_LINES = 3  # cost lines named as drivers
POINTS = 3  # the summary's most important points
MOST_NAMED = 3  # indicators, risks, late items named in one sentence; more are counted
MOST_LISTED = 10  # late items and flagged projects said a line each; more are counted
NAME_CUT = 90  # an assignment's name (often a whole paragraph) is cut after this
QUOTE = "\u201d"  # Swedish quotes: ”…”


# --- words ----------------------------------------------------------------------------------

def join(items: Iterable[str]) -> str:
    """`A`, `A och B`, `A, B och C`."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} och {items[-1]}"


def quote(text: str) -> str:
    """A unit's own words, quoted the Swedish way; a sentence always ends."""
    text = " ".join(str(text).split())
    return f"{QUOTE}{text}{QUOTE}" + ("" if text[-1:] in ".!?" else ".")


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(label: str) -> str:
    """A label inside a sentence: `personalkostnader`, but `IT-tjänster` stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def cut(text: str, limit: int = NAME_CUT) -> str:
    """A long name cut at a word, with `…`."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    at = text.rfind(" ", 0, limit)
    return text[:at if at > 0 else limit].rstrip(",;:") + "…"


def negligible(tkr: float) -> bool:
    """An amount that says 0,0 mkr."""
    return abs(tkr) < 100


def value(v: float, unit_of_measure: str) -> str:
    """An indicator's figure: `322 577`, `5,9 %`, `571,5`."""
    return swedish.percent(v) if unit_of_measure == "%" else swedish.figure(v, 1)


def _num(v: Any) -> float | None:
    return None if blank(v) else float(v)


def _said(v: Any) -> str | None:
    """A text a unit wrote, or None for an empty cell."""
    return None if blank(v) or not str(v).strip() else str(v)


def _column(df: pd.DataFrame, name: str) -> list[Any]:
    """A column's values, all None when the model has no such column (not known)."""
    return df[name].tolist() if name in df.columns else [None] * len(df)


# --- Ekonomi – utfall ------------------------------------------------------------------------

def deviation_sentence(total: float, period: Period) -> str:
    """The period's budget deviation (utfall − budget, tkr; positive is better) and its
    direction."""
    if negligible(total):
        return f"Utfallet per {swedish.month(period)} ligger i nivå med budget " \
               f"(avvikelse {swedish.tkr(total)})."
    word = "ett överskott" if total > 0 else "ett underskott"
    return f"Budgetavvikelsen per {swedish.month(period)} uppgår till {swedish.mkr(total)}, " \
           f"{word} mot budget."


def outside_sentence(units: list[str]) -> str | None:
    """The units whose figures are not in the totals (missing, rejected, quarantined)."""
    if not units:
        return None
    whose = "vars rapport" if len(units) == 1 else "vars rapporter"
    return f"Siffrorna omfattar inte {join(units)}, {whose} inte ingår."


def _outside(report: Report) -> list[str]:
    return [u.name for u in report.units if u.status != contract.UNIT_ACCEPTED]


def frames_sentence(frames: dict[str, float]) -> str | None:
    """How the deviation splits over the result frames (Förvaltning, Utveckling)."""
    if len(frames) < 2:
        return None
    parts = [f"{swedish.mkr(v)} {frame.lower()}" for frame, v in frames.items()]
    return f"Av avvikelsen avser {join(parts)}."


def leading_units(by_unit: dict[str, float], total: float) -> list[tuple[str, float]]:
    """The units that carry a total: those going its way with at least half the largest
    one's amount, largest first, at most three."""
    sign = 1 if total >= 0 else -1
    mine = sorted(((u, v) for u, v in by_unit.items() if v * sign > 0),
                  key=lambda x: (-abs(x[1]), x[0]))
    if not mine:
        return []
    top = abs(mine[0][1])
    return [(u, v) for u, v in mine if abs(v) >= LEAD_SHARE * top][:MOST_UNITS]


def counter_units(by_unit: dict[str, float], total: float) -> list[tuple[str, float]]:
    """The units pulling against the total by at least a tenth of it, largest first."""
    sign = 1 if total >= 0 else -1
    return sorted(((u, v) for u, v in by_unit.items()
                   if v * sign < 0 and abs(v) >= COUNTER_SHARE * abs(total)),
                  key=lambda x: (-abs(x[1]), x[0]))[:MOST_UNITS]


def units_sentence(leading: list[tuple[str, float]], total: float) -> str | None:
    """`Avvikelsen är störst inom A (8,2 mkr) och B (6,1 mkr), som tillsammans förklarar
    90 % av den.`"""
    if not leading or negligible(total):
        return None
    share = sum(v for _, v in leading) / total
    named = join(f"{u} ({swedish.mkr(v)})" for u, v in leading)
    together = " tillsammans" if len(leading) > 1 else ""
    if not 0 < share <= 1:  # units cancelling out: a share of the total says nothing
        return f"Avvikelsen är störst inom {named}."
    return f"Avvikelsen är störst inom {named}, som{together} förklarar " \
           f"{swedish.percent(share, 0)} av den."


def counter_sentence(counter: list[tuple[str, float]]) -> str | None:
    """`C visar i stället ett underskott på 3,3 mkr.`"""
    if not counter:
        return None
    word = "underskott" if counter[0][1] < 0 else "överskott"
    if len(counter) == 1:
        (u, v), = counter
        return f"{u} visar i stället ett {word} på {swedish.mkr(abs(v))}."
    named = join(f"{u} ({swedish.mkr(abs(v))})" for u, v in counter)
    return f"{named} visar i stället {word}."


def cost_drivers(lines: list[tuple[str, float]], total: float) -> list[tuple[str, float]]:
    """The cost lines (label, outcome − budget) that go the deviation's way (under budget
    for a surplus, over it for a deficit), largest first."""
    sign = -1 if total >= 0 else 1
    return sorted(((label, v) for label, v in lines if v * sign > 0),
                  key=lambda x: (-abs(x[1]), x[0]))[:MOST_LINES]


def costs_sentence(total_costs: float | None, drivers: list[tuple[str, float]]) -> str | None:
    """`Verksamhetens kostnader är 20,5 mkr lägre än budget, främst …`"""
    if total_costs is None:
        return None
    if negligible(total_costs):
        head = "Verksamhetens kostnader ligger i nivå med budget"
    else:
        side = "lägre" if total_costs < 0 else "högre"
        head = f"Verksamhetens kostnader är {swedish.mkr(abs(total_costs))} {side} än budget"
    if not drivers:
        return f"{head}."
    named = join(f"{lower_first(label)} ({swedish.mkr(abs(v))})" for label, v in drivers)
    return f"{head}; störst är skillnaden för {named}."


def comment_lines(comments: list[tuple[str, str, str]]) -> list[str]:
    """The units' own comments (unit, line label, text) as bullets under a lead-in."""
    if not comments:
        return []
    return ["Enheternas kommentarer:"] + [
        f"- {unit} ({lower_first(label)}): {quote(text)}" for unit, label, text in comments]


def _deviation_by_unit(report: Report) -> dict[str, float]:
    """unit name -> its deviation, for the units that have one."""
    return {name: v for name, v in report.deviation_by_unit().values() if v is not None}


def _by_frame(report: Report, column: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in records(report.result):
        if (v := _num(r[column])) is not None:
            out[r["frame"]] = out.get(r["frame"], 0.0) + v
    return out


def _cost_lines(report: Report) -> list[dict[str, Any]]:
    """The cost table's lines below the total (personal, konsult, …)."""
    return [r for r in records(report.costs) if r["line_id"] in contract.COST_ROWS[1:]]


def _total_cost(report: Report) -> dict[str, Any] | None:
    return next((r for r in records(report.costs) if r["line_id"] == contract.COST_ROWS[0]),
                None)


def economy_outcome(report: Report) -> list[str]:
    """Ekonomi – utfall: a paragraph, then the units' comments as bullets."""
    by_unit = _deviation_by_unit(report)
    if not by_unit:
        return []
    total = sum(by_unit.values())
    leading, counter = leading_units(by_unit, total), counter_units(by_unit, total)
    lines = [(r["label"], v) for r in _cost_lines(report) if (v := _deviation(r)) is not None]
    drivers = cost_drivers(lines, total)
    totals = _total_cost(report)
    sentences = [s for s in (deviation_sentence(total, report.period),
                             outside_sentence(_outside(report)),
                             frames_sentence(_by_frame(report, "deviation")),
                             units_sentence(leading, total), counter_sentence(counter),
                             costs_sentence(_deviation(totals) if totals else None, drivers))
                 if s]
    named = [u for u, _ in leading + counter]
    said = {label for label, _ in drivers}
    ue = report.unit_economy
    rows = zip(*(ue[c].tolist() for c in ("unit", "label", "comment", "line_id")),
               strict=True) if len(ue) else iter(())  # columns: 70,000 rows at 10,000 units
    comments = sorted(((unit, label, comment) for unit, label, comment, line in rows
                       if unit in named and _said(comment)
                       and (line in contract.RESULT_ROWS or label in said)),
                      key=lambda c: named.index(c[0]))
    return [" ".join(sentences), *comment_lines(comments)]


def _deviation(r: dict[str, Any]) -> float | None:
    outcome, budget = _num(r["outcome"]), _num(r["budget"])
    return None if outcome is None or budget is None else outcome - budget


# --- Ekonomi – prognos -----------------------------------------------------------------------

def forecast_sentence(total: float, period: Period) -> str:
    """The year's forecast result (tkr; 0 = in balance)."""
    head = f"Helårsprognosen per {swedish.month(period)} är"
    if not total:
        return f"{head} en nollprognos, ett resultat i balans."
    if negligible(total):
        return f"{head} ett resultat i nivå med balans ({swedish.tkr(total)})."
    word = "ett överskott" if total > 0 else "ett underskott"
    return f"{head} {word} på {swedish.mkr(abs(total))}."


def forecast_frames_sentence(frames: dict[str, float]) -> str | None:
    if len(frames) < 2:
        return None
    return f"Prognosen är {join(f'{swedish.mkr(v)} för {f.lower()}' for f, v in frames.items())}."


def off_balance_sentence(by_unit: dict[str, float]) -> str | None:
    """The units whose forecast is furthest from balance, deficits and surpluses."""
    def most(sign: int) -> list[tuple[str, float]]:
        return sorted(((u, v) for u, v in by_unit.items()
                       if v * sign > 0 and not negligible(v)),
                      key=lambda x: (-abs(x[1]), x[0]))[:MOST_UNITS]

    parts: list[str] = []
    for sign, word in ((-1, "Underskott"), (1, "överskott")):
        if units := most(sign):
            named = join(f"{u} ({swedish.mkr(abs(v))})" for u, v in units)
            parts.append(f"{word} {'prognostiseras av' if not parts else 'av'} {named}")
    return capital("; ".join(parts)) + "." if parts else None


def change_sentence(subject: str, change: float, previous: Period,
                    words: tuple[str, str] = ("förbättrats", "försämrats")) -> str:
    """A forecast's change since last month (tkr): `Prognosen har förbättrats med 1,2 mkr
    sedan januari.`; `words` say a rise and a fall."""
    since = f"sedan {swedish.month(previous)}"
    if negligible(change):
        return f"{subject} är i stort sett oförändrad {since}."
    return f"{subject} har {words[0] if change > 0 else words[1]} med " \
           f"{swedish.mkr(abs(change))} {since}."


def movers_sentence(by_unit: dict[str, float]) -> str | None:
    """The units whose forecast moved most since last month."""
    moved = sorted(((u, v) for u, v in by_unit.items() if not negligible(v)),
                   key=lambda x: (-abs(x[1]), x[0]))[:MOST_UNITS]
    if not moved:
        return None
    named = join(f"{u} ({'+' if v > 0 else ''}{swedish.mkr(v)})" for u, v in moved)
    return f"Mest har prognosen ändrats för {named}."


def cost_forecast_sentence(total: tuple[float, float] | None,
                           over: list[tuple[str, float]]) -> str | None:
    """The cost forecast against the annual budget: the total, and the lines forecast over
    their annual budget (label, forecast − annual budget)."""
    parts = []
    if total is not None:
        forecast, annual = total
        gap = forecast - annual
        where = "i nivå med" if negligible(gap) else \
            f"{swedish.mkr(abs(gap))} {'under' if gap < 0 else 'över'}"
        parts.append(f"Verksamhetens kostnader prognostiseras till {swedish.mkr(forecast)}, "
                     f"{where} årsbudgeten.")
    if over:
        named = join(f"{lower_first(label)} ({swedish.mkr(v)})" for label, v in over)
        parts.append(f"Över sin årsbudget prognostiseras {named}.")
    return " ".join(parts) or None


def economy_forecast(report: Report) -> list[str]:
    """Ekonomi – prognos: one paragraph."""
    by_unit: dict[str, float] = {}
    changes: dict[str, float] = {}
    known = True
    rows = records(report.result)
    for r, ch in zip(rows, _column(report.result, "forecast_change"), strict=True):
        if (v := _num(r["forecast"])) is not None:
            by_unit[r["unit"]] = by_unit.get(r["unit"], 0.0) + v
            if (c := _num(ch)) is None:
                known = False
            else:
                changes[r["unit"]] = changes.get(r["unit"], 0.0) + c
    if not by_unit:
        return []
    sentences = [forecast_sentence(sum(by_unit.values()), report.period),
                 outside_sentence(_outside(report)),
                 forecast_frames_sentence(_by_frame(report, "forecast")),
                 off_balance_sentence(by_unit)]
    previous = getattr(report, "previous_period", None)
    if previous and changes:
        if known:
            sentences.append(change_sentence("Prognosen", sum(changes.values()),
                                             Period.parse(previous)))
        sentences.append(movers_sentence(changes))
    totals = _total_cost(report)
    total = None
    if totals and (f := _num(totals["forecast"])) is not None \
            and (a := _num(totals["annual_budget"])) is not None:
        total = (f, a)
    over = [(r["label"], f - a) for r in _cost_lines(report)
            if (f := _num(r["forecast"])) is not None
            and (a := _num(r["annual_budget"])) is not None
            and not negligible(f - a) and f > a]
    sentences.append(cost_forecast_sentence(total, over))
    if previous and totals and (c := _num(totals.get("forecast_change"))) is not None:
        sentences.append(change_sentence("Kostnadsprognosen", c, Period.parse(previous),
                                         ("ökat", "minskat")))
    return [" ".join(s for s in sentences if s)]


# --- an area's indicators --------------------------------------------------------------------

def off_target_sentence(status: str, rows: list[dict[str, Any]]) -> str | None:
    """`Röd status har Leverantörsfakturor med 322 577 mot periodens mål 275 000 (117,3 % av
    målet) och …`: outcome against target, and as a share of it where that means something
    (not for a percentage)."""
    if not rows:
        return None
    parts = []
    for n, r in enumerate(rows):
        u, outcome, target = r["unit_of_measure"], _num(r["outcome"]), _target(r)
        if outcome is None or target is None:
            parts.append(r["name"])
            continue
        goal = ("årsmålet " if r["frequency"] == "year" else "periodens mål ") if n == 0 \
            else ""
        share = f" ({swedish.percent(outcome / target)}{' av målet' if n == 0 else ''})" \
            if u != "%" and target else ""
        parts.append(f"{r['name']} med {value(outcome, u)} mot {goal}{value(target, u)}{share}")
    return f"{status} status har {join(parts)}."


def _target(r: dict[str, Any]) -> float | None:
    return _num(r["annual_target"] if r["frequency"] == "year" else r["target"])


def unmeasured_sentences(rows: list[dict[str, Any]], period: Period,
                         history: bool) -> list[str]:
    """Indicators without an outcome: new ones (no outcome last year, where the model has
    last year's figures at all: `history`), yearly ones not yet due, and monthly ones
    without a value this month."""
    def new(r: dict[str, Any]) -> bool:
        return history and _num(r["outcome_last_year"]) is None

    fresh = [r["name"] for r in rows if new(r)]
    yearly = [r["name"] for r in rows if not new(r) and r["frequency"] == "year"]
    missing = [r["name"] for r in rows if not new(r) and r["frequency"] != "year"]
    out = []
    if fresh:
        out.append(f"{join(fresh)} är "
                   f"{'nya indikatorer' if len(fresh) > 1 else 'en ny indikator'} som ännu "
                   "inte har något utfall.")
    if yearly:
        out.append(f"{join(yearly)} mäts en gång om året och har ännu inget utfall för "
                   f"{period.year}.")
    if missing:
        out.append(f"{join(missing)} saknar utfall för {swedish.month(period)}.")
    return out


def r12_change(r12: float, outcome: float, last_year: float) -> float | None:
    """R12 against last year's full year, as a share: R12 = YTD + full year − last YTD, so
    the full year is R12 − YTD + last YTD."""
    full_year = r12 - outcome + last_year
    return (r12 - full_year) / full_year if full_year else None


def r12_sentence(changes: list[tuple[str, float]], year: int) -> str | None:
    """`Rullande tolv månader (R12) jämfört med helåret 2022: högre för A (3,0 %) …`."""
    if not changes:
        return None
    ordered = sorted(changes, key=lambda x: (-x[1], x[0]))
    parts = []
    for word, mine in (("högre", [c for c in ordered if c[1] > 0]),
                       ("lägre", [c for c in reversed(ordered) if c[1] < 0]),
                       ("oförändrat", [c for c in ordered if c[1] == 0])):
        if mine:
            shown = join(f"{n} ({swedish.percent(abs(v))})" if v else n for n, v in mine)
            parts.append(f"{word} för {shown}")
    return f"Rullande tolv månader (R12) jämfört med helåret {year - 1}: {'; '.join(parts)}."


def _indicators(report: Report) -> list[dict[str, Any]]:
    return records(report.indicators) if len(report.indicators) else []


def indicator_comments(rows: list[dict[str, Any]], units: list[str]) -> list[str]:
    """The owners' comments on these indicators, quoted with their unit: `Om X skriver
    Enhet: ”…”`. The report model holds them as lines `Enhet: text`."""
    out = []
    for r in rows:
        for line in (_said(r["comment"]) or "").splitlines():
            unit = next((u for u in units if line.startswith(f"{u}: ")), None)
            if unit is None:
                out.append(f"Om {r['name']}: {quote(line)}")
            elif said := _said(line[len(unit) + 2:]):
                out.append(f"Om {r['name']} skriver {unit}: {quote(said)}")
    return out


def area(report: Report, name: str) -> list[str]:
    """An area: its indicators off target and not measured, with their owners' comments,
    and R12; one paragraph."""
    rows = [r for r in _indicators(report) if r["area"] == name]
    units = [u.name for u in report.units]
    red = [r for r in rows if r["status"] == contract.INDICATOR_RED]
    yellow = [r for r in rows if r["status"] == contract.INDICATOR_YELLOW]
    judged = [r for r in rows if r["status"] in (
        contract.INDICATOR_GREEN, contract.INDICATOR_YELLOW, contract.INDICATOR_RED)]
    unmeasured = [r for r in rows if r["status"] == contract.INDICATOR_NOT_MEASURED]
    sentences = [off_target_sentence(contract.INDICATOR_RED, red),
                 off_target_sentence(contract.INDICATOR_YELLOW, yellow),
                 *indicator_comments(red + yellow, units)]
    if judged and not red and not yellow:
        sentences.append("Alla indikatorer med utfall når sina mål.")
    history = any(_num(r["outcome_last_year"]) is not None for r in _indicators(report))
    sentences += unmeasured_sentences(unmeasured, report.period, history)
    sentences += indicator_comments(unmeasured, units)
    changes = [(r["name"], c) for r in rows
               if (r12 := _num(r["r12"])) is not None and (o := _num(r["outcome"])) is not None
               and (ly := _num(r["outcome_last_year"])) is not None
               and (c := r12_change(r12, o, ly)) is not None]
    sentences.append(r12_sentence(changes, report.period.year))
    said = [s for s in sentences if s]
    return [" ".join(said)] if said else []


# --- Portfölj: activities, assignments, projects, risks --------------------------------------

def late_sentence(what: str, r: dict[str, Any]) -> str:
    """One delayed or overdue activity or assignment, with the unit's comment."""
    name = f"{what} {cut(r['name'])} ({r['unit']})"
    end = _date(r["end"])
    if r["status"] == contract.WORK_DELAYED:
        text = f"{name} är försenad" + (f"; slutdatum {end} har passerats" if r["overdue"]
                                        and end else "") + "."
    elif _said(r["status"]) is None:
        text = f"{name} har passerat sitt slutdatum {end}; status saknas."
    else:
        text = f"{name} har passerat sitt slutdatum {end} utan att vara klar."
    if said := _said(r["comment"]):
        text += f" Kommentar: {quote(said)}"
    return text


def _date(v: Any) -> str:
    return "" if blank(v) else swedish.date(v) if isinstance(v, dt.date) else str(v)


def _late(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [r for r in records(df) if r["status"] == contract.WORK_DELAYED or r["overdue"]] \
        if len(df) else []


def _late_items(report: Report) -> list[tuple[str, dict[str, Any]]]:
    """The late activities, then the late assignments, each with its word (`Aktiviteten`,
    `Uppdraget`)."""
    return [("Aktiviteten", r) for r in _late(report.activities)] + \
        [("Uppdraget", r) for r in _late(report.assignments)]


def project_sentence(r: dict[str, Any]) -> str:
    """A yellow or red project: its colours per dimension, cause and action."""
    def dims(status: str) -> list[str]:
        return [d.lower() for d in DIMENSIONS if r[d] == status]

    colours = [f"{word} status för {join(dims(s))}" for s, word in (
        (contract.PROJECT_RED, "röd"), (contract.PROJECT_YELLOW, "gul")) if dims(s)]
    text = f"Projektet {r['name']} ({r['portfolio']}) har {' och '.join(colours)}."
    for col in (contract.CAUSE, contract.ACTION):
        if said := _said(r[col]):
            text += f" {col}: {quote(said)}"
    return text


def green_sentence(n: int, of: int) -> str | None:
    """The projects green in every dimension: all of them, or the others."""
    if not n:
        return None
    if n == 1:
        return "Projektet har grön status." if of == 1 else \
            "Det övriga projektet har grön status."
    which = "Samtliga" if n == of else "Övriga"
    return f"{which} {swedish.count(n, neuter=True)} projekt har grön status."


def new_risks_sentence(risks: list[dict[str, Any]]) -> str | None:
    """The risks the units added this month, with the ID the master gave them; of many,
    the highest S×K."""
    new = [r for r in risks if r["new"]]
    if not new:
        return None
    if len(new) > MOST_NAMED:
        top = sorted(new, key=lambda r: -(_num(r["score"]) or 0.0))[:MOST_NAMED]
        return (f"{capital(swedish.count(len(new)))} nya risker har lagts till i registret; "
                f"de med högst riskvärde är {join(map(_risk_named, top))}.")
    named = join(map(_risk_named, new))
    return f"{'Nya risker' if len(new) > 1 else 'Ny risk'} i registret: {named}."


def _risk_named(r: dict[str, Any]) -> str:
    return f"{r['risk']} ({r['id']}, {r['unit']}, S×K {_score(r)})"


def highest_risks_sentence(risks: list[dict[str, Any]]) -> str | None:
    """The risks with the highest S×K (of many, the count and the first few)."""
    scores = [s for r in risks if (s := _num(r["score"])) is not None]
    if not scores:
        return None
    top = max(scores)
    highest = [r["risk"] for r in risks if _num(r["score"]) == top]
    said = f"Högst riskvärde (S×K {swedish.number(top)}) har"
    return named_sentence(highest, said + " {}.", said + " {}.",
                          said + " {} risker, bland dem {}.")


def _score(r: dict[str, Any]) -> str:
    s = _num(r["score"])
    return "ej bedömd" if s is None else swedish.number(s)


def _red_projects(report: Report) -> list[dict[str, Any]]:
    projects = records(report.projects) if len(report.projects) else []
    return [r for r in projects if any(r[d] == contract.PROJECT_RED for d in DIMENSIONS)]


def portfolio(report: Report) -> list[str]:
    """Portfölj: late activities and assignments, yellow and red projects, risks; a line
    each."""
    late = _late_items(report)
    n_items = len(report.activities) + len(report.assignments)
    said = _listed(late)
    lines = [late_sentence(what, r) for what, r in late[:said]] or (
        ["Inga aktiviteter eller uppdrag är försenade."] if n_items else [])
    if more := late[said:]:
        lines.append(f"Ytterligare {swedish.count(len(more))} {_work_items(more)} är "
                     "försenade eller har passerat sitt slutdatum (bladen "
                     f"{contract.ACTIVITIES.name} och {contract.ASSIGNMENTS.name}).")
    projects = records(report.projects) if len(report.projects) else []
    flagged = [r for r in projects if any(r[d] in OFF_TARGET for d in DIMENSIONS)]
    red = _red_projects(report)
    flagged = red + [r for r in flagged if r not in red]
    said = _listed(flagged)
    lines += [project_sentence(r) for r in flagged[:said]]
    if rest := flagged[said:]:
        lines.append(f"Ytterligare {swedish.count(len(rest))} projekt har gul eller röd "
                     f"status (bladet {contract.PROJECTS.name}).")
    green = sum(all(r[d] == contract.PROJECT_GREEN for d in DIMENSIONS) for r in projects)
    if (g := green_sentence(green, len(projects))) is not None:
        lines.append(g)
    risks = _risks(report)
    return lines + [s for s in (new_risks_sentence(risks), highest_risks_sentence(risks)) if s]


def _listed(items: list[Any]) -> int:
    """How many of `items` get a line each: all, or MOST_LISTED and the rest (at least two)
    counted in one."""
    return len(items) if len(items) <= MOST_LISTED + 1 else MOST_LISTED


def _work_items(late: list[tuple[str, Any]]) -> str:
    """`aktiviteter`, `uppdrag` or both, as the late items (from `portfolio`) are."""
    kinds = {what for what, _ in late}
    return "aktiviteter och uppdrag" if len(kinds) > 1 else \
        "aktiviteter" if "Aktiviteten" in kinds else "uppdrag"


def _risks(report: Report) -> list[dict[str, Any]]:
    return records(report.risks) if len(report.risks) else []


# --- Sammanfattning ----------------------------------------------------------------------------

def status_sentences(units: list[ReportUnit], period: Period) -> list[str]:
    """Who is in the report: all units, or how many and who is missing and why."""
    if not units:
        return []
    n, when = len(units), swedish.month_year(period)
    inside = [u for u in units if u.status == contract.UNIT_ACCEPTED]
    if len(inside) == n:
        out = [f"Samtliga {swedish.count(n)} enheter har lämnat godkända rapporter för {when}."
               if n > 1 else f"Enheten har lämnat godkänd rapport för {when}."]
    elif inside:
        out = [capital(f"{swedish.count(len(inside))} av {swedish.count(n)} enheter ingår i "
                       f"rapporten för {when}.")]
    else:
        out = [f"Ingen enhet ingår i rapporten för {when}."]
    by_state = {s: [u.name for u in units if u.status == s] for s in contract.UNIT_STATES}
    if missing := by_state[contract.UNIT_MISSING]:
        out.append(f"Rapport saknas från {join(missing)}.")
    if rejected := by_state[contract.UNIT_REJECTED]:
        out.append(f"Rapporten från {join(rejected)} är avvisad och ingår inte." if
                   len(rejected) == 1 else
                   f"Rapporterna från {join(rejected)} är avvisade och ingår inte.")
    if held := by_state[contract.UNIT_QUARANTINED]:
        out.append(f"Från {join(held)} har bara e-post som hamnat i karantän kommit.")
    if later := [u.name for u in inside if u.label != u.status]:
        out.append(f"Från {join(later)} har en senare fil avvisats; den tidigare godkända "
                   "ingår.")
    return out


def red_indicators_sentence(names: list[str]) -> str | None:
    """The red indicators for the summary: all named when they are few."""
    return named_sentence(names, "Indikatorn {} har röd status.",
                          "Indikatorerna {} har röd status.",
                          "{} indikatorer har röd status, bland dem {}.")


def named_sentence(names: list[str], one: str, some: str, many: str,
                   neuter: bool = False) -> str | None:
    """`names` in a sentence: `one` or `some` with them all, `many` with their count and the
    first MOST_NAMED when there are more."""
    if not names:
        return None
    if len(names) > MOST_NAMED:
        return capital(many.format(swedish.count(len(names), neuter), join(names[:MOST_NAMED])))
    return (some if len(names) > 1 else one).format(join(names))


def points(report: Report) -> list[str]:
    """The summary's most important points, in a fixed order of weight: the budget
    deviation, the forecast, red indicators, red projects, late items, the highest risks."""
    by_unit = _deviation_by_unit(report)
    forecasts = [v for r in records(report.result) if (v := _num(r["forecast"])) is not None]
    red = [r["name"] for r in _indicators(report) if r["status"] == contract.INDICATOR_RED]
    projects = [r["name"] for r in _red_projects(report)]
    late_items = _late_items(report)
    late = [f"{what.lower()} {cut(r['name'])}" for what, r in late_items]
    # `aktivitet` is common gender, `uppdrag` neuter: one late item agrees with its kind
    one = "Försenad är {}." if late_items[:1] and late_items[0][0] == "Aktiviteten" \
        else "Försenat är {}."
    found = [
        deviation_sentence(sum(by_unit.values()), report.period) if by_unit else None,
        forecast_sentence(sum(forecasts), report.period) if forecasts else None,
        red_indicators_sentence(red),
        named_sentence(projects, "Projektet {} har röd status.", "Projekten {} har röd status.",
                       "{} projekt har röd status, bland dem {}.", neuter=True),
        named_sentence(late, one, "Försenade är {}.",
                       f"{{}} {_work_items(late_items)} är försenade, bland dem {{}}."),
        highest_risks_sentence(_risks(report)),
    ]
    return [p for p in found if p][:POINTS]


def summary(report: Report) -> list[str]:
    """Sammanfattning: the submission status, then the most important points as bullets."""
    lines = [" ".join(status_sentences(report.units, report.period))]
    if found := points(report):
        lines += ["Viktigast denna månad:", *(f"- {p}" for p in found)]
    return [line for line in lines if line]


def drafts(report: Report) -> dict[str, str]:
    """A drafted text per comment section of the report that the figures say something
    about, in the report's order: paragraphs one a line, bullets starting with `- `."""
    areas = {r["area"] for r in _indicators(report)}
    out = {}
    for section in report.sections:
        if section == contract.SECTION_SUMMARY:
            lines = summary(report)
        elif section == contract.SECTION_ECONOMY_OUTCOME:
            lines = economy_outcome(report)
        elif section == contract.SECTION_ECONOMY_FORECAST:
            lines = economy_forecast(report)
        elif section == contract.SECTION_PORTFOLIO:
            lines = portfolio(report)
        else:
            lines = area(report, section) if section in areas else []
        if lines:
            out[section] = "\n".join(lines)
    return out


__all__ = ["drafts"]
