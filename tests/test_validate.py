"""Read and validate: every malformed case gets its code and cell, never a traceback."""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import time
import warnings
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from intraxl.cli import main
from intraxl.mappings import load_mappings
from intraxl.periods import Period
from intraxl.template import TemplateValues, write_template

from .conftest import EXAMPLES, ROOT, SHARED

FEB = Period.parse("2023-02")
DATA = yaml.safe_load((ROOT / "workbooks/examples/2023-02.yaml").read_text(encoding="utf-8"))
HR = EXAMPLES / "manadsuppfoljning_2023-02_gt-hr.xlsx"
SHEET_PART = {"Info": "xl/worksheets/sheet2.xml", "Indikatorer": "xl/worksheets/sheet3.xml",
              "Ekonomi": "xl/worksheets/sheet4.xml"}


def hr_values() -> TemplateValues:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_examples", ROOT / "workbooks/examples/make_examples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.unit_values(copy.deepcopy(DATA["submissions"]["gt-hr"]))


def write_hr(mappings, path: Path, edit=None, period: Period = FEB) -> Path:
    values = hr_values()
    if edit:
        edit(values)
    return write_template(mappings, mappings.unit("gt-hr"), period, path, values)


def patch_part(src: Path, dst: Path, part: str, fn) -> Path:
    """Copy the package `src` to `dst` with one part's bytes rewritten by `fn`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, fn(data) if info.filename == part else data)
    return dst


def replace_cell(ref: str, xml: str):
    def fn(data: bytes) -> bytes:
        new, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)'.encode(), xml.encode(), data)
        assert n == 1, ref
        return new
    return fn


def validate(mappings, path, **kw):
    from intraxl.validate import validate_file
    return validate_file(path, mappings, FEB, **kw)


def codes_at(report):
    return {(i.code, i.location) for i in report.issues}


def set_cell(table, key, column, value):
    def edit(v: TemplateValues):
        v.cells.setdefault(table, {}).setdefault(key, {})[column] = value
    return edit


# --- the examples -------------------------------------------------------------------------

def test_examples_are_valid(mappings):
    for f in sorted(EXAMPLES.glob("*.xlsx")):
        r = validate(mappings, f)
        assert r.valid and r.issues == [], (f.name, r.issues)
        assert r.submission.unit_id in f.name and r.submission.period == "2023-02"
    r = validate(mappings, HR)
    sub = r.submission
    assert {i.id: i.outcome for i in sub.indicators}["lonespecifikationer"] == 121847
    eco = {e.id: e for e in sub.economy}
    assert eco["resultat.utveckling"].forecast == 3000
    facts = {(table, rid, field): value for table, rid, field, value in sub.facts}
    assert facts[("Ekonomi", "kostnad.totalt", "Utfall ack")] == 24075
    assert facts[("Risker", "R04", "Sannolikhet")] == 4


def test_validate_cli_exit_codes_and_json(mappings, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", str(EXAMPLES), "--period", "2023-02"])
    assert ok.exit_code == 0, ok.output
    assert "7 av 7 filer godkända" in ok.output
    bad = write_hr(mappings, tmp_path / "bad.xlsx",
                   set_cell("Ekonomi", "resultat.forvaltning", "Utfall ack", "tolv"))
    result = runner.invoke(main, ["validate", str(bad), str(HR), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert doc["valid"] is False and [f["valid"] for f in doc["files"]] == [False, True]
    (issue,) = doc["files"][0]["issues"]
    assert issue == {"code": "not-a-number", "severity": "error", "file": "bad.xlsx",
                     "sheet": "Ekonomi", "cell": "C5", "message": issue["message"]}
    assert "tolv" in issue["message"]
    usage = runner.invoke(main, ["validate", str(tmp_path / "nope.xlsx")])
    assert usage.exit_code == 2
    usage = runner.invoke(main, ["validate", str(HR), "--period", "feb"])
    assert usage.exit_code == 2


# --- a corpus of malformed files, each with its expected code and cell -----------------

VALUE_CASES = [
    ("text-in-number", set_cell("Ekonomi", "resultat.forvaltning", "Utfall ack", "tolv"),
     "not-a-number", "Ekonomi!C5"),
    ("negative-count", set_cell("Indikatorer", "lonespecifikationer", "Utfall", -5),
     "negative-value", "Indikatorer!F5"),
    ("percent-over-100", set_cell("Indikatorer", "sjukfranvaro", "Utfall", 5.9),
     "percent-over-100", "Indikatorer!F9"),
    ("not-whole", set_cell("Indikatorer", "lonearenden", "Utfall", 12.5),
     "not-whole-number", "Indikatorer!F6"),
    ("date-not-date", set_cell("Aktiviteter", "A08", "Slutdatum", "snart"),
     "not-a-date", "Aktiviteter!E5"),
    ("status-outside-list", set_cell("Aktiviteter", "A09", "Status", "Halvklar"),
     "invalid-value", "Aktiviteter!D6"),
    ("project-status", set_cell("Projekt", "PR03", "Tid", "Blå"), "invalid-value", "Projekt!D5"),
    ("scale-outside", set_cell("Risker", "R04", "Konsekvens", 7), "invalid-value", "Risker!E5"),
    ("required-empty", set_cell("Ekonomi", "kostnad.totalt", "Utfall ack", None),
     "missing-value", "Ekonomi!C7"),
    ("status-empty", set_cell("Uppdrag", "U02", "Status", None), "missing-value", "Uppdrag!C5"),
    ("huge-number", set_cell("Ekonomi", "kostnad.it", "Budget ack", 1e15),
     "number-out-of-range", "Ekonomi!D10"),
]


@pytest.mark.parametrize("name,edit,code,cell", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_malformed_value(mappings, tmp_path, name, edit, code, cell):
    r = validate(mappings, write_hr(mappings, tmp_path / f"{name}.xlsx", edit))
    assert not r.valid
    assert (code, cell) in codes_at(r), r.issues
    assert [i.code for i in r.errors] == [code]


def test_new_risk_rows(mappings, tmp_path):
    def edit(v):
        v.new_risks = [{"Riskområde": "Påhittat", "Risk": "X", "Sannolikhet": 2,
                        "Konsekvens": 2},
                       {"Riskområde": "Operativa", "Risk": "Y", "Konsekvens": 3}]
    r = validate(mappings, write_hr(mappings, tmp_path / "risk.xlsx", edit))
    assert codes_at(r) == {("invalid-value", "Risker!B6"), ("missing-value", "Risker!D7")}
    ok = validate(mappings, EXAMPLES / "manadsuppfoljning_2023-02_digital-infrastruktur.xlsx")
    (new,) = [x for x in ok.submission.risks if x.id is None]
    assert new.area == "Operativa" and new.probability == 3


def test_formula_like_text_is_a_warning_and_kept(mappings, tmp_path):
    text = '=HYPERLINK("http://x","klicka")'
    r = validate(mappings, write_hr(
        mappings, tmp_path / "f.xlsx", set_cell("Kommentarer", "Sammanfattning", "Text", text)))
    assert r.valid
    assert codes_at(r) == {("formula-like-text", "Kommentarer!B5")}
    assert r.submission.comments["Sammanfattning"] == text


def test_warnings_do_not_reject(mappings, tmp_path):
    def edit(v):
        v.cells["Aktiviteter"]["A08"] = {"Status": "Försenad", "Kommentar": None}
        v.cells["Projekt"]["PR03"] = {"Tid": "Röd", "Kostnad": "Grön", "Resultat": "Grön"}
    r = validate(mappings, write_hr(mappings, tmp_path / "w.xlsx", edit))
    assert r.valid
    assert codes_at(r) == {("comment-missing", "Aktiviteter!F5"),
                           ("comment-missing", "Projekt!G5"), ("comment-missing", "Projekt!H5")}


def test_other_period(mappings, tmp_path):
    r = validate(mappings, write_hr(mappings, tmp_path / "jan.xlsx", period=Period(2023, 1)))
    assert ("wrong-period", "Info!B6") in codes_at(r) and not r.valid


def _mappings_variant(tmp_path, old, new, file="template.yaml"):
    d = tmp_path / "m"
    shutil.copytree(ROOT / "mappings", d)
    p = d / file
    p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return load_mappings(d)


def test_old_template_version(mappings, tmp_path):
    old = _mappings_variant(tmp_path, 'version: "2023.1"', 'version: "2022.3"')
    path = write_template(old, old.unit("gt-hr"), FEB, tmp_path / "old.xlsx", hr_values())
    r = validate(mappings, path)
    assert ("wrong-template-version", "Info!B5") in codes_at(r) and not r.valid


def test_unknown_unit_and_unregistered_sender(mappings, tmp_path):
    m2 = _mappings_variant(tmp_path, "units:\n", "units:\n  - id: okand-enhet\n    name: Okänd"
                           "\n    reporters: [okand@example.se]\n", file="organisation.yaml")
    path = write_template(m2, m2.unit("okand-enhet"), FEB, tmp_path / "u.xlsx")
    r = validate(mappings, path)
    assert [(i.code, i.location) for i in r.errors] == [("unknown-unit", "Info!B7")]
    assert codes_at(r) == {("unknown-unit", "Info!B7"), ("missing-value", "Info!B9")}
    r = validate(mappings, HR, sender="someone@else.example")
    assert codes_at(r) == {("sender-not-registered", "Info!B7")}
    assert validate(mappings, HR, sender="HR.Rapport@intraservice.example.se").valid


# --- raw package manipulations -------------------------------------------------------------

def test_excel_error_value(mappings, tmp_path):
    bad = patch_part(HR, tmp_path / "err.xlsx", SHEET_PART["Ekonomi"],
                     replace_cell("D5", '<c r="D5" t="e"><f>1/0</f><v>#DIV/0!</v></c>'))
    r = validate(mappings, bad)
    assert codes_at(r) == {("excel-error", "Ekonomi!D5")}
    assert "#DIV/0!" in r.issues[0].message


def test_ref_error_in_text_cell_and_formula_without_value(mappings, tmp_path):
    step = patch_part(HR, tmp_path / "a.xlsx", SHEET_PART["Ekonomi"],
                      replace_cell("C6", '<c r="C6"><f>SUM(X1:X2)</f></c>'))
    bad = patch_part(step, tmp_path / "b.xlsx", SHEET_PART["Indikatorer"],
                     replace_cell("F5", '<c r="F5" t="e"><f>#REF!+1</f><v>#REF!</v></c>'))
    r = validate(mappings, bad)
    assert codes_at(r) == {("formula-without-value", "Ekonomi!C6"),
                           ("excel-error", "Indikatorer!F5")}


def test_formula_with_stored_value_reads_its_value(mappings, tmp_path):
    ok = patch_part(HR, tmp_path / "f.xlsx", SHEET_PART["Ekonomi"],
                    replace_cell("C5", '<c r="C5"><f>6+6</f><v>12</v></c>'))
    r = validate(mappings, ok)
    assert r.valid and {e.id: e.outcome for e in r.submission.economy}["resultat.forvaltning"] == 12


def _inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_unknown_and_duplicate_ids(mappings, tmp_path):
    unknown = patch_part(HR, tmp_path / "u.xlsx", SHEET_PART["Ekonomi"],
                         replace_cell("A8", _inline("A8", "kostnad.resor")))
    r = validate(mappings, unknown)
    assert codes_at(r) == {("unknown-id", "Ekonomi!A8"), ("missing-row", "Ekonomi!A4")}
    dup = patch_part(HR, tmp_path / "d.xlsx", SHEET_PART["Indikatorer"],
                     replace_cell("A6", _inline("A6", "lonespecifikationer")))
    r = validate(mappings, dup)
    assert codes_at(r) == {("duplicate-id", "Indikatorer!A6"), ("missing-row", "Indikatorer!A4")}


def _resave_with_openpyxl(src, dst, fn):
    wb = openpyxl.load_workbook(src)
    fn(wb)
    wb.save(dst)
    return dst


def test_table_converted_to_range_still_reads(mappings, tmp_path):
    def drop_tables(wb):
        for ws in wb.worksheets:
            for name in list(ws.tables):
                del ws.tables[name]
    path = _resave_with_openpyxl(HR, tmp_path / "range.xlsx", drop_tables)
    r = validate(mappings, path)
    assert r.valid, r.issues
    assert len(r.submission.facts) == len(validate(mappings, HR).submission.facts)


def test_missing_column_and_missing_table(mappings, tmp_path):
    def break_it(wb):
        for ws in wb.worksheets:
            for name in list(ws.tables):
                del ws.tables[name]
        wb["Ekonomi"]["D4"] = "Budget"
        del wb["Projekt"]
    r = validate(mappings, _resave_with_openpyxl(HR, tmp_path / "b.xlsx", break_it))
    assert {("missing-column", "Ekonomi!D4"), ("missing-table", "")} <= codes_at(r)
    assert not r.valid


def with_macros(src: Path, dst: Path) -> Path:
    """`src` as a macro-enabled workbook: its content type, and a VBA project."""
    patch_part(src, dst, "[Content_Types].xml", lambda d: d.replace(
        b"spreadsheetml.sheet.main+xml", b"x").replace(
        b"application/vnd.openxmlformats-officedocument.x",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"))
    with zipfile.ZipFile(dst, "a") as z:
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    return dst


def test_macro_enabled(mappings, tmp_path):
    bad = with_macros(HR, tmp_path / "m.xlsx")
    assert [i.code for i in validate(mappings, bad).issues] == ["macro-enabled"]


@pytest.mark.parametrize("part, root", [
    ("xl/sharedStrings.xml", b"<sst"), ("xl/workbook.xml", b"<workbook"),
    ("[Content_Types].xml", b"<Types"), ("xl/_rels/workbook.xml.rels", b"<Relationships"),
    ("xl/worksheets/sheet3.xml", b"<worksheet")])
def test_entity_tricks(mappings, tmp_path, part, root):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>')
    bad = patch_part(HR, tmp_path / "x.xlsx", part, lambda d: bomb + d[d.index(root):])
    assert [i.code for i in validate(mappings, bad).issues] == ["unsafe-xml"]


def test_a_part_named_twice_is_a_corrupt_file_and_leaves_no_trace(mappings, tmp_path):
    """A package with a part twice, first with a DTD and then clean (zipfile and calamine
    read the last copy): a corrupt file, and the copy with the DTD is not remembered as
    clean, so a file holding only that copy is still unsafe."""
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>')
    part = "xl/sharedStrings.xml"
    unsafe = patch_part(HR, tmp_path / "unsafe.xlsx", part,
                        lambda d: bomb + d[d.index(b"<sst"):])
    twice = tmp_path / "twice.xlsx"
    with zipfile.ZipFile(unsafe) as zin, zipfile.ZipFile(twice, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info, zin.read(info))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of the name written twice
            z.writestr(part, zipfile.ZipFile(HR).read(part))
    r = validate(mappings, twice)
    assert [(i.code, i.message) for i in r.issues] == [(
        "corrupt-file", f"Filen har delen {part} två gånger; den är inte en giltig "
        "Excel-arbetsbok.")]
    assert [i.code for i in validate(mappings, unsafe).issues] == ["unsafe-xml"]


@pytest.mark.parametrize("how", ["overlapping", "shared", "outside"])
def test_a_directory_that_points_past_its_parts_is_a_corrupt_file(mappings, tmp_path, how):
    """A part whose stored bytes, by the zip directory, run into the next part (inflated
    over and over, such parts would keep a core busy), whose local header is another
    part's, or beyond the end of the file: a corrupt file, said as such, not an
    exception."""
    data = bytearray(HR.read_bytes())
    part = "xl/worksheets/sheet3.xml"
    central = next(i for i in range(len(data)) if data.startswith(b"PK\x01\x02", i)
                   and data[i + 46:i + 46 + len(part)] == part.encode())
    if how == "overlapping":
        info = zipfile.ZipFile(HR).getinfo(part)
        data[central + 20:central + 24] = (info.compress_size + 64).to_bytes(4, "little")
    elif how == "shared":  # its local header is another part's
        other = zipfile.ZipFile(HR).getinfo("xl/workbook.xml")
        data[central + 42:central + 46] = other.header_offset.to_bytes(4, "little")
    else:
        data[central + 42:central + 46] = (len(data) - 10).to_bytes(4, "little")
    bad = tmp_path / f"{how}.xlsx"
    bad.write_bytes(bytes(data))
    r = validate(mappings, bad)
    assert [i.code for i in r.issues] == ["corrupt-file"] and not r.valid


def test_a_package_with_uncompressed_parts_validates(mappings, tmp_path):
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(HR) as zin, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as z:
        for info in zin.infolist():
            z.writestr(zipfile.ZipInfo(info.filename, info.date_time), zin.read(info))
    assert {i.compress_type for i in zipfile.ZipFile(stored).infolist()} == {zipfile.ZIP_STORED}
    r = validate(mappings, stored)
    assert r.valid and r.issues == []
    assert [f[:3] for f in r.submission.facts] == \
        [f[:3] for f in validate(mappings, HR).submission.facts]


def _damage(src: Path, dst: Path, part: str, how: str) -> Path:
    """`src` with one part's compressed bytes flipped, its size in the zip directory
    understated (the part inflates to more than the directory says), or its local header
    naming another part than the directory does."""
    data = bytearray(src.read_bytes())
    info = zipfile.ZipFile(src).getinfo(part)
    if how == "flipped":
        start = info.header_offset + 30 + len(info.orig_filename.encode()) + len(info.extra)
        data[start + info.compress_size // 2] ^= 0xFF
    elif how == "renamed":
        last = info.header_offset + 30 + len(info.orig_filename.encode()) - 1
        data[last] = ord("X")  # sheet3.xmX
    else:
        central = next(i for i in range(len(data)) if data.startswith(b"PK\x01\x02", i)
                       and data[i + 46:i + 46 + len(part)] == part.encode())
        data[central + 24:central + 28] = (info.file_size // 2).to_bytes(4, "little")
    dst.write_bytes(bytes(data))
    return dst


@pytest.mark.parametrize("how", ["flipped", "understated", "renamed"])
def test_reading_a_damaged_part_raises_as_zipfile_does(tmp_path, how):
    from intraxl.reader.package import Package

    part = "xl/worksheets/sheet3.xml"
    data = _damage(HR, tmp_path / "damaged.xlsx", part, how).read_bytes()
    pkg = Package(zipfile.ZipFile(io.BytesIO(data)), data)  # (inspect rejects it whole)
    with pytest.raises((zipfile.BadZipFile, zlib.error)):
        pkg.read(part)
    with pytest.raises((zipfile.BadZipFile, zlib.error)):
        pkg.zip.read(part)


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/sharedStrings.xml",
                                  "xl/worksheets/sheet3.xml"])
@pytest.mark.parametrize("how", ["flipped", "understated"])
def test_a_damaged_part_is_a_corrupt_file(mappings, tmp_path, part, how):
    r = validate(mappings, _damage(HR, tmp_path / "damaged.xlsx", part, how))
    assert [i.code for i in r.issues] == ["corrupt-file"] and not r.valid


def test_file_level_cases(mappings, tmp_path):
    cases = {}
    csv = tmp_path / "csv.xlsx"
    csv.write_text("Rad-ID;Utfall ack\nkostnad.totalt;123\n", encoding="utf-8")
    cases[csv] = "not-a-workbook"
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(HR.read_bytes()[: HR.stat().st_size // 2])
    cases[truncated] = "corrupt-file"
    xls = tmp_path / "old.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    cases[xls] = "legacy-xls"
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    cases[empty] = "empty-file"
    big = tmp_path / "big.xlsx"
    with big.open("wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(21 * 1024 * 1024)
    cases[big] = "file-too-large"
    ods = tmp_path / "ods.xlsx"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<x/>")
    cases[ods] = "ods-file"
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(HR) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info, zin.read(info))
        z.writestr("xl/media/zeros.bin", b"\x00" * (40 * 1024 * 1024))
    cases[bomb] = "zip-bomb"
    plain_zip = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("readme.txt", "hello")
    cases[plain_zip] = "not-a-workbook"
    for path, code in cases.items():
        r = validate(mappings, path)
        assert [i.code for i in r.issues] == [code], (path.name, r.issues)
        assert not r.valid and r.issues[0].message


def test_a_sheet_with_very_many_rows_is_bounded(mappings, tmp_path):
    extra = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'
                    for r in range(12, 200_012)).encode()
    rows_outside = patch_part(HR, tmp_path / "rows.xlsx", SHEET_PART["Ekonomi"],
                              lambda d: d.replace(b"</sheetData>", extra + b"</sheetData>"))
    start = time.perf_counter()
    assert validate(mappings, rows_outside).valid  # rows below the table are not its data
    bad = patch_part(rows_outside, tmp_path / "table.xlsx", "xl/tables/table3.xml",
                     lambda d: re.sub(rb'ref="A4:G\d+"', b'ref="A4:G200011"', d))
    r = validate(mappings, bad)
    assert [i.code for i in r.issues] == ["too-many-rows"]
    assert time.perf_counter() - start < 10


def test_encrypted_and_strict_files_from_poi(mappings):
    poi = SHARED / "corpus" / "poi"
    assert [i.code for i in validate(mappings, poi / "poifs" / "protect.xlsx").issues] == \
        ["encrypted-file"]
    strict = [f for f in (poi / "spreadsheet").glob("*strict*.xlsx")]
    assert strict
    for f in strict:
        assert [i.code for i in validate(mappings, f).issues] == ["strict-ooxml"], f.name
