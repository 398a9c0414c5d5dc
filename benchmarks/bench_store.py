"""Storing a month in the history database: SQLite file against PostgreSQL, in one run.

    python benchmarks/bench_store.py [--n 3000] [--postgres URL]

The N synthetic submissions (benchmarks/synth.py) are validated once; then the time of
`Store.record` for all of them (the submissions and their facts, in batches as a month's run
stores them) is measured on a fresh SQLite file and on a fresh PostgreSQL database (URL from
--postgres or INTRAXL_TEST_POSTGRES; a database `intraxl_bench` is made and dropped there).
Goal (issue 14): PostgreSQL within 2x of SQLite. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def batch_size(n: int) -> int:
    """The chunk the month's run stores at a time on two cores (pipeline.validate_chunks)."""
    return max(8, n // 16)


def store_time(url: str, reports: list) -> float:
    from intraxl.store import Received, Store

    store = Store(url)
    size = batch_size(len(reports))
    start = time.perf_counter()
    for i in range(0, len(reports), size):
        store.record([Received(r) for r in reports[i:i + size]])
    seconds = time.perf_counter() - start
    store.dispose()
    return seconds


def fresh_postgres(url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--postgres", default=os.environ.get("INTRAXL_TEST_POSTGRES"))
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from synth import PERIOD, generate

    from intraxl.mappings import load_mappings
    from intraxl.pipeline import validate_many
    from intraxl.validate import expand_paths

    mappings, inbox = generate(args.n)
    reports = validate_many(expand_paths([inbox]), load_mappings(mappings), PERIOD)
    facts = sum(len(r.submission.facts) for r in reports if r.submission)
    print(f"N = {args.n} submissions, {facts:,} facts, stored in batches of "
          f"{batch_size(len(reports))}")
    with tempfile.TemporaryDirectory() as d:
        sqlite = store_time(f"sqlite:///{d}/bench.db", reports)
    print(f"  SQLite file     {sqlite:6.2f} s")
    if not args.postgres:
        print("  PostgreSQL      skipped (give --postgres URL or set INTRAXL_TEST_POSTGRES)")
        return
    pg = store_time(fresh_postgres(args.postgres, "intraxl_bench"), reports)
    print(f"  PostgreSQL      {pg:6.2f} s = {pg / sqlite:.2f}x SQLite (goal: within 2x)")


if __name__ == "__main__":
    main()
