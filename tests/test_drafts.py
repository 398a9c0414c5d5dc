"""The drafted Swedish texts (intraxl.analyse.drafts): every sentence of the February 2023
drafts against figures computed here from the example workbooks and SPEC §6's golden figures,
and the rules on small hand-made report models; where the drafts go (master, board report)."""

from __future__ import annotations

import copy
import datetime as dt

import openpyxl
import pandas as pd
import pytest
import yaml

from intraxl import swedish
from intraxl.analyse import drafts as d
from intraxl.consolidate import Report, ReportUnit
from intraxl.periods import Period
from intraxl.pipeline import consolidated
from intraxl.store import Store

from .conftest import EXAMPLES, ROOT
from .test_examples import VOLUMES, read_tables
from .test_master import _fresh_month, consolidate

NB, MINUS, Q = "\xa0", "\u2212", "\u201d"
FEB = Period(2023, 2)
WORDS = {4: "Fyra", 5: "Fem", 6: "Sex", 7: "Sju", 8: "Åtta", 9: "Nio", 10: "Tio"}


# --- Swedish figures, said here independently of intraxl.swedish -----------------------------

def sv(n: float) -> str:
    text = f"{abs(round(n)):,}".replace(",", NB)
    return f"{MINUS}{text}" if round(n) < 0 else text


def mkr(tkr: float) -> str:
    """Cut towards zero to a tenth of a million, as the reference report does."""
    whole, tenth = divmod(int(abs(tkr)) // 100, 10)
    return f"{MINUS if tkr <= -100 else ''}{sv(whole)},{tenth}{NB}mkr"


def pct(share: float, decimals: int = 1) -> str:
    return f"{share * 100:.{decimals}f}".replace(".", ",").replace("-", MINUS) + f"{NB}%"


# --- the February figures, from the example workbooks ----------------------------------------

@pytest.fixture(scope="module")
def books():
    """unit id -> (name, every contract table of its example workbook)."""
    out = {}
    for path in sorted(EXAMPLES.glob("*.xlsx")):
        tables = read_tables(path)
        out[tables["Info"]["Enhet-ID"]["Värde"]] = (tables["Info"]["Enhet"]["Värde"], tables)
    return out


@pytest.fixture(scope="module")
def february(tmp_path_factory):
    """The February report model as `intraxl consolidate` stores it."""
    inbox, db, master = _fresh_month(tmp_path_factory.mktemp("drafts"))
    assert consolidate(inbox, db, master).exit_code == 0
    from intraxl.mappings import load_mappings

    store = Store(str(db))
    try:
        return consolidated(load_mappings(ROOT / "mappings"), FEB, store)
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def texts(february):
    return d.drafts(february)


def economy(books, row, column):
    """unit id -> a figure of its Ekonomi table."""
    return {u: t["Ekonomi"][row][column] for u, (_, t) in books.items()
            if row in t["Ekonomi"] and t["Ekonomi"][row][column] is not None}


def test_every_section_but_those_without_figures_has_a_draft(texts):
    assert list(texts) == ["Sammanfattning", "Kund och ägare", "Medarbetare",
                           "Ekonomi – utfall", "Ekonomi – prognos", "Portfölj"]
    assert not any("Utkast" in t for t in texts.values())  # the master adds the mark


def test_economy_outcome_february(texts, books):
    names = {u: n for u, (n, _) in books.items()}
    frames = {}
    by_unit: dict[str, float] = {}
    for frame, row in (("förvaltning", "resultat.forvaltning"),
                       ("utveckling", "resultat.utveckling")):
        out, bud = economy(books, row, "Utfall ack"), economy(books, row, "Budget ack")
        frames[frame] = sum(out[u] - bud[u] for u in out)
        for u in out:
            by_unit[u] = by_unit.get(u, 0) + out[u] - bud[u]
    total = sum(by_unit.values())
    assert total == 15981  # SPEC §6
    di, sos, kls = by_unit["digital-infrastruktur"], by_unit["styr-och-stod"], by_unit["gt-kls"]
    costs = {row: sum(economy(books, row, "Utfall ack").values())
             - sum(economy(books, row, "Budget ack").values())
             for row in ("kostnad.totalt", "kostnad.personal", "kostnad.it",
                         "kostnad.utvecklingsprojekt")}
    comment = {u: {row: t["Ekonomi"][row]["Kommentar"] for row in t["Ekonomi"]}
               for u, (_, t) in books.items()}
    assert texts["Ekonomi – utfall"].split("\n") == [
        f"Budgetavvikelsen per februari uppgår till {mkr(total)}, ett överskott mot budget. "
        f"Av avvikelsen avser {mkr(frames['förvaltning'])} förvaltning och "
        f"{mkr(frames['utveckling'])} utveckling. "
        f"Avvikelsen är störst inom Digital infrastruktur ({mkr(di)}) och Avdelningen Styr och "
        f"stöd ({mkr(sos)}), som tillsammans förklarar {pct((di + sos) / total, 0)} av den. "
        f"{names['gt-kls']} visar i stället ett underskott på {mkr(-kls)}. "
        f"Verksamhetens kostnader är {mkr(-costs['kostnad.totalt'])} lägre än budget; störst "
        "är skillnaden för kostnad utvecklingsprojekt "
        f"({mkr(-costs['kostnad.utvecklingsprojekt'])}), personalkostnader "
        f"({mkr(-costs['kostnad.personal'])}) och IT-tjänster, IT-program och "
        f"licenser ({mkr(-costs['kostnad.it'])}).",
        "Enheternas kommentarer:",
        f"- Digital infrastruktur (resultat förvaltning): "
        f"{Q}{comment['digital-infrastruktur']['resultat.forvaltning']}{Q}",
        *(f"- {names['gt-kls']} (resultat {frame}): {Q}{comment['gt-kls'][row]}{Q}"
          for frame, row in (("förvaltning", "resultat.forvaltning"),
                             ("utveckling", "resultat.utveckling"))),
    ]
    assert texts["Ekonomi – utfall"].startswith(
        f"Budgetavvikelsen per februari uppgår till 15,9{NB}mkr")  # as the reference words it


def test_economy_forecast_february(texts, books):
    names = {u: n for u, (n, _) in books.items()}
    per_unit: dict[str, float] = {}
    frames = {}
    for frame, row in (("förvaltning", "resultat.forvaltning"),
                       ("utveckling", "resultat.utveckling")):
        forecast = economy(books, row, "Prognos helår")
        frames[frame] = sum(forecast.values())
        for u, v in forecast.items():
            per_unit[u] = per_unit.get(u, 0) + v
    assert sum(per_unit.values()) == 0 and frames["förvaltning"] == -3000  # SPEC §6
    deficits = sorted((v, names[u]) for u, v in per_unit.items() if v <= -100)[:3]
    surpluses = sorted(((-v, names[u]) for u, v in per_unit.items() if v >= 100))[:3]
    cost = {row: (sum(economy(books, row, "Prognos helår").values()),
                  sum(economy(books, row, "Årsbudget").values()))
            for row in ("kostnad.totalt", "kostnad.konsult", "kostnad.it")}
    assert cost["kostnad.totalt"] == (1446534, 1449802)  # SPEC §6
    over = {row: f - a for row, (f, a) in cost.items()}
    assert texts["Ekonomi – prognos"] == (
        "Helårsprognosen per februari är en nollprognos, ett resultat i balans. "
        f"Prognosen är {mkr(frames['förvaltning'])} för förvaltning och "
        f"{mkr(frames['utveckling'])} för utveckling. "
        "Underskott prognostiseras av "
        + d.join(f"{n} ({mkr(-v)})" for v, n in deficits)
        + "; överskott av " + d.join(f"{n} ({mkr(-v)})" for v, n in surpluses) + ". "
        f"Verksamhetens kostnader prognostiseras till {mkr(cost['kostnad.totalt'][0])}, "
        f"{mkr(-over['kostnad.totalt'])} under årsbudgeten. Över sin årsbudget prognostiseras "
        f"konsultkostnader ({mkr(over['kostnad.konsult'])}) och IT-tjänster, IT-program och "
        f"licenser ({mkr(over['kostnad.it'])}).")
    # no month before February in the store's model: nothing is said about a change
    assert "sedan" not in texts["Ekonomi – prognos"]


def _status_rule(name):
    """An indicator's status rule, read from the mappings here."""
    data = yaml.safe_load((ROOT / "mappings" / "indicators.yaml").read_text(encoding="utf-8"))
    return next(i for i in data["indicators"] if i["id"] == name)["status"]


def indicator_comment(books, indicator):
    """(unit name, comment) of the one unit that commented on an indicator."""
    said = [(n, t["Indikatorer"][indicator]["Kommentar"]) for _, (n, t) in books.items()
            if indicator in t["Indikatorer"] and t["Indikatorer"][indicator]["Kommentar"]]
    assert len(said) == 1
    return said[0]


def test_area_indicators_february(texts, books):
    """Kund och ägare: SPEC §6's volumes judged by the mappings' rule (target ± tolerance
    green, then a yellow band), new SLA not measured, R12 against 2022's full year."""
    names = {"lonespecifikationer": "Lönespecifikationer", "lonearenden": "Löneärenden",
             "leverantorsfakturor": "Leverantörsfakturor", "kundfakturor": "Kundfakturor",
             "servicearenden": "Serviceärenden"}
    judged = {}
    for i, (_, outcome, target, _, _) in VOLUMES.items():
        rule = _status_rule(i)
        gap = abs(outcome - target) / target
        judged[i] = "Grön" if gap <= rule["tolerance"] else \
            "Gul" if gap <= rule["tolerance"] + rule["yellow_band"] else "Röd"
    assert [i for i in VOLUMES if judged[i] == "Röd"] == ["leverantorsfakturor",
                                                        "servicearenden"]
    assert [i for i in VOLUMES if judged[i] == "Gul"] == ["kundfakturor"]
    lf, se, kf = (VOLUMES[i] for i in ("leverantorsfakturor", "servicearenden", "kundfakturor"))
    r12 = {}
    for i, (last, outcome, _, _, rolling) in VOLUMES.items():
        full_year = rolling - outcome + last
        r12[names[i]] = (rolling - full_year) / full_year
    higher = sorted(((v, n) for n, v in r12.items() if v > 0), reverse=True)
    lower = sorted((v, n) for n, v in r12.items() if v < 0)
    assert texts["Kund och ägare"] == (
        f"Röd status har Leverantörsfakturor med {sv(lf[1])} mot periodens mål {sv(lf[2])} "
        f"({pct(lf[1] / lf[2])} av målet) och Serviceärenden med {sv(se[1])} mot {sv(se[2])} "
        f"({pct(se[1] / se[2])}). Gul status har Kundfakturor med {sv(kf[1])} mot periodens "
        f"mål {sv(kf[2])} ({pct(kf[1] / kf[2])} av målet). Om Leverantörsfakturor skriver "
        "{}: {Q}{}{Q} Efterlevnad SLA är en ny indikator som ännu inte har något utfall. "
        "Om Efterlevnad SLA skriver {}: {Q}{}{Q} "
        .format(*indicator_comment(books, "leverantorsfakturor"),
                *indicator_comment(books, "efterlevnad-sla"), Q=Q)
        + "Rullande tolv månader (R12) jämfört med helåret 2022: "
        "högre för " + d.join(f"{n} ({pct(v)})" for v, n in higher) + "; lägre för "
        + d.join(f"{n} ({pct(-v)})" for v, n in lower) + ".")
    # Medarbetare: sick leave 5,9 % against 5 %, lower is better with a 20 % band: yellow
    assert 0.05 < 0.059 <= 0.05 * (1 + _status_rule("sjukfranvaro")["yellow_band"])
    assert texts["Medarbetare"] == (
        f"Gul status har Sjukfrånvaro med 5,9{NB}% mot periodens mål 5,0{NB}%. Om Sjukfrånvaro "
        "skriver {}: {Q}{}{Q} Hållbart ".format(*indicator_comment(books, "sjukfranvaro"), Q=Q)
        + "medarbetarengagemang HME och Frisknärvaro mäts en gång om året och har ännu inget "
        "utfall för 2023.")


def new_risks():
    """(unit id, row) of the rows a unit added to its Risker table (without a Risk-ID)."""
    out = []
    for path in sorted(EXAMPLES.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, data_only=True)
        unit = next(r[1].value for r in wb["Info"].iter_rows() if r[0].value == "Enhet-ID")
        ws = wb["Risker"]
        rows = list(ws.iter_rows(min_row=1, values_only=True))
        header = next(r for r in rows if r and r[0] == "Risk-ID")
        top = rows.index(header)
        out += [(unit, dict(zip(header, r, strict=False))) for r in rows[top + 1:]
                if r[0] is None and r[2]]
    return out


def test_portfolio_february(texts, books):
    late = [(n, a) for u, (n, t) in books.items() for a in t["Aktiviteter"].values()
            if a["Status"] == "Försenad"]
    assert len(late) == 1
    unit, activity = late[0]
    projects = {p["Projekt"]: p for _, (_, t) in books.items() for p in t["Projekt"].values()}
    red = [p for p in projects.values() if "Röd" in (p["Tid"], p["Kostnad"], p["Resultat"])]
    assert sorted(p["Projekt"] for p in red) == ["Behörighets- och kontohantering",
                                                 "Lansera digitala navet"]
    green = [p for p in projects.values() if (p["Tid"], p["Kostnad"], p["Resultat"])
             == ("Grön",) * 3]
    assert len(green) == 5
    risks = sorted((r["Sannolikhet"] * r["Konsekvens"], str(k), r["Risk"])
                   for _, (_, t) in books.items() for k, r in t["Risker"].items()
                   if r["Sannolikhet"])
    top = max(s for s, _, _ in risks)
    new = [(books[u][0], r) for u, r in new_risks()]
    assert len(new) == 1
    nav, bkh = projects["Lansera digitala navet"], projects["Behörighets- och kontohantering"]
    assert texts["Portfölj"].split("\n") == [
        f"Aktiviteten {activity['Aktivitet']} ({unit}) är försenad; slutdatum "
        f"{activity['Slutdatum']:%Y-%m-%d} har passerats. Kommentar: {Q}{activity['Kommentar']}{Q}",
        f"Projektet Lansera digitala navet (Kommunikation, ledning och styrning) har röd status "
        f"för tid och gul status för kostnad och resultat. Orsak: {Q}{nav['Orsak']}{Q} "
        f"Åtgärd: {Q}{nav['Åtgärd']}{Q}",
        f"Projektet Behörighets- och kontohantering (Digital infrastruktur) har röd status för "
        f"tid och resultat. Orsak: {Q}{bkh['Orsak']}{Q} Åtgärd: {Q}{bkh['Åtgärd']}{Q}",
        "Projektet Införa stöd för politisk ärendehantering (Kommunikation, ledning och "
        f"styrning) har gul status för tid och kostnad. Orsak: "
        f"{Q}{projects['Införa stöd för politisk ärendehantering']['Orsak']}{Q} Åtgärd: "
        f"{Q}{projects['Införa stöd för politisk ärendehantering']['Åtgärd']}{Q}",
        "Övriga fem projekt har grön status.",
        f"Ny risk i registret: {new[0][1]['Risk']} (R14, {new[0][0]}, S×K "
        f"{new[0][1]['Sannolikhet'] * new[0][1]['Konsekvens']}).",
        f"Högst riskvärde (S×K {top}) har "
        + d.join(r for s, _, r in risks if s == top) + ".",
    ]


def test_summary_february(texts, february):
    # the statuses are consolidate's (its rule is tested with it): the draft names its reds
    red = [i["name"] for _, i in february.indicators.iterrows() if i["status"] == "Röd"]
    assert {"Leverantörsfakturor", "Serviceärenden"} <= set(red)
    assert texts["Sammanfattning"].split("\n") == [
        "Samtliga sju enheter har lämnat godkända rapporter för februari 2023.",
        "Viktigast denna månad:",
        f"- Budgetavvikelsen per februari uppgår till 15,9{NB}mkr, ett överskott mot budget.",
        "- Helårsprognosen per februari är en nollprognos, ett resultat i balans.",
        f"- Indikatorerna {d.join(red)} har röd status." if len(red) <= 3 else
        f"- {WORDS[len(red)]} indikatorer har röd status, bland dem {d.join(red[:3])}.",
    ]


# --- the rules, on small hand-made report models ---------------------------------------------

def unit(uid, status="godkänd", label=None):
    return ReportUnit(uid, f"Enhet {uid.upper()}", status, label or status, status != "godkänd")


def small_report(units=("a", "b"), result=None, indicators=(), costs=(), **more) -> Report:
    """A report model of March 2023 with two units, each with a Förvaltning result row."""
    result = result if result is not None else [
        {"frame": "Förvaltning", "row_id": "resultat.forvaltning", "unit_id": u,
         "unit": f"Enhet {u.upper()}", "label": u, "group": None, "forecast": f,
         "deviation": dev, "outcome": dev, "budget": 0.0}
        for u, f, dev in (("a", -1200.0, 2500.0), ("b", 300.0, -400.0))]
    frames = {k: pd.DataFrame(more.pop(k, [])) for k in (
        "activities", "assignments", "projects", "risks")}
    return Report(
        Period(2023, 3), "Förvaltningen",
        [u if isinstance(u, ReportUnit) else unit(u) for u in units], pd.DataFrame(),
        pd.DataFrame(result), pd.DataFrame(list(costs)), pd.DataFrame(list(indicators)),
        frames["activities"], frames["assignments"], frames["projects"], frames["risks"],
        pd.DataFrame(columns=["section", "unit_id", "unit", "text"]), pd.DataFrame(),
        sections=["Sammanfattning", "Kund och ägare", "Ekonomi – utfall",
                  "Ekonomi – prognos", "Portfölj"], **more)


def indicator(name, status, outcome=110.0, target=100.0, **more):
    return {"area": "Kund och ägare", "goal": "Mål", "indicator_id": name.lower(),
            "name": name, "unit_of_measure": "st", "frequency": "month",
            "outcome_last_year": 90.0, "outcome": outcome, "target": target, "forecast": None,
            "annual_target": 1200.0, "r12": None, "status": status, "comment": None, **more}


def test_submission_status_all_in_or_who_is_missing():
    assert d.status_sentences([unit("a"), unit("b")], Period(2023, 3)) == [
        "Samtliga två enheter har lämnat godkända rapporter för mars 2023."]
    units = [unit("a"), unit("b", "saknas"), unit("c", "avvisad"), unit("d", "karantän"),
             unit("e", "godkänd", "godkänd, senare fil avvisad")]
    assert d.status_sentences(units, Period(2023, 3)) == [
        "Två av fem enheter ingår i rapporten för mars 2023.",
        "Rapport saknas från Enhet B.",
        "Rapporten från Enhet C är avvisad och ingår inte.",
        "Från Enhet D har bara e-post som hamnat i karantän kommit.",
        "Från Enhet E har en senare fil avvisats; den tidigare godkända ingår."]
    texts = d.drafts(small_report(units=("a", unit("b", "saknas")),
                                  result=small_report().result.iloc[:1]))
    assert texts["Sammanfattning"].startswith(
        "En av två enheter ingår i rapporten för mars 2023. Rapport saknas från Enhet B.\n"
        "Viktigast denna månad:\n")
    # the economy's totals say whom they leave out
    assert texts["Ekonomi – utfall"].startswith(
        f"Budgetavvikelsen per mars uppgår till 2,5{NB}mkr, ett överskott mot budget. "
        "Siffrorna omfattar inte Enhet B, vars rapport inte ingår.")
    assert "Siffrorna omfattar inte Enhet B" in texts["Ekonomi – prognos"]
    assert "Siffrorna" not in d.drafts(small_report())["Ekonomi – utfall"]


def test_a_deficit_and_its_direction():
    assert d.deviation_sentence(-2345, Period(2023, 3)) == (
        f"Budgetavvikelsen per mars uppgår till {MINUS}2,3{NB}mkr, ett underskott mot budget.")
    assert d.deviation_sentence(42, Period(2023, 3)) == (
        f"Utfallet per mars ligger i nivå med budget (avvikelse 42{NB}tkr).")
    by_unit = {"A": -3000.0, "B": -1000.0, "C": 1500.0, "D": -1600.0}
    total = sum(by_unit.values())
    assert d.leading_units(by_unit, total) == [("A", -3000.0), ("D", -1600.0)]
    assert d.counter_units(by_unit, total) == [("C", 1500.0)]
    assert d.units_sentence([("A", -3000.0)], total) == (
        f"Avvikelsen är störst inom A ({MINUS}3,0{NB}mkr), som förklarar 73{NB}% av den.")
    # a surplus is driven by costs under budget, a deficit by costs over it
    lines = [("Personalkostnader", -900.0), ("Konsultkostnader", 700.0), ("IT", 300.0)]
    assert d.cost_drivers(lines, total) == [("Konsultkostnader", 700.0), ("IT", 300.0)]
    assert d.cost_drivers(lines, -total) == [("Personalkostnader", -900.0)]


def test_no_indicator_off_target_is_said_so():
    report = small_report(indicators=[indicator("Fakturor", "Grön", 100.0),
                                      indicator("Ärenden", "Grön", 99.0)])
    texts = d.drafts(report)
    assert texts["Kund och ägare"] == "Alla indikatorer med utfall når sina mål."
    assert "röd status" not in texts["Sammanfattning"]
    red = d.drafts(small_report(indicators=[indicator("Fakturor", "Röd", 130.0)]))
    assert red["Kund och ägare"] == (
        f"Röd status har Fakturor med 130 mot periodens mål 100 (130,0{NB}% av målet).")
    assert "- Indikatorn Fakturor har röd status." in red["Sammanfattning"].split("\n")


def test_a_section_without_figures_has_no_draft():
    report = small_report(result=[])
    texts = d.drafts(report)
    assert "Ekonomi – utfall" not in texts and "Kund och ägare" not in texts
    assert "Portfölj" not in texts


def test_the_same_figures_give_the_same_text():
    report = small_report(indicators=[indicator("Fakturor", "Röd", 130.0)])
    again = copy.deepcopy(report)
    again.result = again.result.iloc[::-1].reset_index(drop=True)  # rows in another order
    assert d.drafts(report) == d.drafts(again) == d.drafts(report)


def test_the_forecast_change_is_said_only_when_known():
    """The month-over-month fields (Report.previous_period, result's forecast_change and the
    cost table's) are used when present; missing or None, nothing is said about a change."""
    plain = d.drafts(small_report())["Ekonomi – prognos"]
    assert "sedan" not in plain
    assert plain == (f"Helårsprognosen per mars är ett underskott på 0,9{NB}mkr. Underskott "
                     f"prognostiseras av Enhet A (1,2{NB}mkr); överskott av Enhet B "
                     f"(0,3{NB}mkr).")

    report = small_report(costs=[{"line_id": "kostnad.totalt", "label": "Verksamhetens kostnader",
                                  "outcome": 900.0, "budget": 1000.0, "forecast": 6000.0,
                                  "annual_budget": 6000.0, "forecast_change": 1500.0}])
    report.previous_period = "2023-02"  # type: ignore[attr-defined]
    report.result["forecast_change"] = [-700.0, 100.0]
    assert d.drafts(report)["Ekonomi – prognos"] == plain + (
        f" Prognosen har försämrats med 0,6{NB}mkr sedan februari. Mest har prognosen ändrats "
        f"för Enhet A ({MINUS}0,7{NB}mkr) och Enhet B (+0,1{NB}mkr). Verksamhetens kostnader "
        f"prognostiseras till 6,0{NB}mkr, i nivå med årsbudgeten. Kostnadsprognosen har ökat "
        f"med 1,5{NB}mkr sedan februari.")

    report.result["forecast_change"] = [-700.0, None]  # one unit's last month unknown
    text = d.drafts(report)["Ekonomi – prognos"]
    assert "försämrats" not in text and f"Enhet A ({MINUS}0,7{NB}mkr)" in text
    assert d.change_sentence("Prognosen", 40, Period(2023, 1)) == (
        "Prognosen är i stort sett oförändrad sedan januari.")
    report.previous_period = None  # type: ignore[attr-defined]  # January, or no last month
    assert "sedan" not in d.drafts(report)["Ekonomi – prognos"]


def test_late_items_projects_and_risks():
    end = dt.date(2023, 1, 31)
    report = small_report(
        activities=[{"id": "A1", "name": "Införa e-arkiv", "unit": "Enhet A",
                     "status": "Pågående", "end": end, "comment": None, "overdue": True}],
        assignments=[{"id": "U1", "name": "Utred " + "mycket " * 30, "unit": "Enhet B",
                      "status": "Försenad", "end": dt.date(2023, 12, 31),
                      "comment": "Väntar på underlag", "overdue": False}],
        projects=[{"name": "P1", "portfolio": "IT", "Tid": "Grön", "Kostnad": "Grön",
                   "Resultat": "Grön", "Orsak": None, "Åtgärd": None}],
        risks=[{"id": "R1", "risk": "Brand", "unit": "Enhet A", "new": False, "score": 6},
               {"id": "R2", "risk": "Översvämning", "unit": "Enhet B", "new": True,
                "score": 9}])
    lines = d.drafts(report)["Portfölj"].split("\n")
    assert lines[0] == ("Aktiviteten Införa e-arkiv (Enhet A) har passerat sitt slutdatum "
                        "2023-01-31 utan att vara klar.")
    assert lines[1].startswith("Uppdraget Utred mycket") and "…" in lines[1]
    assert lines[1].endswith(f"(Enhet B) är försenad. Kommentar: {Q}Väntar på underlag{Q}.")
    assert lines[2:] == ["Projektet har grön status.",
                         "Ny risk i registret: Översvämning (R2, Enhet B, S×K 9).",
                         "Högst riskvärde (S×K 9) har Översvämning."]


def test_many_late_items_projects_and_risks_are_counted_beyond_the_first_few():
    """A city-wide month (hundreds of units) gets sentences a controller would write: the
    first items said, the rest counted, never a text of thousands of names."""
    n = 25
    report = small_report(
        activities=[{"id": f"A{i}", "name": f"Aktivitet {i}", "unit": f"Enhet {i}",
                     "status": "Försenad", "end": dt.date(2023, 12, 31), "comment": None,
                     "overdue": False} for i in range(n)],
        projects=[{"name": f"P{i}", "portfolio": "IT", "Tid": "Röd", "Kostnad": "Grön",
                   "Resultat": "Grön", "Orsak": None, "Åtgärd": None} for i in range(n)],
        risks=[{"id": f"R{i}", "risk": f"Risk {i}", "unit": f"Enhet {i}", "new": True,
                "score": 16 if i in (7, 9, 11, 12) else 4} for i in range(n)])
    lines = d.drafts(report)["Portfölj"].split("\n")
    late = [f"Aktiviteten Aktivitet {i} (Enhet {i}) är försenad." for i in range(d.MOST_LISTED)]
    assert lines[:d.MOST_LISTED] == late
    assert lines[d.MOST_LISTED] == (
        f"Ytterligare {n - d.MOST_LISTED} aktiviteter är försenade eller har passerat sitt "
        "slutdatum (bladen Aktiviteter och Uppdrag).")
    projects = lines[d.MOST_LISTED + 1:]
    assert projects[:d.MOST_LISTED] == [f"Projektet P{i} (IT) har röd status för tid."
                                        for i in range(d.MOST_LISTED)]
    assert projects[d.MOST_LISTED] == (
        f"Ytterligare {n - d.MOST_LISTED} projekt har gul eller röd status (bladet Projekt).")
    assert projects[d.MOST_LISTED + 1:] == [
        f"{n} nya risker har lagts till i registret; de med högst riskvärde är Risk 7 "
        "(R7, Enhet 7, S×K 16), Risk 9 (R9, Enhet 9, S×K 16) och Risk 11 (R11, Enhet 11, "
        "S×K 16).",
        "Högst riskvärde (S×K 16) har fyra risker, bland dem Risk 7, Risk 9 och Risk 11."]
    points = d.points(report)
    assert f"{n} projekt har röd status, bland dem P0, P1 och P2." in points
    report.projects = report.projects.iloc[:0]
    report.result = report.result.iloc[:0]
    assert f"{n} aktiviteter är försenade, bland dem aktiviteten Aktivitet 0, " \
        "aktiviteten Aktivitet 1 och aktiviteten Aktivitet 2." in d.points(report)
    # One more than a line each would say: all said (never "Ytterligare en ...").
    eleven = small_report(activities=report.activities.iloc[:d.MOST_LISTED + 1].to_dict(
        "records"))
    lines = d.drafts(eleven)["Portfölj"].split("\n")
    assert len([x for x in lines if x.startswith("Aktiviteten")]) == d.MOST_LISTED + 1
    assert not any(x.startswith("Ytterligare") for x in lines)
    # One late assignment (uppdrag: neuter) agrees with its kind.
    one = small_report(assignments=report.activities.iloc[:1].to_dict("records"))
    one.result = one.result.iloc[:0]
    assert "Försenat är uppdraget Aktivitet 0." in d.points(one)
    assert d.named_sentence(["a", "b"], "En: {}.", "Några: {}.", "{} st, bland dem {}.") == \
        "Några: a och b."


def test_indicator_comments_are_quoted_with_their_unit():
    rows = [indicator("Fakturor", "Röd", comment="Enhet A: Fler kunder.\nEnhet B: \nUtan enhet")]
    assert d.indicator_comments(rows, ["Enhet A", "Enhet B"]) == [
        f"Om Fakturor skriver Enhet A: {Q}Fler kunder.{Q}", f"Om Fakturor: {Q}Utan enhet{Q}."]
    text = d.drafts(small_report(indicators=rows))["Kund och ägare"]
    assert text.endswith(f"(110,0{NB}% av målet). Om Fakturor skriver Enhet A: {Q}Fler "
                         f"kunder.{Q} Om Fakturor: {Q}Utan enhet{Q}.")


def test_many_red_indicators_are_counted_and_some_named():
    names = ["A", "B", "C", "D", "E"]
    assert d.red_indicators_sentence(names) == (
        "Fem indikatorer har röd status, bland dem A, B och C.")
    assert d.red_indicators_sentence(names[:1]) == "Indikatorn A har röd status."
    assert d.red_indicators_sentence([]) is None


def test_words():
    assert d.join(["A"]) == "A" and d.join(["A", "B", "C"]) == "A, B och C"
    assert d.quote("Klart") == f"{Q}Klart{Q}." and d.quote("Klart?") == f"{Q}Klart?{Q}"
    assert d.cut("Ett uppdrag, med en lång text", 16) == "Ett uppdrag…"
    assert d.cut("Uppdragsbeskrivning", 6) == "Uppdra…"
    assert d.lower_first("Personalkostnader") == "personalkostnader"
    assert d.lower_first("IT-tjänster") == "IT-tjänster"
    assert d.green_sentence(5, 8) == "Övriga fem projekt har grön status."
    assert d.green_sentence(1, 3) == "Det övriga projektet har grön status."
    assert d.green_sentence(0, 3) is None
    assert [swedish.count(n) for n in (1, 2, 12, 13, 1000)] == [
        "en", "två", "tolv", "13", f"1{NB}000"]
    assert swedish.count(1, neuter=True) == "ett"


# --- where the drafts go: the master, and the board report -----------------------------------

def test_the_report_says_an_unreviewed_draft_and_warns(tmp_path):
    """`intraxl report` uses a section's draft, without its mark, where the controller wrote
    nothing, and warns once per such section; the controller's own text is used as written."""
    import docx
    from docx.text.paragraph import Paragraph

    from .test_report import report, section

    inbox, db, master = _fresh_month(tmp_path)
    assert consolidate(inbox, db, master).exit_code == 0
    wb = openpyxl.load_workbook(master)
    ws = wb["Kommentarer"]
    admin = {r[0].value: r[2] for r in ws.iter_rows(min_row=5, max_row=12)}
    admin["Sammanfattning"].value = "Controllerns sammanfattning."
    drafted = {s: c.value for s, c in admin.items() if c.value and c.value.startswith("Utkast: ")}
    wb.save(master)

    out = tmp_path / "rapport.docx"
    result = report(db, master, out)
    assert result.exit_code == 0, result.output
    warned = [line.split(":")[1].strip() for line in result.stderr.splitlines()
              if line.startswith("warning:")]
    assert warned == list(drafted) == ["Kund och ägare", "Medarbetare", "Ekonomi – utfall",
                                       "Ekonomi – prognos", "Portfölj"]
    doc = docx.Document(str(out))
    text = [p.text for p in doc.paragraphs]
    assert "Controllerns sammanfattning." in text
    assert not any("Utkast" in t for t in text)
    medarbetare = [b.text for b in section(doc, "2.2 Medarbetare")
                   if isinstance(b, Paragraph) and b.text]
    assert medarbetare[0] == drafted["Medarbetare"][len("Utkast: "):]
    economy = [b for b in section(doc, "2.4 Ekonomi") if isinstance(b, Paragraph) and b.text]
    assert any(p.text.startswith(f"Budgetavvikelsen per februari uppgår till 15,9{NB}mkr")
               for p in economy)
    bullets = [p.text for p in economy if p.style.name == "List Bullet"]
    assert bullets[0].startswith(f"Digital infrastruktur (resultat förvaltning): {Q}")


def test_the_readme_shows_the_february_drafts_as_made(texts):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("The drafts of the shipped February 2023 example")
    top = readme.index("```\n", start) + 4
    block = readme[top:readme.index("\n```", top)]
    shown = dict(part.split("]\n", 1) for part in block.lstrip("[").split("\n\n["))
    made = "\n\n".join(f"[{section}]\n{text}" for section, text in texts.items())
    assert shown == texts, f"paste into the README's example:\n{made}"


def test_the_summary_takes_the_three_weightiest_points_in_order():
    late = {"id": "A1", "name": "Införa e-arkiv", "unit": "Enhet A", "status": "Försenad",
            "end": dt.date(2023, 12, 31), "comment": None, "overdue": False}
    project = {"name": "P1", "portfolio": "IT", "Tid": "Röd", "Kostnad": "Grön",
               "Resultat": "Gul", "Orsak": "Resursbrist", "Åtgärd": None}
    risks = [{"id": "R1", "risk": "Brand", "unit": "Enhet A", "new": False, "score": 6},
             {"id": "R2", "risk": "Översvämning", "unit": "Enhet B", "new": True, "score": 9}]
    report = small_report(result=[], activities=[late], projects=[project], risks=risks)
    assert d.drafts(report)["Sammanfattning"].split("\n") == [
        "Samtliga två enheter har lämnat godkända rapporter för mars 2023.",
        "Viktigast denna månad:", "- Projektet P1 har röd status.",
        "- Försenad är aktiviteten Införa e-arkiv.",
        "- Högst riskvärde (S×K 9) har Översvämning."]
    with_economy = small_report(activities=[late], projects=[project], risks=risks)
    assert [line[2:12] for line in d.drafts(with_economy)["Sammanfattning"].split("\n")[2:]] \
        == ["Budgetavvi", "Helårsprog", "Projektet "]
    assert d.drafts(report)["Portfölj"].split("\n")[1] == (
        f"Projektet P1 (IT) har röd status för tid och gul status för resultat. Orsak: "
        f"{Q}Resursbrist{Q}.")


def test_an_indicator_is_called_new_only_where_last_year_is_known():
    unmeasured = indicator("SLA", "Ej mätt", None, outcome_last_year=None)
    with_history = [unmeasured, indicator("Fakturor", "Grön", 100.0)]
    assert "SLA är en ny indikator som ännu inte har något utfall." in \
        d.drafts(small_report(indicators=with_history))["Kund och ägare"]
    # no last year at all (history not loaded): only what is known is said
    without = [unmeasured, indicator("Fakturor", "Ej mätt", None, outcome_last_year=None)]
    assert d.drafts(small_report(indicators=without))["Kund och ägare"] == (
        "SLA och Fakturor saknar utfall för mars.")


def test_nobody_in_the_report_and_an_item_without_status():
    units = (unit("a", "saknas"), unit("b", "saknas"))
    overdue = {"id": "A1", "name": "Införa e-arkiv", "unit": "Enhet A", "status": None,
               "end": dt.date(2023, 1, 31), "comment": None, "overdue": True}
    texts = d.drafts(small_report(units=units, result=[], activities=[overdue]))
    assert texts["Sammanfattning"].startswith(
        "Ingen enhet ingår i rapporten för mars 2023. Rapport saknas från Enhet A och Enhet B.")
    assert texts["Portfölj"] == ("Aktiviteten Införa e-arkiv (Enhet A) har passerat sitt "
                                 "slutdatum 2023-01-31; status saknas.")


def test_the_analysis_box_is_the_reports_summary_when_kommentarer_holds_a_draft(tmp_path):
    """A controller who writes the summary in Sammanfattning's analysis box (B4) sees it in
    the report's chapter 1, not the draft still in Kommentarer, and gets no warning for it."""
    import docx

    from .test_report import report

    inbox, db, master = _fresh_month(tmp_path)
    assert consolidate(inbox, db, master).exit_code == 0
    wb = openpyxl.load_workbook(master)
    wb["Sammanfattning"]["B4"] = "Min analys för styrelsen."
    wb.save(master)
    result = report(db, master, tmp_path / "rapport.docx")
    assert result.exit_code == 0, result.output
    assert not any(line.startswith("warning: Sammanfattning")
                   for line in result.stderr.splitlines())
    text = [p.text for p in docx.Document(str(tmp_path / "rapport.docx")).paragraphs]
    assert "Min analys för styrelsen." in text
    assert not any(t.startswith("Samtliga sju enheter") for t in text)


def test_units_cancelling_out_get_no_share_over_a_hundred_percent():
    """A +2 000 and B −1 950 tkr: the total is 50 tkr; saying that A explains 4 000 % of it
    would be nonsense, so the sentence names the unit without a share (and a negligible total
    names nobody)."""
    assert d.units_sentence([("A", 2000.0)], 50.0) is None  # 0,05 mkr: negligible
    assert d.units_sentence([("A", 2000.0)], 150.0) == "Avvikelsen är störst inom A (2,0\xa0mkr)."
    assert d.units_sentence([("A", 8200.0), ("B", 6100.0)], 15900.0) == (
        "Avvikelsen är störst inom A (8,2\xa0mkr) och B (6,1\xa0mkr), som tillsammans "
        "förklarar 90\xa0% av den.")
