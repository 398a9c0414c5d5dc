"""Wall time of `intraxl report` (the board report in Word, without PDF).

    python benchmarks/bench_report.py [--n 1000] [--runs 3]

Two months, each consolidated first into a fresh SQLite file and master (not timed):
  - the shipped example month (7 units);
  - N synthetic units (benchmarks/synth.py), each with a text in every section, so that the
    report shows every unit's texts under its name (no administration text).
Each run of `intraxl report` is a fresh process, as a user runs it: the median and the
fastest of the runs are printed, and, measured in this process, where the time goes (the
report model from the store, the document's content, rendering the Word template).
Goals: the example month under 2 s, 1,000 units under 15 s. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLI = [sys.executable, "-m", "intraxl.cli"]


def _month(mappings: Path, inbox: Path, d: Path) -> tuple[Path, Path]:
    """A history database and a master for the month of `inbox`, in `d`."""
    db, master = d / "intraxl.db", d / "master.xlsx"
    subprocess.run(CLI + ["history", "import", str(ROOT / "workbooks/history/2022.csv"),
                          "--db", str(db), "--mappings", str(mappings)],
                   check=True, capture_output=True, cwd=ROOT)
    subprocess.run(CLI + ["consolidate", str(inbox), "--db", str(db), "--out", str(master),
                          "--mappings", str(mappings)], check=True, capture_output=True,
                   cwd=ROOT)
    return db, master


def _runs(mappings: Path, db: Path, master: Path, out: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(CLI + ["report", "--period", "2023-02", "--db", str(db), "--master",
                              str(master), "--out", str(out), "--mappings", str(mappings)],
                       check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def _stages(mappings: Path, db: Path, master: Path, out: Path) -> dict[str, float]:
    """Where the time goes, in this process (imports already done by the first stage)."""
    from intraxl.mappings import load_mappings
    from intraxl.master import read_controller_work
    from intraxl.periods import Period
    from intraxl.pipeline import consolidated
    from intraxl.report import build_context, template_path
    from intraxl.report.render import render_docx
    from intraxl.store import Store

    m = load_mappings(mappings)
    out_stages: dict[str, float] = {}
    start = time.perf_counter()
    store = Store(f"sqlite:///{db}")
    report = consolidated(m, Period.parse("2023-02"), store)
    store.dispose()
    out_stages["report model from the store"] = time.perf_counter() - start
    start = time.perf_counter()
    texts = read_controller_work(master, report.administration).sections
    context = build_context(report, m, texts)
    out_stages["texts from the master + content"] = time.perf_counter() - start
    start = time.perf_counter()
    render_docx(context, template_path(m), out)
    out_stages["render the Word template"] = time.perf_counter() - start
    paragraphs = sum(len(a.text) for a in context.areas) + len(context.summary_text)
    out_stages["(paragraphs of text in 1-2)"] = paragraphs
    return out_stages


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="synthetic units")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from synth import generate

    months = {"example month (7 units)": (ROOT / "mappings", ROOT / "workbooks/examples/2023-02")}
    months[f"{args.n} units"] = generate(args.n)
    for name, (mappings, inbox) in months.items():
        with tempfile.TemporaryDirectory() as d:
            db, master = _month(mappings, inbox, Path(d))
            out = Path(d) / "rapport.docx"
            times = _runs(mappings, db, master, out, args.runs)
            size = out.stat().st_size / 1024
            print(f"{name}: intraxl report {statistics.median(times):.2f} s median, "
                  f"{min(times):.2f} s fastest of {args.runs}; {size:.0f} kB")
            for stage, value in _stages(mappings, db, master, Path(d) / "again.docx").items():
                shown = f"{value:.0f}" if stage.startswith("(") else f"{value:.2f} s"
                print(f"  {stage:<36} {shown}")


if __name__ == "__main__":
    main()
