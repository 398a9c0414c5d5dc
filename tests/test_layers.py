"""The stages import only what they need: the consolidation is pandas over the report model,
so importing it loads no database, workbook reader or writer (issue 15 item 4)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "python_calamine", "xlsxwriter", "openpyxl", "docx", "click", "rich")


def loaded_by(module: str) -> list[str]:
    """The heavy libraries `import module` loads, in a fresh interpreter."""
    code = (f"import json, sys, {module}; "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out)


def test_consolidate_loads_no_database_reader_or_writer():
    assert loaded_by("intraxl.consolidate") == []


def test_the_unit_state_rule_loads_no_database():
    assert loaded_by("intraxl.unit_state") == []


def test_the_store_loads_the_database_only():
    """The store takes the typed file reports from the models leaf, not through validate
    (which loads the reader, calamine, and the template writer, XlsxWriter)."""
    assert loaded_by("intraxl.store") == ["sqlalchemy"]


def test_the_models_and_issues_are_leaves():
    for module in ("intraxl.models", "intraxl.issues", "intraxl.contract", "intraxl.rules"):
        assert loaded_by(module) == [], module
