"""Generated templates follow SPEC §4 to the letter and open cleanly in real readers."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange

from intraxl import contract
from intraxl.periods import Period
from intraxl.template import write_templates
from intraxl.template.layout import FIRST_DATA_ROW, HEADER_ROW

from .conftest import libreoffice_convert, pdf_text, schema_check

PERIOD = Period.parse("2023-03")
CLOSED_LISTS = {
    ("Aktiviteter", "Status"): contract.WORK_STATUSES,
    ("Uppdrag", "Status"): contract.WORK_STATUSES,
    ("Projekt", "Tid"): contract.PROJECT_STATUSES,
    ("Projekt", "Kostnad"): contract.PROJECT_STATUSES,
    ("Projekt", "Resultat"): contract.PROJECT_STATUSES,
    ("Risker", "Sannolikhet"): contract.SCALE_1_4,
    ("Risker", "Konsekvens"): contract.SCALE_1_4,
}


@pytest.fixture(scope="module")
def templates(mappings, tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    return write_templates(mappings, PERIOD, out)


def _table_rows(ws, table_name):
    ref = ws.tables[table_name].ref
    rng = CellRange(ref)
    return rng, list(ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row,
                                  min_col=rng.min_col, max_col=rng.max_col))


def _validations_for(ws, coordinate):
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


def test_one_template_per_unit(mappings, templates):
    assert len(templates) == len(mappings.units)
    assert {p.name for p in templates} == {
        f"manadsuppfoljning_2023-03_{u.id}.xlsx" for u in mappings.units}


def test_tables_headers_and_sheets_follow_the_contract(templates):
    for path in templates:
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == [contract.TEMPLATE_SHEETS_FIRST] + [t.name for t in contract.TABLES]
        for spec in contract.TABLES:
            ws = wb[spec.name]
            assert list(ws.tables) == [spec.name], path
            rng, rows = _table_rows(ws, spec.name)
            assert rng.min_row == HEADER_ROW + 1 and rng.min_col == 1
            assert tuple(c.value for c in rows[0]) == spec.columns
            assert ws.freeze_panes == f"A{FIRST_DATA_ROW + 1}"
            assert ws.protection.sheet is True and not ws.protection.password


def test_info_is_prefilled_and_locked(mappings, templates):
    wb = openpyxl.load_workbook(templates[0])
    unit = mappings.units[0]
    _, rows = _table_rows(wb["Info"], "Info")
    info = {r[0].value: r[1] for r in rows[1:]}
    assert list(info) == list(contract.INFO_FIELDS)
    assert info["Mallversion"].value == mappings.template.version
    assert info["Period"].value == "2023-03"
    assert info["Enhet-ID"].value == unit.id
    for field, cell in info.items():
        assert cell.protection.locked == (field not in contract.INFO_INPUT_FIELDS), field


def test_input_cells_unlocked_prefilled_cells_locked(templates):
    for path in templates:
        wb = openpyxl.load_workbook(path)
        for spec in contract.TABLES[1:]:
            _, rows = _table_rows(wb[spec.name], spec.name)
            for row in rows[1:]:
                new_risk = spec.name == "Risker" and row[0].value is None
                for header, cell in zip(spec.columns, row, strict=False):
                    if row[0].value is None and not new_risk:
                        continue  # the placeholder row of a table the unit has no rows in
                    expected_input = header in (contract.NEW_RISK_COLUMNS if new_risk
                                                else contract.INPUT_COLUMNS[spec.name])
                    assert cell.protection.locked == (not expected_input), \
                        f"{path.name} {spec.name}!{cell.coordinate} {header}"
                    if not expected_input:
                        assert cell.fill.fgColor.rgb.endswith("D9D9D9")


def test_every_closed_list_is_a_dropdown(templates):
    seen = set()
    for path in templates:
        wb = openpyxl.load_workbook(path)
        for (table, column), options in CLOSED_LISTS.items():
            ws = wb[table]
            _, rows = _table_rows(ws, table)
            col = contract.TABLES_BY_NAME[table].columns.index(column)
            for row in rows[1:]:
                if row[0].value is None and table != "Risker":
                    continue
                dvs = _validations_for(ws, row[col].coordinate)
                assert len(dvs) == 1 and dvs[0].type == "list", (path.name, row[col].coordinate)
                assert dvs[0].formula1 == '"' + ",".join(map(str, options)) + '"'
                assert dvs[0].promptTitle and dvs[0].prompt  # a Swedish input message
                seen.add((table, column))
    assert seen == set(CLOSED_LISTS)


def test_number_and_date_inputs_are_validated(templates):
    wb = openpyxl.load_workbook(next(p for p in templates if "gt-hr" in p.name))
    ws = wb["Ekonomi"]
    _, rows = _table_rows(ws, "Ekonomi")
    for row in rows[1:]:
        for cell in row[2:6]:
            (dv,) = _validations_for(ws, cell.coordinate)
            assert dv.type == "decimal"
    ws = wb["Indikatorer"]
    _, rows = _table_rows(ws, "Indikatorer")
    kinds = {r[0].value: _validations_for(ws, r[5].coordinate)[0] for r in rows[1:]}
    assert kinds["lonespecifikationer"].type == "whole"
    assert kinds["sjukfranvaro"].type == "decimal"
    assert float(kinds["sjukfranvaro"].formula2) == 1  # at most 100 %
    # Targets: annual 700 000 -> March 175 000, locked.
    targets = {r[0].value: (r[3].value, r[4].value) for r in rows[1:]}
    assert targets["lonespecifikationer"] == (175000, 700000)
    assert targets["manadsarbetare"] == (None, None)  # the administration's target, not HR's
    ws = wb["Aktiviteter"]
    _, rows = _table_rows(ws, "Aktiviteter")
    (dv,) = _validations_for(ws, rows[1][4].coordinate)
    assert dv.type == "date"
    assert rows[1][4].value == dt.datetime(2023, 12, 31)


def test_templates_are_valid_ooxml(templates):
    result = schema_check(*templates)
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.count("=> 0 invalid part(s)") == len(templates)


def test_openxml_audit_is_clean(templates):
    exe = shutil.which("openxml-audit")
    assert exe, "pip install openxml-audit (the test extra)"
    result = subprocess.run([exe, str(templates[0])], capture_output=True, text=True)
    assert result.returncode == 0 and "Errors: 0" in result.stdout, result.stdout


def test_template_opens_in_libreoffice(templates, tmp_path):
    pdf = libreoffice_convert(templates[0], "pdf", tmp_path)
    text = pdf_text(pdf)
    assert "Månadsuppföljning mars 2023" in text
    assert "Rad-ID" in text and "Indikator-ID" in text and "Avsnitt" in text


# --- Pre-filled from the history store ----------------------------------------------------

def _dicts(ws, table_name):
    _, rows = _table_rows(ws, table_name)
    header = [c.value for c in rows[0]]
    return [dict(zip(header, (c.value for c in r), strict=False)) for r in rows[1:]]


@pytest.fixture(scope="module")
def prefilled(mappings, tmp_path_factory):
    """A real SQLite file holding the 2022 history and the February 2023 examples; the
    CLI writes March 2023 (carried forward from February) and February 2023 (last year)."""
    from click.testing import CliRunner

    from intraxl.cli import main
    from intraxl.store import Received, Store
    from intraxl.validate import validate_file

    from .conftest import EXAMPLES, ROOT

    d = tmp_path_factory.mktemp("prefill")
    db = d / "intraxl.db"
    run = CliRunner().invoke
    assert run(main, ["history", "import", str(ROOT / "workbooks/history/2022.csv"),
                      "--db", str(db)]).exit_code == 0
    reports = [validate_file(f, mappings, Period.parse("2023-02"))
               for f in sorted(EXAMPLES.glob("*.xlsx"))]
    store = Store(str(db))
    store.record([Received(r) for r in reports])
    facts = store.facts(["2022-02"])
    store.dispose()
    for period in ("2023-03", "2023-02"):
        result = run(main, ["template", "--period", period, "--db", str(db),
                            "--out", str(d / period)])
        assert result.exit_code == 0, result.output
        assert "pre-filled from" in result.output
    return {"dir": d, "feb": {r.unit_id: r.submission for r in reports}, "facts": facts}


def test_statuses_risks_and_texts_are_carried_forward(mappings, prefilled):
    from intraxl.template import template_filename

    for unit in mappings.units:
        feb = prefilled["feb"][unit.id]
        wb = openpyxl.load_workbook(prefilled["dir"] / "2023-03" /
                                    template_filename(unit, PERIOD))
        acts = {r["Aktivitet-ID"]: r for r in _dicts(wb["Aktiviteter"], "Aktiviteter")}
        for a in feb.activities:
            assert acts[a.id]["Status"] == a.status
            assert acts[a.id]["Kommentar"] == a.comment
        prj = {r["Projekt-ID"]: r for r in _dicts(wb["Projekt"], "Projekt")}
        for p in feb.projects:
            assert (prj[p.id]["Tid"], prj[p.id]["Kostnad"], prj[p.id]["Resultat"]) == \
                (p.time, p.cost, p.result)
        risks = _dicts(wb["Risker"], "Risker")
        known = {r["Risk-ID"]: r for r in risks if r["Risk-ID"]}
        new = [r for r in risks if not r["Risk-ID"] and r["Risk"]]
        for r in feb.risks:
            row = known[r.id] if r.id in known else next(n for n in new if n["Risk"] == r.risk)
            assert (row["Sannolikhet"], row["Konsekvens"], row["Åtgärd"]) == \
                (r.probability, r.consequence, r.action)
        assert len(new) == sum(1 for r in feb.risks if r.id not in known)
        texts = {r["Avsnitt"]: r["Text"] for r in _dicts(wb["Kommentarer"], "Kommentarer")}
        assert {k: v for k, v in texts.items() if v} == feb.comments
        budget = {r["Rad-ID"]: r["Årsbudget"] for r in _dicts(wb["Ekonomi"], "Ekonomi")}
        assert budget == {e.id: e.annual_budget for e in feb.economy}
        # This month's figures are left for the unit to fill in.
        assert all(r["Utfall"] is None for r in _dicts(wb["Indikatorer"], "Indikatorer"))
    carried = sum(len(s.activities) + len(s.risks) for s in prefilled["feb"].values())
    assert carried > 10  # the examples exercise this


def test_last_years_outcome_is_shown_beside_the_input_cells(mappings, prefilled):
    from intraxl.template import template_filename

    facts = prefilled["facts"]
    shown = 0
    for unit in mappings.units:
        wb = openpyxl.load_workbook(prefilled["dir"] / "2023-02" /
                                    template_filename(unit, Period.parse("2023-02")))
        for sheet, column in (("Indikatorer", "Utfall"), ("Ekonomi", "Utfall ack")):
            ws = wb[sheet]
            rng, rows = _table_rows(ws, sheet)
            beside = ws.cell(rng.min_row, rng.max_col + 2)
            assert beside.value == f"{column} februari 2022"
            assert beside.coordinate not in rng  # outside the table: not part of the contract
            mine = facts[(facts["unit_id"] == unit.id) & (facts["table"] == sheet) &
                         (facts["field"] == column)]
            expected = dict(zip(mine["id"], mine["value"], strict=False))
            for r in rows[1:]:
                value = ws.cell(r[0].row, rng.max_col + 2).value
                assert value == pytest.approx(expected.get(r[0].value)) \
                    if r[0].value in expected else value is None
                shown += value is not None
    assert shown > 20


def test_a_prefilled_template_still_reads_as_the_contract(mappings, prefilled):
    """The extra column does not confuse the reader; only this month's figures are missing."""
    from intraxl.validate import validate_file

    files = sorted((prefilled["dir"] / "2023-02").glob("*.xlsx"))
    check = schema_check(*files, *sorted((prefilled["dir"] / "2023-03").glob("*.xlsx")))
    assert check.returncode == 0, check.stdout + check.stderr
    for f in files:
        report = validate_file(f, mappings, Period.parse("2023-02"))
        assert report.submission is not None
        assert {i.code for i in report.issues} <= {"missing-value", "comment-missing"}, \
            [i for i in report.issues if i.code not in {"missing-value", "comment-missing"}]


def test_without_a_database_templates_are_blank_and_no_file_is_created(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from intraxl.cli import main

    from .conftest import ROOT

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["template", "--period", "2023-03", "--mappings",
                                       str(ROOT / "mappings"), "--unit", "gt-hr"])
    assert result.exit_code == 0, result.output
    assert "not pre-filled" in result.output
    assert not (tmp_path / "intraxl.db").exists()
    wb = openpyxl.load_workbook(next((tmp_path / "workbooks/templates/2023-03").glob("*.xlsx")))
    assert all(r["Status"] is None for r in _dicts(wb["Aktiviteter"], "Aktiviteter"))


def test_row_ids_name_the_layouts_rows_for_every_unit(mappings):
    """Validation checks a submission's rows against `row_ids` without building the layout:
    they must be the key column of the layout, in its order (the empty rows left for new
    risks have no key)."""
    from intraxl.template.layout import build_layout, row_ids

    for unit in mappings.units:
        layout = {s.name: [str(r[s.table.key].value) for r in s.rows
                           if r[s.table.key].value is not None]
                  for s in build_layout(mappings, unit, Period.parse("2023-02"))}
        assert layout == row_ids(mappings, unit), unit.id


def test_a_january_template_does_not_carry_last_years_budget():
    """December's Årsbudget is last year's: a January template leaves it for the unit (the
    budget-changed warning is not asked in January, so nothing else would say it)."""
    import pandas as pd

    from intraxl.template.prefill import prefill_values

    facts = pd.DataFrame(
        [(p, "gt-hr", "Ekonomi", "kostnad.totalt", "Årsbudget", 159478.0)
         for p in ("2023-11", "2023-12")]
        + [("2023-12", "gt-hr", "Aktiviteter", "A1", "Status", "Pågår")],
        columns=["period", "unit_id", "table", "id", "field", "value"])
    december = prefill_values(facts, "gt-hr", Period.parse("2023-12")).cells
    january = prefill_values(facts, "gt-hr", Period.parse("2024-01")).cells
    assert december["Ekonomi"] == {"kostnad.totalt": {"Årsbudget": 159478}}
    assert "Ekonomi" not in january and january["Aktiviteter"] == {"A1": {"Status": "Pågår"}}
