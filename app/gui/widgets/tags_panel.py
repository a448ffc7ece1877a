"""The item's tags in the preview: the accepted ones, the proposed ones apart (accept or
reject each), and a field to add your own."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.services.tagging import TaggingService

SOURCE_WORDS = {"zero-shot": "suggested from the vocabulary", "learned": "from a taught tag",
                "sidecar": "from a sidecar file", "user": "added by you"}


def _button(text: str, name: str, description: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    button.setAccessibleDescription(description)
    return button


class TagsPanel(QWidget):
    def __init__(self, tagging: TaggingService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tagging = tagging
        self.item_id: int | None = None
        self.accepted = QLabel("", self)
        self.accepted.setWordWrap(True)
        self.accepted.setAccessibleName("Tags")
        self.proposed = QListWidget(self)
        self.proposed.setAccessibleName("Proposed tags")
        self.proposed.setAccessibleDescription(
            "Tags the program suggests for this item; accept or reject each")
        self.proposed.setMaximumHeight(96)
        self.accept_button = _button("Accept", "Accept tag", "Accept the selected proposed tag",
                                     self)
        self.reject_button = _button("Re&ject", "Reject tag",
                                     "Reject the selected proposed tag; it is not proposed again",
                                     self)
        self.new_tag = QLineEdit(self)
        self.new_tag.setPlaceholderText("Add a tag\u2026")
        self.new_tag.setAccessibleName("Add a tag")
        self.new_tag.setAccessibleDescription("Type a tag for this item and press Enter (Ctrl+T)")
        self.add_button = _button("Add", "Add tag", "Add the typed tag to this item", self)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.hide()
        self.accept_button.clicked.connect(lambda: self._decide(True))
        self.reject_button.clicked.connect(lambda: self._decide(False))
        self.add_button.clicked.connect(self._add)
        self.new_tag.returnPressed.connect(self._add)
        self.proposed.currentItemChanged.connect(lambda *_: self._update_buttons())

        decide = QHBoxLayout()
        decide.addWidget(self.proposed, 1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.reject_button)
        buttons.addStretch(1)
        decide.addLayout(buttons)
        add = QHBoxLayout()
        add.addWidget(self.new_tag, 1)
        add.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.accepted)
        layout.addLayout(decide)
        layout.addLayout(add)
        layout.addWidget(self.error)
        tagging.changed.connect(self._changed)
        self.show_item(None)

    def show_item(self, item_id: int | None) -> None:
        self.item_id = item_id
        self.accepted.setText("" if item_id is None else "Tags: \u2026")
        self.proposed.clear()
        self.error.hide()
        self.setVisible(item_id is not None)
        self._update_buttons()
        if item_id is not None:
            self.tagging.tags(item_id, lambda tags, i=item_id: self._show_tags(i, tags))

    def _show_tags(self, item_id: int, tags: list[Any]) -> None:
        if item_id != self.item_id:
            return
        accepted = [t.name for t in tags if t.status == "accepted"]
        self.accepted.setText("Tags: " + (", ".join(accepted) if accepted else "none yet"))
        self.accepted.setAccessibleName(self.accepted.text())
        self.proposed.clear()
        for tag in (t for t in tags if t.status == "proposed"):
            score = f", {tag.score:.2f}" if tag.score is not None else ""
            item = QListWidgetItem(f"{tag.name} \u2014 proposed, "
                                   f"{SOURCE_WORDS.get(tag.source, tag.source)}{score}")
            item.setData(Qt.ItemDataRole.UserRole, tag.name)
            self.proposed.addItem(item)
        if self.proposed.count():
            self.proposed.setCurrentRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.proposed.currentItem() is not None
        self.accept_button.setEnabled(has)
        self.reject_button.setEnabled(has)
        # Proposals are shown apart from accepted tags, and only when there are some.
        for w in (self.proposed, self.accept_button, self.reject_button):
            w.setVisible(self.proposed.count() > 0)

    def _decide(self, accept: bool) -> None:
        item = self.proposed.currentItem()
        if item is None or self.item_id is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        self.tagging.decide([(self.item_id, name, accept)], self._failed)

    def _add(self) -> None:
        name = self.new_tag.text().strip()
        if name and self.item_id is not None:
            self.tagging.add(self.item_id, name, self._failed)
            self.new_tag.clear()

    def _failed(self, exc: Exception) -> None:
        self.error.setText(f"Could not change the tags: {exc}")
        self.error.show()

    def _changed(self, item_ids: list[int]) -> None:
        if self.item_id is not None and (not item_ids or self.item_id in item_ids):
            self.show_item(self.item_id)

    def focus_new_tag(self) -> None:
        self.new_tag.setFocus(Qt.FocusReason.ShortcutFocusReason)
