"""Writing a sidecar without ever leaving half of one: checks first, then a temporary file
in the same folder, flushed, and one ``os.replace``."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from core.tagging.errors import SidecarNotWritable


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


def atomic_write(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` in one step, keeping its permission bits."""
    mode = target.stat().st_mode & 0o7777 if target.exists() else None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise SidecarNotWritable(
            target, f"cannot write in {target.parent}: {exc.strerror or exc} (nothing was changed)"
        ) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SidecarNotWritable(
            target, f"writing the sidecar failed: {exc.strerror or exc} (nothing was changed)"
        ) from exc
