"""A reporter's harmless habits are accepted or warned, never rejected or lost (SPEC §7).

Each case is made the way it happens: the filled template edited in LibreOffice Calc through
its UNO API (typing in a Swedish locale, a text-formatted cell, a hyperlink, an inserted row)
and saved by it.
"""

from __future__ import annotations

import json
import re
import zipfile

import openpyxl
import pytest
import python_calamine as pc
from click.testing import CliRunner

from intraxl.cli import main
from intraxl.feedback import write_feedback
from intraxl.validate.values import number_in_text

from .conftest import libreoffice_convert, libreoffice_edit
from .test_validate import HR, codes_at, set_cell, validate, write_hr

NB = "\xa0"


def facts_of(report) -> dict[tuple[str, str, str], object]:
    return {(table, rid, field): value for table, rid, field, value in report.submission.facts}


def typed(sheet: str, cell: str, text: str) -> dict:
    return {"op": "type", "sheet": sheet, "cell": cell, "text": text}


def text_format(sheet: str, cell: str) -> dict:
    return {"op": "format", "sheet": sheet, "cell": cell, "format": "@"}


# --- digits stored as text ----------------------------------------------------------------

@pytest.mark.parametrize("text, number", [
    ("24075", 24075), ("24 075", 24075), (f"24{NB}075", 24075), ("24\u202f075", 24075),
    ("1 234,5", 1234.5), ("-500", -500), ("\u22123 000", -3000), ("+12", 12), (" 7 ", 7),
    ("0,059", 0.059),
])
def test_a_number_written_as_a_swede_writes_it(text, number):
    assert number_in_text(text) == number


@pytest.mark.parametrize("text", ["1,5 mkr", "tolv", "5,9 %", "1.5", "24 0 75", "1,2,3", "",
                                  "- 5", "12 tkr", "١٢"])
def test_text_with_units_or_words_is_not_a_number(text):
    assert number_in_text(text) is None


def test_digits_typed_into_text_cells_are_their_numbers_with_a_warning(mappings, tmp_path):
    edits = []
    for cell, text in (("C7", "24075"), ("D7", "26 335"), ("E7", f"159{NB}478"),
                       ("F5", "-500"), ("C9", "1,5 mkr")):
        edits += [text_format("Ekonomi", cell), typed("Ekonomi", cell, text)]
    path = libreoffice_edit(HR, tmp_path / "text.xlsx", edits)
    r = validate(mappings, path)
    assert codes_at(r) == {("number-as-text", "Ekonomi!C7"), ("number-as-text", "Ekonomi!D7"),
                           ("number-as-text", "Ekonomi!E7"), ("number-as-text", "Ekonomi!F5"),
                           ("not-a-number", "Ekonomi!C9")}
    assert [i.location for i in r.errors] == ["Ekonomi!C9"]  # words and units stay errors
    facts = facts_of(r)
    assert facts[("Ekonomi", "kostnad.totalt", "Utfall ack")] == 24075
    assert facts[("Ekonomi", "kostnad.totalt", "Budget ack")] == 26335
    assert facts[("Ekonomi", "kostnad.totalt", "Årsbudget")] == 159478
    assert facts[("Ekonomi", "resultat.forvaltning", "Prognos helår")] == -500
    (warning,) = [i for i in r.warnings if i.cell == "D7"]
    assert warning.message.startswith("'26 335' är sparat som text men har lästs som talet "
                                      f"26{NB}335.")


# --- closed lists -------------------------------------------------------------------------

def test_a_closed_list_value_in_another_case_or_with_spaces_is_the_lists_value(
        mappings, tmp_path):
    path = libreoffice_edit(HR, tmp_path / "case.xlsx", [
        typed("Projekt", "D5", "grön"), typed("Projekt", "E6", "GUL "),
        typed("Aktiviteter", "D6", " pågående"), typed("Uppdrag", "C7", "klar"),
        typed("Risker", "D5", "Påhittad")])
    r = validate(mappings, path)
    assert codes_at(r) == {("invalid-value", "Risker!D5")}  # a value outside the list stays
    facts = facts_of(r)
    assert facts[("Projekt", "PR03", "Tid")] == "Grön"
    assert facts[("Projekt", "PR04", "Kostnad")] == "Gul"
    assert facts[("Aktiviteter", "A09", "Status")] == "Pågående"
    assert facts[("Uppdrag", "U06", "Status")] == "Klar"


# --- the period ---------------------------------------------------------------------------

def test_a_period_the_spreadsheet_made_a_date_is_that_month(mappings, tmp_path):
    path = libreoffice_edit(HR, tmp_path / "date.xlsx", [
        typed("Info", "B6", "2023-02-01"),
        {"op": "format", "sheet": "Info", "cell": "B6", "format": "ÅÅÅÅ-MM"}])
    r = validate(mappings, path)
    assert r.valid and r.issues == [], r.issues
    assert r.period == r.submission.period == "2023-02"
    result = CliRunner().invoke(main, ["validate", str(path), "--json", "--period", "2023-02"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"][0]["period"] == "2023-02"

    mid_month = libreoffice_edit(HR, tmp_path / "mid.xlsx", [typed("Info", "B6", "2023-02-15")])
    r = validate(mappings, mid_month)
    assert codes_at(r) == {("invalid-period", "Info!B6")} and r.period is None
    assert "'2023-02-15'" in r.errors[0].message


# --- figures in messages ------------------------------------------------------------------

def test_every_figure_in_a_message_is_swedish(mappings, tmp_path):
    def edit(v):
        set_cell("Indikatorer", "sjukfranvaro", "Utfall", 5.9)(v)
        set_cell("Indikatorer", "lonearenden", "Utfall", 12.5)(v)
        set_cell("Indikatorer", "lonespecifikationer", "Utfall", -1234)(v)
        set_cell("Ekonomi", "kostnad.totalt", "Prognos helår", 23419)(v)
        set_cell("Ekonomi", "kostnad.konsult", "Utfall ack", -1811.5)(v)
        set_cell("Ekonomi", "kostnad.it", "Budget ack", 1.5e12)(v)
    r = validate(mappings, write_hr(mappings, tmp_path / "figures.xlsx", edit))
    messages = {i.location: i.message for i in r.issues}
    assert messages["Indikatorer!F9"].startswith(f"Andelen 590,0{NB}% är över 100 %.")
    assert messages["Indikatorer!F6"].startswith("Värdet 12,5 ska vara ett heltal")
    assert messages["Indikatorer!F5"].startswith(f"Värdet \u22121{NB}234 är negativt")
    assert messages["Ekonomi!F7"].startswith(
        f"Prognosen 23{NB}419{NB}tkr avviker mer än 50 % från årsbudgeten 159{NB}478{NB}tkr.")
    assert messages["Ekonomi!C9"] == f"Kostnaden \u22121{NB}812{NB}tkr är negativ. Stämmer det?"
    assert messages["Ekonomi!D10"] == \
        f"Talet 1{NB}500{NB}000{NB}000{NB}000 är orimligt stort."


def test_figures_in_a_files_rejection_are_swedish(mappings, tmp_path):
    big = tmp_path / "big.xlsx"
    with big.open("wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(21 * 1024 * 1024)
    (issue,) = validate(mappings, big).issues
    assert issue.message.startswith("Filen är för stor (22,0 MB; högst 21 MB).")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(HR) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info, zin.read(info))
        z.writestr("xl/media/zeros.bin", b"\x00" * (8 * 1024 * 1024))
    (issue,) = validate(mappings, bomb).issues
    assert re.search(rf"packas upp till 8 MB \(kvot \d{{1,3}}{NB}\d{{3}}:1\)", issue.message), \
        issue.message


# --- a row typed just below a table -------------------------------------------------------

def test_a_risk_typed_just_below_the_table_is_read_with_a_warning(mappings, tmp_path):
    row = {"B": "Operativa", "C": "Leverantören av lönesystemet går i konkurs", "D": "2",
           "E": "3", "F": "Bevaka leverantörens ekonomi", "G": "HR-chef"}
    path = libreoffice_edit(HR, tmp_path / "below.xlsx",
                            [typed("Risker", f"{col}11", text) for col, text in row.items()])
    table = pc.CalamineWorkbook.from_path(str(path), load_tables=True).get_table_by_name("Risker")
    assert table.end[0] == 9  # LibreOffice did not grow the table: A4:G10, the risk on row 11
    r = validate(mappings, path)
    assert r.valid and codes_at(r) == {("row-below-table", "Risker!A11")}
    assert "Rad 11 ligger under tabellen Risker" in r.issues[0].message
    (new,) = [risk for risk in r.submission.risks if risk.id is None]
    assert (new.area, new.risk, new.probability, new.consequence, new.owner) == (
        "Operativa", "Leverantören av lönesystemet går i konkurs", 2, 3, "HR-chef")
    assert facts_of(r)[("Risker", "ny-1", "Risk")] == new.risk

    fb = write_feedback(r, mappings, tmp_path / "feedback")
    wb = openpyxl.load_workbook(fb)
    risks = {row[2]: row for row in wb["Risker"].iter_rows(min_row=5, values_only=True)}
    assert risks[new.risk][1:5] == ("Operativa", new.risk, 2, 3)
    link = wb["Att åtgärda"]["C5"].hyperlink.location
    assert link == "'Risker'!A6" and wb["Risker"]["C6"].value == new.risk


# --- Enhet-ID changed, the rows another unit's ---------------------------------------------

def test_rows_of_one_unit_under_another_units_id_are_said_at_the_id(mappings, tmp_path):
    path = libreoffice_edit(HR, tmp_path / "ekonomi.xlsx", [typed("Info", "B7", "gt-ekonomi")])
    r = validate(mappings, path)
    assert [(i.code, i.location) for i in r.errors] == [("wrong-unit", "Info!B7")]
    assert r.errors[0].message.startswith(
        "Raderna i filen hör till Gemensamma tjänster – HR (gt-hr), men Enhet-ID är gt-ekonomi")
    assert r.unit_id == "gt-ekonomi" and r.submission is None

    out = tmp_path / "feedback"
    result = CliRunner().invoke(main, ["validate", str(path), "--feedback", str(out)])
    assert result.exit_code == 1
    wb = openpyxl.load_workbook(out / "ekonomi_att_atgarda.xlsx")
    # The template of the unit the rows belong to, with the reporter's figures.
    hr = openpyxl.load_workbook(HR)
    for sheet in ("Indikatorer", "Ekonomi", "Aktiviteter", "Risker"):
        assert [c.value for c in wb[sheet]["A"]] == [c.value for c in hr[sheet]["A"]], sheet
    assert wb["Ekonomi"]["C7"].value == 24075 and wb["Info"]["B8"].value == hr["Info"]["B8"].value
    sheet = wb["Att åtgärda"]
    assert (sheet["B5"].value, sheet["C5"].hyperlink.location) == ("wrong-unit", "'Info'!B7")
    assert wb["Info"]["B7"].comment is not None

    typo = libreoffice_edit(HR, tmp_path / "typo.xlsx", [typed("Info", "B7", "gt-hrr")])
    r = validate(mappings, typo)
    assert codes_at(r) == {("unknown-unit", "Info!B7")}
    fb = openpyxl.load_workbook(write_feedback(r, mappings, tmp_path / "typo-feedback"))
    assert fb["Ekonomi"]["C7"].value == 24075  # still the template of the rows' unit


# --- a renamed header, an inserted note row: said where they are, nothing lost -------------

def test_a_renamed_header_and_a_note_row_are_said_where_they_are(mappings, tmp_path):
    path = libreoffice_edit(HR, tmp_path / "edited.xlsx", [
        typed("Ekonomi", "D4", "Budget"),
        {"op": "insert_row", "sheet": "Aktiviteter", "row": 6},
        typed("Aktiviteter", "F6", "Obs: A09 hänger ihop med A08.")])
    r = validate(mappings, path)
    assert codes_at(r) == {("missing-column", "Ekonomi!D4"), ("missing-id", "Aktiviteter!A6")}
    (renamed,) = [i for i in r.issues if i.code == "missing-column"]
    assert renamed.message.startswith("Rubriken 'Budget' ska vara 'Budget ack'.")

    out = tmp_path / "feedback"
    result = CliRunner().invoke(main, ["validate", str(path), "--feedback", str(out)])
    assert result.exit_code == 1
    wb = openpyxl.load_workbook(out / "edited_att_atgarda.xlsx")
    # The reporter's figures are kept, those under the renamed header too.
    assert [wb["Ekonomi"][f"D{row}"].value for row in (5, 7, 9)] == [200, 26335, 2335]
    assert wb["Aktiviteter"]["A6"].value == "A09"
    sheet = wb["Att åtgärda"]
    links = {sheet[f"B{row}"].value: (sheet[f"C{row}"].value, sheet[f"C{row}"].hyperlink)
             for row in (5, 6)}
    assert {code: (text, link.location) for code, (text, link) in links.items()} == {
        "missing-column": ("Ekonomi!D4 i din fil", "'Ekonomi'!D4"),
        "missing-id": ("Aktiviteter!A6 i din fil", "'Aktiviteter'!A4")}
    assert wb["Ekonomi"]["D4"].value == "Budget ack"
    assert wb["Aktiviteter"]["A4"].value == "Aktivitet-ID"


def test_a_workbook_saved_as_xlsm_without_macros_is_the_wrong_file_type(mappings, tmp_path):
    xlsm = libreoffice_convert(HR, "xlsm:Calc MS Excel 2007 VBA XML", tmp_path)
    names = zipfile.ZipFile(xlsm).namelist()
    assert not any("vba" in n.lower() for n in names)
    (issue,) = validate(mappings, xlsm).issues
    assert issue.code == "xlsm-file" and "inga makron" in issue.message
    assert "(.xlsx)" in issue.message


# --- a hyperlink ---------------------------------------------------------------------------

def link(sheet: str, cell: str, text: str, url: str) -> dict:
    return {"op": "link", "sheet": sheet, "cell": cell, "text": text, "url": url}


def test_where_a_link_in_a_comment_leads_is_kept_with_its_text(mappings, tmp_path):
    page = "https://intra.example.se/rapporter/hr-2023-02"
    path = libreoffice_edit(HR, tmp_path / "links.xlsx", [
        link("Kommentarer", "B6", "Se rapporten", page),
        link("Kommentarer", "B8", page, page),
        link("Aktiviteter", "F6", "Fråga Lena", "mailto:lena.berg@intraservice.example.se"),
        link("Uppdrag", "C5", "Pågående", page)])
    r = validate(mappings, path)
    assert r.valid and r.issues == [], r.issues
    assert r.submission.comments["Kund och ägare"] == f"Se rapporten ({page})"
    assert r.submission.comments["Process"] == page  # the text says where already
    facts = facts_of(r)
    assert facts[("Aktiviteter", "A09", "Kommentar")] == \
        "Fråga Lena (lena.berg@intraservice.example.se)"
    assert facts[("Uppdrag", "U02", "Status")] == "Pågående"  # a list value stays itself
