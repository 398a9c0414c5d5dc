"""The example month's master against the committed golden file, cell by cell: every value,
formula (with the value stored beside it), number format and bold/fill of the report sheets.

A change to the master that is intended is made golden by regenerating the file, and the
diff of `tests/golden/master_2023-02.json` is reviewed with the change:

    python -m tests.test_golden
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner

from intraxl.cli import main

from .conftest import EXAMPLES, ROOT

GOLDEN = Path(__file__).parent / "golden" / "master_2023-02.json"
HISTORY = ROOT / "workbooks" / "history" / "2022.csv"
PINNED = dt.datetime(2023, 3, 7, 8, 0, tzinfo=dt.timezone.utc)  # the master's "now"
RECEIVED = dt.datetime(2023, 3, 6, 9, 30, tzinfo=dt.timezone.utc)  # every file's mtime
SKIPPED = {"intraxl"}  # the record of what intraxl wrote: compressed, checked by its own tests


def build_master(folder: Path) -> Path:
    """The README's main job on the shipped examples, with the clock and the files' received
    times pinned so that the master is the same on every run."""
    inbox = folder / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    for i, f in enumerate(sorted(inbox.iterdir())):
        stamp = (RECEIVED + dt.timedelta(minutes=i)).timestamp()
        os.utime(f, (stamp, stamp))
    db, out = folder / "intraxl.db", folder / "master.xlsx"
    env = {"SOURCE_DATE_EPOCH": str(int(PINNED.timestamp()))}
    run = CliRunner(env=env)
    assert run.invoke(main, ["history", "import", str(HISTORY), "--db", str(db)]).exit_code == 0
    result = run.invoke(main, ["consolidate", str(inbox), "--period", "2023-02",
                               "--db", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, float):
        return round(v, 9)
    return v


def snapshot(path: Path) -> dict[str, dict[str, list[Any]]]:
    """Per sheet, per non-empty cell: [value or formula, stored value of a formula, number
    format, bold, fill colour]."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    out: dict[str, dict[str, list[Any]]] = {}
    for ws in formulas.worksheets:
        if ws.title in SKIPPED:
            continue
        stored = values[ws.title]
        cells: dict[str, list[Any]] = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                fill = c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None
                cached = stored[c.coordinate].value if c.data_type == "f" else None
                cells[c.coordinate] = [_plain(c.value), _plain(cached), c.number_format,
                                       bool(c.font.b), fill if isinstance(fill, str) else None]
        out[ws.title] = cells
    return out


def test_example_master_equals_the_golden_file(tmp_path):
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = snapshot(build_master(tmp_path))
    assert list(got) == list(golden), "the master's sheets differ"
    for sheet, cells in golden.items():
        differ = {a: (cells.get(a), got[sheet].get(a))
                  for a in sorted(set(cells) | set(got[sheet]))
                  if cells.get(a) != got[sheet].get(a)}
        assert not differ, (f"{sheet}: {len(differ)} cells differ from the golden file (first: "
                            f"{dict(list(differ.items())[:5])}); if intended, regenerate it: "
                            "python -m tests.test_golden")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        snap = snapshot(build_master(Path(d)))
    GOLDEN.parent.mkdir(exist_ok=True)
    lines = ",\n".join(
        f"{json.dumps(sheet, ensure_ascii=False)}: {{\n" + ",\n".join(
            f"  {json.dumps(a)}: {json.dumps(v, ensure_ascii=False)}" for a, v in cells.items())
        + "\n}" for sheet, cells in snap.items())
    GOLDEN.write_text("{\n" + lines + "\n}\n", encoding="utf-8")  # a cell a line: diffable
    print(f"wrote {GOLDEN}: {sum(len(c) for c in snap.values())} cells", file=sys.stderr)
