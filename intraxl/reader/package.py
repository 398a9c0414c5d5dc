"""The file as a package, checked before any spreadsheet parser sees it.

What arrives by e-mail may be anything: an .xls renamed, a CSV, an encrypted or truncated
file, a zip bomb, XML with entity tricks. Everything here is bounded: the file size, the
zip directory's total uncompressed size and ratio are checked before anything is inflated,
no part may declare a DTD or an entity (whoever parses it), and the few XML parts we parse
ourselves are parsed with DTDs and entities forbidden (defusedxml). Only the check that no
part declares a DTD or an entity uses expat itself: it stops at a part's root element, where
a declaration can no longer come, instead of parsing a whole sheet.
"""

from __future__ import annotations

import codecs
import functools
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from ..issues import make

MAX_FILE_BYTES = 20 * 1024 * 1024  # a template is ~30 KB
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024  # the whole package, inflated
MAX_PART_BYTES = 32 * 1024 * 1024  # one part, inflated
MAX_RATIO = 100  # Apache POI refuses inflation ratios over 100:1 ...
RATIO_MIN_BYTES = 256 * 1024  # ... for parts big enough to matter
MAX_PARTS = 5000

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_TEMPLATE = "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"
CT_MACRO = ("application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            "application/vnd.ms-excel.template.macroEnabled.main+xml")

DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")  # a DTD, and what only a DTD holds
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)""")
# Stored bytes (and directory claims) of parts found free of declarations, most recent last:
# files made from one template share most of their parts byte for byte.
_CLEAN_PARTS: OrderedDict[tuple[bytes, int, int, int], None] = OrderedDict()
CLEAN_PARTS_KEPT = 128
CLEAN_PART_MAX_BYTES = 64 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class PackageRejected(Exception):
    """The file cannot be read as a workbook; `issue` says why, for the reporter."""

    def __init__(self, code: str, variant: str = "", **fields: Any):
        self.issue = make(code, variant, **fields)
        super().__init__(self.issue.message)


@dataclass
class Package:
    """What we learned of a valid-looking .xlsx package without inflating its sheets.
    `zip` stays open for the reader; `close()` when done."""

    zip: zipfile.ZipFile
    data: bytes = b""  # the whole file (at most MAX_FILE_BYTES), read once for every reader
    sheet_parts: dict[str, str] = field(default_factory=dict)  # sheet name -> part name
    _inflated: dict[str, bytes] = field(default_factory=dict)  # whole parts read so far

    def close(self) -> None:
        self.zip.close()

    def read(self, name: str) -> bytes:
        """A part's bytes, checked as zipfile checks them (the local header's name against
        the central directory's, the size and the CRC) and remembered: the package checks
        and the reader both read the sheets. A plain or deflated part is inflated here,
        straight from `data`: zipfile's general reader costs 6 µs more a part, 0.17 ms of
        the 1.67 ms a submission takes, about 0.8 s of a 10,000-unit run (README,
        Performance); anything else is zipfile's. Raises KeyError when there is no such
        part, zipfile.BadZipFile when it is damaged."""
        if name not in self._inflated:
            info = self.zip.getinfo(name)
            raw = self.stored(info)
            if raw is None or not self._named(info):
                out = self.zip.read(info)  # which says what is wrong, if anything
            else:
                out = raw if info.compress_type == zipfile.ZIP_STORED else \
                    zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
                if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
                    raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")  # as zipfile
            self._inflated[name] = out
        return self._inflated[name]

    def stored(self, info: zipfile.ZipInfo) -> bytes | None:
        """A plain or deflated part's bytes as stored in `data`; None for anything else
        (encrypted, patched, other methods, no whole local header where the directory
        says, data running past the end of the file)."""
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or \
                info.flag_bits & 0x61:
            return None
        begin = self.data_start(info)
        if begin is None or begin + info.compress_size > len(self.data):
            return None
        return self.data[begin:begin + info.compress_size]

    def data_start(self, info: zipfile.ZipInfo) -> int | None:
        """Where a part's stored bytes begin: after its local header, when there is one
        where the directory says."""
        start = info.header_offset
        if start < 0 or start + 30 > len(self.data) or \
                self.data[start:start + 4] != ZIP_MAGIC:
            return None
        name_len, extra_len = struct.unpack_from("<HH", self.data, start + 26)
        return start + 30 + name_len + extra_len

    def _named(self, info: zipfile.ZipInfo) -> bool:
        """Whether the part's local header names it as the central directory does (read as
        zipfile reads it: UTF-8 when its flag says so, else code page 437)."""
        start = info.header_offset
        flags, = struct.unpack_from("<H", self.data, start + 6)
        name_len, = struct.unpack_from("<H", self.data, start + 26)
        local = self.data[start + 30:start + 30 + name_len]
        try:
            return local.decode("utf-8" if flags & 0x800 else "cp437") == info.orig_filename
        except UnicodeDecodeError:
            return False


def too_large(size: int) -> PackageRejected:
    """The file-too-large rejection of a file (or an attachment) of `size` bytes."""
    return PackageRejected("file-too-large", mb=size / 1e6, limit_mb=MAX_FILE_BYTES / 1e6)


def _reject(code: str, variant: str = "", **fields: Any) -> PackageRejected:
    return PackageRejected(code, variant, **fields)


def _sniff_non_zip(head: bytes, path: Path) -> PackageRejected:
    if head.startswith(OLE_MAGIC):
        try:
            import msoffcrypto

            with path.open("rb") as f:
                encrypted = msoffcrypto.OfficeFile(f).is_encrypted()
        except Exception:  # noqa: BLE001 - an unreadable OLE file is simply not ours
            encrypted = False
        if encrypted:
            return _reject("encrypted-file")
        return _reject("legacy-xls")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype html", b"<?xml", b"<table")):
        return _reject("not-a-workbook", "web")
    if head and b"\x00" not in head[:1024] and (b";" in head or b"," in head or b"\t" in head):
        return _reject("not-a-workbook", "csv")
    if head.startswith(b"PK"):
        return _reject("corrupt-file", "zip")
    return _reject("not-a-workbook")


class _UnsafeXml(Exception):
    pass


def _forbid(*_: object) -> NoReturn:
    raise _UnsafeXml


@dataclass(frozen=True)
class _Doc:
    """A package part's root tag and every element's attributes, in '{namespace}name'
    form as ElementTree spells them: all the package checks need of a part. Shared by every
    file with the same part (see `_parse_part`): read, never changed."""

    tag: str
    elements: tuple[tuple[str, dict[str, str]], ...]

    def iter(self, tag: str) -> list[dict[str, str]]:
        return [attrs for t, attrs in self.elements if t == tag]


def _parse_xml(pkg: Package, name: str) -> _Doc:
    """Parse a small part with defusedxml (no DTD, entity or external reference)."""
    try:
        data = pkg.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
        raise _reject("corrupt-file", "part", part=name, detail=e) from e
    except KeyError:
        raise _reject("corrupt-file", "missing-part", part=name) from None
    return _parse_part(data, name)


@functools.lru_cache(maxsize=32)
def _parse_part(data: bytes, name: str) -> _Doc:
    """`_parse_xml` of a part's bytes, remembered by content: files made from one template
    share these parts byte for byte (a hit compares the bytes in full), so a part is parsed
    once per template, not once per file."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise _reject("unsafe-xml") from None
    except (SafeET.ParseError, ValueError) as e:
        raise _reject("corrupt-file", "part", part=name, detail=e) from e
    return _Doc(root.tag, tuple((el.tag, dict(el.attrib)) for el in root.iter()))


class _Root(Exception):
    """The root element began: the prolog, where a DTD can be, is over."""


def _stop(*_: object) -> NoReturn:
    raise _Root


def _utf8(data: bytes) -> bool:
    """Whether a part is XML in UTF-8, what spreadsheet applications write: the only
    encoding in which a declaration is sure to show as the bytes `<!DOCTYPE`."""
    head = data[3:1024] if data.startswith(codecs.BOM_UTF8) else data[:1024]
    if b"\x00" in head or not head.lstrip(b" \t\r\n").startswith(b"<"):
        return False
    if not head.startswith(b"<?xml"):
        return True
    end = head.find(b"?>")
    found = _ENCODING.search(head, 0, end) if end > 0 else None
    return end > 0 and (found is None or found.group(1).lower() in (b"utf-8", b"utf8"))


def declares_dtd(data: bytes) -> bool:
    """Whether an XML part declares a DTD or an entity. A byte scan settles the usual case:
    a UTF-8 part in which neither `<!DOCTYPE` nor `<!ENTITY` occurs. Anything else is
    parsed up to its root element: a part in another encoding (UTF-16, where the scan is
    blind) or with those bytes (perhaps only in a comment). A part that does not parse is
    unsafe when the bytes were seen (an image without them is no XML at all)."""
    seen = any(d in data for d in DECLARATIONS)
    if not seen and _utf8(data):
        return False
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.StartElementHandler = _stop
    try:
        parser.Parse(data, True)
    except _UnsafeXml:
        return True
    except _Root:
        return False
    except (expat.ExpatError, ValueError, LookupError):
        pass
    return seen


def _check_layout(pkg: Package, infos: list[zipfile.ZipInfo], names: set[str]) -> None:
    """Each part once, and no part's bytes running into the next one's: a part named twice
    is read as its last copy by zipfile and calamine alike, and was the first one checked
    (and remembered as clean); parts whose bytes overlap would be inflated over and over
    (a file of 20 MB made of 5,000 such parts would keep a core busy for minutes)."""
    if len(names) != len(infos):
        twice = Counter(i.filename for i in infos).most_common(1)[0][0]
        raise _reject("corrupt-file", "duplicate-part", part=twice)
    starts = sorted(infos, key=lambda i: i.header_offset)  # two at one place: overlapping
    ends = [i.header_offset for i in starts[1:]] + [pkg.zip.start_dir]
    for info, end in zip(starts, ends, strict=True):
        begin = pkg.data_start(info)
        if begin is not None and begin + info.compress_size > end:
            raise _reject("corrupt-file", "zip")


def _check_declarations(pkg: Package, infos: list[zipfile.ZipInfo]) -> None:
    """Every part, whoever parses it: no DTD or entity declaration anywhere (calamine's
    parser expands no entities either; this turns such a file into a clear issue)."""
    for info in infos:
        if not info.file_size:
            continue
        raw = pkg.stored(info)
        key = (raw, info.compress_type, info.file_size, info.CRC) \
            if raw is not None and len(raw) <= CLEAN_PART_MAX_BYTES else None
        if key is not None and key in _CLEAN_PARTS:
            _CLEAN_PARTS.move_to_end(key)
            continue
        try:
            data = pkg.read(info.filename)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as e:
            raise _reject("corrupt-file", "part", part=info.filename, detail=e) from e
        if declares_dtd(data):
            raise _reject("unsafe-xml")
        if key is not None:
            _CLEAN_PARTS[key] = None
            if len(_CLEAN_PARTS) > CLEAN_PARTS_KEPT:
                _CLEAN_PARTS.popitem(last=False)


def inspect(path: Path, data: bytes | None = None) -> Package:
    """Check `path` (whose bytes are `data` when already read) as an .xlsx package; raise
    PackageRejected with the reason otherwise."""
    size = path.stat().st_size if data is None else len(data)
    if size == 0:
        raise _reject("empty-file")
    if size > MAX_FILE_BYTES:
        raise too_large(size)
    if data is None:
        data = path.read_bytes()
    if not data.startswith(ZIP_MAGIC):
        raise _sniff_non_zip(data[:4096], path)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _reject("corrupt-file", "zip") from None
    package = Package(zf, data)
    try:
        _inspect_zip(package)
        return package
    except BaseException:
        zf.close()
        raise


def _inspect_zip(pkg: Package) -> None:
    infos = pkg.zip.infolist()
    if len(infos) > MAX_PARTS:
        raise _reject("zip-bomb", "parts", parts=len(infos))
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART_BYTES or (
                info.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO):
            raise _reject("zip-bomb", "part", part=info.filename, mb=info.file_size / 1e6,
                          ratio=ratio)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _reject("zip-bomb", mb=total / 1e6)
    names = {i.filename for i in infos}
    _check_layout(pkg, infos, names)
    if "mimetype" in names and "[Content_Types].xml" not in names:
        raise _reject("ods-file")
    if "[Content_Types].xml" not in names:
        raise _reject("not-a-workbook", "zip")
    _check_declarations(pkg, infos)

    types = _parse_xml(pkg, "[Content_Types].xml")
    workbook_part = None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _reject("macro-enabled")
    for el in types.iter(f"{{{NS_CT}}}Override"):
        ct = el.get("ContentType", "")
        if ct in CT_MACRO:  # and no macros: the reporter chose the wrong file type
            raise _reject("xlsm-file")
        if ct in (CT_WORKBOOK, CT_TEMPLATE):
            workbook_part = el.get("PartName", "").lstrip("/")
    if workbook_part is None:
        workbook_part = _workbook_from_root_rels(pkg)
    wb = _parse_xml(pkg, workbook_part)
    if wb.tag == f"{{{NS_STRICT}}}workbook":
        raise _reject("strict-ooxml")
    if wb.tag != f"{{{NS_MAIN}}}workbook":
        raise _reject("not-a-workbook")
    base = posixpath.dirname(workbook_part)
    rels_name = posixpath.join(base, "_rels", posixpath.basename(workbook_part) + ".rels")
    targets = {}
    if rels_name in names:
        for rel in _parse_xml(pkg, rels_name).iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else \
                posixpath.normpath(posixpath.join(base, target))
            targets[rel.get("Id")] = part
    for sheet in wb.iter(f"{{{NS_MAIN}}}sheet"):
        sheet_part = targets.get(sheet.get(f"{{{NS_REL}}}id", ""))
        if sheet_part:
            pkg.sheet_parts[sheet.get("name", "")] = sheet_part


def _workbook_from_root_rels(pkg: Package) -> str:
    try:
        rels = _parse_xml(pkg, "_rels/.rels")
    except PackageRejected:
        raise _reject("not-a-workbook") from None
    for rel in rels.iter(f"{{{NS_PKG_REL}}}Relationship"):
        if rel.get("Type", "").endswith("/officeDocument"):
            return rel.get("Target", "").lstrip("/")
    raise _reject("not-a-workbook")


def _may_be_special(data: bytes) -> bool:
    """Whether a sheet's XML may hold an error cell or a formula: a few plain substring scans
    that never miss one (a regex or a parse costs several times more); a hit is then
    parsed. An error cell's type is the value e in either quote style; a formula is an <f>
    element, perhaps with a prefix (<x:f>). Data validations' <formula1> and <formula2> are
    not formulas."""
    if b'"e"' in data or b"'e'" in data:
        return True
    for tag in (b"<f", b":f"):
        i = data.find(tag)
        while i >= 0:
            if data[i + 2:i + 3] in (b">", b"/", b" ", b"\t", b"\r", b"\n"):
                return True
            i = data.find(tag, i + 2)
    return False


def special_cells(pkg: Package, sheet_part: str) -> dict[str, tuple[str, str | None]]:
    """Cells whose value calamine cannot tell us: Excel errors and formulas without a stored
    value. {A1 ref: ("error", "#REF!") | ("formula", None)}. Sheets with neither (the normal
    case) cost a few scans of the raw bytes."""
    data = pkg.read(sheet_part)
    if not _may_be_special(data):
        return {}
    out: dict[str, tuple[str, str | None]] = {}
    c_tag, f_tag, v_tag = (f"{{{NS_MAIN}}}{t}" for t in ("c", "f", "v"))
    for _, el in SafeET.iterparse(io.BytesIO(data), forbid_dtd=True):
        if el.tag != c_tag:
            continue
        v = el.find(v_tag)
        if el.get("t") == "e":
            out[el.get("r", "")] = ("error", v.text if v is not None else None)
        elif el.find(f_tag) is not None and (v is None or v.text is None):
            out[el.get("r", "")] = ("formula", None)
        el.clear()
    return out
