"""Writing the files people open: whole or not at all, readable like any other new file."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import IntraxlError


@contextmanager
def replaced_atomically(path: Path) -> Iterator[str]:
    """A temporary file beside `path` to write to; when the block ends without an error it
    replaces `path` in one step (nobody ever opens half a workbook), else it is removed.
    It gets the permissions a new file gets here (0666 less the umask): mkstemp's own are
    owner-only, which would hide the master from the colleagues it is written for."""
    fd, tmp = tempfile.mkstemp(prefix=".intraxl-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def lock_files(path: Path) -> list[Path]:
    """The lock files beside a document open elsewhere: Excel's `~$name`, Word's `~$me` (the
    name's first two characters replaced) and LibreOffice's `.~lock.name#`."""
    names = (f"~${path.name}", f"~${path.name[2:]}", f".~lock.{path.name}#")
    return [path.with_name(n) for n in dict.fromkeys(names) if path.with_name(n).exists()]


def check_not_open(path: Path) -> None:
    """Refuse to replace a file that is open in Excel, Word or LibreOffice."""
    locks = lock_files(path)
    if locks:
        raise IntraxlError(f"{path} is open in another program (lock file {locks[0].name})."
                           " Close it and run again; the existing file was not changed.")
