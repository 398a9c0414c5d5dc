"""Hostile and odd input: Apache POI's corpus, random mutations, a LibreOffice round trip."""

from __future__ import annotations

import time

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intraxl import contract
from intraxl.cli import main
from intraxl.template.layout import build_layout
from intraxl.validate import validate_file

from .conftest import SHARED, libreoffice_convert
from .test_validate import FEB, HR, write_hr

POI = SHARED / "corpus" / "poi"
PER_FILE_SECONDS = 10


def test_every_poi_workbook_gets_a_clear_answer(mappings):
    files = sorted(f for f in POI.rglob("*") if f.is_file())
    assert len(files) == 373
    codes = set()
    for f in files:
        start = time.perf_counter()
        report = validate_file(f, mappings, FEB)
        elapsed = time.perf_counter() - start
        assert elapsed < PER_FILE_SECONDS, (f.name, elapsed)
        assert not report.valid, f.name  # none of them is an intraxl template
        assert report.errors and all(i.message and i.code for i in report.errors), f.name
        codes.add(report.errors[0].code)
    # The corpus has encrypted, truncated, macro, Strict and entity-trick files.
    assert {"not-a-template", "corrupt-file", "encrypted-file", "macro-enabled",
            "strict-ooxml", "unsafe-xml"} <= codes


def test_validate_cli_over_the_poi_corpus_never_prints_a_traceback():
    dirs = sorted(str(d) for d in POI.iterdir() if d.is_dir())
    result = CliRunner().invoke(main, ["validate", *dirs, "--json"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and '"valid": false' in result.output


CELL_VALUES = st.one_of(
    st.none(), st.text(max_size=40), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.dates(),
    st.sampled_from(["#REF!", "=SUM(A1:A2)", "+46", "-", "@x", "1 234,5", "5,9 %", "Klar",
                     "Röd", "2023-13-45", "\u0000\u0007", "x" * 5000]),
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutating_a_valid_submission_never_raises(mappings, tmp_path, data):
    layout = build_layout(mappings, mappings.unit("gt-hr"), FEB)
    sheet = data.draw(st.sampled_from([s for s in layout if s.rows]))
    row = data.draw(st.sampled_from([r for r in sheet.rows if any(c.input for c in r.values())]))
    column = data.draw(st.sampled_from(
        [c for c in contract.INPUT_COLUMNS[sheet.name] if row[c].input]))
    value = data.draw(CELL_VALUES)

    def edit(v):
        key = str(row[sheet.table.key].value)
        if isinstance(value, str):
            clean = "".join(ch for ch in value if ch >= " " or ch in "\t\n")  # XML-legal text
        else:
            clean = value
        v.cells.setdefault(sheet.name, {}).setdefault(key, {})[column] = clean
    path = write_hr(mappings, tmp_path / "mutated.xlsx", edit)
    report = validate_file(path, mappings, FEB)
    assert report.valid or report.errors
    for issue in report.issues:
        assert issue.code and issue.message
        if issue.cell:
            assert issue.sheet in contract.TABLES_BY_NAME


def test_a_template_resaved_by_libreoffice_still_validates(mappings, tmp_path):
    src = write_hr(mappings, tmp_path / "ifylld.xlsx")
    out = tmp_path / "lo"
    out.mkdir()
    resaved = libreoffice_convert(src, "xlsx:Calc MS Excel 2007 XML", out)
    assert resaved.read_bytes() != src.read_bytes()
    report = validate_file(resaved, mappings, FEB)
    assert report.valid, report.issues
    original = validate_file(HR, mappings, FEB).submission
    assert sorted(map(repr, report.submission.facts)) == sorted(map(repr, original.facts))
    ods = libreoffice_convert(src, "ods", out)
    renamed = ods.rename(out / "renamed.xlsx")
    assert [i.code for i in validate_file(renamed, mappings, FEB).issues] == ["ods-file"]
    xls = libreoffice_convert(src, "xls", out)
    renamed = xls.rename(out / "renamed-xls.xlsx")
    assert [i.code for i in validate_file(renamed, mappings, FEB).issues] == ["legacy-xls"]
