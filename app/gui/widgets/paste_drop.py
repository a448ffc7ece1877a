"""Searching by example from the clipboard and by dropping files; dropped folders join the
library. A mixin of the main window, which provides ``search_file``, ``add_folder``,
``search_bar`` and ``focus_search``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication


class PasteAndDrop:
    search_file: Any
    add_folder: Any
    search_bar: Any
    focus_search: Any

    def paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            return
        if mime.hasUrls() and mime.urls()[0].isLocalFile():
            self.search_file(Path(mime.urls()[0].toLocalFile()))
        elif mime.hasImage():
            image = QGuiApplication.clipboard().image()
            path = Path(tempfile.mkdtemp(prefix="synesthesia-paste-")) / "pasted image.png"
            image.save(str(path), "PNG")
            self.search_file(path)
        elif mime.hasText():
            self.search_bar.field.setText(mime.text())
            self.focus_search()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.handle_drop(paths)

    def handle_drop(self, paths: list[Path]) -> None:
        """Folders are added to the library; the first file is searched by example."""
        for folder in (p for p in paths if p.is_dir()):
            self.add_folder(folder, [])
        files = [p for p in paths if p.is_file()]
        if files:
            self.search_file(files[0])
