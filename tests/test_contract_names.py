"""The template contract in one place (issue 15 item 3): no module of the package spells a
template table or column name, a column of the Data table (the long form of SPEC §5) or a
value of a closed list (statuses, comment sections, a unit's states); each takes it from
`intraxl/contract.py`. The package's string constants are read with ast, so a
docstring, a comment or the text of an f-string that mentions a name is not a use of it."""

from __future__ import annotations

import ast
from pathlib import Path

import intraxl
from intraxl import contract

PACKAGE = Path(intraxl.__file__).parent
NAMES = ({t.name for t in contract.TABLES} | {c for t in contract.TABLES for c in t.columns}
         | set(contract.DATA_COLUMNS) | set(contract.WORK_STATUSES)
         | set(contract.PROJECT_STATUSES) | set(contract.INDICATOR_STATUSES)
         | set(contract.COMMENT_SECTIONS) | set(contract.UNIT_STATES))

# Texts a person reads that merely equal a name, not uses of the contract. Whole modules:
# - report/default_template.py builds the shipped Word template of the board report: its
#   table headings (Utfall, Årsmål, Status, Tid, Kostnad, …) are Swedish headings for the
#   board, chosen for the report (Portfölj is also a comment section's name); the figures
#   under them come from the report model.
# - master/writer.py, master/__init__.py and master/fingerprint.py: the master workbook's own
#   layout (SPEC §5), its sheet titles (a sheet per table: Ekonomi, Risker, …), column
#   headings (Enhet, Status, Kommentar, …) and the fill colours named as the statuses that
#   use them (the risk heat map's Röd/Gul/Grön), written there and read back from the
#   controller's master; what the master reads of the report model (a project's Tid, a
#   unit's state, the Data table's columns, the closed lists) comes from the contract.
DISPLAY_MODULES = {"report/default_template.py", "master/writer.py", "master/__init__.py",
                   "master/fingerprint.py"}
# Single texts: (module, text).
# - cli.py "karantän": collect's word for an attachment put in quarantine (the `blev`
#   column), not a unit's state.
DISPLAY_TEXTS = {("cli.py", "karantän")}


def _not_uses(tree: ast.Module) -> set[int]:
    """The ids of the string constants that are no use of a name: docstrings, the text
    parts of f-strings, type annotations (`-> "Period"`) and the object names listed in
    `__all__`."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)):
            skip.add(id(body[0].value))
        if isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
        if (isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)):
            skip.update(id(n) for n in ast.walk(node.value))
        annotation = getattr(node, "annotation", None) or getattr(node, "returns", None)
        if annotation is not None:
            skip.update(id(n) for n in ast.walk(annotation))
    return skip


def spelled_names(path: Path) -> list[str]:
    """`line: 'name'` for each contract name spelled as a string in the module at `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _not_uses(tree)
    return sorted(f"{n.lineno}: {n.value!r}" for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str)
                  and n.value in NAMES and id(n) not in skip)


def test_no_module_spells_a_table_or_column_name():
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name == "contract.py" or name in DISPLAY_MODULES:
            continue
        if spelled := [f for f in spelled_names(path)
                       if (name, f.split(": ", 1)[1][1:-1]) not in DISPLAY_TEXTS]:
            found[name] = spelled
    assert found == {}, "use the names of intraxl/contract.py"


def test_the_scan_finds_a_spelled_name(tmp_path):
    """The check can fail: a name in a call, a dict key or a tuple is found; the same text
    in a docstring, an f-string's text, an annotation or `__all__` is not."""
    module = tmp_path / "m.py"
    module.write_text('"""Utfall ack is read."""\n__all__ = ["Info"]\n'
                      'x = f"Utfall{n}"\ny = cur.get("Ekonomi", {"Prognos helår": 1})\n'
                      'z = ("Tid", "Fält", "Klar")\ndef f(p: "Period") -> "Period": ...\n',
                      encoding="utf-8")
    assert spelled_names(module) == ["4: 'Ekonomi'", "4: 'Prognos helår'", "5: 'Fält'",
                                     "5: 'Klar'", "5: 'Tid'"]
