"""Accessible names Qt's own interfaces do not give.

On Linux Qt names a combo box by its current value ("auto") and leaves its purpose to the
label relation, which not every screen reader follows. ``NamedComboBox`` is spoken by its
accessible name, with the current choice as its value. A plain widget is a "client" or a
"panel" to Qt; a section of results (``KindSection``) is a named group.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAccessibleWidget, QComboBox, QWidget

# Widgets a screen reader should hear as a named group of the controls inside them.
GROUPS = ("KindSection",)


class NamedComboBox(QComboBox):
    """A combo box named by its purpose (``setAccessibleName``), its choice the value."""


class _NamedComboInterface(QAccessibleWidget):
    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget, QAccessible.Role.ComboBox)

    def text(self, t: QAccessible.Text) -> str:
        combo = self.widget()
        if t == QAccessible.Text.Name and isinstance(combo, QComboBox):
            return combo.accessibleName() or combo.currentText()
        if t == QAccessible.Text.Value and isinstance(combo, QComboBox):
            return combo.currentText()
        return super().text(t)


def _factory(key: str, obj: Any) -> QAccessibleWidget | None:
    if key == "NamedComboBox" and isinstance(obj, NamedComboBox):
        return _NamedComboInterface(obj)
    if key in GROUPS and isinstance(obj, QWidget):
        # A section of results: a group a screen reader names ("Sounds, 8 results, 2 good")
        return QAccessibleWidget(obj, QAccessible.Role.Grouping)
    return None


QAccessible.installFactory(_factory)
