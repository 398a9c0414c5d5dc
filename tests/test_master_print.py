"""The master's PDF as the board reads it, made once on an English-locale machine (as CI
is) and read back word by word with pdftotext: where each cell's text sits, and what it
says."""

from __future__ import annotations

import re
import shutil

import openpyxl
import pytest

from .conftest import EXAMPLES, pdf_words
from .test_master import HISTORY, consolidate, run_cli

ID = re.compile(r"^(A|U|PR|R)\d\d$")  # the example's activities, assignments, projects, risks


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The example month consolidated with --pdf: the master, and the PDF's words by page
    with the sheet each page prints (its header's right part)."""
    d = tmp_path_factory.mktemp("printed")
    inbox, db, out = d / "2023-02", d / "intraxl.db", d / "master.xlsx"
    shutil.copytree(EXAMPLES, inbox)
    with pytest.MonkeyPatch.context() as mp:
        for name in ("LANG", "LC_ALL", "LC_NUMERIC", "LANGUAGE"):
            mp.setenv(name, "en_US.UTF-8")
        assert run_cli("history", "import", HISTORY, "--db", db).exit_code == 0
        result = consolidate(inbox, db, out, "--pdf")
    assert result.exit_code == 0, result.output
    sheets = openpyxl.load_workbook(out).sheetnames
    pages = []
    for words in pdf_words(out.with_suffix(".pdf")):
        top = min((w[1] for w in words), default=0)
        header = sorted((w for w in words if w[1] - top < 2), key=lambda w: w[0])
        name = next((s for s in sheets if " ".join(w[4] for w in header).endswith(s)), None)
        pages.append((name, words))
    return {"out": out, "pages": pages}


def _level(a: tuple, b: tuple) -> bool:
    return abs(a[1] - b[1]) < 1.0


def test_ids_and_flags_print_at_the_top_of_their_row(printed):
    """An ID (and a risk's `Ny` flag) sits on its row's first line, level with the row's
    one-line cells (a status, a risk's S), not at the bottom of a tall row."""
    anchors = {"Aktiviteter": {"Klar", "Pågående", "Ej", "Försenad", "Avbruten"},
               "Uppdrag": {"Klar", "Pågående", "Ej", "Försenad", "Avbruten"},
               "Projekt": {"Grön", "Gul", "Röd"}, "Risker": set("1234")}
    checked = {sheet: 0 for sheet in anchors}
    for sheet, words in printed["pages"]:
        if sheet not in anchors:
            continue
        level_with = [w for w in words if w[4] in anchors[sheet]]
        ids = [w for w in words if ID.match(w[4])]
        flags = [w for w in words if w[4] == "Ja" and sheet == "Risker"]
        for w in ids + flags:
            assert any(_level(w, a) and a[0] > w[2] if w in ids else _level(w, a)
                       for a in level_with), (sheet, w[4])
            checked[sheet] += 1
    assert all(n >= 5 for n in checked.values()), checked


def _words_on(printed, sheet: str) -> set[str]:
    return {w[4] for name, words in printed["pages"] if name == sheet for w in words}


def _column_words(ws, header: str) -> set[str]:
    """The words of a table's column, its header included."""
    rows = list(ws.iter_rows(values_only=True))
    top = next(r for r, row in enumerate(rows) if header in row)
    c = rows[top].index(header)
    texts = [str(row[c]) for row in rows[top:] if c < len(row) and row[c] is not None]
    return {w for t in texts for w in t.split()}


def test_no_header_or_name_is_broken_inside_a_word(printed):
    """Every header word of the lists, the risk areas and owners, and Kommentarer's
    sections print whole: no column narrower than its longest word. (An owner's title longer
    than 20 letters, Informationssäkerhetsansvarig, would need a column the page has no
    room for at 8 pt.)"""
    wb = openpyxl.load_workbook(printed["out"])
    checked = 0
    for sheet in ("Indikatorer", "Aktiviteter", "Uppdrag", "Projekt", "Risker", "Kommentarer"):
        ws, printed_words = wb[sheet], _words_on(printed, sheet)
        hidden = {n for d in ws.column_dimensions.values() if d.hidden
                  for n in range(d.min, d.max + 1)}  # Indikatorer's month columns
        wanted = {w for c in ws[4] if c.value and c.column not in hidden
                  for w in str(c.value).split()}  # the header, as printed
        if sheet == "Risker":
            wanted |= _column_words(ws, "Riskområde") | {
                w for w in _column_words(ws, "Ansvarig") if len(w) <= 20}
        if sheet == "Kommentarer":
            wanted |= _column_words(ws, "Avsnitt")
        # (a line may break after a hyphen: `IT-säkerhet` prints as `IT-` and `säkerhet`)
        broken = {w for w in wanted if w not in printed_words
                  and not set(filter(None, re.split(r"(?<=-)", w))) <= printed_words}
        assert broken == set(), sheet
        checked += len(wanted)
    assert checked > 60


def test_the_summary_chart_reads_in_swedish_with_its_labels_on_light_bars(printed):
    """The deviation chart's value axis groups thousands the Swedish way on an English
    machine; its value labels (dark text) stand on light bars, over no other text."""
    import zipfile

    from lxml import etree

    page = next(words for name, words in printed["pages"]
                if name == "Sammanfattning" and any(w[4] == "(tkr)" for w in words))
    text = " ".join(w[4] for w in sorted(page, key=lambda w: (round(w[1]), w[0])))
    assert re.search(r"[−-]5 000 0 5 000 10 000", text.replace("\u00a0", " ")), text
    assert [(a[4], b[4]) for i, a in enumerate(page) for b in page[i + 1:]
            if min(a[2], b[2]) - max(a[0], b[0]) > 1
            and min(a[3], b[3]) - max(a[1], b[1]) > 0.4 * min(a[3] - a[1], b[3] - b[1])] == []
    with zipfile.ZipFile(printed["out"]) as z:
        charts = [etree.fromstring(z.read(n)) for n in z.namelist()
                  if n.startswith("xl/charts/chart")]
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
          "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    chart = next(c for c in charts if "Avvikelse per enhet" in "".join(c.itertext()))
    assert chart.xpath("//c:ser/c:dLbls/c:showVal/@val", namespaces=ns) == ["1"]
    fill = chart.xpath("//c:ser/c:spPr/a:solidFill/a:srgbClr/@val", namespaces=ns)[0]
    red, green, blue = (int(fill[i:i + 2], 16) / 255 for i in (0, 2, 4))
    assert 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.5  # light: dark text reads


def test_negative_figures_print_with_the_minus_sign(printed):
    """A negative amount prints as the texts write it, −3 373 (U+2212, a no-break space
    between thousands), not -3 373 with a hyphen-minus, whatever the machine's locale."""
    words = [w[4] for _, page in printed["pages"] for w in page]
    text = " ".join(words).replace("\u00a0", " ")
    assert "\u22123 373" in text and "\u22123 000" in text
    assert not [w for w in words if re.fullmatch(r"-\d[\d\u00a0 ]*", w)]
