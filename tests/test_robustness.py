"""Hostile and odd input: Apache POI's corpus, random mutations, a LibreOffice round trip."""

from __future__ import annotations

import time
import zipfile

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intraxl import contract
from intraxl.cli import main
from intraxl.template.layout import build_layout
from intraxl.validate import validate_file

from .conftest import SHARED, libreoffice_convert
from .test_validate import FEB, HR, SHEET_PART, patch_part, replace_cell, write_hr

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


# --- XML that hides from a byte scan --------------------------------------------------------

LONG_COMMENT = b"<!-- " + b"ett langt kommentar " * 400 + b" -->\n"  # 8 KiB
DTD = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n'


def _prolog(data: bytes, extra: bytes) -> bytes:
    """`data` (an XML part) with `extra` put between its declaration and its root."""
    end = data.index(b"?>") + 2
    return data[:end] + b"\n" + extra + data[end:].lstrip()


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/styles.xml",
                                  SHEET_PART["Ekonomi"], "xl/tables/table1.xml",
                                  "xl/theme/theme1.xml", "docProps/core.xml"])
def test_a_declaration_after_a_long_comment_is_unsafe(mappings, tmp_path, part):
    bad = patch_part(HR, tmp_path / "x.xlsx", part, lambda d: _prolog(d, LONG_COMMENT + DTD))
    assert [i.code for i in validate_file(bad, mappings, FEB).issues] == ["unsafe-xml"]


def test_a_declaration_in_utf16_is_unsafe(mappings, tmp_path):
    def utf16(data: bytes) -> bytes:
        text = _prolog(data, DTD).decode("utf-8").replace('encoding="UTF-8"',
                                                           'encoding="UTF-16"')
        return text.encode("utf-16")  # with its byte order mark

    bad = patch_part(HR, tmp_path / "x.xlsx", "xl/sharedStrings.xml", utf16)
    assert b"<!DOCTYPE" not in zipfile.ZipFile(bad).read("xl/sharedStrings.xml")
    assert [i.code for i in validate_file(bad, mappings, FEB).issues] == ["unsafe-xml"]


def test_a_declaration_only_mentioned_in_a_comment_is_harmless(mappings, tmp_path):
    note = b"<!-- no <!DOCTYPE here, nor <!ENTITY -->\n"
    ok = patch_part(HR, tmp_path / "ok.xlsx", SHEET_PART["Ekonomi"],
                    lambda d: _prolog(d, note))
    report = validate_file(ok, mappings, FEB)
    assert report.valid and report.issues == []


@pytest.mark.parametrize("t", ["t='e'", 't="e"', 't = "e"'])
def test_an_error_cell_is_an_excel_error_in_every_spelling(mappings, tmp_path, t):
    bad = patch_part(HR, tmp_path / "err.xlsx", SHEET_PART["Ekonomi"],
                     replace_cell("D5", f"<c r='D5' {t}><v>#REF!</v></c>"))
    report = validate_file(bad, mappings, FEB)
    assert {(i.code, i.location) for i in report.issues} == {("excel-error", "Ekonomi!D5")}
    assert "#REF!" in report.issues[0].message
