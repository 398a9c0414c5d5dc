"""The month end to end: `intraxl consolidate` on the shipped examples, the master read back
with openpyxl, pandas and LibreOffice, figures checked against SPEC §6."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
import xlsxwriter
from click.testing import CliRunner

from intraxl.cli import main
from intraxl.master import REPORT_SHEETS, SHEETS, previous_masters
from intraxl.swedish import number
from intraxl.template import write_template

from .conftest import (
    EXAMPLES,
    ROOT,
    libreoffice_convert,
    overlapping_lines,
    pdf_pages,
    pdf_text,
    schema_check,
    soffice,
)
from .test_examples import COSTS, RESULT, VOLUMES
from .test_validate import FEB, set_cell, write_hr

HISTORY = ROOT / "workbooks" / "history" / "2022.csv"


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def consolidate(inbox, db, out, *more):
    result = run_cli("consolidate", inbox, "--period", "2023-02", "--db", db, "--out", out, *more)
    return result


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """The README's main job on the examples, into a temporary folder."""
    d = tmp_path_factory.mktemp("month")
    inbox = d / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    db, out = d / "intraxl.db", d / "master.xlsx"
    assert run_cli("history", "import", HISTORY, "--db", db).exit_code == 0
    result = consolidate(inbox, db, out)
    assert result.exit_code == 0, result.output
    return {"dir": d, "inbox": inbox, "db": db, "out": out, "output": result.output}


@pytest.fixture(scope="module")
def wb(month):
    return openpyxl.load_workbook(month["out"], data_only=True)


def rows_of(ws):
    return [[c.value for c in r] for r in ws.iter_rows()]


def test_summary_line(month):
    out = month["output"]
    assert "enheter: 7 godkända, 0 avvisade, 0 i karantän, 0 saknas" in out
    assert "resultat: prognos helår 0\xa0tkr, avvikelse utfall/budget 15\xa0981\xa0tkr" in out
    assert "kostnader: utfall 218\xa0866\xa0tkr, budget 239\xa0409\xa0tkr" in out


def test_sheets_and_data_table(wb, month):
    assert wb.sheetnames == [*SHEETS, "intraxl"]
    assert wb["intraxl"].sheet_state == "veryHidden"  # the record of what intraxl wrote
    ws = wb["Data"]
    assert list(ws.tables) == ["Data"] and ws.tables["Data"].ref.startswith("A1:G")
    data = pd.read_excel(month["out"], sheet_name="Data", engine="openpyxl")
    assert list(data.columns) == ["Period", "Enhet-ID", "Enhet", "Tabell", "ID", "Fält", "Värde"]
    with sa.create_engine(f"sqlite:///{month['db']}").connect() as conn:
        n = conn.execute(sa.text("select count(*) from facts where period='2023-02'")).scalar()
    assert len(data) == n
    hr = data[(data["Enhet-ID"] == "gt-hr") & (data["ID"] == "kostnad.totalt")
              & (data["Fält"] == "Utfall ack")]
    assert list(hr["Värde"]) == [24075]  # numbers as numbers
    new_risk = data[(data["Tabell"] == "Risker") & (data["Fält"] == "Risk")]
    assert list(new_risk["ID"]) == ["R14"]  # a new risk gets its id in the master


def _data_rows(path):
    ws = openpyxl.load_workbook(path)["Data"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    return rows[0], rows[1:]


def _stored_facts(db, period="2023-02"):
    """(Enhet-ID, Tabell, ID, Fält, Värde) of the period's facts as the store holds them."""
    with sa.create_engine(f"sqlite:///{db}").connect() as conn:
        rows = conn.execute(sa.text(
            "select unit_id, table_name, row_id, field, value_num, value_text, value_date "
            "from facts where period = :p"), {"p": period}).all()
    return [(u, t, i, f, num if num is not None else dt.datetime.fromisoformat(d)
             if d is not None else text) for u, t, i, f, num, text, d in rows]


def _comparable(rows):
    """Sorted (Enhet-ID, Tabell, ID, Fält, Värde); a new risk's ID (ny-n in the store, its
    master ID in Data) as 'new', numbers as floats."""
    def norm(u, t, i, f, v):
        new = t == "Risker" and (str(i).startswith("ny-") or str(i) == "R14")
        return (u, t, "new" if new else i, f,
                float(v) if isinstance(v, (int, float)) else v)
    return sorted((norm(*r) for r in rows), key=repr)


def test_data_sheet_holds_every_stored_fact_cell_by_cell(month, tmp_path):
    header, rows = _data_rows(month["out"])
    assert header == ["Period", "Enhet-ID", "Enhet", "Tabell", "ID", "Fält", "Värde"]
    assert {r[0] for r in rows} == {"2023-02"}
    names = {r[1]: r[2] for r in rows}
    assert names["gt-hr"] == "Gemensamma tjänster – HR"
    stored = _stored_facts(month["db"])
    assert any(isinstance(v, dt.datetime) for *_, v in stored)  # dates are covered
    assert _comparable([r[1:2] + r[3:] for r in rows]) == _comparable(stored)
    # The shared-string table counts every reference to it.
    with zipfile.ZipFile(month["out"]) as z:
        refs = sum(z.read(n).count(b't="s"') for n in z.namelist()
                   if n.startswith("xl/worksheets/sheet"))
        sst = z.read("xl/sharedStrings.xml")
    assert re.search(rb'<sst [^>]*count="(\d+)"', sst).group(1) == str(refs).encode()
    # A real spreadsheet application reads the same table.
    again = libreoffice_convert(month["out"], "xlsx", tmp_path)
    assert _data_rows(again) == (header, rows)


def test_data_sheet_keeps_awkward_text_exactly(tmp_path, mappings):
    text = "  Kostnad <inte> & \"budget\" 'x' _x0041_ slut\t "
    inbox, db, out = _fresh_month(tmp_path)
    target = inbox / "manadsuppfoljning_2023-02_gt-hr.xlsx"
    write_hr(mappings, target, set_cell("Kommentarer", "Sammanfattning", "Text", text))
    assert consolidate(inbox, db, out).exit_code == 0
    stored = [v for u, t, i, f, v in _stored_facts(db)
              if (u, t, i) == ("gt-hr", "Kommentarer", "Sammanfattning")]
    assert stored == [text.strip()]  # what validation keeps: the text, trimmed
    _, rows = _data_rows(out)
    assert [r[6] for r in rows if (r[1], r[3], r[4]) == ("gt-hr", "Kommentarer",
                                                         "Sammanfattning")] == stored


def _economy_rows(ws):
    """Label -> (prognos, avvikelse); a label that appears twice (a unit in both frames)
    keeps its first, Förvaltning, row."""
    out = {}
    for r in rows_of(ws):
        if isinstance(r[0], str) and not isinstance(r[1], str):  # not a header row
            out.setdefault(r[0], r[1:3])
    return out


def test_result_table_reproduces_spec(wb):
    rows = rows_of(wb["Ekonomi"])
    labels = [r[0] for r in rows]
    start_u = labels.index("Summa Förvaltning")
    for unit, (adm, dev) in RESULT.items():
        short = unit.split(" – ")[-1]
        name = f"- {short}" if " – " in unit else unit
        i = labels.index(name)
        assert tuple(rows[i][1:3]) == adm, unit
        if dev:
            j = labels.index(name, start_u)
            assert tuple(rows[j][1:3]) == dev, unit
    fig = _economy_rows(wb["Ekonomi"])
    assert fig["Summa Förvaltning"] == [-3000, 17494]
    assert fig["Summa Utveckling"] == [3000, -1513]
    assert fig["Resultat, tkr"] == [0, 15981]


def test_cost_table_reproduces_spec(wb):
    table = {r[0]: r[1:6] for r in rows_of(wb["Ekonomi"]) if r[0] in (
        "Verksamhetens kostnader", "Personalkostnader", "Konsultkostnader",
        "IT-tjänster, IT-program och licenser", "Kostnad utvecklingsprojekt",
        "Verksamhetens resultat")}
    labels = {"kostnad.totalt": "Verksamhetens kostnader", "kostnad.personal": "Personalkostnader",
              "kostnad.konsult": "Konsultkostnader",
              "kostnad.it": "IT-tjänster, IT-program och licenser",
              "kostnad.utvecklingsprojekt": "Kostnad utvecklingsprojekt"}
    for rid, expected in COSTS.items():
        assert tuple(table[labels[rid]]) == expected, rid
    assert tuple(table["Verksamhetens resultat"]) == (15803, 18211, 2230, 0, 0)


def test_economy_per_unit(month, mappings):
    """Each unit's lines with its comment, and sums per line that add up to the cost table
    (SPEC §6) and the result."""
    lines = pd.read_excel(month["out"], sheet_name="Ekonomi per enhet", header=3,
                          engine="openpyxl")
    labels = {line.id: line.label for line in mappings.economy.lines}
    table = lines.iloc[:lines["Enhet"].isna().idxmax()]  # the units' table, up to the gap
    hr = table[table["Enhet"] == "Gemensamma tjänster – HR"].set_index("Rad")
    assert list(hr.index)[:2] == ["Resultat förvaltning", "Resultat utveckling"]
    result = hr.loc["Resultat förvaltning"]
    assert result["Avvikelse"] == result["Utfall ack"] - result["Budget ack"]
    assert result["Avvikelse"] == RESULT["Gemensamma tjänster – HR"][0][1]
    data = pd.read_excel(month["out"], sheet_name="Data", engine="openpyxl")
    comments = data[(data["Tabell"] == "Ekonomi") & (data["Fält"] == "Kommentar")]
    assert len(comments) and all(
        table[(table["Enhet"] == c["Enhet"]) & (table["Rad"] == labels[c["ID"]])]["Kommentar"]
        .tolist() == [c["Värde"]] for c in comments.to_dict("records"))
    sums = pd.read_excel(month["out"], sheet_name="Ekonomi per enhet", engine="openpyxl",
                         header=len(table) + 6).set_index("Rad")
    for rid, (_, outcome, budget, forecast, annual) in COSTS.items():
        assert tuple(sums.loc[labels[rid], ["Utfall ack", "Budget ack", "Prognos helår",
                                      "Årsbudget"]]) == (outcome, budget, forecast, annual)
    assert sums.loc["Resultat förvaltning", "Avvikelse"] == 17494  # Summa Förvaltning


def test_indicators_reproduce_spec(month):
    df = pd.read_excel(month["out"], sheet_name="Indikatorer", header=3, engine="openpyxl")
    by = df.set_index("Indikator")
    cols = ["Utfall feb 2022", "Utfall feb 2023", "Mål feb 2023", "Årsmål", "R12 feb 2023"]
    names = {"lonespecifikationer": "Lönespecifikationer", "lonearenden": "Löneärenden",
             "leverantorsfakturor": "Leverantörsfakturor", "kundfakturor": "Kundfakturor",
             "servicearenden": "Serviceärenden"}
    for ind, expected in VOLUMES.items():
        assert tuple(by.loc[names[ind], cols]) == expected, ind
    assert by.loc["Löneärenden", "Prognos helår"] == 79000
    sick = by.loc["Sjukfrånvaro"]
    assert round(sick["Utfall feb 2023"], 6) == 0.059 and round(sick["Utfall feb 2022"], 6) == 0.056
    assert sick["Mål feb 2023"] == 0.05 and round(sick["Prognos helår"], 6) == 0.055
    staff = by.loc["Månadsarbetare (utförd tid och prognos)"]
    assert (staff["Utfall feb 2022"], staff["Utfall feb 2023"], staff["Mål feb 2023"],
            staff["Prognos helår"]) == (612, 571.5, 650, 598)
    hme = by.loc["Hållbart medarbetarengagemang HME"]
    assert hme["Utfall feb 2022"] == 77 and hme["Årsmål"] == 81
    assert round(by.loc["Frisknärvaro", "Utfall feb 2022"], 6) == 0.566
    sla = by.loc["Efterlevnad SLA"]
    assert sla["Status"] == "Ej mätt" and pd.isna(sla["Utfall feb 2023"])  # not zero
    assert set(df["Status"].dropna()) <= {"Grön", "Gul", "Röd", "Lila", "Ej mätt"}


def test_status_cells_are_values_and_coloured(wb):
    ws = wb["Indikatorer"]
    header = [c.value for c in ws[4]]
    col = header.index("Status") + 1
    cells = [ws.cell(row=r, column=col) for r in range(5, ws.max_row + 1)]
    green = [c for c in cells if c.value == "Grön"]
    assert green and all(c.fill.fgColor.rgb.endswith("C6EFCE") for c in green)


def test_lists_and_heat_map(wb):
    acts = pd.DataFrame(rows_of(wb["Aktiviteter"])[4:], columns=rows_of(wb["Aktiviteter"])[3])
    late = acts[acts["Försenad"] == "Ja"]
    assert list(late["ID"]) == ["A05"]  # Digital signering, end date 2022-12-31
    risks = rows_of(wb["Risker"])
    header = risks[3]
    register = [dict(zip(header, r, strict=False)) for r in risks[4:] if r[0]]
    scores = [r["S×K"] for r in register]
    assert scores == sorted(scores, reverse=True) and len(register) == 14
    heat = {(r[11], k): r[11 + k] for r in risks[4:8] for k in range(1, 5)}
    assert sum(heat.values()) == 14
    assert heat[(4, 3)] == sum(1 for r in register if (r["S"], r["K"]) == (4, 3))
    projects = rows_of(wb["Projekt"])
    pr05 = next(r for r in projects if r[0] == "PR05")
    assert pr05[4:7] == ["Röd", "Grön", "Röd"]


def test_frozen_headers(wb):
    assert wb["Sammanfattning"].freeze_panes is None  # several blocks: nothing frozen
    assert wb["Data"].freeze_panes == "A2"
    for name in SHEETS[1:-1]:
        assert wb[name].freeze_panes == "A5", name  # right below the header row


def test_files_sheet(wb):
    rows = rows_of(wb["Inlämningar"])[4:]
    assert len(rows) == 7 and {r[8] for r in rows} == {"godkänd"}
    assert all(len(r[6]) == 64 for r in rows)  # sha256


def test_master_is_valid_ooxml(month):
    assert schema_check(month["out"]).returncode == 0
    exe = shutil.which("openxml-audit")
    result = subprocess.run([exe, str(month["out"])], capture_output=True, text=True)
    assert result.returncode == 0 and "Errors: 0" in result.stdout, result.stdout


def test_consolidating_twice_changes_nothing(month):
    def snapshot():
        with sa.create_engine(f"sqlite:///{month['db']}").connect() as conn:
            return [conn.execute(sa.text(f"select * from {t} order by id")).all()
                    for t in ("submissions", "facts")]
    before = snapshot()
    result = consolidate(month["inbox"], month["db"], month["dir"] / "again.xlsx")
    assert result.exit_code == 0 and "0 nya" in result.output
    assert snapshot() == before


def test_golden_structure_and_reproducible_bytes(month, tmp_path):
    from intraxl.consolidate import consolidate as build
    from intraxl.mappings import load_mappings
    from intraxl.master.writer import ControllerWork, write_workbook
    from intraxl.periods import Period
    from intraxl.pipeline import consolidation_periods
    from intraxl.store import Store

    m = load_mappings(ROOT / "mappings")
    store = Store(f"sqlite:///{month['db']}")
    p = Period.parse("2023-02")
    report = build(m, p, store.facts(consolidation_periods(p)), store.submissions("2023-02"))
    pinned = dt.datetime(2023, 3, 7, 8, 0)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_workbook(str(a), report, ControllerWork(), pinned)
    write_workbook(str(b), report, ControllerWork(), pinned)
    assert a.read_bytes() == b.read_bytes()
    wb = openpyxl.load_workbook(a)
    structure = {ws.title: sorted(ws.tables) for ws in wb.worksheets}
    assert structure == {
        "Sammanfattning": ["Avvikelse", "Inlamningsstatus", "Statusoversikt"],
        "Ekonomi": ["Kostnader"], "Ekonomi per enhet": ["EkonomiPerEnhet", "EkonomiPerRad"],
        "Indikatorer": ["Indikatorer"],
        "Aktiviteter": ["Aktiviteter"], "Uppdrag": ["Uppdrag"], "Projekt": ["Projekt"],
        "Risker": ["Risker"], "Kommentarer": ["Kommentarer"], "Inlämningar": ["Inlamningar"],
        "Data": ["Data"], "intraxl": []}
    assert "Analys" in wb.defined_names
    assert wb.properties.created == pinned and wb.properties.title.startswith("Månadsuppföljning")
    for ws in wb.worksheets[:len(SHEETS)]:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert "Sida &P av &N" in ws.oddFooter.right.text


def _recalc_profile(tmp_path):
    """A LibreOffice profile that recalculates an .xlsx on load (OOXMLRecalcMode = 0)."""
    user = tmp_path / "profile" / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/'
        '2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.'
        'org/2001/XMLSchema-instance"><item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>'
        '</oor:items>\n', encoding="utf-8")
    return tmp_path / "profile"


def _recalculated(src, tmp_path):
    out = tmp_path / "recalc"
    out.mkdir(exist_ok=True)
    subprocess.run([soffice(), f"-env:UserInstallation=file://{_recalc_profile(tmp_path)}",
                    "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=300)
    return openpyxl.load_workbook(out / src.name, data_only=True)


def _tamper(src, dst):
    """`src` with the stored value of Summa Förvaltning's forecast (-3000) replaced by 999."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data, n = re.subn(rb"(<f>SUM\([^<]*\)</f><v>)-3000(\.0)?(</v>)",
                                  rb"\g<1>999\g<3>", data)
                assert n == 1
            zout.writestr(info, data)


def test_stored_formula_values_equal_libreoffice_recalculation(month, tmp_path):
    # A control first: a wrong stored value must come back corrected, or nothing is checked.
    tampered = tmp_path / "tampered.xlsx"
    _tamper(month["out"], tampered)
    control = _recalculated(tampered, tmp_path)
    assert _economy_rows(control["Ekonomi"])["Summa Förvaltning"][0] == -3000

    formulas = openpyxl.load_workbook(month["out"])
    stored = openpyxl.load_workbook(month["out"], data_only=True)
    recalc = _recalculated(month["out"], tmp_path)
    checked = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    want = stored[ws.title][cell.coordinate].value
                    got = recalc[ws.title][cell.coordinate].value
                    assert got == pytest.approx(want), (ws.title, cell.coordinate, cell.value)
                    checked += 1
    assert checked > 40


def _english_machine(monkeypatch, tmp_path):
    """LibreOffice run as on an English-locale machine (as CI is): checked, since a figure
    without an explicit locale then prints as 15,981."""
    for name in ("LANG", "LC_ALL", "LC_NUMERIC", "LANGUAGE"):
        monkeypatch.setenv(name, "en_US.UTF-8")
    plain = tmp_path / "control" / "plain.xlsx"
    plain.parent.mkdir()
    wb = xlsxwriter.Workbook(plain)
    ws = wb.add_worksheet()
    ws.write_number(0, 0, 15981, wb.add_format({"num_format": "#,##0"}))
    ws.write_string(1, 0, "Åtgärd", wb.add_format({"font_size": 8}))
    wb.close()
    pdf = libreoffice_convert(plain, "pdf", plain.parent)
    assert "15,981" in pdf_text(pdf)
    return next(h for _, text, h in pdf_pages(pdf)[0] if text == "Åtgärd")


def test_pdf_holds_the_report_sheets_and_renders(month, tmp_path, monkeypatch):
    """The board's PDF, made on an English machine: Swedish figures, every sheet at 8 pt or
    more, no text over other text, a long analysis whole, no file names or times."""
    eight_pt = _english_machine(monkeypatch, tmp_path)
    out = tmp_path / "master.xlsx"
    assert consolidate(month["inbox"], month["db"], out).exit_code == 0
    analysis = " ".join(f"Mening {n}: kostnaderna för personal följer budget."
                        for n in range(1, 50))
    analysis = analysis[:analysis.rindex(" ", 0, 1500)] + " Slut på analysen."
    assert len(analysis) > 1450
    wb = openpyxl.load_workbook(out)
    wb["Sammanfattning"]["B4"] = analysis
    wb.save(out)
    result = consolidate(month["inbox"], month["db"], out, "--pdf")
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf")
    text = re.sub("[\u00a0\u202f]", " ", pdf_text(pdf)).replace("\u2212", "-")
    assert "15 981" in text and "-3 000" in text and "5,9 %" in text  # Swedish, not 15,981
    assert "15,981" not in text and "5.9%" not in text
    assert " ".join(analysis.split()) in " ".join(text.split())  # whole, in order
    assert "manadsuppfoljning_2023-02" not in text and "Mottagen" not in text
    assert overlapping_lines(pdf) == []
    for n, lines in enumerate(pdf_pages(pdf), start=1):
        heights = sorted(h for *_, h in lines)
        assert heights[len(heights) // 2] >= eight_pt - 0.01, f"page {n} under 8 pt"
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout.split("\f")
    # The page header names the sheet (right part): only the report sheets are printed.
    printed = {name for page in pages if page.strip()
               for name in SHEETS if page.lstrip().splitlines()[0].rstrip().endswith(name)}
    assert printed == set(REPORT_SHEETS)
    assert "Månadsuppföljning februari 2023 – Intraservice" in pages[0]
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(pdf),
                    str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 2 and all(p.stat().st_size > 5000 for p in images)


def test_refresh_recalculates_through_libreoffice(month, tmp_path):
    tampered = tmp_path / "tampered.xlsx"
    _tamper(month["out"], tampered)
    forecast = lambda f: _economy_rows(  # noqa: E731
        openpyxl.load_workbook(f, data_only=True)["Ekonomi"])["Summa Förvaltning"][0]
    assert forecast(tampered) == 999
    result = run_cli("refresh", tampered)
    assert result.exit_code == 0, result.output
    assert "with LibreOffice" in result.output  # no Excel on this machine
    assert forecast(tampered) == -3000
    assert forecast(previous_masters(tampered)[-1]) == 999  # the file as it was is kept


def test_without_libreoffice_or_excel_the_messages_say_what_to_install(month, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on PATH
    out = tmp_path / "master.xlsx"
    result = consolidate(month["inbox"], month["db"], out, "--pdf")
    assert result.exit_code == 1 and "LibreOffice is needed" in result.output
    assert "apt-get install libreoffice-calc-nogui" in result.output
    assert not out.exists()  # said before any work, not after
    copy = tmp_path / "copy.xlsx"
    shutil.copy(month["out"], copy)
    result = run_cli("refresh", copy)
    assert result.exit_code == 1 and "LibreOffice is needed" in result.output
    assert copy.read_bytes() == month["out"].read_bytes()
    try:  # xlwings is the optional extra, not installed by the tests
        import xlwings  # noqa: F401
    except ImportError:
        result = consolidate(month["inbox"], month["db"], out, "--open")
        assert result.exit_code == 1 and "pip install 'intraxl[excel]'" in result.output
        assert out.exists()  # the master is written; only opening it needs Excel


# --- the controller's work, superseding, rejection ------------------------------------------

def _fresh_month(tmp_path):
    inbox = tmp_path / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    db, out = tmp_path / "intraxl.db", tmp_path / "master.xlsx"
    assert run_cli("history", "import", HISTORY, "--db", db).exit_code == 0
    return inbox, db, out


def test_controller_text_survives_regeneration(tmp_path):
    inbox, db, out = _fresh_month(tmp_path)
    assert consolidate(inbox, db, out).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["Kommentarer"]
    header = [c.value for c in ws[4]]
    ctrl = header.index("Controller") + 1
    ws.cell(row=5, column=ctrl, value="Controllerns analys av HR.")
    section, unit = ws.cell(row=5, column=1).value, ws.cell(row=5, column=2).value
    wb["Sammanfattning"]["B4"] = "Månadens analys: i balans."
    wb.save(out)  # as the controller would in Excel
    assert consolidate(inbox, db, out).exit_code == 0
    again = openpyxl.load_workbook(out)
    rows = [[c.value for c in r] for r in again["Kommentarer"].iter_rows(min_row=5)]
    assert [section, unit, rows[0][2], "Controllerns analys av HR."] in rows
    assert again["Sammanfattning"]["B4"].value == "Månadens analys: i balans."
    assert len(previous_masters(out)) == 1


def test_a_master_changed_by_hand_is_not_replaced_unless_forced(tmp_path):
    inbox, db, out = _fresh_month(tmp_path)
    assert consolidate(inbox, db, out).exit_code == 0
    wb = openpyxl.load_workbook(out)
    economy = wb["Ekonomi"]
    figure = next(r[1] for r in economy.iter_rows() if r[0].value == "- HR")
    was = figure.value
    figure.value = 4711  # a corrected figure
    economy["H40"] = "Kolla med HR"  # a note in an empty cell
    data_cell = wb["Data"]["C2"]  # a unit's name in the Data table, written in one pass
    data_was, data_cell.value = data_cell.value, "Ändrat namn"
    wb["Sammanfattning"]["B4"] = "Månadens analys."  # kept: not a change
    mine = wb.create_sheet("Min analys")
    mine["A1"], mine["B1"], mine["B2"] = "Summa", 12, "=B1*2"
    wb.save(out)
    before = out.read_bytes()

    result = consolidate(inbox, db, out)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert f"error:   Ekonomi!{figure.coordinate}: {number(was)} → {number(4711)}" in lines
    assert "error:   Ekonomi!H40: (empty) → 'Kolla med HR'" in lines
    assert "error:   Min analys: a sheet added by hand" in lines
    assert f"error:   Data!C2: '{data_was}' → 'Ändrat namn'" in lines
    assert not any("Sammanfattning" in line for line in lines)
    assert "--force" in lines[-1] and len(lines) == 6
    assert out.read_bytes() == before and not previous_masters(out)

    result = consolidate(inbox, db, out, "--force")
    assert result.exit_code == 0, result.output
    new = openpyxl.load_workbook(out)
    assert new.sheetnames[-2:] == ["Min analys", "intraxl"]
    assert [[c.value for c in r] for r in new["Min analys"].iter_rows()] == [
        ["Summa", 12], [None, "=B1*2"]]
    values = openpyxl.load_workbook(out, data_only=True)
    assert values["Sammanfattning"]["B4"].value == "Månadens analys."
    assert values["Ekonomi"][figure.coordinate].value == was  # regenerated
    kept = previous_masters(out)
    assert [p.read_bytes() for p in kept] == [before]  # the changed master, as it was
    assert kept[0].parent.name == "föregående"

    for _ in range(3):  # nothing changed by hand now: no --force needed, the sheet stays
        assert consolidate(inbox, db, out, "--keep", 3).exit_code == 0
    assert len(previous_masters(out)) == 3
    assert "Min analys" in openpyxl.load_workbook(out).sheetnames


def test_a_master_as_intraxl_wrote_it_is_not_compared_cell_by_cell(tmp_path, monkeypatch):
    """The master carries the sha256 of its own bytes (in the zip's comment): when they are
    exactly as written, re-running skips reading its cells back; sheets carried over stay."""
    from intraxl.master import fingerprint

    inbox, db, out = _fresh_month(tmp_path)
    assert consolidate(inbox, db, out).exit_code == 0
    assert fingerprint.sealed(str(out))
    wb = openpyxl.load_workbook(out)
    wb.create_sheet("Min analys")["A1"] = "Egen"
    wb.save(out)  # saved by another program: no longer sealed, so checked in full
    assert not fingerprint.sealed(str(out))
    assert consolidate(inbox, db, out, "--force").exit_code == 0
    assert fingerprint.sealed(str(out))

    def compared(*args):
        raise AssertionError("an unchanged master was compared cell by cell")

    monkeypatch.setattr(fingerprint, "changes", compared)
    result = consolidate(inbox, db, out)
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out)["Min analys"]["A1"].value == "Egen"


def test_a_record_made_by_an_earlier_intraxl_is_still_read(tmp_path):
    """An earlier intraxl kept each cell as [row, col, value] and the Data sheet's text
    columns as texts; the record is now kept a row at a time, the text columns coded. A
    master with the earlier record is compared all the same."""
    import base64
    import json
    import zlib

    import python_calamine as pc

    from intraxl.master import fingerprint

    inbox, db, out = _fresh_month(tmp_path)
    assert consolidate(inbox, db, out).exit_code == 0
    book = pc.CalamineWorkbook.from_path(str(out))
    recorded = fingerprint.read(book)
    book.close()
    assert recorded is not None and all(  # read back decoded
        isinstance(column, list) for column in recorded["Data"][1] or [None])
    old = {name: {"cells": [[r, c, {"f": v.text, "v": v.value}
                             if isinstance(v, fingerprint.Formula) else v]
                            for (r, c), v in cells.items()],
                  **({"columns": columns} if columns else {})}
           for name, (cells, columns) in recorded.items()}
    packed = base64.b64encode(zlib.compress(json.dumps(old).encode())).decode()
    wb = openpyxl.load_workbook(out)
    sheet = wb[fingerprint.SHEET]
    assert sheet.cell(row=1, column=1).value == fingerprint.MARK
    sheet.cell(row=1, column=1).value = fingerprint.MARKS[0]  # the earlier format's mark
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=1).value = None
    for i in range(0, len(packed), fingerprint.CHUNK):
        sheet.cell(row=2 + i // fingerprint.CHUNK, column=1).value = \
            packed[i:i + fingerprint.CHUNK]
    wb["Ekonomi"]["H40"] = "Kolla med HR"
    wb.save(out)
    result = consolidate(inbox, db, out)
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if "Ekonomi!" in line] == [
        "error:   Ekonomi!H40: (empty) → 'Kolla med HR'"]


def test_the_record_is_made_by_a_copy_of_the_process_and_is_the_one_made_here(
        tmp_path, monkeypatch):
    """master/aside.py: the record of what intraxl wrote is made by a forked copy of the
    process while this one writes the workbook (so under `intraxl consolidate`, whose
    progress bar runs no thread); the master holds the record one made here holds, also
    when the copy fails. Its sheet keeps its texts in the cells, not in the shared strings
    (fixed when the workbook is closed), and the file is valid against the schemas."""
    import python_calamine as pc

    from intraxl.mappings import load_mappings
    from intraxl.master import aside, fingerprint
    from intraxl.master.writer import ControllerWork, write_workbook
    from intraxl.periods import Period
    from intraxl.pipeline import consolidated
    from intraxl.store import Store

    me, real = os.getpid(), fingerprint._packed

    def packed(recorded):
        (tmp_path / f"made-by-{os.getpid()}").touch()
        return real(recorded)

    def makers():
        found = sorted(int(p.name.removeprefix("made-by-")) for p in tmp_path.glob("made-by-*"))
        for p in tmp_path.glob("made-by-*"):
            p.unlink()
        return found

    def record(path):
        book = pc.CalamineWorkbook.from_path(str(path))
        try:
            return fingerprint.read(book)
        finally:
            book.close()

    monkeypatch.setattr(fingerprint, "_packed", packed)
    inbox, db, out = _fresh_month(tmp_path)
    assert consolidate(inbox, db, out).exit_code == 0
    made = makers()
    assert len(made) == 1 and made[0] != me  # the CLI's record: by a copy, once
    store = Store(f"sqlite:///{db}")
    report = consolidated(load_mappings(ROOT / "mappings"), Period.parse("2023-02"), store)
    store.dispose()

    def written(path):
        write_workbook(str(path), report, ControllerWork(), dt.datetime(2023, 3, 7, 8, 0))
        return makers(), record(path)

    made, made_aside = written(tmp_path / "aside.xlsx")
    assert len(made) == 1 and made[0] != me
    with monkeypatch.context() as here:
        here.setattr(aside, "can_fork", lambda: False)
        made, made_here = written(tmp_path / "here.xlsx")
    assert made == [me]
    assert made_aside is not None and made_aside == made_here
    assert made_aside["Ekonomi"][0] and made_aside["Data"][1]  # cells of both kinds recorded

    def failing_in_the_copy(recorded):
        if os.getpid() != me:
            raise RuntimeError("the copy fails")
        return packed(recorded)

    monkeypatch.setattr(fingerprint, "_packed", failing_in_the_copy)
    made, made_again = written(tmp_path / "again.xlsx")
    assert made == [me] and made_again == made_here

    with zipfile.ZipFile(tmp_path / "aside.xlsx") as z:
        strings = z.read("xl/sharedStrings.xml").decode()
    assert fingerprint.MARK not in strings
    book = openpyxl.load_workbook(tmp_path / "aside.xlsx", read_only=True)
    sheet = book[fingerprint.SHEET]
    assert sheet.calculate_dimension() == f"A1:A{sheet.max_row}" and sheet.max_row >= 2
    book.close()
    checked = schema_check(tmp_path / "aside.xlsx")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_work_set_aside_is_done_here_when_the_copy_fails_or_cannot_be_made(monkeypatch):
    """A copy of the process that fails (here: `make` raises only in the copy) leaves the
    work to this process when its result is asked for; a process that cannot be copied does
    it at once; a copy whose result is not wanted is ended by `cancel`."""
    import time

    from intraxl.master.aside import Aside

    me = os.getpid()

    def make():
        if os.getpid() != me:
            raise RuntimeError("the copy fails")
        return f"made by {os.getpid()}".encode()

    assert Aside(lambda: str(os.getpid()).encode()).result() != str(me).encode()
    assert Aside(make).result() == f"made by {me}".encode()
    slow = Aside(lambda: time.sleep(60) or b"late")
    copy = slow._pid
    assert copy is not None and os.path.exists(f"/proc/{copy}")
    started = time.monotonic()
    slow.cancel()
    assert time.monotonic() - started < 10 and not os.path.exists(f"/proc/{copy}")
    calls = []
    monkeypatch.setattr("intraxl.master.aside.can_fork", lambda: False)
    done = Aside(lambda: calls.append(os.getpid()) or b"done")
    assert calls == [me]
    assert done.result() == b"done" and calls == [me]


def test_a_master_changed_with_its_seal_kept_is_checked_in_full(tmp_path):
    """A program that changes a cell and keeps the zip's comment does not fool the seal: the
    bytes are not those intraxl wrote, so the master is compared cell by cell."""
    from intraxl.master import fingerprint

    inbox, db, out = _fresh_month(tmp_path)
    assert consolidate(inbox, db, out).exit_code == 0
    comment = zipfile.ZipFile(out).comment
    assert comment.startswith(b"intraxl-sha256:")
    changed = tmp_path / "changed.xlsx"
    _tamper(out, changed)
    with zipfile.ZipFile(changed, "a") as z:
        z.comment = comment
    shutil.copy(changed, out)
    assert zipfile.ZipFile(out).comment == comment and not fingerprint.sealed(str(out))
    before = out.read_bytes()
    result = consolidate(inbox, db, out)
    assert result.exit_code == 1
    assert any(line.startswith("error:   Ekonomi!") and "999" in line
               for line in result.output.splitlines()), result.output
    assert out.read_bytes() == before


def test_a_master_saved_by_libreoffice_is_not_changed(month, tmp_path):
    """Saved by a spreadsheet program (which stores every formula's value and rewrites the
    file its own way), with only the analysis written: nothing to report, replaced."""
    out = tmp_path / "master.xlsx"
    assert consolidate(month["inbox"], month["db"], out).exit_code == 0
    wb = openpyxl.load_workbook(out)
    wb["Sammanfattning"]["B4"] = "Månadens analys."
    wb.save(out)
    saved = libreoffice_convert(out, "xlsx", tmp_path / "lo")
    shutil.copy(saved, out)
    result = consolidate(month["inbox"], month["db"], out)
    assert result.exit_code == 0, result.output
    again = openpyxl.load_workbook(out, data_only=True)
    assert again["Sammanfattning"]["B4"].value == "Månadens analys."
    # the drafts as LibreOffice saved them are still intraxl's: written again, not adopted
    assert again["Kommentarer"]["C5"].value.startswith("Utkast: ")


def test_the_kept_areas_are_the_controllers():
    from intraxl.master.fingerprint import _kept

    header = {(3, 0): "Avsnitt", (3, 1): "Enhet", (3, 2): "Text", (3, 3): "Controller"}
    rows = {(4, 0): "Sammanfattning", (4, 1): "Intraservice",  # an administration row
            (5, 0): "Sammanfattning", (5, 1): "Gemensamma tjänster – HR", (5, 2): "Bra."}
    kept = _kept({"Kommentarer": (header | rows, None)}, "Intraservice")
    assert kept == {("Sammanfattning", 3, 1), ("Kommentarer", 4, 2), ("Kommentarer", 4, 3),
                    ("Kommentarer", 5, 3)}


def test_comments_have_an_administration_row_per_section_first(month, mappings):
    ws = openpyxl.load_workbook(month["out"])["Kommentarer"]
    table = ws.tables["Kommentarer"]
    rows = [[c.value for c in r] for r in ws[table.ref]]
    assert rows[0] == ["Avsnitt", "Enhet", "Text", "Controller"]
    sections = ["Sammanfattning", "Kund och ägare", "Medarbetare", "Process", "Ekonomi – utfall",
                "Ekonomi – prognos", "Hållbarhet", "Portfölj"]  # the report's order
    assert [r[:2] for r in rows[1:9]] == [[s, "Intraservice"] for s in sections]
    # the Text: intraxl's draft where the figures say something (tests/test_drafts.py)
    drafted = {r[0] for r in rows[1:9] if r[2] and r[2].startswith("Utkast: ")}
    assert drafted == set(sections) - {"Process", "Hållbarhet"}
    assert not any(r[2] for r in rows[1:9] if r[0] not in drafted)
    assert {r[1] for r in rows[9:]} == {u.name for u in mappings.units}  # then the units


def test_a_drafted_text_is_not_carried_over_as_the_controllers(tmp_path):
    """intraxl's drafts (Utkast:) are written again from the figures on every run; a text the
    controller wrote over a draft is theirs and kept, and so is a draft they edited, without
    its mark; the analysis cell likewise."""
    inbox, db, master = _fresh_month(tmp_path)
    assert consolidate(inbox, db, master).exit_code == 0
    wb = openpyxl.load_workbook(master)
    ws = wb["Kommentarer"]
    assert [ws[f"A{r}"].value for r in (5, 6, 7, 9)] == [
        "Sammanfattning", "Kund och ägare", "Medarbetare", "Ekonomi – utfall"]
    drafts = {r: ws[f"C{r}"].value for r in (5, 6, 7, 9)}
    assert all(t.startswith("Utkast: ") for t in drafts.values())
    assert ws["C5"].font.i and wb["Sammanfattning"]["B4"].font.i  # styled as drafts
    assert wb["Sammanfattning"]["B4"].value == drafts[5]  # the summary's draft
    ws["C6"] = "Controllerns egen text."  # written over the draft
    ws["C7"] = drafts[7] + " HR följer upp sjukfrånvaron."  # the draft edited
    ws["C9"] = None  # emptied: drafted again
    wb["Sammanfattning"]["B4"] = drafts[5] + "\nMin slutsats."  # the summary's draft edited
    wb.save(master)
    assert consolidate(inbox, db, master).exit_code == 0
    again = openpyxl.load_workbook(master)
    ws = again["Kommentarer"]
    assert (ws["B5"].value, ws["C5"].value) == ("Intraservice", drafts[5])  # drafted again
    assert ws["C6"].value == "Controllerns egen text." and not ws["C6"].font.i
    assert ws["C7"].value == drafts[7][len("Utkast: "):] + " HR följer upp sjukfrånvaron."
    assert ws["C9"].value == drafts[9]
    assert again["Sammanfattning"]["B4"].value == drafts[5][len("Utkast: "):] + "\nMin slutsats."
    assert not again["Sammanfattning"]["B4"].font.i
    # and kept on the run after that, as any text of the controller's
    assert consolidate(inbox, db, master).exit_code == 0
    ws = openpyxl.load_workbook(master)["Kommentarer"]
    assert ws["C6"].value == "Controllerns egen text."
    assert ws["C7"].value == drafts[7][len("Utkast: "):] + " HR följer upp sjukfrånvaron."


def test_second_submission_replaces_first_and_rejected_never_reaches_report(tmp_path, mappings):
    inbox, db, out = _fresh_month(tmp_path)
    newer = write_hr(mappings, inbox / "hr-rattad.xlsx",
                     set_cell("Ekonomi", "resultat.forvaltning", "Budget ack", 300))
    later = (inbox / "manadsuppfoljning_2023-02_gt-hr.xlsx").stat().st_mtime + 3600
    os.utime(newer, (later, later))
    (inbox / "manadsuppfoljning_2023-02_uppdrag.xlsx").unlink()
    bad = write_template(mappings, mappings.unit("uppdrag"), FEB, inbox / "uppdrag-fel.xlsx")
    assert consolidate(inbox, db, out).exit_code == 0
    fig = _economy_rows(openpyxl.load_workbook(out, data_only=True)["Ekonomi"])
    assert fig["- HR"] == [-500, -288]  # 12 − 300: the corrected file is in the report
    assert fig["Avdelningen Uppdrag"] == [None, None]  # rejected: never in the report
    files = pd.read_excel(out, sheet_name="Inlämningar", header=3, engine="openpyxl")
    assert len(files) == 8 and set(files["Fil"]) >= {"hr-rattad.xlsx", bad.name}
    hr = files[files["Enhet-ID"] == "gt-hr"].set_index("Fil")["I rapporten"]
    assert hr["hr-rattad.xlsx"] == "Ja" and pd.isna(hr["manadsuppfoljning_2023-02_gt-hr.xlsx"])
    strict = consolidate(inbox, db, tmp_path / "strict.xlsx", "--strict")
    assert strict.exit_code == 1


def test_a_unit_whose_newer_file_was_rejected_reads_the_same_everywhere(tmp_path, mappings):
    """Accepted, then a newer file rejected: the report keeps the accepted file, and
    status, its JSON, the summary line and the master all say so, the same way."""
    import email
    import json
    from email import policy

    inbox, db, out = _fresh_month(tmp_path)
    accepted = inbox / "manadsuppfoljning_2023-02_gt-hr.xlsx"
    rejected = write_hr(mappings, inbox / "hr-ny.xlsx",
                        set_cell("Ekonomi", "resultat.forvaltning", "Utfall ack", "tolv"))
    later = accepted.stat().st_mtime + 3600
    os.utime(rejected, (later, later))
    label = "godkänd, senare fil avvisad"
    line = ("enheter: 7 godkända, 0 avvisade, 0 i karantän, 0 saknas\n"
            "  varav 1 godkända med senare fil avvisad")

    result = consolidate(inbox, db, out)
    assert result.exit_code == 0 and line in result.output
    summary = openpyxl.load_workbook(out, data_only=True)["Sammanfattning"]
    states: dict = {}
    for r in rows_of(summary):  # the status table comes first; the units' texts after
        states.setdefault(r[0], r[1])
    assert states["Gemensamma tjänster – HR"] == label
    assert states["Gemensamma tjänster – Ekonomi"] == "godkänd"
    assert "7 godkända (1 med senare fil avvisad), 0 avvisade" in summary["A2"].value
    economy = _economy_rows(openpyxl.load_workbook(out, data_only=True)["Ekonomi"])
    assert tuple(economy["- HR"]) == RESULT["Gemensamma tjänster – HR"][0]  # the accepted file
    assert consolidate(inbox, db, tmp_path / "strict.xlsx", "--strict").exit_code == 1

    as_json = run_cli("status", "--period", "2023-02", "--db", db, "--json")
    hr = next(u for u in json.loads(as_json.output)["units"] if u["unit_id"] == "gt-hr")
    assert (hr["state"], hr["label"], hr["later_rejected"], hr["needs_attention"]) == (
        "godkänd", label, True, True)
    assert (hr["in_report"], hr["file"], hr["errors"]) == (accepted.name, rejected.name, 1)
    drafts = tmp_path / "drafts"
    text = run_cli("status", "--period", "2023-02", "--db", db, "--inbox", inbox,
                   "--drafts", drafts)
    lines = text.output.splitlines()
    header = next(i for i, r in enumerate(lines) if " läge " in r)
    start = lines[header].index("läge")  # the table's state column, however it wraps
    column = " ".join(r[start:start + 15].strip() for r in lines[header + 2:])
    assert "\n".join(lines[-3:-1]) == line and label in column
    reply = email.message_from_bytes(next(drafts.glob("*_gt-hr_svar.eml")).read_bytes(),
                                     policy=policy.default).get_body(("plain",)).get_content()
    assert rejected.name in reply and "'tolv' är inte ett tal" in reply
    assert f"er tidigare godkända fil ({accepted.name})" in reply


def test_a_text_longer_than_a_cell_is_stored_whole_and_shown_cut(tmp_path, mappings):
    import json

    from intraxl.xlsx import CELL_TEXT_MAX, CUT_MARK

    from .test_validate import patch_part

    inbox, db, out = _fresh_month(tmp_path)
    hr = inbox / "manadsuppfoljning_2023-02_gt-hr.xlsx"
    summary = "Förvaltningen har fortsatt en hög personalomsättning"
    long_text = "Lång analys av personalomsättningen. " * 1100 + "Slutet."
    assert len(long_text) > 40_000
    patched = patch_part(hr, tmp_path / "hr.xlsx", "xl/sharedStrings.xml",
                         lambda d: re.sub(f"{summary}[^<]*".encode(), long_text.encode(), d))
    shutil.move(patched, hr)  # as a program without Excel's limit would have written it

    checked = run_cli("validate", hr, "--json")
    issues = json.loads(checked.output)["files"][0]["issues"]
    assert checked.exit_code == 0 and [(i["code"], i["severity"], i["sheet"]) for i in issues
                                       ] == [("text-too-long", "warning", "Kommentarer")]
    assert consolidate(inbox, db, out).exit_code == 0
    stored = [v for u, t, i, f, v in _stored_facts(db)
              if (u, t, i) == ("gt-hr", "Kommentarer", "Sammanfattning")]
    assert stored == [long_text]  # whole in the store
    shown = [c.value for r in openpyxl.load_workbook(out)["Kommentarer"].iter_rows()
             for c in r if isinstance(c.value, str) and c.value.startswith("Lång analys")]
    _, data = _data_rows(out)
    shown += [r[6] for r in data if (r[1], r[3], r[4]) == ("gt-hr", "Kommentarer",
                                                           "Sammanfattning")]
    assert len(shown) == 2 and all(
        v.endswith(CUT_MARK) and len(v) <= CELL_TEXT_MAX and long_text.startswith(
            v[:-len(CUT_MARK)]) for v in shown)


def test_a_month_too_large_for_the_data_sheet_stops_before_writing(tmp_path, monkeypatch):
    import intraxl.master

    inbox, db, out = _fresh_month(tmp_path)
    monkeypatch.setattr(intraxl.master, "MAX_ROWS", 100)  # the month has some 500 facts
    result = consolidate(inbox, db, out)
    assert result.exit_code == 1 and not out.exists()
    line = next(x for x in result.output.splitlines() if x.startswith("error:"))
    assert "more than the master's Data sheet can hold" in line
    assert "intraxl history export --period 2023-02" in line


def test_an_ampersand_in_the_administrations_name_prints_as_itself(month, tmp_path):
    from intraxl.consolidate import consolidate as build
    from intraxl.mappings import load_mappings
    from intraxl.master.office import to_pdf
    from intraxl.master.writer import ControllerWork, write_workbook
    from intraxl.periods import Period
    from intraxl.pipeline import consolidation_periods
    from intraxl.store import Store

    store = Store(f"sqlite:///{month['db']}")
    p = Period.parse("2023-02")
    report = build(load_mappings(ROOT / "mappings"), p, store.facts(consolidation_periods(p)),
                   store.submissions("2023-02"))
    report.administration = "Kultur & fritid"
    master = tmp_path / "m.xlsx"
    write_workbook(str(master), report, ControllerWork(), hidden=[
        "Ekonomi per enhet", "Indikatorer", "Aktiviteter", "Uppdrag", "Projekt", "Risker",
        "Kommentarer", "Inlämningar", "Data"])
    pages = pdf_text(to_pdf(master, tmp_path / "m.pdf")).split("\f")
    assert all(page.lstrip().startswith("Kultur & fritid ") for page in pages if page.strip())


def test_formula_like_text_stays_text_in_the_master(tmp_path, mappings):
    inbox, db, out = _fresh_month(tmp_path)
    target = inbox / "manadsuppfoljning_2023-02_gt-hr.xlsx"
    write_hr(mappings, target, set_cell("Kommentarer", "Sammanfattning", "Text", "=1+1 är två"))
    assert consolidate(inbox, db, out).exit_code == 0
    wb = openpyxl.load_workbook(out)
    cells = [c for r in wb["Kommentarer"].iter_rows() for c in r if c.value == "=1+1 är två"]
    assert cells and all(c.data_type == "s" for c in cells)
    data = pd.read_excel(out, sheet_name="Data", engine="openpyxl")
    assert "=1+1 är två" in set(data["Värde"])


def test_open_master_is_left_intact(tmp_path):
    inbox, db, out = _fresh_month(tmp_path)
    assert consolidate(inbox, db, out).exit_code == 0
    before = out.read_bytes()
    lock = out.with_name(f".~lock.{out.name}#")
    lock.write_text("someone,host,2023-03-07", encoding="utf-8")
    result = CliRunner().invoke(main, ["consolidate", str(inbox), "--period", "2023-02",
                                       "--db", str(db), "--out", str(out)])
    assert result.exit_code == 1 and "is open in another program" in result.output
    assert "Traceback" not in result.output and out.read_bytes() == before


def test_master_and_templates_are_readable_like_any_new_file(month, tmp_path, mappings):
    """Written through a temporary file and renamed: not with the temporary file's
    owner-only permissions, which would hide the master from the colleagues on the share."""
    umask = os.umask(0o022)
    try:
        out = tmp_path / "master.xlsx"
        assert consolidate(month["inbox"], month["db"], out).exit_code == 0
        template = write_template(mappings, mappings.unit("gt-hr"), FEB, tmp_path / "t.xlsx")
        assert {oct(p.stat().st_mode & 0o777) for p in (out, template)} == {oct(0o644)}
        assert not list(tmp_path.glob(".intraxl-*"))  # no temporary file left behind
    finally:
        os.umask(umask)


def test_a_large_organisation_lists_only_units_needing_attention(tmp_path, monkeypatch):
    import intraxl.cli

    inbox, db, out = _fresh_month(tmp_path)
    (inbox / "manadsuppfoljning_2023-02_uppdrag.xlsx").unlink()
    monkeypatch.setattr(intraxl.cli, "LIST_ALL_UNITS_UP_TO", 3)
    result = consolidate(inbox, db, out)
    assert result.exit_code == 0, result.output
    assert "6 godkända enheter visas inte" in result.output
    assert "Avdelningen Uppdrag" in result.output and "saknas" in result.output
    assert "Digital infrastruktur" not in result.output


def test_the_xlsxwriter_internals_intraxl_uses_are_there():
    """intraxl reads and extends a few of XlsxWriter's internals (intraxl/xlsx.py lists them);
    pyproject pins XlsxWriter below its next major version, and this says which member an
    upgrade broke."""
    from xlsxwriter import sharedstrings, workbook, worksheet

    from intraxl.xlsx import XLSXWRITER_INTERNALS, XLSXWRITER_METHODS

    classes = {"Worksheet": worksheet.Worksheet, "Format": workbook.Format,
               "SharedStringTable": sharedstrings.SharedStringTable}
    missing = [f"{name}.{member}" for name, members in XLSXWRITER_METHODS.items()
               for member in members if not callable(getattr(classes[name], member, None))]
    assert not missing, (f"this XlsxWriter lacks {missing}: master/data_sheet.py must follow "
                         "its Worksheet internals, or pin the version that has them")
    ws = worksheet.Worksheet()
    assert hasattr(ws, "str_table") and hasattr(ws, "fh")
    # The cells, widths, heights and merges the row heights and the record of what intraxl
    # wrote are read from.
    wb = workbook.Workbook(io.BytesIO(), {"in_memory": True})
    sheet = wb.add_worksheet()
    sheet.write_string(0, 0, "x")
    assert hasattr(wb.str_table, "string_table") and all(
        hasattr(wb, a) for a in XLSXWRITER_INTERNALS["Workbook"])
    assert all(hasattr(sheet, a) for a in XLSXWRITER_INTERNALS["Worksheet"])
    assert set(XLSXWRITER_INTERNALS["cells"]) <= {  # the cell kinds, by their names
        getattr(worksheet, n).__name__ for n in dir(worksheet)
        if n.startswith("Cell") and n.endswith("Tuple")}
    assert type(sheet.table[0][0]).__name__ == "String"
    assert all(hasattr(worksheet, n) for n in XLSXWRITER_INTERNALS["classes"])
    sheet.set_row(0, 30, None)
    assert sheet.row_info[0] == worksheet.RowInfo(height=40, row_format=None)  # fit_rows
    assert sheet.row_sizes[0] == [40, False]


def test_the_master_is_dated_on_the_administrations_clock(tmp_path, monkeypatch):
    """Sammanfattning's `Skapad` time is Swedish time, as the received times on Inlämningar
    are, whatever the machine's time zone (a server often runs on UTC)."""
    import time
    from zoneinfo import ZoneInfo

    inbox, db, out = _fresh_month(tmp_path)
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        assert consolidate(inbox, db, out).exit_code == 0
        sweden = dt.datetime.now(ZoneInfo("Europe/Stockholm")).replace(tzinfo=None)
    finally:
        monkeypatch.undo()
        time.tzset()
    a2 = openpyxl.load_workbook(out)["Sammanfattning"]["A2"].value
    made = dt.datetime.strptime(a2.split()[1] + " " + a2.split()[2], "%Y-%m-%d %H:%M")
    assert abs(made - sweden) < dt.timedelta(minutes=2), a2


def test_a_comparison_no_unit_has_is_empty_in_the_sums_not_0(tmp_path):
    """Last month is in the store but holds no forecast (here one indicator of one unit):
    the units' `Prognos helår (jan)` and `Förändring prognos` are empty, and so are the sums
    and the result row (a 0 there would read as 'no change')."""
    inbox, db, out = _fresh_month(tmp_path)
    january = tmp_path / "januari.csv"
    january.write_text("Period,Enhet-ID,Enhet,Tabell,ID,Fält,Värde\n2023-01,gt-hr,"
                       "Gemensamma tjänster – HR,Indikatorer,lonespecifikationer,Utfall,60000\n",
                       encoding="utf-8")
    assert run_cli("history", "import", january, "--db", db).exit_code == 0
    assert consolidate(inbox, db, out).exit_code == 0
    ws = openpyxl.load_workbook(out, data_only=True)["Ekonomi"]
    rows = {r[0]: r[1:5] for r in ws.iter_rows(min_row=5, max_col=5, values_only=True)
            if r[0] in ("Summa Förvaltning", "Summa Utveckling", "Resultat, tkr")}
    assert len(rows) == 3
    for label, (forecast, deviation, previous, change) in rows.items():
        assert isinstance(forecast, (int, float)) and isinstance(deviation, (int, float)), label
        assert (previous, change) == (None, None), label
    assert rows["Resultat, tkr"][1] == 15981
