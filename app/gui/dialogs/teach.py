"""Teach a tag from a few selected results; some may be marked as counter-examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QWidget,
)

from app.gui.widgets.results import KIND_WORDS


class TeachDialog(QDialog):
    """Emits ``teach(name, positive_ids, negative_ids, min_score)``."""

    teach = Signal(str, list, list, float)

    def __init__(self, results: list[Any], parent: QWidget | None = None,
                 min_score: float = 0.5) -> None:
        super().__init__(parent)
        self.setWindowTitle("Teach a tag")
        self.name = QLineEdit(self)
        self.name.setAccessibleName("Tag name")
        self.name.setAccessibleDescription("The name of the tag to teach, e.g. rainy day")
        self.examples = QListWidget(self)
        self.examples.setAccessibleName("Examples")
        self.examples.setAccessibleDescription(
            "The selected items; check an item to use it as a counter-example")
        for result in results:
            item = QListWidgetItem(
                f"{Path(result.path).name} ({KIND_WORDS.get(result.kind, result.kind)})")
            item.setData(Qt.ItemDataRole.UserRole, int(result.item_id))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.examples.addItem(item)
        if results:
            self.examples.setCurrentRow(0)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Teach")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.threshold = QSpinBox(self)
        self.threshold.setRange(1, 99)
        self.threshold.setSuffix(" %")
        self.threshold.setValue(round(100 * min_score))
        self.threshold.setAccessibleName("Propose from")
        self.threshold.findChild(QLineEdit).setAccessibleName("Propose from")
        self.threshold.setAccessibleDescription(
            "Propose the tag for other items whose probability of fitting it is at least this")
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Tag &name:", self.name)
        form.addRow(QLabel("Examples (check the ones that are <b>not</b> this tag):", self))
        form.addRow(self.examples)
        form.addRow("&Propose to items from:", self.threshold)
        form.addRow(self.error)
        form.addRow(self.buttons)
        self.resize(460, 360)

    def ids(self) -> tuple[list[int], list[int]]:
        positive, negative = [], []
        for row in range(self.examples.count()):
            item = self.examples.item(row)
            target = negative if item.checkState() == Qt.CheckState.Checked else positive
            target.append(int(item.data(Qt.ItemDataRole.UserRole)))
        return positive, negative

    def accept(self) -> None:
        name = self.name.text().strip()
        positive, negative = self.ids()
        if not name:
            self.error.setText("Give the tag a name.")
            self.name.setFocus()
            return
        if not positive:
            self.error.setText("Leave at least one example unchecked: an example of the tag.")
            return
        self.teach.emit(name, positive, negative, self.threshold.value() / 100.0)
        super().accept()
