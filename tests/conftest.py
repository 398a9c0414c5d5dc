from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from intraxl.mappings import Mappings, load_mappings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLES = ROOT / "workbooks" / "examples" / "2023-02"
SCHEMA_CHECK = SHARED / "tools" / "xlsx_schema_check.py"


@pytest.fixture(scope="session")
def mappings() -> Mappings:
    return load_mappings(ROOT / "mappings")


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe, "LibreOffice is needed by the tests: apt-get install libreoffice-calc-nogui"
    return exe


def libreoffice_convert(src: Path, fmt: str, outdir: Path) -> Path:
    """Convert `src` with LibreOffice headless in a throw-away profile; return the output."""
    profile = outdir / "lo-profile"
    subprocess.run(
        [soffice(), f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", fmt, "--outdir", str(outdir), str(src)],
        check=True, capture_output=True, timeout=180)
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    assert out.exists() and out.stat().st_size > 0, f"LibreOffice wrote nothing for {src}"
    return out


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def schema_check(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCHEMA_CHECK), *map(str, paths)],
                          capture_output=True, text=True)
