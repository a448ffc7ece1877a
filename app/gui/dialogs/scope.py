"""Which items to auto-tag: the selected results, the whole library, or a folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QWidget


class ScopeDialog(QDialog):
    """Which items to auto-tag: the selected results, the whole library, or a folder."""

    def __init__(self, selected: int, folders: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Auto-tag")
        self.scope = QComboBox(self)
        self.scope.setAccessibleName("What to tag")
        if selected:
            self.scope.addItem(f"The {selected} selected result{'s' if selected > 1 else ''}",
                               "selection")
        self.scope.addItem("The whole library", "library")
        for folder in folders:
            self.scope.addItem(f"Folder {folder}", str(folder))
        self.scope.addItem("Another folder\u2026", "choose")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Propose tags")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&Tag:", self.scope)
        form.addRow(buttons)
