"""Writing a sidecar without ever leaving half of one: checks first, then a temporary file
in the same folder, flushed, and one ``os.replace``."""

from __future__ import annotations

import atexit
import os
import re
import stat
import tempfile
import threading
from pathlib import Path

from core.tagging.errors import SidecarNotWritable

# Our temporary files: ".NAME.xmp." + mkstemp's 8 characters + ".tmp", hidden beside the
# sidecar. Those this process has open are removed at exit (atexit) if a write never ended;
# those a killed process left are removed by the next export that visits their folder.
_TEMP_NAME = re.compile(r"\..+\.(xmp|XMP)\.[a-z0-9_]{8}\.tmp")
_live: set[str] = set()
_live_lock = threading.Lock()


@atexit.register
def _remove_live_temps() -> None:
    with _live_lock:
        for tmp in list(_live):
            Path(tmp).unlink(missing_ok=True)
        _live.clear()


def remove_stale_temps(folder: Path) -> int:
    """Remove temporary sidecar files an earlier, killed write left in ``folder`` (only
    names of our own pattern, only regular files, not those this process is writing).
    Returns how many were removed; errors (a read-only folder) are ignored."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not _TEMP_NAME.fullmatch(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            with _live_lock:
                if entry.path in _live:
                    continue
            os.unlink(entry.path)
            removed += 1
        except OSError:
            continue
    return removed


def check_writable(target: Path) -> None:
    """Raises SidecarNotWritable when ``target`` or its folder is read-only (permission bits
    count even for root: a folder the user locked stays untouched)."""
    folder = target.parent
    if not folder.is_dir():
        raise SidecarNotWritable(target, "the folder does not exist")
    if not folder.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise SidecarNotWritable(
            target,
            f"the folder {folder} is read-only; make it writable or export the tags "
            "to a CSV/JSON file instead (nothing was changed)",
        )
    if target.exists() and not target.stat().st_mode & (
        stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    ):
        raise SidecarNotWritable(
            target,
            "the sidecar is read-only; make it writable to add tags (nothing was changed)",
        )


def _umask() -> int:
    """The process's umask, read without changing it where the system says (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _live_lock:  # elsewhere: set and restore it at once
        old = os.umask(0o022)
        os.umask(old)
    return old


def atomic_write(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` in one step, keeping its permission bits; a new
    file gets the mode any program's new file gets (0666 less the umask, e.g. 0644: other
    programs read sidecars), not mkstemp's private 0600."""
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
    # Created and registered under one lock: an exit in between cannot miss the file.
    with _live_lock:
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        except OSError as exc:
            raise SidecarNotWritable(
                target, f"cannot write in {target.parent}: {exc.strerror or exc} (nothing was changed)"
            ) from exc
        _live.add(tmp)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SidecarNotWritable(
            target, f"writing the sidecar failed: {exc.strerror or exc} (nothing was changed)"
        ) from exc
    except BaseException:  # Ctrl+C, a bug: still leave no temporary file behind
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        with _live_lock:
            _live.discard(tmp)
