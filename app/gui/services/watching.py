"""Watching the library's folders for new, changed, moved and deleted files.

Qt's QFileSystemWatcher (inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on
Windows) watches single folders, so every folder of the tree is watched, and a folder
created later is added when its parent reports the change. Changes are debounced: the
``changed`` signal comes once the folders have been quiet for ``delay_ms``, so a copy of
a thousand files starts one indexing run, not a thousand.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from core.library.scan import is_hidden

# Each watched folder costs one kernel watch (Linux allows 8,192 per user by default,
# shared with every other program); past this many folders the rest are not watched and
# ``limited`` says so (a rescan, F5, still finds their changes).
MAX_WATCHED = 4000
DEBOUNCE_MS = 2000
LIST_POOL = "decode"  # the TaskRunner pool that lists the folders (short file-system work)


def list_tree(roots: list[str], skip: set[str], limit: int) -> tuple[list[str], bool]:
    """Every folder under ``roots`` (themselves included), hidden ones and ``skip`` (real
    paths) left out, at most ``limit``; and whether the limit was reached."""
    out: list[str] = []
    stack = list(reversed(roots))
    while stack:
        folder = stack.pop()
        if os.path.realpath(folder) in skip:
            continue
        if len(out) >= limit:
            return out, True
        out.append(folder)
        stack.extend(subfolders(folder))
    return out, False


def subfolders(folder: str) -> list[str]:
    """The folder's visible subfolders (links not followed); none when it cannot be read
    or is gone (the scan reports it)."""
    try:
        with os.scandir(folder) as it:
            return [e.path for e in it if not is_hidden(e.name) and e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


class FolderWatcher(QObject):
    """Emits ``changed`` (debounced) when something changes under the watched folders."""

    changed = Signal()

    def __init__(self, delay_ms: int = DEBOUNCE_MS, skip: Iterable[Path] = (),
                 limit: int = MAX_WATCHED, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._folder_changed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.changed)
        self._skip = {os.path.realpath(p) for p in skip}
        self._limit = limit
        self._dirs: set[str] = set()
        self._generation = 0
        self.limited = False  # True when the folders hold more subfolders than the limit

    def watched(self) -> list[str]:
        return sorted(self._dirs)

    def watch(self, folders: Iterable[Path], runner: Any = None) -> None:
        """Watch these folders and every folder under them (instead of what was watched).
        With a TaskRunner, the folders are listed on a worker thread (a big tree takes a
        moment) and watched when the list comes back."""
        self.stop()
        self.limited = False
        roots = [str(f) for f in folders]
        if runner is None:
            self._add(list_tree(roots, self._skip, self._limit))
            return
        self._generation += 1
        generation = self._generation

        def done(found: tuple[list[str], bool]) -> None:
            if generation == self._generation:  # not stopped or re-aimed meanwhile
                self._add(found)

        runner.run(LIST_POOL, lambda task: list_tree(roots, self._skip, self._limit), done,
                   lambda exc: None)

    def _add(self, found: tuple[list[str], bool]) -> None:
        folders, self.limited = found
        if folders:
            self._watcher.addPaths(folders)
        self._dirs.update(self._watcher.directories())

    def stop(self) -> None:
        self._generation += 1
        self._timer.stop()
        if self._dirs:
            self._watcher.removePaths(sorted(self._dirs))
        self._dirs.clear()

    def _add_tree(self, root: str) -> None:
        """Watch ``root`` and the folders under it not watched yet (a watched folder's
        tree is watched already)."""
        stack = [root]
        while stack:
            folder = stack.pop()
            if os.path.realpath(folder) in self._skip:
                continue
            if folder != root and folder in self._dirs:
                continue
            if folder not in self._dirs:
                if len(self._dirs) >= self._limit:
                    self.limited = True
                    return
                if self._watcher.addPath(folder):
                    self._dirs.add(folder)
            stack.extend(subfolders(folder))

    def _folder_changed(self, folder: str) -> None:
        if os.path.isdir(folder):
            self._add_tree(folder)  # folders created inside are watched from now on
        else:
            self._dirs.discard(folder)  # removed: Qt stops watching it by itself
        self._timer.start()  # (re)start the quiet period
