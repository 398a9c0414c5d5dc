"""The month's run as a library: parallel validation under every start method, and a run that
leaves its host program's garbage-collector settings alone."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pytest

from intraxl.pipeline import PARALLEL_FROM, run, validate_chunks
from intraxl.store import Store
from intraxl.validate import validate_file

from .conftest import EXAMPLES, ROOT
from .test_validate import FEB, HR, set_cell, write_hr


def _many_submissions(tmp_path: Path) -> list[Path]:
    """Enough copies of the seven example files to take the parallel path."""
    examples = sorted(EXAMPLES.glob("*.xlsx"))
    files = []
    for i in range(PARALLEL_FROM // len(examples) + 1):
        for f in examples:
            files.append(Path(shutil.copy(f, tmp_path / f"{i:02d}_{f.name}")))
    assert len(files) >= PARALLEL_FROM
    return files


def _summary(reports):
    return [(Path(r.file).name, r.unit_id, r.valid, [i.code for i in r.issues])
            for r in reports]


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_parallel_validation_works_under_every_start_method(method, mappings, tmp_path):
    files = _many_submissions(tmp_path)
    reports = [r for chunk in validate_chunks(files, mappings, FEB, start_method=method)
               for r in chunk]
    # The same verdicts, in the files' order, as validating one by one in this process.
    assert _summary(reports) == _summary(validate_file(f, mappings, FEB) for f in files)
    assert all(r.valid for r in reports)
    assert len({r.unit_id for r in reports}) == 7


def test_a_run_leaves_the_callers_collector_settings_alone(mappings, tmp_path):
    inbox = tmp_path / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    thresholds = (1234, 11, 12)
    before = gc.get_threshold()
    gc.set_threshold(*thresholds)
    gc.freeze()  # the host program's own choice
    frozen = gc.get_freeze_count()
    try:
        result = run(inbox, FEB, mappings, Store(f"sqlite:///{tmp_path / 'x.db'}"),
                     tmp_path / "master.xlsx")
        assert gc.get_threshold() == thresholds
        # Nothing the caller froze was thawed (unfreezing empties the permanent generation;
        # frozen objects can still be freed, so the count may shrink a little).
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert result.master.exists() and len(result.reports) == 7
    # What the run keeps of each file is its verdict: the facts are in the store.
    assert all(r.valid and r.submission is not None and not r.submission.facts
               for r in result.reports)


# --- incremental runs: a re-run reads only what changed ---------------------------------------

class _Spy:
    """Counts the files the run validates (the run validates in this process below
    PARALLEL_FROM files)."""

    def __init__(self, monkeypatch):
        import intraxl.pipeline as pipeline

        self.files: list[str] = []
        real = pipeline.validate_file

        def spy(path, *args, **kw):
            self.files.append(Path(path).name)
            return real(path, *args, **kw)

        monkeypatch.setattr(pipeline, "validate_file", spy)


def _costs(master: Path) -> dict[str, float]:
    import openpyxl

    ws = openpyxl.load_workbook(master, data_only=True)["Data"]
    return {r[1]: r[6] for r in ws.iter_rows(min_row=2, values_only=True)
            if r[3] == "Ekonomi" and r[4] == "kostnad.totalt" and r[5] == "Utfall ack"}


def test_a_run_tells_how_far_it_has_come(mappings, tmp_path):
    """`progress` hears of every file (validated, or found stored) before the stages after
    validating are told, in their order; the master is written after the last of them."""
    inbox, out = tmp_path / "2023-02", tmp_path / "master.xlsx"
    shutil.copytree(EXAMPLES, inbox)
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    for master_before in (False, True):  # the files new, then found stored
        heard: list[object] = []
        run(inbox, FEB, mappings, store, out, progress=heard.append,
            on_stage=lambda stage, heard=heard: heard.append((stage, out.exists())))
        counts = [x for x in heard if isinstance(x, int)]
        assert sum(counts) == 7 and heard[:len(counts)] == counts
        assert heard[len(counts):] == [("consolidating", master_before),
                                       ("writing the master", master_before)]
        assert out.exists()


def test_a_rerun_reads_only_the_corrected_file(mappings, tmp_path, monkeypatch):
    inbox = tmp_path / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    first = run(inbox, FEB, mappings, store, tmp_path / "master.xlsx")
    assert (first.new, first.changed, first.unchanged, first.revalidated) == (7, 0, 0, 0)

    spy = _Spy(monkeypatch)
    again = run(inbox, FEB, mappings, store, tmp_path / "master.xlsx")
    assert spy.files == []  # nothing read: every verdict came from the store
    assert (again.new, again.changed, again.unchanged) == (0, 0, 7)
    assert [r.valid for r in again.reports] == [r.valid for r in first.reports]
    assert [r.issues for r in again.reports] == [r.issues for r in first.reports]

    # The HR unit sends a corrected file, saved over the old one.
    hr = inbox / HR.name
    write_hr(mappings, hr, set_cell("Ekonomi", "kostnad.totalt", "Utfall ack", 30000))
    corrected = run(inbox, FEB, mappings, store, tmp_path / "master.xlsx")
    assert spy.files == [HR.name]
    assert (corrected.new, corrected.changed, corrected.unchanged) == (0, 1, 6)
    assert _costs(corrected.master)["gt-hr"] == 30000


def test_a_mappings_change_validates_every_file_again(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from intraxl.cli import main

    folder = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", folder)
    inbox = tmp_path / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    args = ["consolidate", str(inbox), "--mappings", str(folder), "--db",
            str(tmp_path / "x.db"), "--out", str(tmp_path / "master.xlsx")]
    assert "7 nya, 0 ändrade, 0 oförändrade" in CliRunner().invoke(main, args).output
    assert "0 nya, 0 ändrade, 7 oförändrade" in CliRunner().invoke(main, args).output

    settings = folder / "template.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\n# ändrad\n", encoding="utf-8")
    spy = _Spy(monkeypatch)
    out = CliRunner().invoke(main, args).output
    assert sorted(spy.files) == sorted(f.name for f in EXAMPLES.glob("*.xlsx"))
    assert "mappningarna eller intraxl har ändrats: 7 filer validerades igen" in out
    assert "0 nya, 0 ändrade, 0 oförändrade" in out
    # ... and the verdicts stored are those of the new mappings: the next run reads nothing.
    assert "0 nya, 0 ändrade, 7 oförändrade" in CliRunner().invoke(main, args).output


@pytest.mark.parametrize("first", ["2023-03", "2023-02"])
def test_a_file_run_in_another_months_inbox_is_rejected_there_and_not_in_its_own(
        first, mappings, tmp_path, monkeypatch):
    """A verdict depends on the month the file was received for: February's files run as
    March's are rejected (wrong period) in March, and that verdict is not reused for
    February, nor February's acceptance for March, in either order."""
    from intraxl.periods import Period
    from intraxl.status import period_status

    inbox = tmp_path / "inbox"
    shutil.copytree(EXAMPLES, inbox)
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    fresh = run(inbox, FEB, mappings, Store(f"sqlite:///{tmp_path / 'fresh.db'}"),
                tmp_path / "fresh.xlsx")
    months = {"2023-02": FEB, "2023-03": Period.parse("2023-03")}
    order = [first, *(p for p in months if p != first)]
    for month in order:
        result = run(inbox, months[month], mappings, store, tmp_path / f"{month}.xlsx")
        assert (result.new, result.unchanged, result.revalidated) == (7, 0, 0)
    spy = _Spy(monkeypatch)
    for month in order:  # again: every verdict from the store, each month's own
        result = run(inbox, months[month], mappings, store, tmp_path / f"{month}.xlsx")
        codes = [[i.code for i in r.errors] for r in result.reports]
        if month == "2023-02":
            assert codes == [[]] * 7
            assert _costs(result.master) == _costs(fresh.master)
        else:
            assert codes == [["wrong-period"]] * 7
            assert _costs(result.master) == {}
        assert {u.state for u in period_status(mappings, months[month], store).units} == \
            {"godkänd" if month == "2023-02" else "avvisad"}
    assert spy.files == []


def test_verdicts_are_stored_under_the_mappings_the_run_loaded(tmp_path):
    """Mapping files edited while a run waits (for another run's lock) or works: what it
    stores is marked with the mappings it loaded, so the next run, under the edited ones,
    validates every file again."""
    from intraxl.mappings import load_mappings

    folder = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", folder)
    inbox = tmp_path / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    loaded = load_mappings(folder)
    settings = folder / "template.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "\n# ändrad\n", encoding="utf-8")
    first = run(inbox, FEB, loaded, store, tmp_path / "master.xlsx")
    assert first.new == 7
    edited = load_mappings(folder)
    assert edited.fingerprint != loaded.fingerprint
    again = run(inbox, FEB, edited, store, tmp_path / "master.xlsx")
    assert (again.unchanged, again.revalidated) == (0, 7)


def _touch(path: Path, minutes: int) -> None:
    """The file's modification time (its received time in an inbox folder) `minutes` after
    the examples'."""
    import os

    at = EXAMPLES.joinpath(HR.name).stat().st_mtime + minutes * 60
    os.utime(path, (at, at))


def test_a_unit_that_sends_an_earlier_version_again_has_that_one_in_the_report(
        mappings, tmp_path, monkeypatch):
    inbox = tmp_path / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    hr = inbox / HR.name
    first = _costs(run(inbox, FEB, mappings, store, tmp_path / "master.xlsx").master)
    sent_first = hr.read_bytes()
    write_hr(mappings, hr, set_cell("Ekonomi", "kostnad.totalt", "Utfall ack", 30000))
    _touch(hr, 60)
    assert _costs(run(inbox, FEB, mappings, store, tmp_path / "master.xlsx").master)[
        "gt-hr"] == 30000
    hr.write_bytes(sent_first)  # "use the first one after all"
    _touch(hr, 120)
    spy = _Spy(monkeypatch)
    again = run(inbox, FEB, mappings, store, tmp_path / "master.xlsx")
    assert spy.files == []  # known content: not read again
    assert _costs(again.master) == first
    fresh = run(inbox, FEB, mappings, Store(f"sqlite:///{tmp_path / 'fresh.db'}"),
                tmp_path / "fresh.xlsx")
    assert _costs(again.master) == _costs(fresh.master)
    # Both files stay in the store, the first one now the later received.
    hr_files = again.report.files[again.report.files["unit_id"] == "gt-hr"]
    assert hr_files["in_report"].tolist() == [False, True]
    assert hr_files["sha256"].tolist()[-1] == fresh.report.files.set_index("unit_id").loc[
        "gt-hr", "sha256"]


def test_a_renamed_file_is_known_by_its_new_name(mappings, tmp_path, monkeypatch):
    from intraxl.status import period_status

    inbox = tmp_path / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    run(inbox, FEB, mappings, store, tmp_path / "master.xlsx")
    (inbox / HR.name).rename(inbox / "hr_februari.xlsx")  # its modification time kept
    spy = _Spy(monkeypatch)
    again = run(inbox, FEB, mappings, store, tmp_path / "master.xlsx")
    assert spy.files == [] and again.unchanged == 7
    files = again.report.files["file"].tolist()
    assert "hr_februari.xlsx" in files and HR.name not in files
    hr = next(u for u in period_status(mappings, FEB, store).units if u.unit_id == "gt-hr")
    assert hr.in_report == hr.file == "hr_februari.xlsx"


def test_copies_of_one_file_count_once_by_the_latest_and_a_rerun_changes_nothing(
        mappings, tmp_path):
    """The same workbook twice in the inbox (a copy, `kopia`), with another version between
    them in time: the latest copy is the file's receipt, in a first run and in every run
    after it, and re-runs write nothing."""
    import os
    import sqlite3

    inbox = tmp_path / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    (inbox / HR.name).unlink()
    first, copy = inbox / "a_hr_v1.xlsx", inbox / "z_hr_v1 kopia.xlsx"
    shutil.copy(HR, first)
    shutil.copy(HR, copy)
    write_hr(mappings, inbox / "y_hr_v2.xlsx",
             set_cell("Ekonomi", "kostnad.totalt", "Utfall ack", 30000))
    for f, minutes in ((first, 0), (inbox / "y_hr_v2.xlsx", 60), (copy, 120)):
        _touch(f, minutes)
    fresh = run(inbox, FEB, mappings, Store(f"sqlite:///{tmp_path / 'fresh.db'}"),
                tmp_path / "fresh.xlsx")
    v1 = _costs(fresh.master)["gt-hr"]
    assert v1 != 30000  # the copy, received last, is in the report
    db = tmp_path / "x.db"
    store = Store(f"sqlite:///{db}")
    rows = []
    for _ in range(3):
        result = run(inbox, FEB, mappings, store, tmp_path / "master.xlsx")
        assert _costs(result.master)["gt-hr"] == v1
        with sqlite3.connect(db) as conn:
            rows.append(conn.execute("select * from submissions order by id").fetchall())
    assert rows[0] == rows[1] == rows[2]
    assert os.path.basename(copy) in result.report.files["file"].tolist()
