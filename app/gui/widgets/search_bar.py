"""The search field with search-as-you-type and the Photos / Sounds / Notes / Videos
toggles."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLineEdit, QToolButton, QWidget

DEBOUNCE_MS = 250
KIND_TOGGLES = (("image", "P&hotos"), ("sound", "Soun&ds"), ("note", "&Notes"),
                ("video", "&Videos"))


class SearchBar(QWidget):
    """Emits ``search_requested(text, kinds)`` after typing pauses (or Return), and
    ``kinds_changed(kinds)`` when only a toggle changed: the window then reruns whatever it
    last searched by, which may be an example rather than the text left in the field."""

    search_requested = Signal(str, frozenset)
    kinds_changed = Signal(frozenset)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Search photos, sounds, notes and videos by words\u2026 "
                                      "(tag:beach  2023  in:Holidays  -rain)")
        self.field.setClearButtonEnabled(True)
        self.field.setAccessibleName("Search")
        self.field.setAccessibleDescription(
            "Type words to find matching photos, sounds, notes and videos; results update as you "
            "type. Filters: tag:name, in:folder, a year or a month such as april 2023, kind:photo, "
            "place:name, duration:>30s, a minus before a word to leave it out"
        )
        # The clear button ("x") is an action of the field: give it, and its button, a name.
        for action in self.field.findChildren(QAction):
            if action.objectName() == "_q_qlineeditclearaction":
                action.setText("Clear search")
                action.setToolTip("Clear the search field")
        for button in self.field.findChildren(QToolButton):
            button.setAccessibleName("Clear search")
            button.setAccessibleDescription("Clear the search field")
        self.toggles: dict[str, QCheckBox] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field, 1)
        for kind, label in KIND_TOGGLES:
            box = QCheckBox(label, self)
            box.setChecked(True)
            plain = label.replace("&", "")
            box.setAccessibleName(f"Show {plain.lower()}")
            box.setAccessibleDescription(f"Include {plain.lower()} in the results")
            box.toggled.connect(self._kinds_changed)
            self.toggles[kind] = box
            layout.addWidget(box)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._emit)
        self._text_edited = False  # typed since the last emit: a text search is due
        self.field.textChanged.connect(self._text_changed)
        self.field.returnPressed.connect(self.search_now)

    def kinds(self) -> frozenset[str]:
        return frozenset(k for k, box in self.toggles.items() if box.isChecked())

    def text(self) -> str:
        return self.field.text().strip()

    def _kinds_changed(self) -> None:
        if not self.kinds():  # never leave them all off: that would search nothing
            sender = self.sender()
            if isinstance(sender, QCheckBox):
                sender.setChecked(True)
            return
        self._timer.start()

    def _text_changed(self, _text: str) -> None:
        self._text_edited = True
        self._timer.start()

    def search_now(self) -> None:
        self._text_edited = True
        self._timer.stop()
        self._emit()

    def _emit(self) -> None:
        if self._text_edited:
            self._text_edited = False
            self.search_requested.emit(self.text(), self.kinds())
        else:
            self.kinds_changed.emit(self.kinds())
