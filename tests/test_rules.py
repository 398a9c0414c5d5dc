"""The checks declared beside the contract (`rules.py`), run by one engine for a submitted
workbook and for the history import."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

from intraxl import contract
from intraxl.reader import RawRow, RawTable, RawWorkbook
from intraxl.rules import CHECKS, CHECKS_BY_TABLE, Cell, Finding, Row
from intraxl.validate.checker import Checker
from intraxl.validate.engine import check_table
from intraxl.validate.values import coerce

from .test_validate import (
    FEB,
    HR,
    SHEET_PART,
    _inline,
    codes_at,
    patch_part,
    replace_cell,
    set_cell,
    validate,
    write_hr,
)


def test_every_input_column_of_the_contract_is_declared():
    for checks in CHECKS:
        name = checks.spec.name
        assert {c.column for c in checks.cells_of(new=False)} >= set(
            contract.INPUT_COLUMNS[name]), name
        assert all(c.column in checks.spec.columns for c in checks.cells), name
    new_risk = CHECKS_BY_TABLE[contract.RISKS.name].cells_of(new=True)
    assert [c.column for c in new_risk] == list(contract.NEW_RISK_COLUMNS)
    assert {t.name for t in contract.TABLES} - set(CHECKS_BY_TABLE) == {contract.INFO.name}


def _activities(*rows: dict[str, Any]) -> RawTable:
    """An Aktiviteter table as the reader gives it, header on sheet row 4 (zero-based 3)."""
    spec = contract.ACTIVITIES
    return RawTable(spec, "Aktiviteter", 3, {c: i for i, c in enumerate(spec.columns)},
                    [RawRow(4 + i, {c: r.get(c) for c in spec.columns}) for i, r in
                     enumerate(rows)])


def test_the_engine_runs_a_declared_rule_and_keeps_the_input_as_facts(mappings):
    def budget_named(values: dict[str, Any], row: Row) -> Iterator[Finding]:
        if values["Kommentar"] and "budget" in values["Kommentar"]:
            yield Finding("comment-missing", "Kommentar", "red-project")

    checks = CHECKS_BY_TABLE["Aktiviteter"]
    declared = replace(checks, cells=(*checks.cells, Cell("Aktivitet", required=True)),
                       rules=(*checks.rules, budget_named))
    table = _activities(
        {"Aktivitet-ID": "A1", "Status": "Klar", "Slutdatum": "2023-06-30",
         "Kommentar": "Över budget", "Aktivitet": "Ny löneprocess"},
        {"Aktivitet-ID": "A2", "Status": "klar!", "Slutdatum": "snart",
         "Kommentar": None, "Aktivitet": None},
        {"Aktivitet-ID": "A3", "Status": "Pågående", "Slutdatum": 44927.0,  # 2023-01-01
         "Kommentar": "Enligt plan", "Aktivitet": "Utbildning"})
    c = Checker(RawWorkbook(Path("x.xlsx"), "", 0))
    rows = check_table(c, table, declared, ["A1", "A2", "A3"], mappings, FEB)
    assert [(i.code, i.severity.value, i.cell, i.row_key, i.column) for i in c.issues] == [
        ("comment-missing", "warning", "F5", "A1", "Kommentar"),
        ("invalid-value", "error", "D6", "A2", "Status"),
        ("not-a-date", "error", "E6", "A2", "Slutdatum"),
        ("missing-value", "error", "C6", "A2", "Aktivitet"),
        ("overdue", "warning", "D7", "A3", "Status")]
    assert c.issues[-1].message.startswith("Slutdatum 2023-01-01 har passerat")
    assert rows[0].values["Slutdatum"].isoformat() == "2023-06-30"
    # Facts are the unit's input columns only: Aktivitet is pre-filled, not kept.
    assert ("Aktiviteter", "A3", "Status", "Pågående") in c.facts
    assert not [f for f in c.facts if f[2] == "Aktivitet"]
    assert not [f for f in c.facts if f[1] == "A2" and f[2] in ("Status", "Slutdatum")]


def test_a_period_dependent_rule_skips_when_the_period_is_unknown(mappings):
    table = _activities({"Aktivitet-ID": "A1", "Status": "Pågående", "Slutdatum": "2020-01-31",
                         "Kommentar": "x"})
    c = Checker(RawWorkbook(Path("x.xlsx"), "", 0))
    check_table(c, table, CHECKS_BY_TABLE["Aktiviteter"], ["A1"], mappings, None)
    assert c.issues == []
    check_table(c, table, CHECKS_BY_TABLE["Aktiviteter"], ["A1"], mappings, FEB)
    assert [i.code for i in c.issues] == ["overdue"]


def test_the_history_import_reads_a_value_by_the_same_declaration(mappings):
    value, problem = coerce(mappings, "Risker", "R04", "Sannolikhet", 5)
    assert value is None and problem is not None and problem.code == "invalid-value"
    issue = problem.issue(column="Sannolikhet")
    assert issue.message == "'5' är inte ett tillåtet värde i 'Sannolikhet'. Välj ett av: " \
        "1, 2, 3, 4."
    assert coerce(mappings, "Risker", "ny-1", "Riskområde", "Eget område") == (
        "Eget område", None)  # a risk's area is a text outside a new template row
    assert coerce(mappings, "Aktiviteter", "A1", "Status", " klar") == ("Klar", None)
    share, problem = coerce(mappings, "Indikatorer", "sjukfranvaro", "Utfall", 5.9)
    assert share is None and problem.code == "percent-over-100"
    assert problem.issue().message.startswith("Andelen 590,0\xa0% är över 100 %.")


def test_a_bad_period_hides_no_other_cell_error(mappings, tmp_path):
    """A Period that is not a month, and a text in a number cell: both said at their cells,
    the period-dependent checks skipped, no submission."""
    text = write_hr(mappings, tmp_path / "text.xlsx",
                    set_cell("Ekonomi", "kostnad.totalt", "Utfall ack", "tolv"))
    both = patch_part(text, tmp_path / "both.xlsx", SHEET_PART["Info"],
                      replace_cell("B6", _inline("B6", "feb 2023")))
    r = validate(mappings, both)
    assert codes_at(r) == {("invalid-period", "Info!B6"), ("not-a-number", "Ekonomi!C7")}
    assert r.period is None and r.submission is None and not r.valid
    assert "'tolv' är inte ett tal" in next(i.message for i in r.issues if i.cell == "C7")
    assert validate(mappings, HR).valid  # the unchanged file is valid
