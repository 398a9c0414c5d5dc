"""Render the README's pictures of the master workbook and the board report through
LibreOffice.

    python docs/make_pictures.py

Runs the README's main job on the shipped examples in a temporary folder with `--pdf`, and
turns the pages of `Sammanfattning`, `Ekonomi` and `Ekonomi per enhet` into
docs/sammanfattning.png, docs/ekonomi.png and docs/ekonomi_per_enhet.png; then writes the
board report with `--pdf` and turns the pages where 2.1 and 2.4 begin into
docs/rapport_2_1.png and docs/rapport_2_4.png (pdftoppm, from poppler-utils).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        intraxl = [sys.executable, "-m", "intraxl.cli"]
        # The master's "Skapad" time fixed, so that the pictures change only with the master.
        os.environ["SOURCE_DATE_EPOCH"] = str(int(dt.datetime(2023, 3, 8, 8, 0).timestamp()))
        subprocess.run(intraxl + ["history", "import", str(ROOT / "workbooks/history/2022.csv"),
                                  "--db", str(tmp / "intraxl.db")], check=True, cwd=ROOT)
        subprocess.run(intraxl + ["consolidate", str(ROOT / "workbooks/examples/2023-02"),
                                  "--db", str(tmp / "intraxl.db"), "--out",
                                  str(tmp / "master.xlsx"), "--pdf"], check=True, cwd=ROOT)
        pdf = tmp / "master.pdf"
        for sheet in ("Sammanfattning", "Ekonomi", "Ekonomi per enhet"):
            page = next(i for i, p in enumerate(_pages(pdf), start=1)
                        if p.strip() and p.lstrip().splitlines()[0].rstrip().endswith(sheet))
            _picture(pdf, page, tmp, sheet.lower().replace(" ", "_"))
        subprocess.run(intraxl + ["report", "--period", "2023-02", "--db",
                                  str(tmp / "intraxl.db"), "--master", str(tmp / "master.xlsx"),
                                  "--out", str(tmp / "rapport.docx"), "--pdf"], check=True,
                       cwd=ROOT)
        pdf = tmp / "rapport.pdf"
        for heading, name in (("2.1 Kund och ägare", "rapport_2_1"),
                              ("2.4 Ekonomi", "rapport_2_4")):
            page = next(i for i, p in enumerate(_pages(pdf), start=1)
                        if any(line.strip() == heading for line in p.splitlines()))
            _picture(pdf, page, tmp, name)


def _pages(pdf: Path) -> list[str]:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout.split("\f")


def _picture(pdf: Path, page: int, tmp: Path, name: str) -> None:
    subprocess.run(["pdftoppm", "-r", "90", "-png", "-singlefile", "-f", str(page),
                    "-l", str(page), str(pdf), str(tmp / name)], check=True)
    shutil.copy(tmp / f"{name}.png", ROOT / "docs" / f"{name}.png")
    print(f"wrote docs/{name}.png (page {page})")


if __name__ == "__main__":
    main()
