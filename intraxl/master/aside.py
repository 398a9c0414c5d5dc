"""Work done by a copy of this process while this one goes on.

Writing a 10,000-unit master keeps one core busy for seconds while the machine's others
wait: the worksheets are written out and compressed, and the record of every cell written
(master/fingerprint.py) is made from the same cells. Making the record needs nothing but
those cells, so a copy of the process made by fork(2), which shares them with this one until
either changes a page, makes it meanwhile and leaves the result in a temporary file.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import tempfile
import threading
import warnings
from typing import IO, Callable


def can_fork() -> bool:
    """Whether this process can be copied by fork(2) safely: on Linux, with no other Python
    thread running. A copy has only the thread that made it, so a lock another thread held
    would stay held in the copy for ever. Threads of the libraries underneath (OpenBLAS's
    workers, jemalloc's background thread) are not counted: those libraries reset their
    own state in a copy, as they must for multiprocessing's fork start method."""
    return sys.platform == "linux" and threading.active_count() == 1


class Aside:
    """`make()` run by a copy of this process made by fork(2); `result` waits for it. What
    `make` reads must not change until then. Where the process cannot be copied, `make()`
    runs here at once; where the copy fails, here when the result is asked for."""

    def __init__(self, make: Callable[[], bytes]) -> None:
        self._make = make
        self._done: bytes | None = None
        self._pid: int | None = None
        self._out: IO[bytes] | None = None
        if can_fork():
            self._start()
        if self._pid is None:
            self._done = make()

    def _start(self) -> None:
        # Ctrl-C is held back while the process is copied, and for good in the copy: the
        # copy must never run this process's clean-up (its `finally` blocks release the
        # run's lock). A copy whose result is not asked for is ended by `cancel`.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._out = tempfile.TemporaryFile(prefix="intraxl-")
            with warnings.catch_warnings():  # Python 3.12+ warns of any thread (can_fork)
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except (OSError, RuntimeError):
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            self._close()
            return
        if pid == 0:
            self._in_the_copy()  # does not return
        self._pid = pid
        signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def result(self) -> bytes:
        if self._done is None:
            self._done = self._wait()
        return self._done

    def cancel(self) -> None:
        """End the copy if it is still there (the result was not asked for: the workbook
        failed before its record was written); asked for after this, the result is made
        here."""
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except OSError:
                pass
            self._reap()
        self._close()

    def _wait(self) -> bytes:
        if self._reap() and self._out is not None:
            self._out.seek(0)
            data = self._out.read()
            self._close()
            return data
        self._close()
        return self._make()

    def _close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def _reap(self) -> bool:
        """Wait for the copy; whether it ended well."""
        pid, self._pid = self._pid, None
        if pid is None:
            return False
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:  # reaped by someone else: its result cannot be trusted
            return False
        return os.waitstatus_to_exitcode(status) == 0

    def _in_the_copy(self) -> None:
        code = 1
        try:
            gc.disable()  # nothing left from before the copy is finalised here
            assert self._out is not None
            self._out.write(self._make())
            self._out.flush()
            code = 0
        finally:
            os._exit(code)
