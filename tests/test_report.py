"""The board report: `intraxl report` on the shipped month, read back with python-docx (every
SPEC §6 figure in its table cell, in Swedish), pdftotext and pdftoppm; the controller's texts
from the master; the administration's own template."""

from __future__ import annotations

import shutil
import subprocess

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from docx.shared import Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from intraxl.cli import main
from intraxl.report import default_template
from intraxl.report.context import figure, paragraphs

from .conftest import ROOT, pdf_text
from .test_examples import COSTS, RESULT, VOLUMES
from .test_master import _fresh_month, consolidate, run_cli

HEADINGS = [
    "1 Sammanfattning", "2 Mål och indikatorer", "2.1 Kund och ägare", "2.2 Medarbetare",
    "2.3 Process", "2.4 Ekonomi", "2.5 Hållbarhet", "3 Aktiviteter", "3.1 Kund och ägare",
    "3.1.1 Vi ska tillhandahålla en god intern service till stadens verksamheter och "
    "medarbetare.",
    "3.1.2 Vi ska förbättra kundernas upplevelse av kvalitet, service och samarbete",
    "3.2 Medarbetare", "3.2.1 Vi ska attrahera, utveckla och behålla medarbetare och chefer",
    "3.3 Process", "3.3.1 Vi ska jobba effektivt tillsammans med leverans av våra tjänster",
    "3.4 Ekonomi", "3.4.1 Vi ska ha en ekonomi i balans", "3.5 Hållbarhet",
    "3.5.1 Vi ska inom ramen för vårt uppdrag ta ansvar för en hållbar utveckling",
    "4 Uppdrag", "4.1 Centrala uppdrag", "5 Portfölj och projekt", "5.1 Status per månad",
    "5.2 Avslutade projekt", "6 Risker"]
NAMES = {"lonespecifikationer": "Lönespecifikationer", "lonearenden": "Löneärenden",
         "leverantorsfakturor": "Leverantörsfakturor", "kundfakturor": "Kundfakturor",
         "servicearenden": "Serviceärenden"}
COST_LABELS = {"kostnad.totalt": "Verksamhetens kostnader",
               "kostnad.personal": "Personalkostnader", "kostnad.konsult": "Konsultkostnader",
               "kostnad.it": "IT-tjänster, IT-program och licenser",
               "kostnad.utvecklingsprojekt": "Kostnad utvecklingsprojekt"}


def sv(n: int) -> str:
    """A whole number as Swedes write it (no-break space between thousands, the minus sign
    U+2212), said here independently of intraxl.swedish."""
    return f"{n:,}".replace(",", "\xa0").replace("-", "\u2212")


def _month(d):
    inbox, db, master = _fresh_month(d)
    result = consolidate(inbox, db, master)
    assert result.exit_code == 0, result.output
    return inbox, db, master


def report(db, master, out, *more):
    return run_cli("report", "--period", "2023-02", "--db", db, "--master", master,
                   "--out", out, *more)


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    inbox, db, master = _month(d)
    out = d / "rapport.docx"
    result = report(db, master, out, "--pdf")
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    return {"dir": d, "db": db, "master": master, "out": out, "pdf": out.with_suffix(".pdf")}


@pytest.fixture(scope="module")
def document(month):
    return docx.Document(str(month["out"]))


def headings(doc) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]


def section(doc, heading: str) -> list[Paragraph | Table]:
    """The paragraphs and tables after `heading` up to the next heading."""
    out, inside = [], False
    for block in doc.iter_inner_content():
        is_heading = isinstance(block, Paragraph) and block.style.name.startswith("Heading")
        if is_heading:
            if inside:
                break
            inside = block.text == heading
        elif inside:
            out.append(block)
    return out


def rows(table: Table) -> list[list[str]]:
    return [[c.text for c in r.cells] for r in table.rows]


def table(doc, heading: str, first_header: str, n: int = 0) -> list[list[str]]:
    tables = [b for b in section(doc, heading) if isinstance(b, Table)
              and b.rows[0].cells[0].text == first_header]
    return rows(tables[n])


def cell(tab: list[list[str]], row: str, column: str) -> str:
    """The cell of the row whose first cell is `row`, under the header `column`."""
    header = tab[0]
    matches = [r for r in tab[1:] if r[0] == row]
    assert len(matches) == 1, (row, [r[0] for r in tab])
    return matches[0][header.index(column)]


def test_headings_are_the_references_chapters_in_order(document):
    assert headings(document) == HEADINGS
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [
        "Månadsuppföljning februari 2023"]
    props = document.core_properties
    assert (props.title, props.language) == ("Månadsuppföljning februari 2023", "sv-SE")


def test_summary_table_lists_each_area_and_its_central_goals(document):
    tab = table(document, "1 Sammanfattning", "Område")
    assert tab[0] == ["Område", "Centrala mål"]
    assert [r[0] for r in tab[1:]] == ["Kund och ägare", "", "Medarbetare", "Process",
                                       "Ekonomi", "Hållbarhet"]
    assert tab[2][1] == "Vi ska förbättra kundernas upplevelse av kvalitet, service och samarbete"


def test_volumes_stand_in_their_cells_in_swedish(document):
    tab = table(document, "2.1 Kund och ägare", "Indikator (Månad)")
    assert tab[0] == ["Indikator (Månad)", "Utfall feb 2022", "Utfall feb 2023", "Mål feb 2023",
                      "Prognos (helår)", "Årsmål", "R12 Utfall feb 2023", "Status"]
    columns = ["Utfall feb 2022", "Utfall feb 2023", "Mål feb 2023", "Årsmål",
               "R12 Utfall feb 2023"]
    for ind, expected in VOLUMES.items():
        for column, value in zip(columns, expected, strict=True):
            assert cell(tab, NAMES[ind], column) == sv(value), (ind, column)
    for name in ("Löneärenden", "Leverantörsfakturor", "Kundfakturor"):
        assert cell(tab, name, "Prognos (helår)") == cell(tab, name, "Årsmål")
    assert cell(tab, "Löneärenden", "Prognos (helår)") == "79\xa0000"
    assert cell(tab, "Lönespecifikationer", "Prognos (helår)") == ""
    # A new indicator not yet measured: said so, never a zero.
    assert cell(tab, "Efterlevnad SLA", "Status") == "● Ej mätt"
    assert cell(tab, "Efterlevnad SLA", "Utfall feb 2023") == ""
    notes = [b.text for b in section(document, "2.1 Kund och ägare")
             if isinstance(b, Paragraph) and b.style.name == "Caption"]
    assert notes == ["Efterlevnad SLA är ny indikator för 2023 och metod utvecklas under "
                     "kvartal 1"]
    goals = table(document, "2.1 Kund och ägare", "Centrala mål")
    assert goals[1] == ["Vi ska tillhandahålla en god intern service till stadens verksamheter "
                        "och medarbetare.", "Vi skall leverera enligt Tjänsteplan 2023 "
                        "(kommande förvaltnings-/utvecklingsplaner)"]


def test_staff_indicators_monthly_and_yearly_tables(document):
    monthly = table(document, "2.2 Medarbetare", "Indikator (Månad)")
    sick = {c: cell(monthly, "Sjukfrånvaro", c) for c in monthly[0][1:]}
    assert sick == {"Utfall feb 2022": "5,6\xa0%", "Utfall feb 2023": "5,9\xa0%",
                    "Mål feb 2023": "5\xa0%", "Prognos (helår)": "5,5\xa0%",
                    "Årsmål": "5\xa0%", "R12 Utfall feb 2023": "", "Status": "● Gul"}
    staff = "Månadsarbetare (utförd tid och prognos)"
    assert [cell(monthly, staff, c) for c in ("Utfall feb 2022", "Utfall feb 2023",
                                              "Mål feb 2023", "Prognos (helår)")] == [
        "612", "571,5", "650", "598"]
    yearly = table(document, "2.2 Medarbetare", "Indikator (År)")
    assert yearly[0] == ["Indikator (År)", "Utfall 2022", "Utfall 2023", "Prognos (helår)",
                         "Årsmål", "Status"]
    hme = "Hållbart medarbetarengagemang HME"
    assert (cell(yearly, hme, "Utfall 2022"), cell(yearly, hme, "Årsmål")) == ("77", "81")
    assert (cell(yearly, "Frisknärvaro", "Utfall 2022"),
            cell(yearly, "Frisknärvaro", "Årsmål")) == ("56,6\xa0%", "40\xa0%")
    assert cell(yearly, "Frisknärvaro", "Utfall 2023") == ""
    goals = table(document, "2.2 Medarbetare", "Centrala mål")
    assert goals[1][1] == "Kompetensförsörjning"


def test_result_table_is_laid_out_as_the_reference(document):
    tab = table(document, "2.4 Ekonomi", "Resultat, tkr")
    assert tab[0] == ["Resultat, tkr", "Prognos helår (februari)",
                      "Avvikelse utfall/budget jan–feb"]

    def label(unit):
        return f"- {unit.split(' – ')[1]}" if " – " in unit else unit

    expected = [["Förvaltning", "", ""], ["Gemensamma tjänster", "", ""]]
    expected += [[label(u), sv(f), sv(d)] for u, ((f, d), _) in RESULT.items()]
    expected += [["Summa Förvaltning", sv(-3000), sv(17494)], ["Utveckling", "", ""],
                 ["Gemensamma tjänster", "", ""]]
    expected += [[label(u), sv(dev[0]), sv(dev[1])] for u, (_, dev) in RESULT.items() if dev]
    expected += [["Summa Utveckling", sv(3000), sv(-1513)], ["Resultat, tkr", "0", sv(15981)]]
    assert tab[1:] == expected
    # A frame's heading in the accent colour, told from a group's name (bold, black).
    word = next(b for b in section(document, "2.4 Ekonomi") if isinstance(b, Table)
                and b.rows[0].cells[0].text == "Resultat, tkr")
    frame, group = (word.rows[n].cells[0].paragraphs[0].runs[0] for n in (1, 2))
    assert frame.bold and str(frame.font.color.rgb) == "1F4E79"
    assert group.bold and group.font.color.rgb is None


def test_cost_table_holds_spec_figures(document):
    tab = table(document, "2.4 Ekonomi", "Indikator (Månad)")
    assert tab[0] == ["Indikator (Månad)", "Utfall feb 2022", "Utfall feb 2023", "Mål feb 2023",
                      "Prognos (helår)", "Årsmål"]
    for rid, expected in COSTS.items():
        assert [cell(tab, COST_LABELS[rid], c) for c in tab[0][1:]] == [sv(v) for v in expected]
    # SPEC §6: Σ of the result rows (the reference's mål of 0 is not reproduced).
    assert [cell(tab, "Verksamhetens resultat", c) for c in tab[0][1:]] == [
        sv(15803), sv(18211), sv(2230), "0", "0"]


def test_activities_assignments_projects_and_risks(document):
    acts = table(document, "3.1.1 Vi ska tillhandahålla en god intern service till stadens "
                           "verksamheter och medarbetare.", "Status")
    assert acts[0] == ["Status", "Aktiviteter", "Slutdatum"]
    assert cell(acts, "● Försenad", "Aktiviteter") == "Digital signering"
    assert cell(acts, "● Försenad", "Slutdatum") == "2022-12-31 (försenad)"
    assignments = table(document, "4.1 Centrala uppdrag", "Status")
    assert len(assignments) == 1 + 9
    assert assignments[2][2] == "2023-05-19"
    projects = table(document, "5.1 Status per månad", "Projekt", 2)
    row = next(r for r in projects if r[0] == "Behörighets- och kontohantering")
    assert row[1:4] == ["● Röd", "● Grön", "● Röd"]
    assert row[4].startswith("Ordinarie projektledare frånvarande") and row[5]
    green = next(r for r in projects if r[0] == "Etablera interna E-tjänster")
    assert green[4:] == ["", ""]  # Orsak and Åtgärd only for yellow or red
    closed = table(document, "5.2 Avslutade projekt", "Projekt")
    assert closed[1:] == [["Upphandla projektverktyg och projektmodell för Göteborgs stad",
                           "Kommunikation, ledning och styrning", "2023-01-31"]]
    risks = table(document, "6 Risker", "Riskområde")
    assert risks[0] == ["Riskområde", "Risk", "S", "K", "Åtgärd"]
    assert risks[1][:4] == ["Omvärld", "IT-säkerhetsrisker (intrång)", "3", "4"]
    pictures = document.inline_shapes
    assert len(pictures) == 1 and pictures[0].width > 0  # the heat map


def test_status_symbol_is_coloured_and_said_in_words(document):
    tab = next(b for b in section(document, "2.1 Kund och ägare") if isinstance(b, Table)
               and b.rows[0].cells[0].text == "Indikator (Månad)")
    runs = [r for r in tab.rows[1].cells[7].paragraphs[0].runs if r.text]
    assert [r.text for r in runs] == ["● ", "Grön"]
    assert str(runs[0].font.color.rgb) == "00A651" and runs[1].font.color.rgb is None


def test_document_quality(document, month):
    """Tables fit the page, no text under 9 pt, table headers repeat, a valid package."""
    sec = document.sections[0]
    width = sec.page_width - sec.left_margin - sec.right_margin
    for t in document.tables:
        grid = t._tbl.tblGrid.findall(docx.oxml.ns.qn("w:gridCol"))
        assert sum(int(g.get(docx.oxml.ns.qn("w:w"))) for g in grid) * 635 <= width + 635
        assert t.rows[0]._tr.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is not None
    for style in document.styles:
        size = getattr(getattr(style, "font", None), "size", None)
        assert size is None or size >= Pt(9), style.name
    for p in document.paragraphs + [p for t in document.tables for c in t._cells
                                    for p in c.paragraphs]:
        for run in p.runs:
            assert run.font.size is None or run.font.size >= Pt(9)
    audit = subprocess.run([shutil.which("openxml-audit"), str(month["out"])],
                           capture_output=True, text=True)
    assert audit.returncode == 0 and "Errors: 0" in audit.stdout, audit.stdout


def test_pdf_has_the_chapters_and_figures_and_renders(month, tmp_path):
    pdf = month["pdf"]
    text = pdf_text(pdf)
    at = 0
    for heading in HEADINGS:  # in order, each once found after the one before
        at = text.index(heading.split(" ", 1)[1][:40], at)
    for figure_text in ("15 981", "17 494", "\u22121 513", "1 763 519", "5,9 %"):
        assert figure_text in text.replace("\xa0", " ")
    pages = text.split("\f")[:-1]
    assert all(len(p.strip().splitlines()) > 3 for p in pages)  # no empty page
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "sida")],
                   check=True)
    pngs = sorted(tmp_path.glob("sida-*.png"))
    assert len(pngs) == len(pages) >= 5
    assert all(p.stat().st_size > 2000 for p in pngs)


def test_the_project_tables_headers_print_whole(month):
    """Each column of a portfolio's project table is as wide as its header word."""
    lines = [line.split() for line in pdf_text(month["pdf"]).splitlines()]
    headers = [words for words in lines if words[:2] == ["Projekt", "Tid"]]
    assert headers and all(words == ["Projekt", "Tid", "Kostnad", "Resultat", "Orsak",
                                     "Åtgärd"] for words in headers), headers


def test_administration_text_from_the_master_with_bullets_survives_consolidate(tmp_path):
    inbox, db, master = _month(tmp_path)
    wb = openpyxl.load_workbook(master)
    ws = wb["Kommentarer"]
    header = [c.value for c in ws[4]]
    row = next(r for r in ws.iter_rows(min_row=5) if r[0].value == "Sammanfattning"
               and r[1].value == "Intraservice")
    row[header.index("Text")].value = ("Månaden i korthet.\n- Nollprognos för helåret\n"
                                       "• Hög personalomsättning\n\nDelårsrapport i mars.")
    wb.save(master)  # as the controller would in Excel
    assert consolidate(inbox, db, master).exit_code == 0
    kept = openpyxl.load_workbook(master)["Kommentarer"]
    texts = {(r[0].value, r[1].value): r[2].value for r in kept.iter_rows(min_row=5)}
    assert texts[("Sammanfattning", "Intraservice")].startswith("Månaden i korthet.")

    out = tmp_path / "rapport.docx"
    assert report(db, master, out).exit_code == 0
    doc = docx.Document(str(out))
    body = [(b.text, b.style.name) for b in section(doc, "1 Sammanfattning")
            if isinstance(b, Paragraph) and b.text]
    assert body == [("Månaden i korthet.", "Normal"), ("Nollprognos för helåret", "List Bullet"),
                    ("Hög personalomsättning", "List Bullet"), ("Delårsrapport i mars.", "Normal")]
    # Sections with neither the administration's text nor a draft (tests/test_drafts.py)
    # show each unit's text under its name.
    process = [b for b in section(doc, "2.3 Process") if isinstance(b, Paragraph) and b.text]
    assert process[0].text == "Gemensamma tjänster – Kommunikation, ledning och styrning"
    assert process[0].runs[0].bold
    assert process[1].text.startswith("Arbetet med att förtydliga strukturen")


def test_replacement_template_changes_the_look_without_code(month, tmp_path):
    mappings = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", mappings)
    own = docx.Document(str(mappings / "rapportmall.docx"))  # as an administrator in Word
    h1 = own.styles["Heading 1"]
    h1.font.name, h1.font.size = "Liberation Serif", Pt(22)
    h1.font.color.rgb = docx.shared.RGBColor(0x80, 0x00, 0x00)
    own.save(str(mappings / "var_mall.docx"))
    yaml_file = mappings / "template.yaml"
    yaml_file.write_text(yaml_file.read_text("utf-8").replace(
        "report_template: rapportmall.docx", "report_template: var_mall.docx"), "utf-8")
    assert run_cli("check-mappings", "--mappings", mappings).exit_code == 0

    out = tmp_path / "egen.docx"
    result = report(month["db"], month["master"], out, "--mappings", mappings)
    assert result.exit_code == 0, result.output
    doc = docx.Document(str(out))
    style = doc.styles["Heading 1"]
    assert (style.font.name, style.font.size, str(style.font.color.rgb)) == (
        "Liberation Serif", Pt(22), "800000")
    assert docx.Document(str(month["out"])).styles["Heading 1"].font.size == Pt(16)
    assert headings(doc) == HEADINGS


def test_check_mappings_names_a_broken_template(tmp_path):
    mappings = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", mappings)
    own = docx.Document(str(mappings / "rapportmall.docx"))
    own.add_paragraph("{{ sammanfatning }}")  # a typo of a variable
    own.save(str(mappings / "rapportmall.docx"))
    result = run_cli("check-mappings", "--mappings", mappings)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and "report_template" in lines[0]
    assert "sammanfatning" in lines[0]

    own.paragraphs[-1].text = "{% for x in areas %}"  # never closed
    own.save(str(mappings / "rapportmall.docx"))
    result = run_cli("check-mappings", "--mappings", mappings)
    assert result.exit_code == 1 and "report_template" in result.output
    assert "Traceback" not in result.output


def test_a_template_that_is_no_word_document_is_one_error_line(month, tmp_path):
    mappings = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", mappings)
    (mappings / "rapportmall.docx").write_text("not a document", encoding="utf-8")
    out = tmp_path / "r.docx"
    result = CliRunner().invoke(main, ["report", "--period", "2023-02", "--db", str(month["db"]),
                                       "--master", str(month["master"]), "--out", str(out),
                                       "--mappings", str(mappings)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: ")
    assert "rapportmall.docx cannot be used" in lines[0] and not out.exists()


def test_missing_master_or_store_is_one_error_line(month, tmp_path):
    for db, master in ((tmp_path / "ingen.db", month["master"]),
                       (month["db"], tmp_path / "ingen.xlsx")):
        result = CliRunner().invoke(main, [
            "report", "--period", "2023-02", "--db", str(db), "--master", str(master),
            "--out", str(tmp_path / "r.docx")])
        lines = result.output.strip().splitlines()
        assert result.exit_code == 1 and len(lines) == 1, result.output
        assert lines[0].startswith("error: ")
        assert not (tmp_path / "r.docx").exists() and not (tmp_path / "ingen.db").exists()


def test_an_unreadable_master_gives_the_reports_own_advice(month, tmp_path):
    """A --master that is no workbook: the error says the report's texts cannot be taken
    from it and where earlier masters are, not consolidate's advice to move it aside."""
    broken = tmp_path / "master.xlsx"
    broken.write_bytes(b"not a workbook")
    result = CliRunner().invoke(main, [
        "report", "--period", "2023-02", "--db", str(month["db"]), "--master", str(broken),
        "--out", str(tmp_path / "r.docx")])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: ")
    assert f"{broken} cannot be read" in lines[0] and "texts for the report" in lines[0]
    assert "--master" in lines[0] and "föregående" in lines[0]
    assert "carried over" not in lines[0] and "Move it aside" not in lines[0]
    assert not (tmp_path / "r.docx").exists()


def test_open_report_is_left_intact(month, tmp_path):
    out = tmp_path / "rapport.docx"
    out.write_bytes(b"the report the controller has open")
    (tmp_path / ".~lock.rapport.docx#").write_text("lock")
    result = report(month["db"], month["master"], out)
    assert result.exit_code == 1 and "is open in another program" in result.output
    assert out.read_bytes() == b"the report the controller has open"


def test_shipped_template_is_the_scripts_output(tmp_path):
    made = default_template.write(tmp_path / "rapportmall.docx")
    assert made.read_bytes() == (ROOT / "mappings" / "rapportmall.docx").read_bytes(), \
        "run python -m intraxl.report.default_template"


def test_text_lines_become_paragraphs_and_bullets():
    got = [(p.text, p.kind) for p in paragraphs("Ett.\n  - två\n• tre\n\n–  fyra \nfem")]
    assert got == [("Ett.", "text"), ("två", "bullet"), ("tre", "bullet"), ("fyra", "bullet"),
                   ("fem", "text")]
    assert paragraphs(None) == [] and paragraphs("  \n") == []


@pytest.mark.parametrize("value,unit,text", [
    (15981, "tkr", "15\xa0981"), (-3000, "tkr", "\u22123\xa0000"), (0.059, "%", "5,9\xa0%"),
    (0.05, "%", "5\xa0%"), (571.5, "åa", "571,5"), (612.0, "åa", "612"), (None, "st", ""),
    (float("nan"), "st", ""), (116666.0, "st", "116\xa0666")])
def test_figures_are_written_as_the_reference(value, unit, text):
    assert figure(value, unit) == text



def test_another_months_master_is_refused(month, tmp_path):
    """The controller's texts of February are not March's: a report for March from
    February's master is one error line, and no document."""
    out = tmp_path / "r.docx"
    result = CliRunner().invoke(main, [
        "report", "--period", "2023-03", "--db", str(month["db"]), "--master",
        str(month["master"]), "--out", str(out)])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: "), \
        result.output
    assert "is the master of 2023-02, not of 2023-03" in lines[0]
    assert not out.exists()


def test_a_report_from_a_master_older_than_the_stored_files_is_refused(month, tmp_path):
    """A corrected file stored after the master was written: the report's tables would show
    figures the controller never saw, beside texts written against the master's. One error
    line, naming the unit, and no document; after consolidate, the report is written."""
    from .test_validate import HR, set_cell, write_hr

    db = tmp_path / "intraxl.db"
    shutil.copy(month["db"], db)
    master = tmp_path / "master.xlsx"
    shutil.copy(month["master"], master)
    inbox = tmp_path / "2023-02"
    inbox.mkdir()
    from intraxl.mappings import load_mappings

    write_hr(load_mappings(ROOT / "mappings"), inbox / HR.name,
             set_cell("Ekonomi", "kostnad.totalt", "Utfall ack", 30000))
    stored = run_cli("consolidate", inbox, "--period", "2023-02", "--db", db, "--out",
                     tmp_path / "elsewhere.xlsx")
    assert stored.exit_code == 0, stored.output
    out = tmp_path / "r.docx"
    result = report(db, master, out)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith("error: "), \
        result.output
    assert "Gemensamma tjänster – HR" in lines[0] and "intraxl consolidate" in lines[0]
    assert not out.exists()
    assert consolidate(inbox, db, master).exit_code == 0
    assert report(db, master, out).exit_code == 0 and out.exists()
