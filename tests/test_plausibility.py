"""Plausibility against the unit's own history: the rules' figures, and the warnings where
finance and the unit see them, with history built through the real CLI (templates from
`intraxl template`, filled with openpyxl and LibreOffice, months consolidated into one
store)."""

from __future__ import annotations

import copy
import json
import shutil
import statistics
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils.cell import range_boundaries

from intraxl import swedish
from intraxl.analyse.plausibility import (
    check,
    jumped,
    per_month,
    robust_band,
    window,
)
from intraxl.cli import main
from intraxl.periods import Period
from intraxl.template.layout import cell_address, row_ids

from .conftest import ROOT, libreoffice_edit
from .test_validate import hr_values

HR = "gt-hr"
MARKED = "FFC7CE"  # the feedback workbook's fill of a marked cell
FEB_VALUES = hr_values()  # the example month: February 2023, two months year to date
YTD = {("Ekonomi", "Utfall ack"), ("Ekonomi", "Budget ack")}
FLOWS = ("lonespecifikationer", "lonearenden")  # gt-hr's flow indicators (counts)


def run_cli(*args: Any):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def month_values(month: int) -> dict[str, dict[str, dict[str, Any]]]:
    """gt-hr's example figures as month `month` of 2023 would hold them: the year-to-date
    figures February's × month / 2, everything else as in February."""
    cells = copy.deepcopy(FEB_VALUES.cells)
    for table, rows in cells.items():
        for rid, columns in rows.items():
            for column, v in columns.items():
                if (table, column) in YTD or (table == "Indikatorer" and rid in FLOWS
                                              and column == "Utfall"):
                    columns[column] = round(v * month / 2)
    return cells


def table_cells(ws, name: str) -> dict[tuple[str, str], str]:
    """(row id, column header) -> the cell's address, read from the workbook's table."""
    left, top, right, bottom = range_boundaries(ws.tables[name].ref)
    headers = [ws.cell(top, c).value for c in range(left, right + 1)]
    return {(str(ws.cell(r, left).value), h): ws.cell(r, c).coordinate
            for r in range(top + 1, bottom + 1) if ws.cell(r, left).value is not None
            for c, h in zip(range(left, right + 1), headers, strict=True)}


def fill(src: Path, dst: Path, cells: dict[str, dict[str, dict[str, Any]]]) -> Path:
    """`src` (a template) with `cells` typed in by openpyxl, saved as `dst`."""
    wb = openpyxl.load_workbook(src)
    for table, rows in cells.items():
        where = table_cells(wb[table], table)
        for rid, columns in rows.items():
            for column, value in columns.items():
                wb[table][where[(rid, column)]] = value
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def template(base: Path, db: Path, period: str) -> Path:
    out = base / "templates" / Path(db).stem / period
    assert run_cli("template", "--period", period, "--unit", HR, "--out", out, "--db",
                   db).exit_code == 0
    return out / f"manadsuppfoljning_{period}_{HR}.xlsx"


def submission(base: Path, db: Path, period: str, cells, name: str) -> Path:
    """gt-hr's template for `period` made by the CLI from `db`, filled with `cells`."""
    return fill(template(base, db, period), base / name / period / f"{name}.xlsx", cells)


def consolidate(db: Path, file: Path, period: str) -> tuple[Any, Path]:
    out = file.parent / f"master_{period}.xlsx"
    result = run_cli("consolidate", file.parent, "--period", period, "--db", db, "--out", out)
    assert result.exit_code == 0, result.output
    return result, out


def validate(db: Path, file: Path, period: str, *more: Any) -> list[dict[str, Any]]:
    result = run_cli("validate", file, "--period", period, "--db", db, "--json", *more)
    report = json.loads(result.output)
    assert report["valid"], result.output  # warnings never reject
    return report["files"][0]["issues"]


def plausible(issues: list[dict[str, Any]]) -> set[tuple[str, str]]:
    codes = {"ytd-decreased", "outlier", "forecast-jump", "budget-changed"}
    return {(i["code"], f"{i['sheet']}!{i['cell']}") for i in issues if i["code"] in codes}


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """gt-hr's January and February 2023 consolidated into one store (`two`), and a copy
    with March too (`three`); `cells`: the templates' cell addresses."""
    base = tmp_path_factory.mktemp("plausibility")
    db = base / "three.db"
    for month in (1, 2, 3):
        period = f"2023-0{month}"
        consolidate(db, submission(base, db, period, month_values(month), f"m{month}"), period)
        if month == 2:
            shutil.copy(db, base / "two.db")
    wb = openpyxl.load_workbook(template(base, db, "2023-04"))
    cells = {t: table_cells(wb[t], t) for t in ("Ekonomi", "Indikatorer")}
    return SimpleNamespace(base=base, two=base / "two.db", three=db, cells=cells)


def test_a_normal_month_gets_no_plausibility_warning(history):
    march = submission(history.base, history.two, "2023-03", month_values(3), "normal")
    assert plausible(validate(history.two, march, "2023-03")) == set()
    april = submission(history.base, history.three, "2023-04", month_values(4), "normal4")
    assert plausible(validate(history.three, april, "2023-04")) == set()


def test_a_year_to_date_cost_lower_than_last_month(history, tmp_path):
    """Typed in LibreOffice: March's personnel cost as the month's figure, lower than
    February's year to date. Named at its cell in validate's JSON, the feedback workbook,
    the master's Inlämningar, and status."""
    cell = history.cells["Ekonomi"][("kostnad.personal", "Utfall ack")]
    february = month_values(2)["Ekonomi"]["kostnad.personal"]["Utfall ack"]
    filled = submission(history.base, history.two, "2023-03", month_values(3), "lower")
    march = libreoffice_edit(filled, tmp_path / "2023-03" / "hr_mars.xlsx", [
        {"op": "type", "sheet": "Ekonomi", "cell": cell, "text": "4500"}])
    feedback = tmp_path / "feedback"
    issues = validate(history.two, march, "2023-03", "--feedback", feedback)
    assert plausible(issues) == {("ytd-decreased", f"Ekonomi!{cell}")}
    message = next(i["message"] for i in issues if i["code"] == "ytd-decreased")
    assert {i["severity"] for i in issues if i["code"] == "ytd-decreased"} == {"warning"}
    assert f"Utfallet {swedish.tkr(4500)} är lägre än i februari ({swedish.tkr(february)})" \
        in message and "Har du angett månadens värde i stället för ackumulerat?" in message

    # The feedback workbook: the cell marked and commented, listed on Att åtgärda.
    wb = openpyxl.load_workbook(feedback / "hr_mars_att_atgarda.xlsx")
    marked = wb["Ekonomi"][cell]
    assert marked.fill.fgColor.rgb.endswith(MARKED) and marked.value == 4500
    assert "Har du angett månadens värde" in marked.comment.text
    listed = [r for r in wb["Att åtgärda"].iter_rows(min_row=5) if r[1].value == "ytd-decreased"]
    assert len(listed) == 1 and listed[0][2].hyperlink.location == f"'Ekonomi'!{cell}"

    # Consolidated into the store: on Inlämningar, in the summary line and in status.
    db = tmp_path / "two.db"
    shutil.copy(history.two, db)
    result, master = consolidate(db, march, "2023-03")
    assert "rimlighet: 1 varning(ar) i 1 enhet(er)" in result.output
    rows = list(openpyxl.load_workbook(master, data_only=True)["Inlämningar"]
                .iter_rows(min_row=4, values_only=True))
    found = dict(zip(rows[0], next(r for r in rows if r[2] == march.name), strict=True))
    assert found["Rimlighet"] == 1 and found["Att kontrollera"] == f"Ekonomi!{cell}: ytd-decreased"
    summary = openpyxl.load_workbook(master, data_only=True)["Sammanfattning"]
    ref = summary.tables["Inlamningsstatus"].ref
    table = [[c.value for c in r] for r in summary[ref]]
    by_unit = {r[0]: dict(zip(table[0], r, strict=True)) for r in table[1:]}
    assert by_unit["Gemensamma tjänster – HR"]["Rimlighet"] == 1  # printed for the board too
    status = json.loads(run_cli("status", "--period", "2023-03", "--db", db, "--json").output)
    hr = next(u for u in status["units"] if u["unit_id"] == HR)
    assert [(i["code"], i["cell"], i["file"]) for i in hr["plausibility"]] == [
        ("ytd-decreased", cell, march.name)]
    assert hr["warnings"] == 0  # the stored verdict: plausibility is not kept in it
    text = run_cli("status", "--period", "2023-03", "--db", db).output
    assert f"rimlighet {march.name}: Ekonomi!{cell} ytd-decreased" in " ".join(text.split())
    assert "rimlighet: 1 varning(ar) i 1 enhet(er)" in text


def test_collect_says_the_warnings_of_what_it_takes_in_without_storing_them(history,
                                                                           mappings, tmp_path):
    from .test_collect import eml

    cell = history.cells["Ekonomi"][("kostnad.personal", "Utfall ack")]
    march = month_values(3)
    march["Ekonomi"]["kostnad.personal"]["Utfall ack"] = 4500
    file = submission(history.base, history.two, "2023-03", march, "mailed")
    mails = tmp_path / "mails"
    mails.mkdir()
    (mails / "hr.eml").write_bytes(eml(mappings.unit(HR).reporters[0],
                                       [(file.name, file.read_bytes())], 1))
    db = tmp_path / "two.db"
    shutil.copy(history.two, db)
    result = run_cli("collect", mails, "--period", "2023-03", "--inbox", tmp_path / "inbox",
                     "--quarantine", tmp_path / "q", "--db", db)
    assert result.exit_code == 0, result.output
    assert f"rimlighet {file.name}: Ekonomi!{cell} ytd-decreased" in " ".join(
        result.output.split())
    status = json.loads(run_cli("status", "--period", "2023-03", "--db", db, "--json").output)
    hr = next(u for u in status["units"] if u["unit_id"] == HR)
    assert hr["warnings"] == 0 and all(i["code"] != "ytd-decreased" for i in hr["issues"])
    assert [i["code"] for i in hr["plausibility"]] == ["ytd-decreased"]  # from the store


def test_a_value_twenty_times_the_units_history_is_an_outlier(history):
    cell = history.cells["Ekonomi"][("kostnad.personal", "Utfall ack")]
    april = month_values(4)
    normal = april["Ekonomi"]["kostnad.personal"]["Utfall ack"]
    april["Ekonomi"]["kostnad.personal"]["Utfall ack"] = 20 * normal
    file = submission(history.base, history.three, "2023-04", april, "outlier")
    issues = validate(history.three, file, "2023-04")
    assert plausible(issues) == {("outlier", f"Ekonomi!{cell}")}
    # The history taken per month: January ×1/2, February, March ×3/2 of February's figure.
    past = [month_values(m)["Ekonomi"]["kostnad.personal"]["Utfall ack"] / m for m in (1, 2, 3)]
    message = next(i["message"] for i in issues if i["code"] == "outlier")
    assert f"{swedish.tkr(20 * normal)}, {swedish.tkr(20 * normal / 4)} per månad" in message
    assert f"vanliga {swedish.tkr(statistics.median(past))} per månad" in message
    assert "de 3 senaste sparade månaderna" in message


def test_too_little_history_judges_no_outlier(history):
    """March has two stored months before it (the store's own March is not its history)."""
    march = month_values(3)
    march["Ekonomi"]["kostnad.personal"]["Utfall ack"] *= 20
    file = submission(history.base, history.two, "2023-03", march, "short")
    for db in (history.two, history.three):
        assert plausible(validate(db, file, "2023-03")) == set()


def test_january_has_no_year_to_date_to_fall_below(tmp_path):
    """December 2022's year to date, from the history import, is far above January's."""
    db = tmp_path / "h.db"
    assert run_cli("history", "import", ROOT / "workbooks/history/2022.csv",
                   "--db", db).exit_code == 0
    january = submission(tmp_path, db, "2023-01", month_values(1), "jan")
    assert month_values(1)["Indikatorer"]["lonespecifikationer"]["Utfall"] < 709486
    assert plausible(validate(db, january, "2023-01")) == set()


def test_forecast_jumps_and_budget_changes(history):
    cells = month_values(3)
    eco = cells["Ekonomi"]
    konsult = eco["kostnad.konsult"]["Prognos helår"]
    eco["kostnad.konsult"]["Prognos helår"] = round(konsult * 1.3)  # +30 %, no comment
    eco["kostnad.it"]["Prognos helår"] = round(eco["kostnad.it"]["Prognos helår"] * 1.3)
    eco["kostnad.it"]["Kommentar"] = "Nya licenser för lönesystemet."  # explained
    eco["kostnad.personal"]["Prognos helår"] = round(
        eco["kostnad.personal"]["Prognos helår"] * 1.1)  # +10 %: within the 25 %
    budget = eco["kostnad.utvecklingsprojekt"]["Årsbudget"]
    eco["kostnad.utvecklingsprojekt"]["Årsbudget"] = budget + 2500
    staff = cells["Indikatorer"]["manadsarbetare"]
    staff["Prognos helår"] = 60  # 42 -> 60: +43 %, no comment
    file = submission(history.base, history.two, "2023-03", cells, "jumps")
    issues = validate(history.two, file, "2023-03")
    e, i = history.cells["Ekonomi"], history.cells["Indikatorer"]
    assert plausible(issues) == {
        ("forecast-jump", f"Ekonomi!{e[('kostnad.konsult', 'Prognos helår')]}"),
        ("forecast-jump", f"Indikatorer!{i[('manadsarbetare', 'Prognos helår')]}"),
        ("budget-changed", f"Ekonomi!{e[('kostnad.utvecklingsprojekt', 'Årsbudget')]}"),
    }
    said = {x["cell"]: x["message"] for x in issues}
    change = (round(konsult * 1.3) - konsult) / konsult
    assert (f"från {swedish.tkr(konsult)} i februari till {swedish.tkr(round(konsult * 1.3))} "
            f"({swedish.percent(change)}) utan kommentar") in \
        said[e[("kostnad.konsult", "Prognos helår")]]
    assert (f"från {swedish.tkr(budget)} i februari till {swedish.tkr(budget + 2500)}") in \
        said[e[("kostnad.utvecklingsprojekt", "Årsbudget")]]


def test_the_months_the_consolidation_read_give_the_warnings_the_store_gives(
        history, tmp_path, mappings):
    """The month's run hands the plausibility step the months it read (Report.months)
    instead of reading them again: every rule gets from them what it gets from the store,
    last month's budget included."""
    from intraxl.analyse.plausibility import stored_checks
    from intraxl.pipeline import consolidated
    from intraxl.store import Store

    db = tmp_path / "three.db"
    shutil.copy(history.three, db)
    cells = month_values(4)
    eco = cells["Ekonomi"]
    eco["kostnad.personal"]["Utfall ack"] *= 20  # outlier, against January .. March
    eco["kostnad.konsult"]["Prognos helår"] = round(eco["kostnad.konsult"]["Prognos helår"]
                                                    * 1.3)  # forecast-jump
    eco["kostnad.utvecklingsprojekt"]["Årsbudget"] += 2500  # budget-changed
    eco["kostnad.it"]["Utfall ack"] = 100  # ytd-decreased
    consolidate(db, submission(history.base, history.three, "2023-04", cells, "april"),
                "2023-04")
    april = Period(2023, 4)
    store = Store(f"sqlite:///{db}")
    try:
        report = consolidated(mappings, april, store)
        files = {HR: "april.xlsx"}
        assert {"2023-03", "2023-02", "2023-01"} <= set(report.months)
        # the months before the previous one are read as numbers, for the trend: January's
        trend = report.indicators.set_index("indicator_id").loc["lonespecifikationer",
                                                                "trend"]
        assert list(trend) == [month_values(k)["Indikatorer"]["lonespecifikationer"]["Utfall"]
                               for k in (1, 2, 3, 4)]
        asked: list[str] = []
        rows = store.fact_rows

        def spy(periods, *args, **kw):
            asked.extend(periods)
            return rows(periods, *args, **kw)

        store.fact_rows = spy  # type: ignore[method-assign]
        given = stored_checks(mappings, april, store, files, report.months)
        # of the window (2023-03 .. 2022-10) only what the consolidation did not read (it
        # reads the year's earlier months and last December)
        assert sorted(asked) == ["2022-10", "2022-11"]
        asked.clear()
        read = stored_checks(mappings, april, store, files)
        assert sorted(asked) == ["2022-10", "2022-11", "2022-12", "2023-01", "2023-02",
                                 "2023-03", "2023-04"]
    finally:
        store.dispose()
    assert {i.code for i in given[HR]} == {"outlier", "forecast-jump", "budget-changed",
                                          "ytd-decreased"}
    assert [i.model_dump() for i in given[HR]] == [i.model_dump() for i in read[HR]]


# --- the rules' figures ----------------------------------------------------------------------

def test_robust_band_is_median_plus_minus_k_scaled_mads():
    values = [10.0, 12.0, 11.0, 13.0, 50.0]
    median = 12.0  # sorted 10 11 12 13 50
    mad = 1.0  # deviations 2 0 1 1 38 -> sorted 0 1 1 2 38
    spread = 1.4826 * mad
    band = robust_band(values, k=3, min_spread=0.1)
    assert band is not None and band.median == median
    assert band.low == pytest.approx(median - 3 * spread)
    assert band.high == pytest.approx(median + 3 * spread)


def test_a_history_that_never_moved_does_not_flag_every_small_change():
    band = robust_band([100.0, 100.0, 100.0], k=5, min_spread=0.1)  # MAD 0
    assert band is not None and (band.low, band.high) == pytest.approx((50.0, 150.0))
    assert band.low <= 101 <= band.high and not band.low <= 2000 <= band.high
    assert robust_band([0.0, 0.0, 0.0], k=5, min_spread=0.1) is None  # nothing to judge by


def test_flows_are_judged_per_month_and_forecasts_by_share():
    assert per_month(600.0, Period(2023, 3), flow=True) == 200.0
    assert per_month(0.06, Period(2023, 3), flow=False) == 0.06
    assert jumped(100, 126, 0.25) and not jumped(100, 124, 0.25)
    assert jumped(-100, -70, 0.25) and not jumped(-100, -80, 0.25)
    assert jumped(0, 1, 0.25) and not jumped(0, 0, 0.25)
    assert window(Period(2023, 2), 3) == (Period(2023, 1), Period(2022, 12), Period(2022, 11))


def _cells(table_rows: dict[str, dict[str, dict[str, Any]]]) -> dict[tuple[str, str, str], Any]:
    return {(t, r, c): v for t, rows in table_rows.items() for r, cols in rows.items()
            for c, v in cols.items()}


def test_check_in_january_compares_no_year_to_date_forecast_or_budget(mappings):
    unit = mappings.unit(HR)
    december = _cells({"Ekonomi": {"kostnad.personal": {
        "Utfall ack": 60000, "Årsbudget": 60000, "Prognos helår": 60000}}})
    january = _cells({"Ekonomi": {"kostnad.personal": {
        "Utfall ack": 5000, "Årsbudget": 64000, "Prognos helår": 90000}}})
    assert check(mappings, unit, Period(2023, 1), january, {Period(2022, 12): december}) == []
    february = _cells({"Ekonomi": {"kostnad.personal": {
        "Utfall ack": 4000, "Årsbudget": 64001, "Prognos helår": 90000}}})
    found = check(mappings, unit, Period(2023, 2), february, {Period(2023, 1): january})
    assert {(i.code, i.column) for i in found} == {("ytd-decreased", "Utfall ack"),
                                                   ("budget-changed", "Årsbudget")}


def test_a_level_is_judged_as_it_is(mappings):
    """Sick leave: 5, 6 and 7 % in the three months before; 25 % is far out, 7,5 % is not."""
    unit = mappings.unit(HR)
    history = {Period(2023, m): _cells({"Indikatorer": {"sjukfranvaro": {"Utfall": v}}})
               for m, v in ((1, 0.05), (2, 0.06), (3, 0.07))}
    spread = max(1.4826 * 0.01, 0.1 * 0.06)  # MAD of 5, 6, 7 % is 1 point
    assert 0.06 + 5 * spread < 0.25 and 0.06 + 5 * spread > 0.075
    found = {value: check(mappings, unit, Period(2023, 4), _cells(
        {"Indikatorer": {"sjukfranvaro": {"Utfall": value}}}), history) for value in (0.25, 0.075)}
    assert [i.code for i in found[0.25]] == ["outlier"] and found[0.075] == []
    assert f"Utfallet {swedish.percent(0.25)} ligger långt från enhetens vanliga " \
        f"{swedish.percent(0.06)} (medianen för de 3 senaste" in found[0.25][0].message


def test_cell_addresses_are_the_templates(mappings, tmp_path):
    from intraxl.template import write_template

    unit = mappings.unit(HR)
    path = write_template(mappings, unit, Period(2023, 3), tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    ids = row_ids(mappings, unit)
    for table in ("Ekonomi", "Indikatorer"):
        cells = table_cells(wb[table], table)
        assert cells and all(cell_address(ids, table, rid, column) == address
                             for (rid, column), address in cells.items())
    assert cell_address(ids, "Ekonomi", "okänd", "Utfall ack") is None


def test_the_store_reads_only_the_figures_asked_for(db_url):
    """On SQLite and PostgreSQL: the stored facts of some (table, field) pairs and units."""
    import csv

    from intraxl.store import Store

    history = ROOT / "workbooks/history/2022.csv"
    assert run_cli("history", "import", history, "--db", db_url).exit_code == 0
    with history.open(encoding="utf-8") as f:
        expected = sorted((r["Period"], r["Enhet-ID"], r["Tabell"], r["ID"], r["Fält"],
                           float(r["Värde"])) for r in csv.DictReader(f)
                          if r["Enhet-ID"] == HR and r["Fält"] in ("Utfall ack", "Utfall"))
    store = Store(db_url)
    try:
        rows = store.fact_rows(["2022-02", "2022-12"], [("Ekonomi", "Utfall ack"),
                                                        ("Indikatorer", "Utfall")], [HR])
    finally:
        store.dispose()
    assert len(expected) > 10 and sorted(rows) == expected
