"""Keeping the window in step with the folders on disk: a Rescan command (F5), results
that refresh when an indexing run changed the library, and, unless the setting
"library/watch" is off, the library's folders watched and indexed in the background a
moment after they change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from app.gui.services.watching import FolderWatcher

CHANGES = ("added", "updated", "moved", "copied", "removed", "failed")


def changed_anything(report: Any) -> bool:
    """Whether an indexing run changed what a search can find."""
    return any(int(getattr(report, name, 0) or 0) for name in CHANGES)


class LiveUpdates(QObject):
    """Owned by the main window; reads its service, settings, index panel and searches."""

    def __init__(self, window: Any, delay_ms: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        skip = [window.service.library_dir]
        extra = {} if delay_ms is None else {"delay_ms": delay_ms}
        self.watcher = FolderWatcher(skip=skip, parent=self, **extra)
        self.watcher.changed.connect(self._folders_changed_on_disk)
        self.folders: list[Path] = []
        window.service.folders_changed.connect(self._library_folders)
        window.index_panel.finished.connect(self._indexed)

    @property
    def enabled(self) -> bool:
        return bool(self.window.settings.get("library/watch"))

    def apply(self) -> None:
        """Start or stop watching as the setting says (after the settings changed)."""
        if self.enabled and not self.window._closing:
            self.watcher.watch(self.folders, self.window.runner)
        else:
            self.watcher.stop()

    def rescan(self) -> None:
        """Look for new, changed and deleted files in every library folder now."""
        if not self.window.service.is_open:
            self.window.statusBar().showMessage("The library is still opening\u2026", 5000)
            return
        self.window.index_panel.start()

    def _library_folders(self, folders: list[Path]) -> None:
        self.folders = [Path(f) for f in folders]
        self.apply()

    def _folders_changed_on_disk(self) -> None:
        """Index the changes, unless the person paused or cancelled indexing (F5 and
        Resume still start it)."""
        panel = self.window.index_panel
        stopped = getattr(panel.last_report, "cancelled", False) and not panel.running
        if (self.enabled and self.window.service.is_open and not self.window._closing
                and not stopped):
            panel.start()

    def _indexed(self, report: Any) -> None:
        """Rerun the search on screen when the run changed the library (new files found,
        files gone), so the grid shows what the library holds now."""
        current = self.window.searches.current
        if current is None or current.item_id == -1 or not changed_anything(report):
            return
        self.window.searches.search(current)
