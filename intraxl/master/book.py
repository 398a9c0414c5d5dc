"""The master's workbook: XlsxWriter's own, its parts compressed on every core while the
rest of the file is still being written.

XlsxWriter writes each part of the file (a sheet's XML, the shared strings, ...) to a
temporary file, and when all are written puts them in the zip archive one after the other,
compressing each on the one core that runs everything. For 10,000 units that is 200 MB of
XML and 2 s of compressing, with the machine's other cores idle. Here every sheet's part,
and the shared strings, are handed to a pool of threads as soon as they are written (zlib
releases Python's lock while it compresses), a large part in pieces (as pigz does: each
piece a deflate stream of its own ended by a sync flush, so that the pieces joined are one
valid stream), and the archive takes the compressed bytes when XlsxWriter gets to that
part, compressed at zlib's level 3 (`LEVEL`). Parts, names, order, times and attributes in
the archive are those XlsxWriter writes.
"""

from __future__ import annotations

import os
import threading
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import xlsxwriter.workbook
from xlsxwriter.packager import Packager
from xlsxwriter.workbook import Workbook

PIECE = 8 << 20  # bytes compressed at once: a part larger than this is split
READ = 1 << 20
# zlib's level: 3 compresses a 1,000-unit master to 3.2 MB in 0.1 s, zlib's default (6)
# to 2.9 MB in 0.2 s; 200 MB of XML for 10,000 units take 1.2 s against 2 s.
LEVEL = 3


@dataclass
class _Deflated:
    crc: int
    size: int
    pieces: list[bytes]


def _deflate(path: str, start: int, end: int, last: bool) -> bytes:
    """The bytes [start, end) of the file at `path` as raw deflate: a sync flush at the end
    of a piece that is not the last, so that the next piece can follow it."""
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    out = []
    with open(path, "rb") as fh:
        fh.seek(start)
        left = end - start
        while left > 0:
            data = fh.read(min(READ, left))
            if not data:
                break
            left -= len(data)
            out.append(packer.compress(data))
    out.append(packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))
    return b"".join(out)


def _crc(path: str) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while data := fh.read(READ):
            crc = zlib.crc32(data, crc)
    return crc


class Deflater:
    """Compresses files on a pool of threads; `take` waits for one file's result."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1),
                                        thread_name_prefix="intraxl-deflate")
        self._jobs: dict[str, tuple[Future[int], int, list[Future[bytes]]]] = {}

    def submit(self, path: str) -> None:
        size = os.path.getsize(path)
        bounds = list(range(0, size, PIECE)) or [0]
        pieces = [self._pool.submit(_deflate, path, start, min(start + PIECE, size),
                                    start + PIECE >= size) for start in bounds]
        self._jobs[path] = (self._pool.submit(_crc, path), size, pieces)

    def take(self, path: str) -> _Deflated | None:
        job = self._jobs.pop(path, None)
        if job is None:
            return None
        crc, size, pieces = job
        if os.path.getsize(path) != size:  # written to since: compress it the usual way
            return None
        return _Deflated(crc.result(), size, [p.result() for p in pieces])

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._jobs.clear()


class _Zip(zipfile.ZipFile):
    """A zip archive that takes the parts the deflater compressed as they are."""

    deflater: Deflater | None = None

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None,
              compresslevel: Any = None) -> None:
        done = self.deflater.take(filename) if self.deflater and isinstance(filename, str) \
            else None
        if done is None or compress_type not in (None, zipfile.ZIP_DEFLATED) or \
                self.compression != zipfile.ZIP_DEFLATED or compresslevel is not None or \
                self.compresslevel is not None:
            super().write(filename, arcname, compress_type, compresslevel)
            return
        # As ZipFile.write and _open_to_write do, with the sizes and checksum known (its
        # private members as they are in Python 3.9-3.13).
        zf: Any = self
        if not self.fp:
            raise ValueError("Attempt to write to ZIP archive that was already closed")
        if zf._writing:
            raise ValueError("Can't write to ZIP archive while an open writing handle exists")
        zinfo = zipfile.ZipInfo.from_file(filename, arcname,
                                          strict_timestamps=zf._strict_timestamps)
        zinfo.compress_type = zipfile.ZIP_DEFLATED
        zinfo.flag_bits = 0
        if not zinfo.external_attr:
            zinfo.external_attr = 0o600 << 16
        zinfo.CRC, zinfo.file_size = done.crc, done.size
        zinfo.compress_size = sum(len(p) for p in done.pieces)
        if max(zinfo.file_size, zinfo.compress_size) * 1.05 > zipfile.ZIP64_LIMIT:
            super().write(filename, arcname, compress_type, compresslevel)  # ZIP64's rules
            return
        with zf._lock:
            if zf._seekable:
                self.fp.seek(self.start_dir)
            zinfo.header_offset = self.fp.tell()
            zf._writecheck(zinfo)
            zf._didModify = True
            self.fp.write(zinfo.FileHeader(False))
            for piece in done.pieces:
                self.fp.write(piece)
            self.start_dir = self.fp.tell()
            self.filelist.append(zinfo)
            self.NameToInfo[zinfo.filename] = zinfo


_swap = threading.Lock()


@contextmanager
def _archives_from(deflater: Deflater) -> Iterator[None]:
    """XlsxWriter opens its archive as `xlsxwriter.workbook.ZipFile`: for the time of one
    workbook's closing, that is a `_Zip` taking this deflater's parts (any other workbook
    closed meanwhile, in another thread, gets the usual archive for every part the deflater
    does not have, which is all of its own)."""
    archive = type("_Zip", (_Zip,), {"deflater": deflater})
    with _swap:
        previous = xlsxwriter.workbook.ZipFile  # type: ignore[attr-defined]
        xlsxwriter.workbook.ZipFile = archive  # type: ignore[attr-defined]
        try:
            yield
        finally:
            xlsxwriter.workbook.ZipFile = previous  # type: ignore[attr-defined]


class _Packager(Packager):
    """XlsxWriter's packager, handing the shared strings to the deflater once written."""

    def __init__(self, deflater: Deflater) -> None:
        super().__init__()
        self._deflater = deflater

    def _write_shared_strings_file(self) -> None:
        before = len(self.filenames)
        super()._write_shared_strings_file()
        if not self.in_memory and len(self.filenames) > before:
            self._deflater.submit(self.filenames[-1][0])


class Book(Workbook):
    """XlsxWriter's Workbook whose sheets (master/sheet.py) and shared strings are
    compressed while the rest is written; a workbook written in memory is left as it is."""

    def __init__(self, filename: Any, options: dict[str, Any] | None = None) -> None:
        super().__init__(filename, options)
        self.deflater = None if self.in_memory else Deflater()

    def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Any:
        sheet = super().add_worksheet(name, worksheet_class)
        sheet.deflater = self.deflater
        return sheet

    def _get_packager(self) -> Packager:
        return _Packager(self.deflater) if self.deflater else Packager()

    def _store_workbook(self) -> None:
        if self.deflater is None:
            super()._store_workbook()
            return
        try:
            with _archives_from(self.deflater):
                super()._store_workbook()
        finally:
            self.deflater.close()
