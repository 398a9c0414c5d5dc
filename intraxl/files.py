"""Writing the files people open: whole or not at all, readable like any other new file."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


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
