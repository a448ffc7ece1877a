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

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from core.library.scan import is_hidden

# Each watched folder costs one kernel watch (Linux allows 8,192 per user by default,
# shared with every other program); past this many folders the rest are not watched and
# ``limited`` says so (a rescan, F5, still finds their changes).
MAX_WATCHED = 4000
DEBOUNCE_MS = 2000


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
        self.limited = False  # True when the folders hold more subfolders than the limit

    def watched(self) -> list[str]:
        return sorted(self._dirs)

    def watch(self, folders: Iterable[Path]) -> None:
        """Watch these folders and every folder under them (instead of what was watched)."""
        self.stop()
        self.limited = False
        for root in folders:
            self._add_tree(str(root))

    def stop(self) -> None:
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
            try:
                with os.scandir(folder) as it:
                    stack.extend(e.path for e in it if not is_hidden(e.name)
                                 and e.is_dir(follow_symlinks=False))
            except OSError:
                continue  # unreadable or gone: the scan reports it

    def _folder_changed(self, folder: str) -> None:
        if os.path.isdir(folder):
            self._add_tree(folder)  # folders created inside are watched from now on
        else:
            self._dirs.discard(folder)  # removed: Qt stops watching it by itself
        self._timer.start()  # (re)start the quiet period
