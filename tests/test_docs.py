"""Every command has help and is documented in the README; the README's commands are real."""

from __future__ import annotations

import re

from click.testing import CliRunner

from intraxl.cli import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_has_help_and_is_in_the_readme():
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and command.help, name
        assert f"intraxl {name}" in README, f"README does not document `intraxl {name}`"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = re.search(r"^pip install -e \"\.\[test\]\".*$", README, re.M)
    assert test_cmd, "README lacks the test command"
    assert test_cmd.group(0) in ci.splitlines()


def test_every_issue_code_is_documented():
    from intraxl.issues import CODES

    for code in CODES:
        assert f"`{code}`" in README, code
