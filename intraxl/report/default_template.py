"""The shipped Word template of the board report, made reproducibly with python-docx.

    python -m intraxl.report.default_template [mappings/rapportmall.docx]

The template is an ordinary .docx with docxtpl's Jinja tags (`{{ … }}`, a paragraph
`{%p for … %}`, a table row `{%tr for … %}`, a coloured status `{{r row.status|status }}`);
its variables are the fields of `intraxl.report.context.ReportContext`. An administration
opens it in Word and changes what it likes (logo, fonts, cover page, headers, footers,
heading styles) while keeping the tags, and points `report_template:` in template.yaml at
its own copy. A4 portrait with 2 cm margins: every table fits the 17 cm between them; text
is at least 9 pt; table headers repeat on every page.
"""

from __future__ import annotations

import sys
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row, CT_Tc
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell

DEFAULT = Path(__file__).resolve().parents[2] / "mappings" / "rapportmall.docx"
TEXT_WIDTH_CM = 17.0  # A4 (21 cm) less two 2 cm margins
ACCENT = RGBColor(0x1F, 0x4E, 0x79)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
HEADER_FILL = "1F4E79"
TABLE_TEXT = "Tabelltext"
MIN_PT = 9  # no text smaller
CELL_MARGIN_TWIPS = 57  # 1 mm left and right in a cell (Word's default is 1.9 mm)
FIXED_TIME = (2023, 1, 1, 0, 0, 0)  # every part's time in the zip: the same bytes every run


def _styles(doc: DocumentObject) -> None:
    # Swedish text: spelling, hyphenation and screen readers.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    for lang in defaults.iter(qn("w:lang")):
        lang.set(qn("w:val"), "sv-SE")
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(4)
    for name, size in (("Title", 24), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11)):
        style = doc.styles[name]
        style.font.name = "Calibri"
        style.font.size = Pt(size)
        style.font.color.rgb = ACCENT
        style.paragraph_format.keep_with_next = True
    doc.styles["Heading 1"].paragraph_format.page_break_before = True  # a chapter a page
    for style in doc.styles:  # python-docx's built-in styles include 8 pt ones
        font = getattr(style, "font", None)
        if font is not None and font.size is not None and font.size < Pt(MIN_PT):
            font.size = Pt(MIN_PT)
    table_text = doc.styles.add_style(TABLE_TEXT, WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = normal
    table_text.font.size = Pt(MIN_PT)
    table_text.paragraph_format.space_after = Pt(0)
    doc.styles["List Bullet"].font.size = Pt(10.5)
    caption = doc.styles["Caption"]  # the indicators' notes and the heat map's caption
    caption.font.size = Pt(9)
    caption.font.bold = False
    caption.font.italic = True
    caption.font.color.rgb = RGBColor(0x40, 0x40, 0x40)


def _tag(doc: DocumentObject, tag: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag: `for a in areas` -> {%p for … %}."""
    doc.add_paragraph(f"{{%p {tag} %}}")


def _text_block(doc: DocumentObject, var: str) -> None:
    """A list of Paragraph (text, bullet, unit label) as Word paragraphs."""
    _tag(doc, f"for para in {var}")
    _tag(doc, "if para.kind == 'bullet'")
    doc.add_paragraph("{{ para.text }}", style="List Bullet")
    _tag(doc, "elif para.kind == 'label'")
    doc.add_paragraph().add_run("{{ para.text }}").bold = True
    _tag(doc, "else")
    doc.add_paragraph("{{ para.text }}")
    _tag(doc, "endif")
    _tag(doc, "endfor")


def _shade(cell_xml: CT_Tc, fill: str) -> None:
    tc_pr = cell_xml.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _row_flags(row_xml: CT_Row, header: bool) -> None:
    tr_pr = row_xml.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))  # repeated at the top of every page


def _write(cell: _Cell, text: str, bold: bool = False, colour: RGBColor | None = None,
           right: bool = False) -> None:
    par = cell.paragraphs[0]
    par.style = TABLE_TEXT
    if right:
        par.alignment = 2  # WD_ALIGN_PARAGRAPH.RIGHT
    if text:
        run = par.add_run(text)
        run.bold = bold or None
        if colour is not None:
            run.font.color.rgb = colour


def _table(doc: DocumentObject, columns: list[tuple[str, float]], loop: str,
           cells: list[str], bold_if: str | None = None, numbers_from: int = 99,
           heading_if: str | None = None) -> Table:
    """A table with a repeated header row and one row per item of `loop` ("r in rows");
    `cells` are each column's content for an item. With `bold_if`, an item for which it is
    true gets a bold row; with `heading_if` (tested first), a bold row in the accent colour,
    heading the rows under it. Columns from `numbers_from` on are right-aligned."""
    widths = [w for _, w in columns]
    assert sum(widths) <= TEXT_WIDTH_CM + 1e-9, (columns, sum(widths))
    tests = [t for t in (heading_if, bold_if) if t]
    variants: list[tuple[str | None, bool, RGBColor | None]] = [
        (f"{'elif' if n else 'if'} {t}", True, ACCENT if t == heading_if else None)
        for n, t in enumerate(tests)]
    variants.append(("else", False, None) if tests else (None, False, None))
    # header, for, (condition, data) per variant, endif when conditional, endfor
    n_rows = 2 + sum(2 if condition else 1 for condition, *_ in variants) + (2 if tests else 1)
    table = doc.add_table(rows=n_rows, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.autofit = False
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption",
                                           "w:tblDescription", "w:tblPrChange")
    for c, w in enumerate(widths):
        table.columns[c].width = Cm(w)
        for cell in table.columns[c].cells:
            cell.width = Cm(w)
    rows = table.rows
    for c, (header, _) in enumerate(columns):
        _write(rows[0].cells[c], header, bold=True, colour=WHITE, right=c >= numbers_from)
        _shade(rows[0].cells[c]._tc, HEADER_FILL)
    _row_flags(rows[0]._tr, header=True)
    r = 1
    _write(rows[r].cells[0], f"{{%tr for {loop} %}}")
    r += 1
    for condition, bold, colour in variants:
        if condition:
            _write(rows[r].cells[0], f"{{%tr {condition} %}}")
            r += 1
        for c, text in enumerate(cells):
            _write(rows[r].cells[c], text, bold=bold, colour=colour, right=c >= numbers_from)
        _row_flags(rows[r]._tr, header=False)
        r += 1
    if tests:
        _write(rows[r].cells[0], "{%tr endif %}")
        r += 1
    _write(rows[r].cells[0], "{%tr endfor %}")
    doc.add_paragraph()  # space after the table (Word needs a paragraph between tables)
    return table


def _status(var: str) -> str:
    return f"{{{{r {var}|status }}}}"


def _footer(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.header.paragraphs[0].text = "{{ administration }} – {{ title }}"
    section.header.paragraphs[0].style = doc.styles["Header"]
    par = section.footer.paragraphs[0]
    par.style = doc.styles["Footer"]
    par.alignment = 2
    par.add_run("Sida ")
    for i, field in enumerate(("PAGE", "NUMPAGES")):
        simple = OxmlElement("w:fldSimple")
        simple.set(qn("w:instr"), field)
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        simple.append(run)
        par._p.append(simple)
        if i == 0:
            par._p.append(par.add_run(" av ")._r)


def build() -> DocumentObject:
    doc = Document()
    # python-docx's blank document carries Word 2010's stylesWithEffects part, a copy of the
    # styles that would then disagree with the styles set below: dropped (it is optional).
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc.part.rels[rid]
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    _styles(doc)
    _footer(doc)
    props = doc.core_properties
    props.title, props.author, props.language = "{{ title }}", "intraxl", "sv-SE"
    props.created = props.modified = datetime(*FIXED_TIME)
    props.last_modified_by = "intraxl"
    props.revision = 1

    doc.add_paragraph("{{ title }}", style="Title")
    doc.add_paragraph("{{ administration }}", style="Subtitle")

    doc.add_heading("1 Sammanfattning", 1).paragraph_format.page_break_before = False
    _table(doc, [("Område", 4.5), ("Centrala mål", 12.5)], "g in summary_goals",
           ["{{ g.area }}", "{{ g.goal }}"])
    _text_block(doc, "summary_text")

    doc.add_heading("2 Mål och indikatorer", 1)
    _tag(doc, "for a in areas")
    doc.add_heading("{{ a.heading }}", 2)
    _text_block(doc, "a.text")
    _tag(doc, "if a.economy")
    doc.add_paragraph().add_run("Utfall").bold = True
    _text_block(doc, "a.economy.outcome_text")
    _table(doc, [("Resultat, tkr", 8.0), ("{{ columns.result_forecast }}", 4.5),
                 ("{{ columns.result_deviation }}", 4.5)], "r in a.economy.result",
           ["{{ r.label }}", "{{ r.forecast }}", "{{ r.deviation }}"], bold_if="r.bold",
           numbers_from=1, heading_if="r.heading")
    doc.add_paragraph().add_run("Prognos").bold = True
    _text_block(doc, "a.economy.forecast_text")
    _tag(doc, "endif")
    _table(doc, [("Centrala mål", 8.5), ("Mål/delmål", 8.5)], "g in a.goals",
           ["{{ g.goal }}", "{{ g.subgoals }}"])
    _tag(doc, "if a.monthly")
    _table(doc, [("Indikator (Månad)", 3.5), ("{{ columns.last_year }}", 1.9),
                 ("{{ columns.outcome }}", 1.9), ("{{ columns.target }}", 1.9),
                 ("Prognos (helår)", 1.9), ("Årsmål", 1.9), ("{{ columns.r12 }}", 1.9),
                 ("Status", 2.1)], "r in a.monthly",
           ["{{ r.name }}", "{{ r.last_year }}", "{{ r.outcome }}", "{{ r.target }}",
            "{{ r.forecast }}", "{{ r.annual_target }}", "{{ r.r12 }}", _status("r.status")],
           numbers_from=1)
    _tag(doc, "endif")
    _tag(doc, "if a.yearly")
    _table(doc, [("Indikator (År)", 5.2), ("{{ columns.year_last }}", 2.3),
                 ("{{ columns.year }}", 2.3), ("Prognos (helår)", 2.4), ("Årsmål", 2.3),
                 ("Status", 2.5)], "r in a.yearly",
           ["{{ r.name }}", "{{ r.last_year }}", "{{ r.outcome }}", "{{ r.forecast }}",
            "{{ r.annual_target }}", _status("r.status")], numbers_from=1)
    _tag(doc, "endif")
    _tag(doc, "if a.economy")
    _table(doc, [("Indikator (Månad)", 4.5), ("{{ columns.last_year }}", 2.5),
                 ("{{ columns.outcome }}", 2.5), ("{{ columns.target }}", 2.5),
                 ("Prognos (helår)", 2.5), ("Årsmål", 2.5)], "r in a.economy.costs",
           ["{{ r.label }}", "{{ r.last_year }}", "{{ r.outcome }}", "{{ r.target }}",
            "{{ r.forecast }}", "{{ r.annual_target }}"], numbers_from=1)
    _tag(doc, "endif")
    _tag(doc, "for note in a.notes")
    doc.add_paragraph("{{ note }}", style="Caption")
    _tag(doc, "endfor")
    _tag(doc, "endfor")

    doc.add_heading("3 Aktiviteter", 1)
    _tag(doc, "for a in activities")
    doc.add_heading("{{ a.heading }}", 2)
    _tag(doc, "for g in a.goals")
    doc.add_heading("{{ g.heading }}", 3)
    _table(doc, [("Status", 3.0), ("Aktiviteter", 10.5), ("Slutdatum", 3.5)], "r in g.rows",
           [_status("r.status"), "{{ r.name }}",
            "{{ r.end }}{% if r.overdue %} (försenad){% endif %}"])
    _tag(doc, "endfor")
    _tag(doc, "endfor")

    doc.add_heading("4 Uppdrag", 1)
    doc.add_heading("4.1 Centrala uppdrag", 2)
    _table(doc, [("Status", 3.0), ("Centrala uppdrag", 10.5), ("Slutdatum", 3.5)],
           "r in assignments", [_status("r.status"), "{{ r.name }}",
                                "{{ r.end }}{% if r.overdue %} (försenad){% endif %}"])

    doc.add_heading("5 Portfölj och projekt", 1)
    doc.add_heading("5.1 Status per månad", 2)
    _text_block(doc, "portfolio_text")
    _tag(doc, "for p in portfolios")
    doc.add_paragraph().add_run("{{ p.name }}").bold = True
    _table(doc, [("Projekt", 3.6), ("Tid", 1.6), ("Kostnad", 1.9), ("Resultat", 1.9),
                 ("Orsak", 4.0), ("Åtgärd", 4.0)], "r in p.projects",
           ["{{ r.name }}", _status("r.time"), _status("r.cost"), _status("r.result"),
            "{{ r.cause }}", "{{ r.action }}"])
    _tag(doc, "endfor")
    _tag(doc, "if closed_projects")
    doc.add_heading("5.2 Avslutade projekt", 2)
    _table(doc, [("Projekt", 8.0), ("Portfölj", 6.0), ("Avslutat", 3.0)],
           "r in closed_projects", ["{{ r.name }}", "{{ r.portfolio }}", "{{ r.closed }}"])
    _tag(doc, "endif")

    doc.add_heading("6 Risker", 1)
    _table(doc, [("Riskområde", 3.6), ("Risk", 5.0), ("S", 0.9), ("K", 0.9),
                 ("Åtgärd", 6.6)], "r in risks",
           ["{{ r.area }}", "{{ r.risk }}", "{{ r.probability }}", "{{ r.consequence }}",
            "{{ r.action }}"])
    doc.add_paragraph("Riskkarta: antal risker per sannolikhet (S) och konsekvens (K).",
                      style="Caption").paragraph_format.keep_with_next = True
    doc.add_paragraph("{{ heat_map }}")
    return doc


def write(path: Path = DEFAULT) -> Path:
    """The template at `path`, the same bytes on every run (fixed times in the zip)."""
    tmp = path.with_name(f".{path.name}.tmp")
    build().save(str(tmp))
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(fixed, src.read(info.filename))
    tmp.unlink()
    return path


if __name__ == "__main__":
    print(f"wrote {write(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)}")
