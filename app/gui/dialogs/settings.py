"""The Settings dialog, built from the typed option registry."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.gui.dialogs.adapt import AdaptDialog
from app.gui.dialogs.adapt import available as _adapt_available
from app.gui.services.settings import OPTIONS, Settings
from app.gui.widgets.accessible import NamedComboBox

EDITABLE = ("library/location", "library/watch", "model/device", "model/checkpoint", "index/cluster",
            "view/thumbnail_size", "search/results", "search/by_kind", "tags/vocabulary",
            "tags/min_score", "audio/record_seconds")
# Options that name a folder or a file get a Browse button.
BROWSE = {"library/location": "folder", "model/checkpoint": "Checkpoints (*.pt *.safetensors)",
          "tags/vocabulary": "Vocabularies (*.txt)"}
RANGES = {"view/thumbnail_size": (64, 512), "search/results": (8, 500),
          "audio/record_seconds": (2, 60)}


class SettingsDialog(QDialog):
    """Edits the options; ``apply()`` writes them back (called on OK)."""

    def __init__(self, settings: Settings, parent: QWidget | None = None,
                 library_dir: Path | None = None, folders: list[Path] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.editors: dict[str, QWidget] = {}
        form = QFormLayout(self)
        for key in EDITABLE:
            option = OPTIONS[key]
            value = settings.get(key)
            editor: QWidget
            if option.type is bool:
                check = QCheckBox(self)
                check.setChecked(bool(value))
                editor = check
            elif option.choices:
                combo = NamedComboBox(self)  # spoken by its purpose, not its value
                combo.addItems(list(option.choices))
                combo.setCurrentText(value)
                editor = combo
            elif option.type is int:
                spin = QSpinBox(self)
                spin.setRange(*RANGES.get(key, (0, 10_000)))
                spin.setValue(value)
                # The spin box's inner line edit takes focus too; give it the same name.
                spin.findChild(QLineEdit).setAccessibleName(option.label)
                editor = spin
            elif option.type is float:
                real = QDoubleSpinBox(self)
                real.setRange(0.0, 1.0)
                real.setSingleStep(0.05)
                real.setValue(value)
                real.findChild(QLineEdit).setAccessibleName(option.label)
                editor = real
            else:
                editor = QLineEdit(str(value), self)
            editor.setAccessibleName(option.label)
            editor.setAccessibleDescription(f"Setting: {option.label}")
            self.editors[key] = editor
            if key in BROWSE and isinstance(editor, QLineEdit):
                form.addRow(option.label + ":", self._with_browse(editor, key, option.label))
            else:
                form.addRow(option.label + ":", editor)
        if library_dir is not None and _adapt_available():
            self.adapt_button = QPushButton("&Adapt to my library\u2026", self)
            self.adapt_button.setAccessibleName("Adapt to my library")
            self.adapt_button.setAccessibleDescription(
                "Fine-tune the network on the library's own videos, measured before it is used")
            self.adapt_button.clicked.connect(lambda: self._adapt(library_dir, folders or []))
            form.addRow("Network:", self.adapt_button)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _with_browse(self, edit: QLineEdit, key: str, label: str) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(edit, 1)
        button = QPushButton("Browse\u2026", row)
        button.setAccessibleName(f"Browse for {label.lower()}")
        button.setAccessibleDescription(f"Choose the {label.lower()} in a file dialog")
        layout.addWidget(button)

        def browse() -> None:
            kind = BROWSE[key]
            if kind == "folder":
                chosen = QFileDialog.getExistingDirectory(self, label, edit.text())
            else:
                chosen, _ = QFileDialog.getOpenFileName(self, label, edit.text(), kind)
            if chosen:
                edit.setText(chosen)

        button.clicked.connect(browse)
        return row

    def _adapt(self, library_dir: Path, folders: list[Path]) -> None:
        """Open Adapt to my library (it runs `synesthesia adapt` as a process)."""
        self.adapt_dialog = AdaptDialog(self.settings, library_dir, folders, self)
        self.adapt_dialog.open()

    def values(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                out[key] = editor.isChecked()
            elif isinstance(editor, QComboBox):
                out[key] = editor.currentText()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                out[key] = editor.value()
            elif isinstance(editor, QLineEdit):
                out[key] = editor.text().strip()
        return out

    def accept(self) -> None:
        for key, value in self.values().items():
            self.settings.set(key, value)
        self.settings.sync()
        super().accept()
