"""How long validating one submission takes, against a bare python-calamine read (the floor)
and an openpyxl read (what a hand-written script would do). Prints figures; asserts nothing.

    python benchmarks/bench_validate.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import openpyxl
import python_calamine as pc

from intraxl import contract
from intraxl.mappings import load_mappings
from intraxl.periods import Period
from intraxl.validate import validate_file

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "workbooks" / "examples" / "2023-02").glob("*.xlsx"))


def calamine_floor(path: Path) -> None:
    wb = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    for spec in contract.TABLES:
        wb.get_table_by_name(spec.name).to_python()


def openpyxl_read(path: Path) -> None:
    wb = openpyxl.load_workbook(path, data_only=True)
    for spec in contract.TABLES:
        ws = wb[spec.name]
        list(ws[ws.tables[spec.name].ref])


def per_file_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for f in FILES:
            fn(f)
        times.append((time.perf_counter() - start) / len(FILES) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    m = load_mappings(ROOT / "mappings")
    period = Period.parse("2023-02")
    floor = per_file_ms(calamine_floor, args.repeat)
    ours = per_file_ms(lambda f: validate_file(f, m, period), args.repeat)
    manual = per_file_ms(openpyxl_read, max(3, args.repeat // 4))
    print(f"{len(FILES)} example submissions, median of {args.repeat} runs, ms per file")
    print(f"  bare calamine read of every table (floor)  {floor:8.2f}")
    print(f"  intraxl read + validate                    {ours:8.2f}   ({ours / floor:.1f}x floor)")
    print(f"  openpyxl read of every table               {manual:8.2f}   "
          f"({manual / ours:.1f}x ours)")


if __name__ == "__main__":
    main()
