"""The shipped February 2023 examples reproduce SPEC §6, read back from the workbooks."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import defaultdict

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange

from intraxl import contract

from .conftest import EXAMPLES, ROOT, schema_check

HISTORY = ROOT / "workbooks" / "history" / "2022.csv"

# SPEC §6, result in tkr: unit -> (Förvaltning prognos, avvikelse), (Utveckling ...)
RESULT = {
    "Gemensamma tjänster – Ekonomi": ((-229, 655), (0, 324)),
    "Gemensamma tjänster – HR": ((-500, -188), (3000, 1695)),
    "Gemensamma tjänster – Kommunikation, ledning och styrning": ((-1942, -895), (0, -2478)),
    "Digital infrastruktur": ((-532, 9320), (0, -1054)),
    "Avdelningen Styr och stöd": ((181, 6195), None),
    "Avdelningen Kund och service": ((22, 1170), None),
    "Avdelningen Uppdrag": ((0, 1237), None),
}
# Costs: utfall Feb 2022, utfall Feb 2023, mål Feb 2023, prognos helår, årsmål
COSTS = {
    "kostnad.totalt": (211697, 218866, 239409, 1446534, 1449802),
    "kostnad.personal": (87960, 87360, 96651, 563162, 578050),
    "kostnad.konsult": (18686, 16464, 21230, 143076, 136931),
    "kostnad.it": (51886, 54405, 60184, 369080, 361000),
    "kostnad.utvecklingsprojekt": (18780, 14297, 91510, 88510, 90000),
}
# Indicators: utfall Feb 2022, utfall Feb 2023, mål Feb 2023, årsmål, R12 Feb 2023
VOLUMES = {
    "lonespecifikationer": (114537, 121847, 116666, 700000, 716796),
    "lonearenden": (13035, 12969, 13166, 79000, 74941),
    "leverantorsfakturor": (271018, 322577, 275000, 1650000, 1763519),
    "kundfakturor": (239536, 282400, 258333, 1550000, 1560197),
    "servicearenden": (63455, 69689, 60000, 360000, 383973),
}


def read_tables(path):
    """Every contract table of a workbook as {table: {row id: {column: value}}}."""
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for spec in contract.TABLES:
        ws = wb[spec.name]
        rng = CellRange(ws.tables[spec.name].ref)
        rows = list(ws.iter_rows(min_row=rng.min_row, max_row=rng.max_row,
                                 min_col=rng.min_col, max_col=rng.max_col, values_only=True))
        assert rows[0] == spec.columns
        out[spec.name] = {r[0]: dict(zip(spec.columns, r, strict=False)) for r in rows[1:]
                          if r[0] is not None}
    return out


@pytest.fixture(scope="module")
def submissions():
    files = sorted(EXAMPLES.glob("*.xlsx"))
    assert len(files) == 7
    by_unit = {}
    for f in files:
        t = read_tables(f)
        by_unit[t["Info"]["Enhet"]["Värde"]] = t
    return by_unit


@pytest.fixture(scope="module")
def history():
    facts = defaultdict(float)
    with HISTORY.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            facts[(r["Period"], r["Tabell"], r["ID"], r["Fält"])] += float(r["Värde"])
            key = (r["Period"], r["Enhet-ID"], r["Tabell"], r["ID"], r["Fält"])
            facts[key] = float(r["Värde"])
    return facts


def test_every_example_is_a_filled_current_template(mappings, submissions):
    for unit in mappings.units:
        info = submissions[unit.name]["Info"]
        assert info["Enhet-ID"]["Värde"] == unit.id
        assert info["Period"]["Värde"] == "2023-02"
        assert info["Mallversion"]["Värde"] == mappings.template.version
        assert info["E-post"]["Värde"] in unit.reporters


def test_result_table_per_unit_and_totals(submissions):
    sums = {contract.RESULT_ADMIN: [0, 0], contract.RESULT_DEVELOPMENT: [0, 0]}
    for unit, frames in RESULT.items():
        eco = submissions[unit]["Ekonomi"]
        for rad_id, expected in zip(contract.RESULT_ROWS, frames, strict=False):
            if expected is None:
                assert rad_id not in eco
                continue
            row = eco[rad_id]
            got = (row["Prognos helår"], row["Utfall ack"] - row["Budget ack"])
            assert got == expected, (unit, rad_id)
            sums[rad_id][0] += got[0]
            sums[rad_id][1] += got[1]
    assert sums[contract.RESULT_ADMIN] == [-3000, 17494]
    assert sums[contract.RESULT_DEVELOPMENT] == [3000, -1513]
    total = [a + b for a, b in zip(*sums.values(), strict=False)]
    assert total == [0, 15981]


def test_cost_table(submissions, history):
    for rad_id, (ly, utfall, budget, prognos, arsbudget) in COSTS.items():
        rows = [s["Ekonomi"][rad_id] for s in submissions.values()]
        assert sum(r["Utfall ack"] for r in rows) == utfall, rad_id
        assert sum(r["Budget ack"] for r in rows) == budget, rad_id
        assert sum(r["Prognos helår"] for r in rows) == prognos, rad_id
        assert sum(r["Årsbudget"] for r in rows) == arsbudget, rad_id
        assert history[("2022-02", "Ekonomi", rad_id, "Utfall ack")] == ly, rad_id
    # Verksamhetens resultat: Σ Utfall ack / Σ Budget ack of the result rows (SPEC §6).
    result_rows = [s["Ekonomi"][r] for s in submissions.values()
                   for r in contract.RESULT_ROWS if r in s["Ekonomi"]]
    assert sum(r["Utfall ack"] for r in result_rows) == 18211
    assert sum(r["Budget ack"] for r in result_rows) == 2230
    assert sum(r["Prognos helår"] for r in result_rows) == 0
    assert sum(r["Årsbudget"] for r in result_rows) == 0
    assert sum(history[("2022-02", "Ekonomi", r, "Utfall ack")]
               for r in contract.RESULT_ROWS) == 15803


def test_volume_indicators_with_last_year_and_r12(submissions, history):
    for ind, (ly, utfall, mal, arsmal, r12) in VOLUMES.items():
        rows = [s["Indikatorer"][ind] for s in submissions.values() if ind in s["Indikatorer"]]
        assert len(rows) == 1  # single owner
        (row,) = rows
        assert row["Utfall"] == utfall and row["Mål period"] == mal and row["Årsmål"] == arsmal
        ytd_ly = history[("2022-02", "Indikatorer", ind, "Utfall")]
        full_ly = history[("2022-12", "Indikatorer", ind, "Utfall")]
        assert ytd_ly == ly
        assert utfall + full_ly - ytd_ly == r12  # SPEC §3
    forecasts = {ind: [s["Indikatorer"][ind]["Prognos helår"] for s in submissions.values()
                       if ind in s["Indikatorer"]][0] for ind in VOLUMES}
    assert forecasts == {"lonespecifikationer": None, "lonearenden": 79000,
                         "leverantorsfakturor": 1650000, "kundfakturor": 1550000,
                         "servicearenden": None}


def test_staff_indicators(submissions, history):
    rows = [s["Indikatorer"] for s in submissions.values()]
    staff = sum(r["manadsarbetare"]["Utfall"] for r in rows)
    assert staff == 571.5
    assert sum(r["manadsarbetare"]["Prognos helår"] for r in rows) == 598
    sick = sum(r["sjukfranvaro"]["Utfall"] * r["manadsarbetare"]["Utfall"] for r in rows) / staff
    assert round(sick, 6) == 0.059
    assert {r["sjukfranvaro"]["Prognos helår"] for r in rows} == {0.055}
    assert {r["sjukfranvaro"]["Mål period"] for r in rows} == {0.05}
    # Last year, from history: 612 staff, sick leave 5,6 % weighted by staff.
    units = [u for u in {k[1] for k in history if len(k) == 5 and k[0] == "2022-02"}]
    staff_ly = sum(history[("2022-02", u, "Indikatorer", "manadsarbetare", "Utfall")]
                   for u in units)
    assert staff_ly == 612
    sick_ly = sum(history[("2022-02", u, "Indikatorer", "sjukfranvaro", "Utfall")]
                  * history[("2022-02", u, "Indikatorer", "manadsarbetare", "Utfall")]
                  for u in units) / staff_ly
    assert round(sick_ly, 6) == 0.056
    assert history[("2022-12", "Indikatorer", "hme", "Utfall")] == 77
    # SLA is new for 2023: not measured, left empty (not zero).
    sla = [s["Indikatorer"]["efterlevnad-sla"] for s in submissions.values()
           if "efterlevnad-sla" in s["Indikatorer"]]
    assert len(sla) == 1 and sla[0]["Utfall"] is None


def test_plan_items_carry_reference_statuses(submissions):
    merged = defaultdict(dict)
    for s in submissions.values():
        for table in ("Aktiviteter", "Uppdrag", "Projekt", "Risker"):
            merged[table].update(s[table])
    assert len(merged["Aktiviteter"]) == 15
    assert all(r["Status"] in contract.WORK_STATUSES for r in merged["Aktiviteter"].values())
    assert merged["Aktiviteter"]["A05"]["Status"] == "Försenad"
    statuses = [merged["Uppdrag"][f"U0{i}"]["Status"] for i in range(1, 10)]
    assert statuses == ["Pågående"] * 3 + ["Ej påbörjad"] * 3 + ["Pågående"] + \
        ["Ej påbörjad"] * 2
    assert merged["Projekt"]["PR05"]["Tid"] == "Röd"
    assert merged["Projekt"]["PR05"]["Resultat"] == "Röd"
    assert len(merged["Risker"]) == 13


def test_examples_are_regenerated_from_the_current_template(tmp_path):
    """The committed examples are exactly what the script writes from the data file."""
    history = tmp_path / "2022.csv"
    subprocess.run([sys.executable, str(ROOT / "workbooks" / "examples" / "make_examples.py"),
                    "--out", str(tmp_path), "--history", str(history)], check=True,
                   capture_output=True)
    committed = sorted(EXAMPLES.glob("*.xlsx"))
    for f in committed:
        assert (tmp_path / f.name).read_bytes() == f.read_bytes(), \
            f"{f.name} drifted: run python workbooks/examples/make_examples.py"
    assert history.read_bytes() == HISTORY.read_bytes()


def test_examples_are_valid_ooxml():
    files = sorted(EXAMPLES.glob("*.xlsx"))
    result = schema_check(*files)
    assert result.returncode == 0, result.stdout[-3000:]
