"""The feedback workbook: submitted values, marked cells with comments, `Att åtgärda` first."""

from __future__ import annotations

import shutil
import subprocess

import openpyxl
from click.testing import CliRunner

from intraxl.cli import main

from .conftest import libreoffice_convert, overlapping_lines, pdf_text, schema_check
from .test_validate import HR, set_cell, write_hr


def _bad_file(mappings, tmp_path):
    def edit(v):
        set_cell("Ekonomi", "resultat.forvaltning", "Utfall ack", "tolv")(v)
        set_cell("Aktiviteter", "A09", "Status", "Halvklar")(v)
        v.new_risks = [{"Riskområde": "Operativa", "Risk": "Ny risk", "Konsekvens": 2}]
    return write_hr(mappings, tmp_path / "inskickad.xlsx", edit)


def test_feedback_workbook(mappings, tmp_path):
    bad = _bad_file(mappings, tmp_path)
    out = tmp_path / "feedback"
    result = CliRunner().invoke(main, ["validate", str(bad), str(HR), "--feedback", str(out)])
    assert result.exit_code == 1
    files = list(out.iterdir())
    assert [f.name for f in files] == ["inskickad_att_atgarda.xlsx"]  # only for invalid files
    fb = files[0]

    wb = openpyxl.load_workbook(fb)
    assert wb.sheetnames[0] == "Att åtgärda"
    ws = wb["Att åtgärda"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5, max_col=4)]
    assert {(r[1], r[2]) for r in rows} == {
        ("not-a-number", "Ekonomi!C5"), ("invalid-value", "Aktiviteter!D6"),
        ("missing-value", "Risker!D6")}
    links = {ws.cell(row=r, column=3).hyperlink.location for r in range(5, 8)}
    assert links == {"'Ekonomi'!C5", "'Aktiviteter'!D6", "'Risker'!D6"}
    # The submitted values are in the template, the problem cells marked and commented.
    eco = wb["Ekonomi"]
    assert eco["C5"].value == "tolv" and eco["D5"].value == 200
    assert "tolv" in eco["C5"].comment.text
    assert eco["C5"].fill.fgColor.rgb.endswith("FFC7CE")
    assert eco["D5"].comment is None
    assert wb["Aktiviteter"]["D6"].value == "Halvklar" and wb["Aktiviteter"]["D6"].comment
    assert wb["Risker"]["C6"].value == "Ny risk" and wb["Risker"]["D6"].comment

    assert schema_check(fb).returncode == 0
    audit = subprocess.run([shutil.which("openxml-audit"), str(fb)], capture_output=True,
                           text=True)
    assert audit.returncode == 0 and "Errors: 0" in audit.stdout, audit.stdout
    pdf = libreoffice_convert(fb, "pdf", tmp_path)
    text = pdf_text(pdf)
    assert "Att åtgärda i inskickad.xlsx" in text and "not-a-number" in text
    # Wrapped text (the instructions, the messages, the plan's long names) gets its rows'
    # height: nothing prints over the row below.
    assert overlapping_lines(pdf) == []


def test_without_period_the_files_own_period_or_a_reason(mappings, tmp_path):
    """Without --period, the feedback workbook is for the month in the file's Period cell;
    when that is no month, the output says why none was written, and never `None`."""
    from .conftest import libreoffice_edit

    bad = _bad_file(mappings, tmp_path)
    typed = libreoffice_edit(bad, tmp_path / "utan_period.xlsx", [
        {"sheet": "Info", "cell": "B6", "op": "type", "text": "februari"}])
    out = tmp_path / "feedback"
    result = CliRunner().invoke(main, ["validate", str(bad), str(typed), "--feedback", str(out)])
    assert result.exit_code == 1
    assert [f.name for f in out.iterdir()] == ["inskickad_att_atgarda.xlsx"]
    info = openpyxl.load_workbook(out / "inskickad_att_atgarda.xlsx")["Info"]
    assert info["B6"].value == "2023-02"  # the file's own period
    lines = result.output.splitlines()
    verdict = next(line for line in lines if "utan_period.xlsx" in line and "gt-hr" in line)
    assert "None" not in result.output
    reason = lines[lines.index(verdict) + 1]
    assert "ingen återkopplingsfil" in reason and "--period" in reason


def test_a_file_that_is_no_workbook_gets_no_advice_to_give_a_period(mappings, tmp_path):
    """With or without --period no feedback workbook can be made from a text file: the
    reason says so, rather than asking for a month that would not help."""
    text = tmp_path / "manadsuppfoljning_2023-02_uppdrag_v2.xlsx"
    text.write_text("hej\n", encoding="utf-8")
    for more in ([], ["--period", "2023-02"]):
        result = CliRunner().invoke(main, ["validate", str(text), "--feedback",
                                           str(tmp_path / "fb"), *more])
        assert result.exit_code == 1
        reason = next(line for line in result.output.splitlines()
                      if "ingen återkopplingsfil" in line)
        assert "inga av mallens tabeller" in reason and "--period" not in reason
