"""Regenerate the shipped example month from its data file, through the current template.

    python workbooks/examples/make_examples.py [--data FILE] [--out DIR] [--history FILE]

Reads workbooks/examples/2023-02.yaml; writes one filled workbook per unit into
workbooks/examples/2023-02/ and the 2022 history into workbooks/history/2022.csv. The output
is byte-for-byte reproducible (the creation time is pinned in the data file), and the tests
check that the committed files are what this script writes.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import yaml

from intraxl.mappings import load_mappings
from intraxl.periods import Period
from intraxl.template import TemplateValues, build_layout, template_filename, write_template
from intraxl.template.layout import unplaced_values

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HISTORY_COLUMNS = ("Period", "Enhet-ID", "Enhet", "Tabell", "ID", "Fält", "Värde")


def unit_values(given: dict) -> TemplateValues:
    cells = {table: rows for table, rows in given.items() if table not in ("Info", "Kommentarer",
                                                                          "new_risks")}
    cells["Info"] = {field: {"Värde": value} for field, value in given.get("Info", {}).items()}
    cells["Kommentarer"] = {s: {"Text": t} for s, t in given.get("Kommentarer", {}).items()}
    return TemplateValues(cells=cells, new_risks=given.get("new_risks", []))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE / "2023-02.yaml")
    ap.add_argument("--mappings", type=Path, default=ROOT / "mappings")
    ap.add_argument("--out", type=Path, default=None, help="default: beside the data file")
    ap.add_argument("--history", type=Path, default=ROOT / "workbooks" / "history" / "2022.csv")
    args = ap.parse_args(argv)

    m = load_mappings(args.mappings)
    data = yaml.safe_load(args.data.read_text(encoding="utf-8"))
    period = Period.parse(data["period"])
    created = data["created"]
    out = args.out or args.data.parent / str(period)
    problems = []
    for unit_id, given in data["submissions"].items():
        unit = m.unit(unit_id)
        values = unit_values(given)
        problems += [f"{unit_id}: {p}" for p in
                     unplaced_values(build_layout(m, unit, period), values)]
        path = write_template(m, unit, period, out / template_filename(unit, period), values,
                              created=created)
        print(f"wrote {path}")

    rows = []
    for hist_period, units in data["history"].items():
        Period.parse(hist_period)
        for unit_id, tables in units.items():
            unit = m.unit(unit_id)
            for table, table_rows in tables.items():
                for row_id, fields in table_rows.items():
                    for field, value in fields.items():
                        rows.append((hist_period, unit_id, unit.name, table, row_id, field, value))
    args.history.parent.mkdir(parents=True, exist_ok=True)
    with args.history.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HISTORY_COLUMNS)
        w.writerows(rows)
    print(f"wrote {args.history} ({len(rows)} facts)")
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
