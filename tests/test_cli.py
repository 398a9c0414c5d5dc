"""The command line's contract: shared options, exit codes, never a traceback."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from intraxl.cli import PeriodType, main

from .conftest import EXAMPLES, ROOT

HISTORY = ROOT / "workbooks" / "history" / "2022.csv"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))
        else:
            yield prefix + (name,), command


def _option(command: click.Command, flag: str) -> click.Parameter | None:
    return next((p for p in command.params if flag in getattr(p, "opts", [])), None)


def test_every_period_and_db_option_is_the_shared_one():
    with_period = with_db = 0
    for path, command in _commands(main):
        period, db = _option(command, "--period"), _option(command, "--db")
        if period is not None:
            with_period += 1
            assert isinstance(period.type, PeriodType), path
        if db is not None:
            with_db += 1
            assert db.envvar == "INTRAXL_DB" and "intraxl.db" in db.help, path
    assert with_period == 7 and with_db == 8


@pytest.mark.parametrize("args", [
    ["history", "export", "--out", "x.csv"], ["template"], ["validate", str(EXAMPLES)],
    ["consolidate", str(EXAMPLES)], ["status"], ["collect", "mails"], ["report"]])
@pytest.mark.parametrize("period", ["2023-13", "2023-2", "februari", "0000-01", "9999-12"])
def test_a_bad_period_is_a_usage_error_on_every_command(tmp_path, monkeypatch, args, period):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*args, "--period", period, "--db", "h.db"]
                                if args[0] != "validate" else [*args, "--period", period])
    assert result.exit_code == 2, result.output
    assert f"'{period}' is not a period YYYY-MM" in result.output
    assert not list(tmp_path.iterdir())  # nothing was done: no database, no file


def test_history_export_of_some_periods(tmp_path):
    db = tmp_path / "h.db"
    assert CliRunner().invoke(main, ["history", "import", str(HISTORY), "--db", str(db)],
                              ).exit_code == 0
    out = tmp_path / "x.csv"
    result = CliRunner().invoke(main, ["history", "export", "--out", str(out), "--db", str(db),
                                       "--period", "2022-12", "--period", "2022-02"])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8-sig").splitlines()[1:]
    periods = {line.split(";")[0] for line in lines}
    assert periods == {"2022-12", "2022-02"}


def _intraxl(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "intraxl.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, cwd=cwd, timeout=120)


def _damaged_database(tmp_path: Path) -> Path:
    """A history database that lost tables (a disk or a hand gone wrong)."""
    db = tmp_path / "h.db"
    assert CliRunner().invoke(main, ["history", "import", str(HISTORY), "--db", str(db)],
                              ).exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE facts")
        conn.execute("DROP TABLE attachments")
    return db


@pytest.mark.parametrize("args", [
    ["history", "export", "--out", "x.csv"], ["template", "--period", "2023-02"],
    ["status", "--period", "2023-02"],
    ["consolidate", str(EXAMPLES), "--period", "2023-02", "--out", "m.xlsx"]])
def test_an_unexpected_error_is_one_line_and_a_log_file(tmp_path, args):
    db = _damaged_database(tmp_path)
    config = tmp_path / "config"
    done = _intraxl(*args, "--db", str(db), "--mappings", str(ROOT / "mappings"),
                    env={"XDG_CONFIG_HOME": str(config)}, cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: unexpected OperationalError: ") and "no such table" in line
    (log,) = (config / "intraxl" / "logs").iterdir()
    assert line.endswith(f"(details in {log})")
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "no such table: " in text


def test_a_file_that_cannot_be_written_is_one_line(tmp_path):
    (tmp_path / "fil").write_text("", encoding="utf-8")
    (tmp_path / "h.db").touch()  # an (empty) database: the export reads it
    for args in (["history", "export", "--out", str(tmp_path / "fil" / "ut" / "x.csv")],
                 ["template", "--period", "2023-02", "--out", str(tmp_path / "fil" / "ut")]):
        done = _intraxl(*args, "--db", str(tmp_path / "h.db"), "--mappings",
                        str(ROOT / "mappings"), env={}, cwd=tmp_path)
        assert done.returncode == 1, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"error: {tmp_path / 'fil' / 'ut'}: Not a directory"], args


ENGLISH = re.compile(r"\b(accepted|rejected|quarantined|missing|files?|new|changed|unchanged|"
                     r"collected|VALID|INVALID|errors?|warnings?|forecast|deviation|outcome|"
                     r"costs?|units?|result|note)\b|\(s\)")


def test_summaries_are_swedish_and_fit_80_columns(mappings, tmp_path, monkeypatch):
    """What finance reads after collect, consolidate, status and validate, in a terminal 80
    columns wide: in Swedish, no line wider, nothing cut off with `…`."""
    from rich.console import Console

    from intraxl import cli

    from .test_collect import collect, eml, the_month
    from .test_feedback import _bad_file

    monkeypatch.setattr(cli, "console", Console(width=80, highlight=False, soft_wrap=True))
    mail = the_month(mappings, tmp_path / "mail")
    (mail / "99_okand.eml").write_bytes(eml("okand@example.se", [("x.xlsx", b"x")], 99))
    db = tmp_path / "intraxl.db"
    outputs = {"collect": collect(tmp_path, mail)}
    outputs["consolidate"] = CliRunner().invoke(main, [
        "consolidate", str(tmp_path / "inbox"), "--period", "2023-02", "--db", str(db),
        "--out", str(tmp_path / "m.xlsx")])
    outputs["status"] = CliRunner().invoke(main, [
        "status", "--period", "2023-02", "--db", str(db), "--inbox", str(tmp_path / "inbox")])
    outputs["validate"] = CliRunner().invoke(main, ["validate", str(_bad_file(mappings,
                                                                              tmp_path))])
    for command, result in outputs.items():
        assert result.exit_code in (0, 1), (command, result.output)
        for line in result.output.splitlines():
            if str(tmp_path) in line or line.startswith(("wrote ", "error:")):
                continue  # a path is printed whole, however long
            assert len(line) <= 80, (command, line)
            assert "…" not in line, (command, line)
            words = re.sub(r"\b[a-z]+(-[a-z0-9]+)+\b", "", line)  # issue codes are names
            assert not ENGLISH.search(words.replace("intraxl", "")), (command, line)
    assert "enheter: 7 godkända" in outputs["consolidate"].output
    assert "från" in outputs["status"].output and "1 till karantän" in outputs["collect"].output
    assert "AVVISAD inskickad.xlsx (gt-hr 2023-02): 3 fel" in outputs["validate"].output


def test_strict_says_what_it_counts():
    """--strict's help names every state it exits 1 for, a later file rejected too (the
    unit's standing in unit_state.py)."""
    result = CliRunner().invoke(main, ["consolidate", "--help"], terminal_width=200)
    strict = next(line for line in result.output.splitlines() if "--strict" in line)
    assert all(word in strict for word in ("missing", "rejected", "quarantined",
                                           "a later file rejected")), strict


def test_history_import_again_says_nothing_was_added(tmp_path):
    """Importing the same file twice, the second time saved again since: the second run
    says its facts were already stored, and changes nothing (the import does not become the
    units' latest file again, as a unit's workbook sent again would)."""
    import shutil

    db, csv = tmp_path / "intraxl.db", Path(shutil.copy2(HISTORY, tmp_path / "2022.csv"))
    runs, stored = [], []
    for later in (0, 3600):
        os.utime(csv, (HISTORY.stat().st_mtime + later,) * 2)
        runs.append(CliRunner().invoke(main, ["history", "import", str(csv), "--db", str(db)]))
        with sqlite3.connect(db) as conn:
            stored.append(conn.execute("select * from submissions order by id").fetchall())
    assert stored[0] == stored[1]
    assert [r.exit_code for r in runs] == [0, 0]
    assert "importerade 85 nya fakta (14 inlämningar); 0 fanns redan" in runs[0].output
    assert "importerade 0 nya fakta (0 inlämningar); 85 fanns redan" in runs[1].output
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from facts").fetchone()[0] == 85


@pytest.mark.parametrize("args", [["status", "--period", "2023-02"],
                                  ["history", "export", "--out", "facts.csv"],
                                  ["report", "--period", "2023-02"]])
def test_a_mistyped_database_is_an_error_not_a_new_empty_one(tmp_path, monkeypatch, args):
    """A command that only reads says the database is not there: it neither creates an empty
    one nor reports every unit missing (and drafts reminders to all of them)."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*args, "--db", "typo.db", "--mappings",
                                       str(ROOT / "mappings"), *(
                                           ["--drafts", "drafts"] if args[0] == "status" else [])])
    assert result.exit_code == 1, result.output
    assert "no history database at sqlite:///typo.db" in result.output
    assert not (tmp_path / "typo.db").exists() and not (tmp_path / "drafts").exists()


@pytest.mark.parametrize("args", [
    ["consolidate", str(EXAMPLES), "--period", "2023-02", "--out", "master.csv"],
    ["consolidate", str(EXAMPLES), "--period", "2023-02", "--out", "master.pdf"],
    ["report", "--period", "2023-02", "--out", "rapport.pdf"],
    ["consolidate", str(EXAMPLES / "manadsuppfoljning_2023-02_gt-hr.xlsx")]])
def test_an_out_file_of_another_kind_or_a_file_for_a_folder_is_a_usage_error(
        tmp_path, monkeypatch, args):
    """`--out rapport.pdf` would have been a Word document named .pdf; a workbook given as
    the inbox was 'give --period' (and, with it, 'inbox folder not found')."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*args, "--db", "h.db"])
    assert result.exit_code == 2, result.output
    if args[-2] == "--out":
        assert f"'{args[-1]}' does not end in" in result.output and "--pdf" in result.output
    else:
        assert f"'{args[-1]}' is a file: give the folder" in result.output
    assert not list(tmp_path.iterdir())  # no database made


def test_status_lists_a_rejected_file_that_names_no_unit(tmp_path):
    """consolidate says `avvisad` for a file of no unit (a text file named as a template);
    status, on the same database, lists it too (it said nothing, and --json had no trace)."""
    import json
    import shutil

    inbox = tmp_path / "2023-02"
    shutil.copytree(EXAMPLES, inbox)
    (inbox / "manadsuppfoljning_2023-02_uppdrag_v2.xlsx").write_text("hej\n", encoding="utf-8")
    db = ["--db", str(tmp_path / "x.db")]
    done = CliRunner().invoke(main, ["consolidate", str(inbox), "--out",
                                     str(tmp_path / "m.xlsx"), *db])
    assert done.exit_code == 0 and "avvisad manadsuppfoljning_2023-02_uppdrag_v2.xlsx" in \
        done.output, done.output
    shown = CliRunner().invoke(main, ["status", "--period", "2023-02", *db])
    assert "avvisad manadsuppfoljning_2023-02_uppdrag_v2.xlsx: Filen är inte en Excel" in \
        shown.output, shown.output
    listed = json.loads(CliRunner().invoke(main, ["status", "--period", "2023-02", "--json",
                                                  *db]).output)["other_files"]
    assert [(f["file_name"], f["errors"]) for f in listed] == [
        ("manadsuppfoljning_2023-02_uppdrag_v2.xlsx", 1)]


def test_ctrl_c_is_one_error_line_and_exit_130(tmp_path, monkeypatch):
    """Interrupted: one line saying nothing is half-written, the shell's code for it (click
    said `Aborted!` and exit 1, as for a problem found)."""
    import intraxl.pipeline

    def interrupted(*args, **kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(intraxl.pipeline, "run", interrupted)
    result = CliRunner().invoke(main, ["consolidate", str(EXAMPLES), "--period", "2023-02",
                                       "--db", str(tmp_path / "x.db"), "--out",
                                       str(tmp_path / "m.xlsx")])
    assert result.exit_code == 130, result.output
    assert result.output.strip().splitlines() == [
        "error: interrupted: what was stored before stays stored and nothing is half-written "
        "(the master and every file are replaced whole); run the command again"]
    assert not (tmp_path / "m.xlsx").exists()
