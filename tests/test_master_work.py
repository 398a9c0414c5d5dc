"""The controller's own work in the master kept as theirs: a sheet they added, carried from
master to master, recalculated by their spreadsheet program, printed with the report."""

from __future__ import annotations

import shutil
import subprocess

import openpyxl

from intraxl.master import fingerprint

from .conftest import pdf_text, schema_check, soffice
from .test_master import _fresh_month, _recalc_profile, consolidate, run_cli


def _with_my_sheet(tmp_path):
    """The example month's master with a sheet `Min analys` added by hand (openpyxl, which
    stores a formula without its value), carried into a new master with --force."""
    inbox, db, out = _fresh_month(tmp_path)
    assert consolidate(inbox, db, out).exit_code == 0
    wb = openpyxl.load_workbook(out)
    mine = wb.create_sheet("Min analys")
    mine["A1"], mine["B1"], mine["B2"] = "Summa", 12, "=B1*2"
    mine["A3"] = "Egen kommentar om personalkostnaderna"
    wb.save(out)
    result = consolidate(inbox, db, out, "--force")
    assert result.exit_code == 0, result.output
    return inbox, db, out


def test_a_recalculated_formula_of_an_added_sheet_is_no_change(tmp_path):
    """Opened and saved in LibreOffice, the carried formula gets its value (24): the next
    run reports no change, and the sheet is carried again with that value."""
    inbox, db, out = _with_my_sheet(tmp_path)
    # saved by openpyxl, the formula had no value: none is made up
    assert openpyxl.load_workbook(out, data_only=True)["Min analys"]["B2"].value is None
    assert schema_check(out).returncode == 0
    lo = tmp_path / "lo"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{_recalc_profile(tmp_path)}",
                    "--headless", "--convert-to", "xlsx", "--outdir", str(lo), str(out)],
                   check=True, capture_output=True, timeout=300)
    saved = lo / out.name
    assert openpyxl.load_workbook(saved, data_only=True)["Min analys"]["B2"].value == 24
    shutil.copy(saved, out)
    result = consolidate(inbox, db, out)
    assert result.exit_code == 0, result.output
    assert "Min analys" not in result.output
    values = openpyxl.load_workbook(out, data_only=True)["Min analys"]
    assert openpyxl.load_workbook(out)["Min analys"]["B2"].value == "=B1*2"
    assert values["B2"].value == 24  # its last computed value, carried

    wb = openpyxl.load_workbook(out)
    wb["Min analys"]["B2"] = "=B1*3"  # a formula changed by hand is still a change
    wb.save(out)
    result = consolidate(inbox, db, out)
    assert result.exit_code == 1
    assert "error:   Min analys!B2: 24 → (empty)" in result.output.splitlines()


def test_refresh_keeps_the_record_very_hidden(tmp_path):
    """Recalculated and saved through LibreOffice (which saves a very hidden sheet only
    hidden), the record sheet is very hidden again: not in Excel's Unhide list."""
    inbox, db, out = _fresh_month(tmp_path)
    assert consolidate(inbox, db, out).exit_code == 0
    result = run_cli("refresh", out)
    assert result.exit_code == 0 and "with LibreOffice" in result.output, result.output
    states = {ws.title: ws.sheet_state for ws in openpyxl.load_workbook(out).worksheets}
    assert states[fingerprint.SHEET] == "veryHidden"
    assert {s for s, state in states.items() if state != "visible"} == {fingerprint.SHEET}
    assert schema_check(out).returncode == 0
    assert consolidate(inbox, db, out).exit_code == 0  # nothing changed by the refresh


def test_the_pdf_prints_the_sheets_the_controller_added(tmp_path):
    """`consolidate --pdf` prints the controller's own sheets after the report's: their
    work is part of what they hand over."""
    inbox, db, out = _with_my_sheet(tmp_path)
    result = consolidate(inbox, db, out, "--pdf")
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(out.with_suffix(".pdf")).split())
    assert "Egen kommentar om personalkostnaderna" in text
    assert text.index("Egen kommentar") > text.index("Kommentarer – februari 2023")
    assert "manadsuppfoljning_2023-02_gt-hr.xlsx" not in text  # Inlämningar still left out
