"""Mappings load into strict models; every mistake is one line naming the file and key."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from intraxl.cli import main
from intraxl.errors import MappingError
from intraxl.mappings import load_mappings

from .conftest import ROOT


@pytest.fixture
def broken(tmp_path):
    """A copy of the shipped mappings to break one thing at a time."""
    d = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", d)
    return d


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_mappings_cover_the_reference(mappings):
    assert len(mappings.units) == 7
    dev = {u.id for u in mappings.units if u.development_frame}
    assert dev == {"gt-ekonomi", "gt-hr", "gt-kls", "digital-infrastruktur"}
    names = {i.name for i in mappings.indicators}
    for n in ("Lönespecifikationer", "Löneärenden", "Leverantörsfakturor", "Kundfakturor",
              "Serviceärenden", "Efterlevnad SLA", "Frisknärvaro", "Sjukfrånvaro",
              "Verksamhetens kostnader", "Personalkostnader", "Konsultkostnader",
              "Kostnad utvecklingsprojekt", "Verksamhetens resultat"):
        assert n in names
    assert len(mappings.plan.activities) == 15 and len(mappings.plan.assignments) == 9
    assert len(mappings.plan.risks) == 13


def test_period_targets_are_linear_and_truncated(mappings):
    by_id = {i.id: i for i in mappings.indicators}
    # SPEC §6: Mål Feb = årsmål × 2/12, truncated to whole numbers.
    assert by_id["lonespecifikationer"].period_target(2) == 116666
    assert by_id["lonearenden"].period_target(2) == 13166
    assert by_id["kundfakturor"].period_target(2) == 258333
    assert by_id["sjukfranvaro"].period_target(2) == 0.05  # a level: the target itself
    assert by_id["efterlevnad-sla"].period_target(2) is None


def test_shipped_mappings_carry_the_references_subgoals_notes_and_closed_project(mappings):
    goals = {g.id: g.subgoals for g in mappings.catalogue.goals}
    assert goals["god-intern-service"] == [
        "Vi skall leverera enligt Tjänsteplan 2023 (kommande förvaltnings-/utvecklingsplaner)"]
    assert goals["attrahera-medarbetare"] == ["Kompetensförsörjning"]
    assert goals["kundupplevelse"] == []
    notes = {i.id: i.note for i in mappings.indicators if i.note}
    assert notes["efterlevnad-sla"].startswith("Efterlevnad SLA är ny indikator för 2023")
    closed = [p for p in mappings.plan.projects if not p.open]
    assert [(p.id, str(p.closed)) for p in closed] == [("PR09", "2023-01-31")]
    # A closed project is no longer in its unit's template.
    kls = mappings.unit("gt-kls")
    assert [p.id for p in mappings.projects_for(kls)] == ["PR01", "PR02"]
    assert mappings.report_template == mappings.directory / "rapportmall.docx"


def test_the_status_rule_names_what_it_judges(mappings, broken):
    """`on:` is the key `on` (YAML 1.1 would read it as True); the shipped cost indicators
    judge outcome and forecast, the others the outcome; `no` is still false for a boolean."""
    on = {i.id: i.status.on for i in mappings.indicators if i.status}
    costs = {"verksamhetens-kostnader", "personalkostnader", "konsultkostnader",
             "it-kostnader", "utvecklingsprojekt"}
    assert {i for i, what in on.items() if what == "both"} == costs
    assert set(on.values()) == {"both", "outcome"}
    _edit(broken / "indicators.yaml", "    required: false\n", "    required: no\n")
    assert not next(i for i in load_mappings(broken).indicators
                    if i.id == "efterlevnad-sla").required


def test_explicit_monthly_targets_win(broken):
    _edit(broken / "indicators.yaml", "    annual_target: 360000\n",
          "    annual_target: 360000\n    monthly_targets: [10000, 20000, 30000, 30000, 30000, "
          "30000, 30000, 30000, 40000, 40000, 40000, 30000]\n")
    m = load_mappings(broken)
    assert next(i for i in m.indicators if i.id == "servicearenden").period_target(2) == 30000


@pytest.mark.parametrize("file,old,new,expected", [
    ("plan.yaml", "unit: uppdrag}", "unit: uppdraget}",
     "plan.yaml: activities[3].unit: unknown unit 'uppdraget'"),
    ("plan.yaml", "{id: A02,", "{id: A01,", "plan.yaml: activities: duplicate id 'A01'"),
    ("indicators.yaml", "    aggregation: single\n    annual_target: 700000",
     "    agregation: single\n    annual_target: 700000",
     "indicators.yaml: indicators[0].agregation: unknown key (a typo?)"),
    ("indicators.yaml", "weight: manadsarbetare", "weight: manadsarbetarna",
     "indicators.yaml: indicators[7].weight: 'manadsarbetarna' is not an indicator"),
    ("organisation.yaml", "reporters: [hr.rapport@intraservice.example.se]",
     "reporters: [hr.rapport]", "organisation.yaml: units[1].reporters[0]: not an e-mail"),
    ("indicators.yaml", "annual_target: 700000", "annual_target: sjuhundratusen",
     "indicators.yaml: indicators[0].annual_target: Input should be a valid number"),
    ("template.yaml", 'version: "2023.1"', "version: [2023.1", "template.yaml: line"),
    ("indicators.yaml", "subgoals: [Kompetensförsörjning]",
     "subgoals: [Kompetensförsörjning, Kompetensförsörjning]",
     "indicators.yaml: goals[2].subgoals: 'Kompetensförsörjning' is listed twice"),
    ("indicators.yaml", "subgoals: [Kompetensförsörjning]", "subgoals: ['']",
     "indicators.yaml: goals[2].subgoals[0]: String should have at least 1 character"),
    ("plan.yaml", "closed: 2023-01-31}", "closed: 2022-12-15}",
     "plan.yaml: projects[8].closed: 2022-12-15 is not in the plan's year 2023"),
    ("plan.yaml", "closed: 2023-01-31}", "closed: januari}",
     "plan.yaml: projects[8].closed: Input should be a valid date"),
    ("template.yaml", "report_template: rapportmall.docx", "report_template: saknas.docx",
     "template.yaml: report_template: no such file"),
    ("indicators.yaml", "yellow_band: 0.05, on: both}", "yellow_band: 0.05, on: budget}",
     "indicators.yaml: indicators[12].status.on: Input should be 'outcome', 'forecast' or "
     "'both'"),
])
def test_a_broken_mapping_gives_one_line_naming_file_and_key(broken, file, old, new, expected):
    _edit(broken / file, old, new)
    with pytest.raises(MappingError) as e:
        load_mappings(broken)
    assert len(e.value.problems) == 1, e.value.problems
    assert expected in e.value.problems[0]
    assert str(broken / file) in e.value.problems[0]

    result = CliRunner().invoke(main, ["check-mappings", "--mappings", str(broken)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert "Traceback" not in result.output


def test_check_mappings_prints_a_summary():
    result = CliRunner().invoke(main, ["check-mappings", "--mappings", str(ROOT / "mappings")])
    assert result.exit_code == 0, result.output
    assert "enheter" in result.output and "7" in result.output


def test_missing_mappings_folder(tmp_path):
    result = CliRunner().invoke(main, ["check-mappings", "--mappings", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "mappings folder not found" in result.output


def test_check_mappings_lists_every_files_problems_in_one_run(broken):
    """A file saved in Windows-1252 (Notepad's ANSI), a YAML mistake and a typo, in
    three files: one run lists all three, each naming its file; none is unexpected."""
    org = broken / "organisation.yaml"
    org.write_bytes(org.read_text(encoding="utf-8").encode("cp1252"))
    _edit(broken / "indicators.yaml", "indicators:", "indicators: [")
    _edit(broken / "plan.yaml", "year:", "yaer:")
    result = CliRunner().invoke(main, ["check-mappings", "--mappings", str(broken)])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines), lines
    assert any(f"{org}: not UTF-8 text" in line and "save it as UTF-8" in line
               for line in lines), lines
    assert any(f"{broken / 'indicators.yaml'}:" in line and "not valid YAML" in line
               for line in lines), lines
    assert any(f"{broken / 'plan.yaml'}: yaer: unknown key" in line for line in lines), lines


def test_the_fingerprint_follows_the_reader_library(monkeypatch, tmp_path):
    """Another build of python-calamine may read a cell otherwise: verdicts stored under the
    one before are not reused (the fingerprint changes with it)."""
    import importlib.util

    import intraxl.mappings as mappings_module

    lib = tmp_path / "python_calamine"
    lib.mkdir()
    (lib / "__init__.py").write_text("")
    spec = importlib.util.spec_from_file_location("python_calamine", lib / "__init__.py")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    digests = []
    for size in (100, 101):
        (lib / "_python_calamine.cpython-311-x86_64-linux-gnu.so").write_bytes(b"x" * size)
        mappings_module._code_digest.cache_clear()
        digests.append(mappings_module._code_digest())
    monkeypatch.undo()
    mappings_module._code_digest.cache_clear()
    assert digests[0] != digests[1]
