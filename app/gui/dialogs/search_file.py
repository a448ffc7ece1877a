"""The "Search by file..." dialog: search by example without dragging or pasting."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget

from core.media.kinds import (
    IMAGE_EXTENSIONS,
    NOTE_EXTENSIONS,
    SOUND_EXTENSIONS,
    VIDEO_EXTENSIONS,
)


def _filter(name: str, extensions: frozenset[str]) -> str:
    patterns = " ".join(f"*{e}" for e in sorted(extensions))
    return f"{name} ({patterns})"


def search_file_dialog(parent: QWidget, folders: list[Path]) -> QFileDialog:
    """A file dialog (named for screen readers) that picks one photo, sound or note; it
    starts in the library's first folder. It deletes itself when closed."""
    dialog = QFileDialog(parent, "Search by file")
    dialog.setAccessibleName("Search by file")
    dialog.setAccessibleDescription(
        "Choose a photo, sound, note or video; the results are the files most like it")
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setNameFilters([_filter("Photos, sounds, notes and videos", IMAGE_EXTENSIONS
                                   | SOUND_EXTENSIONS | NOTE_EXTENSIONS | VIDEO_EXTENSIONS),
                           _filter("Photos", IMAGE_EXTENSIONS),
                           _filter("Sounds", SOUND_EXTENSIONS),
                           _filter("Notes", NOTE_EXTENSIONS),
                           _filter("Videos", VIDEO_EXTENSIONS), "All files (*)"])
    if folders:
        dialog.setDirectory(str(folders[0]))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return dialog
