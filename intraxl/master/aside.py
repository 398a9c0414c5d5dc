"""Work done by a copy of this process while this one goes on.

Writing a 10,000-unit master keeps one core busy for seconds while the machine's others
wait: the worksheets are written out and compressed, and the record of every cell written
(master/fingerprint.py) is made from the same cells. Making the record needs nothing but
those cells, so a copy of the process made by fork(2), which shares them with this one until
either changes a page, makes it meanwhile and leaves the result in a temporary file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import warnings
from typing import Callable


def can_fork() -> bool:
    """Whether this process can be copied by fork(2) safely: on Linux, with no other Python
    thread running. A copy has only the thread that made it, so a lock another thread held
    would stay held in the copy for ever. Threads of the libraries underneath (OpenBLAS's
    workers, jemalloc's background thread) are not counted: those libraries reset their
    own state in a copy, as they must for multiprocessing's fork start method."""
    return sys.platform == "linux" and threading.active_count() == 1


def aside(make: Callable[[], bytes]) -> Callable[[], bytes]:
    """`make()` run by a copy of this process while this one goes on; returns a function
    that waits for its result. What `make` reads must not change until then. Where the
    process cannot be copied (`can_fork`), `make()` runs here and now; where the copy fails,
    here when the result is asked for."""
    if not can_fork():
        done = make()
        return lambda: done
    out = tempfile.TemporaryFile(prefix="intraxl-")
    try:
        # Python 3.12+ warns of any other thread of the process (see can_fork).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        out.close()
        done = make()
        return lambda: done
    if pid == 0:  # the copy: its result in the file, and gone without any clean-up of ours
        code = 1
        try:
            out.write(make())
            out.flush()
            code = 0
        finally:
            os._exit(code)

    def result() -> bytes:
        with out:
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) == 0:
                out.seek(0)
                return out.read()
        return make()

    return result
