"""Month over month through the real CLI: February (the shipped examples) consolidated, then a
March filled by the units in the templates `intraxl template` wrote (openpyxl, and one unit in
LibreOffice), into one store; the March master read back and checked against figures computed
here from the files written. Then a January: nothing in the same year to compare with."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from intraxl.cli import main
from intraxl.mappings import Mappings
from intraxl.periods import Period

from .conftest import EXAMPLES, ROOT, libreoffice_edit
from .test_validate import write_hr

HISTORY = ROOT / "workbooks" / "history" / "2022.csv"
MISSING_JANUARY = "Historik för 2023-01 (föregående månad) saknas"
NO_MONTH_BEFORE = "Januari: ingen föregående månad inom året att jämföra med."
LIBREOFFICE_UNIT = "gt-hr"  # its March workbook typed in LibreOffice Calc
INPUT = {"Info": ("Värde",), "Indikatorer": ("Utfall", "Prognos helår", "Kommentar"),
         "Ekonomi": ("Utfall ack", "Budget ack", "Prognos helår", "Kommentar"),
         "Kommentarer": ("Text",)}
REPORTER = ("Uppgiftslämnare", "E-post")  # Info's input rows
Tables = dict[str, dict[str, dict[str, Any]]]  # table -> row id -> header -> value


def run_cli(*args: Any):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def tables_of(path: Path) -> tuple[Tables, dict[str, dict[tuple[str, str], str]]]:
    """Every table of a workbook, by row id and header, and each value's cell address."""
    wb = openpyxl.load_workbook(path)
    values: Tables = {}
    cells: dict[str, dict[tuple[str, str], str]] = {}
    for ws in wb.worksheets:
        for name, ref in ws.tables.items():
            rows = list(ws[ref])
            header = [c.value for c in rows[0]]
            for row in rows[1:]:
                rid = row[0].value
                if rid is None:
                    continue
                for h, c in zip(header, row, strict=True):
                    values.setdefault(name, {}).setdefault(rid, {})[h] = c.value
                    cells.setdefault(name, {})[(rid, h)] = c.coordinate
    return values, cells


def march_figures(unit_no: int, feb: Tables, template: Tables) -> Tables:
    """What a unit reports for March: February's figures carried on, its year-to-date economy
    half as large again, and its forecasts moved by an amount of its own."""
    figures: Tables = {}
    for table, headers in INPUT.items():
        for rid, row in feb.get(table, {}).items():
            if rid not in template.get(table, {}) or table == "Info" and rid not in REPORTER:
                continue
            for h in headers:
                if row.get(h) is not None:
                    figures.setdefault(table, {}).setdefault(rid, {})[h] = row[h]
    for rid, row in figures["Ekonomi"].items():
        for h in ("Utfall ack", "Budget ack"):
            row[h] = round(row[h] * 3 / 2)
        move = (unit_no + 1) * (150 if rid.startswith("resultat.") else 700)
        row["Prognos helår"] = feb["Ekonomi"][rid]["Prognos helår"] + move
    return figures


def fill_openpyxl(template: Path, out: Path, figures: Tables) -> None:
    _, cells = tables_of(template)
    wb = openpyxl.load_workbook(template)
    for table, rows in figures.items():
        for rid, row in rows.items():
            for h, v in row.items():
                wb[table][cells[table][(rid, h)]] = v
    wb.save(out)


def fill_libreoffice(template: Path, out: Path, figures: Tables) -> None:
    """Typed into Calc as a Swedish reporter types (decimal comma), saved as .xlsx in a
    folder of its own (LibreOffice's profile goes beside it), then put into the inbox."""
    _, cells = tables_of(template)
    work = out.parent.parent / "libreoffice"
    work.mkdir(exist_ok=True)
    edits = [{"op": "type", "sheet": table, "cell": cells[table][(rid, h)],
              "text": str(v).replace(".", ",") if isinstance(v, float) else str(v)}
             for table, rows in figures.items() for rid, row in rows.items()
             for h, v in row.items()]
    shutil.copy(libreoffice_edit(template, work / out.name, edits), out)


@pytest.fixture(scope="module")
def months(tmp_path_factory, mappings: Mappings):
    d = tmp_path_factory.mktemp("mom")
    db = d / "intraxl.db"
    assert run_cli("history", "import", HISTORY, "--db", db).exit_code == 0
    feb_inbox = d / "inbox" / "2023-02"
    shutil.copytree(EXAMPLES, feb_inbox)
    feb = run_cli("consolidate", feb_inbox, "--db", db, "--out", d / "feb.xlsx")
    assert feb.exit_code == 0, feb.output

    templates = d / "templates"
    made = run_cli("template", "--period", "2023-03", "--db", db, "--out", templates)
    assert made.exit_code == 0, made.output
    inbox = d / "inbox" / "2023-03"
    inbox.mkdir()
    written: dict[str, Tables] = {}
    february: dict[str, Tables] = {}
    for n, unit in enumerate(mappings.units):
        name = f"manadsuppfoljning_2023-03_{unit.id}.xlsx"
        february[unit.id] = tables_of(EXAMPLES / name.replace("2023-03", "2023-02"))[0]
        template = tables_of(templates / name)[0]
        figures = march_figures(n, february[unit.id], template)
        fill = fill_libreoffice if unit.id == LIBREOFFICE_UNIT else fill_openpyxl
        fill(templates / name, inbox / name, figures)
        written[unit.id] = tables_of(inbox / name)[0]  # as the files hold them
    march = run_cli("consolidate", inbox, "--db", db, "--out", d / "mar.xlsx")
    assert march.exit_code == 0, march.output
    assert "enheter: 7 godkända, 0 avvisade" in march.output
    assert "föregående månad" not in march.output  # February is there
    with zipfile.ZipFile(inbox / f"manadsuppfoljning_2023-03_{LIBREOFFICE_UNIT}.xlsx") as z:
        assert b"<Application>LibreOffice" in z.read("docProps/app.xml")
    return {"dir": d, "db": db, "feb": feb, "mar": d / "mar.xlsx", "march": march,
            "written": written, "february": february}


def result_rows(path: Path) -> dict[tuple[str, str], list[Any]]:
    """Ekonomi's result table: (frame, label) -> the row's cells B.., as stored."""
    ws = openpyxl.load_workbook(path, data_only=True)["Ekonomi"]
    rows, frame = {}, None
    for r in ws.iter_rows(min_row=5, values_only=True):
        if r[0] in ("Förvaltning", "Utveckling"):
            frame = r[0]
        elif r[0] == "Resultat, tkr":
            rows[("Totalt", r[0])] = list(r[1:5])
            break
        elif frame and r[0]:
            rows[(frame, r[0])] = list(r[1:5])
    return rows


def test_the_march_master_shows_februarys_forecast_and_the_change(months, mappings):
    rows = result_rows(months["mar"])
    ws = openpyxl.load_workbook(months["mar"])["Ekonomi"]
    assert [c.value for c in ws[4]][:5] == [
        "Resultat, tkr", "Prognos helår (mars)", "Avvikelse utfall/budget jan–mar",
        "Prognos helår (feb 2023)", "Förändring prognos"]
    frames = {"resultat.forvaltning": "Förvaltning", "resultat.utveckling": "Utveckling"}
    sums: dict[str, list[float]] = {}
    for rid, frame in frames.items():
        for u in mappings.units:
            if rid not in months["written"][u.id]["Ekonomi"]:
                continue
            now = months["written"][u.id]["Ekonomi"][rid]
            before = months["february"][u.id]["Ekonomi"][rid]["Prognos helår"]
            deviation = now["Utfall ack"] - now["Budget ack"]
            expected = [now["Prognos helår"], deviation, before, now["Prognos helår"] - before]
            label = f"- {u.label}" if u.group else u.name
            assert rows[(frame, label)] == expected, (frame, u.id)
            total = sums.setdefault(frame, [0, 0, 0, 0])
            sums[frame] = [a + b for a, b in zip(total, expected, strict=True)]
        assert rows[(frame, f"Summa {frame}")] == sums[frame]
    assert rows[("Totalt", "Resultat, tkr")] == [
        a + b for a, b in zip(sums["Förvaltning"], sums["Utveckling"], strict=True)]
    # The sums are formulas, stored with their values.
    formulas = {c.value for row in ws.iter_rows(min_col=4, max_col=5) for c in row
                if isinstance(c.value, str) and c.value.startswith("=")}
    assert any(f.startswith("=SUM(D") for f in formulas) and any(
        f.startswith("=SUM(E") for f in formulas)
    assert not any(c.value for c in ws[3])  # no note: February is there to compare with


def test_the_cost_table_carries_its_deviations(months, mappings):
    wb = openpyxl.load_workbook(months["mar"], data_only=True)
    rows = [[c.value for c in r] for r in wb["Ekonomi"].iter_rows()]
    header = next(r for r in rows if r[0] == "Indikator")
    assert header[6:8] == ["Utfall − mål", "Prognos − årsmål"]
    by_label = {r[0]: dict(zip(header, r, strict=True)) for r in rows[rows.index(header) + 1:]
                if r[0]}
    for line in mappings.economy.lines:
        if line.kind != "cost":
            continue

        def total(h: str, line_id: str = line.id) -> float:
            return sum(w["Ekonomi"][line_id][h] for w in months["written"].values()
                       if line_id in w["Ekonomi"])

        row = by_label[line.label]
        assert row["Utfall − mål"] == total("Utfall ack") - total("Budget ack")
        assert row["Prognos − årsmål"] == total("Prognos helår") - total("Årsbudget")
    formulas = openpyxl.load_workbook(months["mar"])["Ekonomi"]
    top = rows.index(header) + 2  # the first line's row, one-based
    assert formulas[f"G{top}"].value == f"=C{top}-D{top}"
    assert formulas[f"H{top}"].value == f"=E{top}-F{top}"


def test_a_cost_forecast_over_the_annual_budget_is_never_green(months):
    """Konsultkostnader: the outcome is under its target (green on the outcome alone), the
    forecast over the annual budget: with `on: both` the status is not Grön."""
    def total(h: str) -> float:
        return sum(w["Ekonomi"]["kostnad.konsult"][h] for w in months["written"].values())

    assert total("Utfall ack") <= total("Budget ack")
    assert total("Prognos helår") > total("Årsbudget")
    wb = openpyxl.load_workbook(months["mar"], data_only=True)
    ws = wb["Indikatorer"]
    header = [c.value for c in ws[4]]
    status = {r[2]: r[header.index("Status")] for r in ws.iter_rows(min_row=5, values_only=True)}
    assert status["Konsultkostnader"] in ("Gul", "Röd")


def test_indicators_show_last_month_and_a_trend(months):
    wb = openpyxl.load_workbook(months["mar"], data_only=True)
    ws = wb["Indikatorer"]
    header = [c.value for c in ws[4]]
    assert header[5:8] == ["Utfall mar 2022", "Utfall feb 2023", "Utfall mar 2023"]
    assert header[12:15] == ["Status", "Trend", "Kommentar"]
    assert header[15:] == ["jan 2023", "feb 2023", "mar 2023"]
    rows = {r[2]: dict(zip(header, r, strict=True))
            for r in ws.iter_rows(min_row=5, values_only=True)}
    hr_feb = months["february"]["gt-hr"]["Indikatorer"]["lonespecifikationer"]["Utfall"]
    hr_mar = months["written"]["gt-hr"]["Indikatorer"]["lonespecifikationer"]["Utfall"]
    pay = rows["Lönespecifikationer"]
    assert (pay["Utfall feb 2023"], pay["Utfall mar 2023"]) == (hr_feb, hr_mar)
    assert [pay["jan 2023"], pay["feb 2023"], pay["mar 2023"]] == [None, hr_feb, hr_mar]
    costs = rows["Konsultkostnader"]
    feb_total = sum(f["Ekonomi"]["kostnad.konsult"]["Utfall ack"]
                    for f in months["february"].values())
    assert costs["Utfall feb 2023"] == feb_total == costs["feb 2023"]
    months_columns = ws.column_dimensions["P"]  # P..R, one entry
    assert months_columns.hidden and (months_columns.min, months_columns.max) == (16, 18)

    with zipfile.ZipFile(months["mar"]) as z:
        sheet = _sheet_part(z, "Indikatorer")
    groups = re.findall(r"<x14:sparklineGroup\b[^>]*>.*?</x14:sparklineGroup>", sheet, re.S)
    measured = [n for n, r in enumerate(rows.values(), start=5)
                if any(r[m] is not None for m in header[15:])]
    assert len(groups) == len(measured) > 5
    spots = re.findall(r"<xm:f>([^<]*)</xm:f><xm:sqref>([^<]*)</xm:sqref>", sheet)
    assert sorted(spots, key=lambda s: int(s[1][1:])) == [
        (f"Indikatorer!P{n}:R{n}", f"N{n}") for n in measured]
    assert all('displayHidden="1"' in g for g in groups)  # drawn from hidden columns


def _sheet_part(z: zipfile.ZipFile, name: str) -> str:
    """The XML of the sheet called `name`."""
    book = z.read("xl/workbook.xml").decode()
    rid = re.search(rf'<sheet name="{name}" sheetId="\d+" r:id="(rId\d+)"', book).group(1)
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'Id="{rid}" [^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"',
                       rels)
    return z.read("xl/" + (target.group(1) or target.group(2))).decode()


def test_a_month_whose_previous_month_is_missing_says_so(months):
    """February was consolidated before any January was stored: its note says so, in the
    command's output and in the master, and its comparison columns are empty, never 0."""
    assert MISSING_JANUARY in months["feb"].output
    wb = openpyxl.load_workbook(months["dir"] / "feb.xlsx", data_only=True)
    summary = [c for row in wb["Sammanfattning"].iter_rows(values_only=True) for c in row]
    assert any(isinstance(c, str) and c.startswith(MISSING_JANUARY) for c in summary)
    assert wb["Ekonomi"]["A3"].value.startswith(MISSING_JANUARY)
    assert wb["Indikatorer"]["A3"].value.startswith(MISSING_JANUARY)
    rows = result_rows(months["dir"] / "feb.xlsx")
    assert rows[("Förvaltning", "Summa Förvaltning")] == [-3000, 17494, None, None]
    assert all(r[2:] == [None, None] for r in rows.values())


def test_january_compares_with_nothing(months, mappings, tmp_path):
    """A January has no month before it in the same year: no comparison, no note in the
    report's notes (nothing is missing), and the master says why the columns are empty."""
    inbox = tmp_path / "2023-01"
    inbox.mkdir()
    write_hr(mappings, inbox / "manadsuppfoljning_2023-01_gt-hr.xlsx",
             period=Period.parse("2023-01"))
    out = tmp_path / "jan.xlsx"
    result = run_cli("consolidate", inbox, "--db", months["db"], "--out", out)
    assert result.exit_code == 0, result.output
    assert "föregående månad" not in result.output
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb["Ekonomi"]["A3"].value == NO_MONTH_BEFORE
    assert wb["Ekonomi"]["D4"].value == "Prognos helår (föreg. månad)"
    assert all(r[2:] == [None, None] for r in result_rows(out).values())
    ws = wb["Indikatorer"]
    header = [c.value for c in ws[4]]
    assert header[6] == "Utfall föreg. månad" and header[15:] == ["jan 2023"]
    assert all(r[6] is None for r in ws.iter_rows(min_row=5, values_only=True))


def test_with_units_missing_the_month_is_compared_like_for_like(months, tmp_path):
    """Two of seven units in for March: last month's forecast is the sum over those two only,
    so that each sum's change is its forecast less last month's (B − D = E), and a note says
    the comparison leaves the missing units out."""
    db = tmp_path / "intraxl.db"
    assert run_cli("history", "import", HISTORY, "--db", db).exit_code == 0
    feb = tmp_path / "inbox" / "2023-02"
    shutil.copytree(EXAMPLES, feb)
    assert run_cli("consolidate", feb, "--db", db, "--out", tmp_path / "feb.xlsx").exit_code == 0
    march = tmp_path / "inbox" / "2023-03"
    march.mkdir()
    for unit in ("gt-hr", "gt-kls"):
        name = f"manadsuppfoljning_2023-03_{unit}.xlsx"
        shutil.copy(months["dir"] / "inbox" / "2023-03" / name, march / name)
    result = run_cli("consolidate", march, "--db", db, "--out", tmp_path / "mar.xlsx")
    assert result.exit_code == 0, result.output
    assert "Jämförelsen med 2023-02 gäller de 2 enheter som rapporterat båda månaderna; 5 " \
           "som rapporterade då saknas nu." in " ".join(result.output.split())
    rows = result_rows(tmp_path / "mar.xlsx")
    sums = {k: v for k, v in rows.items() if k[1].startswith(("Summa", "Resultat"))}
    assert len(sums) == 3
    for forecast, _, before, change in sums.values():
        assert forecast - before == change
    expected = sum(months["february"][u]["Ekonomi"][rid]["Prognos helår"]
                   for u in ("gt-hr", "gt-kls")
                   for rid in ("resultat.forvaltning", "resultat.utveckling")
                   if rid in months["february"][u]["Ekonomi"])
    assert sums[("Totalt", "Resultat, tkr")][2] == expected


def test_a_unit_new_this_month_is_no_change(months, tmp_path):
    """A unit that reports in March but did not in February is not a change since February:
    its row has no previous forecast, the sums' change is over the units in both months, and
    the note says so."""
    db = tmp_path / "intraxl.db"
    assert run_cli("history", "import", HISTORY, "--db", db).exit_code == 0
    feb = tmp_path / "inbox" / "2023-02"
    shutil.copytree(EXAMPLES, feb)
    (feb / "manadsuppfoljning_2023-02_gt-hr.xlsx").unlink()  # HR sends nothing in February
    assert run_cli("consolidate", feb, "--db", db, "--out", tmp_path / "feb.xlsx").exit_code == 0
    march = tmp_path / "inbox" / "2023-03"
    shutil.copytree(months["dir"] / "inbox" / "2023-03", march)
    result = run_cli("consolidate", march, "--db", db, "--out", tmp_path / "mar.xlsx")
    assert result.exit_code == 0, result.output
    assert "gäller de 6 enheter som rapporterat båda månaderna; 1 rapporterar för första " \
           "gången i år." in " ".join(result.output.split())
    rows = result_rows(tmp_path / "mar.xlsx")
    hr = rows[("Förvaltning", "- HR")]
    assert hr[0] is not None and hr[2:] == [None, None]
    units = {k: v for k, v in rows.items() if not k[1].startswith(("Summa", "Resultat"))}
    for frame in ("Förvaltning", "Utveckling"):
        changes = [v[3] for k, v in units.items() if k[0] == frame and v[3] is not None]
        assert rows[(frame, f"Summa {frame}")][3] == sum(changes)
