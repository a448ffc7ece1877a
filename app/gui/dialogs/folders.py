"""The Folders dialog: which folders the library watches, with exclusion patterns."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def parse_exclusions(text: str) -> list[str]:
    """``"*.tmp, .git/**; Private"`` -> ``["*.tmp", ".git/**", "Private"]``."""
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


class FoldersDialog(QDialog):
    """Emits ``add_requested(path, exclusions)`` and ``remove_requested(path)``."""

    add_requested = Signal(Path, list)
    remove_requested = Signal(Path)

    def __init__(self, folders: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Library folders")
        self.list = QListWidget(self)
        self.list.setAccessibleName("Library folders")
        self.list.setAccessibleDescription("The folders whose photos, sounds and notes are indexed")
        self.exclude = QLineEdit(self)
        self.exclude.setPlaceholderText("e.g. *.tmp, Private/**")
        self.exclude.setAccessibleName("Exclude")
        self.exclude.setAccessibleDescription(
            "Patterns of files or folders to skip in the next folder you add, separated by commas")
        exclude_label = QLabel("&Exclude:", self)
        exclude_label.setBuddy(self.exclude)
        self.add_button = QPushButton("&Add folder\u2026", self)
        self.add_button.setAccessibleName("Add folder")
        self.add_button.setAccessibleDescription("Choose a folder to add to the library")
        self.remove_button = QPushButton("&Remove", self)
        self.remove_button.setAccessibleName("Remove folder")
        self.remove_button.setAccessibleDescription(
            "Stop indexing the selected folder (its files are not touched)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button.clicked.connect(self._remove)

        row = QHBoxLayout()
        row.addWidget(exclude_label)
        row.addWidget(self.exclude, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.add_button)
        actions.addWidget(self.remove_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Folders in the library (files are never changed):", self))
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addLayout(actions)
        layout.addWidget(buttons)
        self.confirm: QMessageBox | None = None  # the open "Remove folder?" question
        self.set_folders(folders)
        self.resize(560, 320)

    def set_folders(self, folders: list[Path]) -> None:
        self.list.clear()
        for folder in folders:
            self.list.addItem(str(folder))
        self.remove_button.setEnabled(bool(folders))

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder to the library")
        if path:
            self.add(Path(path))

    def add(self, path: Path) -> None:
        self.add_requested.emit(Path(path), parse_exclusions(self.exclude.text()))
        self.exclude.clear()

    def _remove(self) -> None:
        """Ask first: removing a folder drops its files from the library (not from disk)."""
        item = self.list.currentItem()
        if item is None:
            return
        path = Path(item.text())
        box = QMessageBox(QMessageBox.Icon.Question, "Remove folder",
                          f"Remove {path} from the library?", QMessageBox.StandardButton.NoButton,
                          self)
        box.setInformativeText("Its files are not changed or deleted; they no longer appear "
                               "in searches. You can add the folder again later.")
        remove = box.addButton("&Remove", QMessageBox.ButtonRole.AcceptRole)
        remove.setAccessibleName("Remove folder")
        keep = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setAccessibleName("Remove folder?")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered() -> None:
            if box.clickedButton() is remove:
                self.remove_requested.emit(path)

        box.finished.connect(answered)
        self.confirm = box
        box.open()
