"""The board report's context -> a Word document through the administration's docxtpl
template: status words get their coloured symbol, the risks' heat map becomes a picture."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage, RichText
from jinja2 import Environment, TemplateError
from PIL import Image, ImageDraw, ImageFont

from .. import contract
from ..errors import IntraxlError
from .context import ReportContext

SYMBOL = "●"
# The city's status scale and the work statuses: the symbol's colour. The word is always
# written beside it, for screen readers and black-and-white print.
STATUS_COLOURS = {
    contract.INDICATOR_GREEN: "00A651", contract.INDICATOR_YELLOW: "FFC000",
    contract.INDICATOR_RED: "C00000", contract.INDICATOR_NO_TARGET: "7030A0",
    contract.INDICATOR_NOT_MEASURED: "808080",
    contract.WORK_DONE: "00A651", contract.WORK_ONGOING: "2E75B6",
    contract.WORK_NOT_STARTED: "808080", contract.WORK_DELAYED: "C00000",
    contract.WORK_CANCELLED: "7030A0",
}
HEAT_MAP_WIDTH_MM = 75


def status_mark(word: str) -> RichText | str:
    """`● Grön` with the symbol in the status's colour (the template's `|status` filter)."""
    if not word:
        return ""
    mark = RichText()
    mark.add(f"{SYMBOL} ", color=STATUS_COLOURS.get(word, "000000"))
    mark.add(word)
    return mark


def _fill(score: int) -> str:
    """A cell of the heat map by S×K, coloured as the master's risk sheet colours it: red,
    yellow, green."""
    return "#FFC7CE" if score >= 9 else "#FFEB9C" if score >= 4 else "#C6EFCE"


def heat_map_png(counts: list[list[int]]) -> bytes:
    """The 4×4 risk map: rows S = 4 … 1, columns K = 1 … 4, each cell coloured by S×K and
    holding its number of risks."""
    cell, margin = 110, 90
    size = (margin + 4 * cell + 20, margin + 4 * cell + 20)
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    big, small = ImageFont.load_default(44), ImageFont.load_default(26)
    for i, row in enumerate(counts):
        s = 4 - i
        y = 20 + i * cell
        draw.text((margin - 30, y + cell / 2), str(s), fill="black", font=small, anchor="mm")
        for k0, n in enumerate(row):
            x = margin + k0 * cell
            draw.rectangle((x, y, x + cell, y + cell), fill=_fill(s * (k0 + 1)),
                           outline="#595959", width=2)
            if n:
                draw.text((x + cell / 2, y + cell / 2), str(n), fill="black", font=big,
                          anchor="mm")
    for k0 in range(4):
        draw.text((margin + k0 * cell + cell / 2, 20 + 4 * cell + 30), str(k0 + 1),
                  fill="black", font=small, anchor="mm")
    draw.text((20, 20 + 2 * cell), "S", fill="black", font=small, anchor="mm")
    draw.text((margin + 2 * cell, size[1] - 8), "K", fill="black", font=small, anchor="md")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()


def jinja_env() -> Environment:
    """Text escaped for the XML; `|status` gives a status word its coloured symbol."""
    env = Environment(autoescape=True)
    env.filters["status"] = status_mark
    return env


def render_docx(context: ReportContext, template: Path, out: str | Path) -> None:
    """Render `template` with `context` into the .docx `out`; a template that cannot render
    (a Jinja mistake, a broken file) is an IntraxlError naming it."""
    try:
        doc = DocxTemplate(str(template))
        values: dict[str, Any] = context.model_dump()
        values["heat_map"] = InlineImage(doc, io.BytesIO(heat_map_png(context.heat_map)),
                                         width=Mm(HEAT_MAP_WIDTH_MM))
        doc.render(values, jinja_env())
    except TemplateError as e:
        raise IntraxlError(f"the report template {template} cannot be rendered: "
                           f"{type(e).__name__}: {e}") from e
    except Exception as e:  # noqa: BLE001 - not a .docx, a missing part, broken XML, ...
        raise IntraxlError(f"the report template {template} cannot be used (is it a Word "
                           f".docx?): {type(e).__name__}: {e}") from e
    doc.save(str(out))


__all__ = ["STATUS_COLOURS", "heat_map_png", "jinja_env", "render_docx", "status_mark"]
