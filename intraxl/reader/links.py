"""A sheet's hyperlinks: where a link a reporter put in a cell leads, which the cell's value
(what calamine reads, the link's text) does not hold.

A link out of the workbook (a web page, a mail address) is a relationship of the sheet's
part; a template's sheets have none, and the relationships part of a sheet is the same
bytes in every file made from one template, so the usual file costs a look at the zip
directory per sheet.
"""

from __future__ import annotations

import io
import re

from defusedxml import ElementTree as SafeET

from ..cells import a1, rowcol
from .package import NS_MAIN, NS_PKG_REL, NS_REL, Package

REL_HYPERLINK = NS_REL + "/hyperlink"
MAX_LINKED_CELLS = 10_000  # a link over a range names each of its cells
CELL_REF = re.compile(r"[A-Z]{1,3}[1-9][0-9]{0,6}")
# (CRC-32, size) of sheet relationship parts seen to hold no hyperlink, as the zip
# directory gives them. A directory that lies about a part only hides a link's target.
_WITHOUT_LINKS: set[tuple[int, int]] = set()
WITHOUT_LINKS_KEPT = 1024


def hyperlinks(package: Package, sheet_part: str) -> dict[str, str]:
    """{A1 cell: target} of the sheet's links out of the workbook."""
    folder, slash, name = sheet_part.rpartition("/")
    rels_part = f"{folder}{slash}_rels/{name}.rels"
    try:
        info = package.zip.getinfo(rels_part)
    except KeyError:
        return {}
    if (info.CRC, info.file_size) in _WITHOUT_LINKS:
        return {}
    rels = SafeET.fromstring(package.read(rels_part), forbid_dtd=True)
    targets = {rel.get("Id"): rel.get("Target", "")
               for rel in rels.iter(f"{{{NS_PKG_REL}}}Relationship")
               if rel.get("Type") == REL_HYPERLINK and rel.get("TargetMode") == "External"}
    if not targets:
        if len(_WITHOUT_LINKS) < WITHOUT_LINKS_KEPT:
            _WITHOUT_LINKS.add((info.CRC, info.file_size))
        return {}
    out: dict[str, str] = {}
    for _, el in SafeET.iterparse(io.BytesIO(package.read(sheet_part)), forbid_dtd=True):
        if el.tag == f"{{{NS_MAIN}}}hyperlink":
            target = targets.get(el.get(f"{{{NS_REL}}}id"))
            if target:
                for cell in _cells(el.get("ref", "")):
                    out[cell] = target
        el.clear()
    return out


def _cells(ref: str) -> list[str]:
    """The cells of `B5` or `B5:C6` (none when it is no cell reference, or too many)."""
    corners = ref.split(":")
    if len(corners) > 2 or not all(CELL_REF.fullmatch(c) for c in corners):
        return []
    (r1, c1), (r2, c2) = rowcol(corners[0]), rowcol(corners[-1])
    rows, cols = range(r1, r2 + 1), range(c1, c2 + 1)
    if len(rows) * len(cols) > MAX_LINKED_CELLS:
        return []
    return [a1(r, c) for r in rows for c in cols]


def with_target(text: str, target: str) -> str:
    """A linked cell's text with where the link leads, unless the text says it already:
    `Se rapporten (https://intra.example.se/rapport)`, `Lena (lena@example.se)`."""
    shown = target.removeprefix("mailto:")
    return text if shown in text else f"{text} ({shown})"
