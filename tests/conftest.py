from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from intraxl.mappings import Mappings, load_mappings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "tests" / "shared"  # third-party test material (see its NOTICE)
EXAMPLES = ROOT / "workbooks" / "examples" / "2023-02"
SCHEMA_CHECK = SHARED / "tools" / "xlsx_schema_check.py"


@pytest.fixture(scope="session")
def mappings() -> Mappings:
    return load_mappings(ROOT / "mappings")


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe, "LibreOffice is needed by the tests: apt-get install libreoffice-calc-nogui"
    return exe


def libreoffice_convert(src: Path, fmt: str, outdir: Path, infilter: str | None = None) -> Path:
    """Convert `src` with LibreOffice headless in a throw-away profile (reading it with the
    import filter `infilter` when given); return the output."""
    profile = outdir / "lo-profile"
    subprocess.run(
        [soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
         *([f"--infilter={infilter}"] if infilter else []),
         "--convert-to", fmt, "--outdir", str(outdir), str(src)],
        check=True, capture_output=True, timeout=180)
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    assert out.exists() and out.stat().st_size > 0, f"LibreOffice wrote nothing for {src}"
    return out


LO_UNO = ROOT / "tests" / "lo_uno.py"
XLSX_FILTER = "Calc MS Excel 2007 XML"


EDITS_PER_SESSION = 12  # LibreOffice 7.4 headless, typing on, now and then aborts (a timer
# in its main loop) after some 25 typed cells: a reporter's typing is done in sessions this
# long, each saved and opened again by the next.


def libreoffice_edit(src: Path, dst: Path, edits: list[dict],
                     export_filter: str = XLSX_FILTER) -> Path:
    """`src` edited in LibreOffice Calc as a reporter does (typing in a Swedish locale,
    formats, hyperlinks, inserted rows; see tests/lo_uno.py) and saved as `dst`."""
    chunks = [edits[i:i + EDITS_PER_SESSION] for i in range(0, len(edits), EDITS_PER_SESSION)]
    profile = dst.parent / f"lo-profile-{dst.stem}"
    current = src
    for n, chunk in enumerate(chunks or [[]], start=1):
        last = n == max(len(chunks), 1)
        # the sessions before the last save beside the copies, never beside `dst` (an inbox)
        target = dst if last else Path(tempfile.mkdtemp(prefix="lo-part-")) / src.name
        _libreoffice_session(current, target, chunk, export_filter if last else XLSX_FILTER,
                             profile)
        current = target
    return dst


def _libreoffice_session(src: Path, dst: Path, edits: list[dict], export_filter: str,
                         profile: Path) -> None:
    uno_python = "/usr/bin/python3"
    assert shutil.which(uno_python), "the system Python with LibreOffice's uno is needed"
    # LibreOffice now and then fails: on its first start with a new profile it sets the
    # profile up and may restart itself under us ("Binary URP bridge disposed"). So again,
    # with a fresh copy and the profile the first try set up, then say why (a hang is not
    # tried again: the timeout ends the test).
    for _ in range(3):
        # LibreOffice opens a copy: its lock file (left behind when it fails) never lands
        # beside the shipped examples, where it would fail every later edit of the same file.
        copy = Path(tempfile.mkdtemp(prefix="lo-source-")) / src.name  # not in an inbox
        shutil.copyfile(src, copy)
        done = subprocess.run(
            [uno_python, str(LO_UNO), str(copy), str(dst), export_filter,
             str(profile)], input=json.dumps(edits), text=True, capture_output=True,
            timeout=180, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
        if done.returncode == 0:
            break
    assert done.returncode == 0, f"LibreOffice failed to edit {src}:\n{done.stderr[-3000:]}"
    assert dst.exists() and dst.stat().st_size > 0, f"LibreOffice wrote nothing for {src}"


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_pages(pdf: Path) -> list[list[tuple[tuple[float, float, float, float], str, float]]]:
    """Every page's text lines as pdftotext lays them out: (box, text, tallest word)."""
    from lxml import etree

    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], check=True,
                         capture_output=True).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    pages = []
    for page in root.iter("{*}page"):
        lines = []
        for line in page.iter("{*}line"):
            box = tuple(float(line.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))
            words = list(line.iter("{*}word"))
            lines.append((box, " ".join(w.text or "" for w in words),
                          max(float(w.get("yMax")) - float(w.get("yMin")) for w in words)))
        pages.append(lines)
    return pages


def pdf_words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Every page's words as pdftotext places them: (xMin, yMin, xMax, yMax, text)."""
    from lxml import etree

    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                         capture_output=True).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    return [[(*(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")), w.text or "")
             for w in page.iter("{*}word")] for page in root.iter("{*}page")]


def overlapping_lines(pdf: Path) -> list[tuple[int, str, str]]:
    """(page, line, line) of text printed over other text: boxes that cross by more than
    a point across and 40 % of a line's height (the lines of one wrapped paragraph touch)."""
    found = []
    for n, lines in enumerate(pdf_pages(pdf), start=1):
        for i, (a, text_a, _) in enumerate(lines):
            for b, text_b, _ in lines[i + 1:]:
                dx = min(a[2], b[2]) - max(a[0], b[0])
                dy = min(a[3], b[3]) - max(a[1], b[1])
                if dx > 1 and dy > 0.4 * min(a[3] - a[1], b[3] - b[1]):
                    found.append((n, text_a, text_b))
    return found


def schema_check(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCHEMA_CHECK), *map(str, paths)],
                          capture_output=True, text=True)


POSTGRES = os.environ.get("INTRAXL_TEST_POSTGRES")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty history database: a SQLite file, and a database on the real PostgreSQL
    server that .ci/run starts (INTRAXL_TEST_POSTGRES)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intraxl.db'}"
        return
    if not POSTGRES:
        if os.environ.get("CI"):
            pytest.fail("INTRAXL_TEST_POSTGRES is not set: .ci/run starts PostgreSQL")
        pytest.skip("no PostgreSQL server (set INTRAXL_TEST_POSTGRES, as .ci/run does)")
    import sqlalchemy as sa

    name = f"intraxl_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
