"""One writer per library across processes: an advisory lock on a file in the
library folder (released by the OS when the process dies, even by SIGKILL)."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

from core.errors import SynesthesiaError


class LibraryBusy(SynesthesiaError):
    """Another process holds the library."""


class LibraryReadOnly(SynesthesiaError):
    """The library's folder cannot be written (a read-only file system or permissions):
    it can be read, not changed."""


_READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)


class LibraryLock:
    """Exclusive (writer) or shared (reader) lock on ``directory/library.lock``.

    Where the folder cannot be written (a read-only file system), a reader locks the lock
    file opened for reading (or, when there is none, needs no lock: no one can write
    there); a writer gets ``LibraryReadOnly``."""

    def __init__(self, directory: Path, shared: bool = False, wait_s: float = 0.0):
        self.path = Path(directory) / "library.lock"
        self.shared = shared
        try:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            if exc.errno not in _READ_ONLY_ERRNOS:
                raise
            if not shared:
                raise LibraryReadOnly(
                    f"the library in {directory} is read-only ({exc.strerror}); reading "
                    "commands work (search, stats, doctor, tags FILE, export-tags --format); "
                    "to change it, make it writable or copy it somewhere writable") from exc
            try:
                self._fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                self._fd = -1
                return
        deadline = time.monotonic() + wait_s
        while True:
            if self._try():
                break
            if time.monotonic() >= deadline:
                holder = self._holder()
                os.close(self._fd)
                raise LibraryBusy(
                    f"the library in {directory} is in use by another Synesthesia process"
                    f"{f' (pid {holder})' if holder else ''}; close it, or wait and retry "
                    "(--wait SECONDS)")
            time.sleep(0.1)
        if not shared:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, str(os.getpid()).encode(), 0)

    def _try(self) -> bool:
        if self._fd < 0:
            return True
        try:
            import fcntl
        except ImportError:  # Windows
            import msvcrt

            try:
                msvcrt.locking(self._fd, msvcrt.LK_NBLCK, 1)
                return True
            except OSError:
                return False
        try:
            fcntl.flock(self._fd, (fcntl.LOCK_SH if self.shared else fcntl.LOCK_EX)
                        | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _holder(self) -> str:
        try:
            return os.pread(self._fd, 32, 0).decode().strip()
        except OSError:
            return ""

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = -1
