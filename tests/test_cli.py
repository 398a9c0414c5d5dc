"""The command line's contract: shared options, exit codes, never a traceback."""

from __future__ import annotations

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
    assert with_period == 6 and with_db == 6


@pytest.mark.parametrize("args", [
    ["history", "export", "--out", "x.csv"], ["template"], ["validate", str(EXAMPLES)],
    ["consolidate", str(EXAMPLES)], ["status"], ["collect", "mails"]])
@pytest.mark.parametrize("period", ["2023-13", "2023-2", "februari"])
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
    periods = {line.split(",")[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]}
    assert periods == {"2022-12", "2022-02"}
