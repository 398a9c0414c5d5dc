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


def test_the_readme_issue_table_is_the_issue_types():
    """The README's table of issue codes says what `issues.TYPES` declares: every code once,
    in order, with its severities and meaning."""
    from intraxl.issues import CODES, TYPES

    def severities(code: str) -> str:
        return ", ".join(dict.fromkeys(t.severity.value for t in TYPES if t.code == code))

    start = README.index("| code | severity | meaning |")
    table = README[start:README.index("\n\n", start)].splitlines()
    assert table[2:] == [f"| `{code}` | {severities(code)} | {meaning} |"
                         for code, meaning in CODES.items()]
    assert "| `missing-value` | error, warning |" in table[2 + list(CODES).index("missing-value")]
