"""The master in a real spreadsheet program: PDF export and recalculation through LibreOffice
headless, opening and recalculating through Excel (xlwings, the optional `excel` extra).

Everything here is optional: without LibreOffice or Excel, the master itself is still written
and the user gets one clear message saying what to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from ..errors import IntraxlError

TIMEOUT = 600  # seconds; a large master takes LibreOffice a while on a small machine

INSTALL_LIBREOFFICE = (
    "LibreOffice is needed for this: install it (Debian/Ubuntu: `apt-get install "
    "libreoffice-calc-nogui libreoffice-writer-nogui`; Windows and macOS: "
    "https://www.libreoffice.org) and make sure `soffice` is on PATH")

# A user profile that makes LibreOffice recalculate every formula of an .xlsx on load
# (org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode = 0, "always"). Without it,
# LibreOffice keeps the stored values, and a "recalculation" recalculates nothing.
RECALC_PROFILE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
    '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>'
    '</oor:items>\n')


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        raise IntraxlError(INSTALL_LIBREOFFICE)
    return exe


def libreoffice_convert(src: Path, fmt: str, out_dir: Path, recalc: bool = False) -> Path:
    """Convert `src` to `fmt` ("pdf", "xlsx") in `out_dir` with LibreOffice headless, in a
    throw-away user profile (so that a LibreOffice the user has open is not disturbed)."""
    exe = soffice()
    with tempfile.TemporaryDirectory(prefix="intraxl-lo-") as profile:
        if recalc:
            user = Path(profile) / "user"
            user.mkdir()
            (user / "registrymodifications.xcu").write_text(RECALC_PROFILE, encoding="utf-8")
        try:
            done = subprocess.run(
                [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                 "--convert-to", fmt, "--outdir", str(out_dir), str(src)],
                capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise IntraxlError(f"LibreOffice did not finish converting {src.name} within "
                               f"{TIMEOUT} s") from None
    out = out_dir / f"{src.stem}.{fmt.split(':')[0]}"
    if done.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise IntraxlError(f"LibreOffice could not convert {src.name} to {fmt}"
                           + (f": {detail[-1]}" if detail else ""))
    return out


def to_pdf(src: Path, pdf: Path) -> Path:
    """A workbook (its hidden sheets are not printed) or a Word document as a PDF at `pdf`."""
    with tempfile.TemporaryDirectory(prefix="intraxl-pdf-") as d:
        out = libreoffice_convert(src, "pdf", Path(d))
        pdf.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(out), pdf)
    return pdf


WORKBOOK_XML = "xl/workbook.xml"
_SHEET = re.compile(r'<sheet\b[^>]*?\bname="([^"]*)"[^>]*>')


def _very_hidden(workbook_xml: str) -> set[str]:
    return {m.group(1) for m in _SHEET.finditer(workbook_xml) if 'state="veryHidden"' in m[0]}


def _keep_very_hidden(src: Path, out: Path) -> None:
    """The sheets very hidden in `src` very hidden again in `out`, as LibreOffice saved it
    (it saves them only hidden, so that anyone could show the master's record)."""
    with zipfile.ZipFile(src) as z:
        names = _very_hidden(z.read(WORKBOOK_XML).decode("utf-8"))
    if not names:
        return
    with zipfile.ZipFile(out) as z:
        entries = [(info, z.read(info)) for info in z.infolist()]

    def hide(m: re.Match[str]) -> str:
        if m.group(1) not in names:
            return m[0]
        return re.sub(r'\bstate="[^"]*"', 'state="veryHidden"', m[0]) \
            if "state=" in m[0] else m[0].replace("<sheet ", '<sheet state="veryHidden" ', 1)

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            if info.filename == WORKBOOK_XML:
                data = _SHEET.sub(hide, data.decode("utf-8")).encode("utf-8")
            z.writestr(info, data)


def _excel():
    """xlwings' Excel, or None when xlwings or Excel is not there."""
    try:
        import xlwings as xw
    except ImportError:
        return None
    try:
        return xw.App(visible=False, add_book=False)
    except Exception:  # noqa: BLE001 - no Excel on this machine (or a platform without it)
        return None


def open_in_excel(path: Path) -> None:
    """Open the workbook in Excel for the user (xlwings)."""
    try:
        import xlwings as xw
    except ImportError:
        raise IntraxlError("--open needs Excel and the optional extra: "
                           "pip install 'intraxl[excel]'") from None
    try:
        xw.Book(str(path.resolve()))
    except Exception as e:  # noqa: BLE001
        raise IntraxlError(f"Excel could not open {path}: {e}") from e


def refresh(path: Path) -> str:
    """Recalculate every formula of `path` and save it in place, keeping the previous file
    in `föregående/`: through Excel when xlwings and Excel are there, else LibreOffice
    headless. Returns the program used."""
    from . import check_not_open, keep_previous

    if not path.is_file():
        raise IntraxlError(f"no such workbook: {path}")
    check_not_open(path)
    app = _excel()
    if app is not None:
        try:
            keep_previous(path)
            book = app.books.open(str(path.resolve()))
            app.calculate()
            book.save()
            book.close()
        finally:
            app.quit()
        return "Excel"
    with tempfile.TemporaryDirectory(prefix="intraxl-refresh-", dir=path.parent) as d:
        out = libreoffice_convert(path, "xlsx", Path(d), recalc=True)
        _keep_very_hidden(path, out)
        keep_previous(path)
        os.replace(out, path)
    return "LibreOffice"


__all__ = ["libreoffice_convert", "open_in_excel", "refresh", "soffice", "to_pdf"]
