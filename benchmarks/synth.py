"""N synthetic, valid submissions made from the real template, for the benchmarks.

The organisation is the shipped one plus N−7 generated units (each reporting what a real
unit without special indicators reports: economy, sick leave, staff, comments, a new risk);
the seven real units submit the shipped examples. Files are cached per N under
benchmarks/.data/N/ (mappings/ and inbox/2023-02/).
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "workbooks" / "examples"))

from make_examples import unit_values  # noqa: E402

from intraxl.mappings import load_mappings  # noqa: E402
from intraxl.periods import Period  # noqa: E402
from intraxl.template import TemplateValues, template_filename, write_template  # noqa: E402

PERIOD = Period.parse("2023-02")
TEXT = ("Verksamheten följer plan. Rekryteringar pågår och kostnaderna beräknas uppkomma "
        "senare under året. Dialogen med kunderna om avtal 2023 fortsätter.")


def synthetic_mappings(n: int, out: Path) -> Path:
    mdir = out / "mappings"
    if mdir.exists():
        shutil.rmtree(mdir)
    shutil.copytree(ROOT / "mappings", mdir)
    org = yaml.safe_load((mdir / "organisation.yaml").read_text(encoding="utf-8"))
    for i in range(len(org["units"]) + 1, n + 1):
        org["units"].append({"id": f"enhet-{i:04d}", "name": f"Enhet {i:04d}",
                             "development_frame": i % 3 == 0,
                             "reporters": [f"enhet{i:04d}@intraservice.example.se"]})
    (mdir / "organisation.yaml").write_text(yaml.safe_dump(org, allow_unicode=True),
                                            encoding="utf-8")
    return mdir


def synthetic_values(m, unit, rng: random.Random) -> TemplateValues:
    eco = {}
    for line in m.economy_lines_for(unit):
        budget = rng.randint(1000, 40000) if line.kind == "cost" else rng.randint(-500, 500)
        annual = budget * 6 if line.kind == "cost" else 0
        eco[line.id] = {"Utfall ack": budget + rng.randint(-900, 900), "Budget ack": budget,
                        "Årsbudget": annual, "Prognos helår": annual + rng.randint(-200, 200),
                        "Kommentar": TEXT[: rng.randint(0, len(TEXT))] or None}
    staff = rng.randint(10, 200)
    return TemplateValues(cells={
        "Info": {"Uppgiftslämnare": {"Värde": f"Rapportör {unit.id}"},
                 "E-post": {"Värde": unit.reporters[0]}},
        "Indikatorer": {"sjukfranvaro": {"Utfall": rng.randint(20, 90) / 1000,
                                         "Prognos helår": 0.055},
                        "manadsarbetare": {"Utfall": staff, "Prognos helår": staff + 2}},
        "Ekonomi": eco,
        "Kommentarer": {s: {"Text": TEXT} for s in m.plan.comment_sections},
    }, new_risks=[{"Riskområde": "Operativa", "Risk": f"Risk hos {unit.name}",
                   "Sannolikhet": rng.randint(1, 4), "Konsekvens": rng.randint(1, 4),
                   "Åtgärd": "Följs upp månadsvis", "Ansvarig": "Enhetschef"}])


def generate(n: int, base: Path | None = None) -> tuple[Path, Path]:
    """(mappings dir, inbox dir) with n valid submissions; cached."""
    out = (base or ROOT / "benchmarks" / ".data") / str(n)
    inbox = out / "inbox" / str(PERIOD)
    if inbox.is_dir() and len(list(inbox.glob("*.xlsx"))) == n:
        return out / "mappings", inbox
    mdir = synthetic_mappings(n, out)
    m = load_mappings(mdir)
    examples = yaml.safe_load((ROOT / "workbooks/examples/2023-02.yaml").read_text("utf-8"))
    inbox.mkdir(parents=True, exist_ok=True)
    rng = random.Random(n)
    for unit in m.units:
        given = examples["submissions"].get(unit.id)
        values = unit_values(given) if given else synthetic_values(m, unit, rng)
        write_template(m, unit, PERIOD, inbox / template_filename(unit, PERIOD), values)
    return mdir, inbox


def correct_one(mappings: Path, inbox: Path) -> Path:
    """The last unit sends a corrected file, saved over its first one (other figures)."""
    m = load_mappings(mappings)
    unit = m.units[-1]
    path = inbox / template_filename(unit, PERIOD)
    write_template(m, unit, PERIOD, path, synthetic_values(m, unit, random.Random(-1)))
    return path


if __name__ == "__main__":
    for n in map(int, sys.argv[1:] or ["200"]):
        print(generate(n))
