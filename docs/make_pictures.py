"""Render the README's pictures of the master workbook through LibreOffice.

    python docs/make_pictures.py

Runs the README's main job on the shipped examples in a temporary folder with `--pdf`, and
turns the first pages of `Sammanfattning`, `Ekonomi` and `Ekonomi per enhet` into
docs/sammanfattning.png, docs/ekonomi.png and docs/ekonomi_per_enhet.png (pdftoppm, from
poppler-utils).
"""

from __future__ import annotations

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
        subprocess.run(intraxl + ["history", "import", str(ROOT / "workbooks/history/2022.csv"),
                                  "--db", str(tmp / "intraxl.db")], check=True, cwd=ROOT)
        subprocess.run(intraxl + ["consolidate", str(ROOT / "workbooks/examples/2023-02"),
                                  "--db", str(tmp / "intraxl.db"), "--out",
                                  str(tmp / "master.xlsx"), "--pdf"], check=True, cwd=ROOT)
        pdf = tmp / "master.pdf"
        pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                               capture_output=True, text=True).stdout.split("\f")
        for sheet in ("Sammanfattning", "Ekonomi", "Ekonomi per enhet"):
            page = next(i for i, p in enumerate(pages, start=1)
                        if p.strip() and p.lstrip().splitlines()[0].rstrip().endswith(sheet))
            subprocess.run(["pdftoppm", "-r", "90", "-png", "-singlefile", "-f", str(page),
                            "-l", str(page), str(pdf), str(tmp / "page")], check=True)
            name = f"{sheet.lower().replace(' ', '_')}.png"
            shutil.copy(tmp / "page.png", ROOT / "docs" / name)
            print(f"wrote docs/{name} (page {page})")


if __name__ == "__main__":
    main()
