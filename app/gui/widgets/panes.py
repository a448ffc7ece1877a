"""Moving the keyboard focus between the window's panes (F6 / Shift+F6, Ctrl+Tab /
Ctrl+Shift+Tab, as in file managers and browsers): the search bar, the results (each
section of results by kind) and the preview. Tab still walks every control one by one;
these jump a whole pane."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

NEXT_KEYS = ("F6", "Ctrl+Tab")
PREVIOUS_KEYS = ("Shift+F6", "Ctrl+Shift+Tab", "Ctrl+Backtab")


def panes(window: Any) -> list[tuple[QWidget, str]]:
    """(pane, its name) in screen order: left to right, top to bottom; the results are one
    pane, or one per kind's section on screen."""
    return [(window.search_bar, "Search"), *window.results.panes(),
            (window.preview, "Preview")]


def _entry(pane: QWidget) -> QWidget | None:
    """The control of ``pane`` that takes the focus: the pane itself, or its first visible,
    enabled control in tab order."""
    if pane.focusPolicy() & Qt.FocusPolicy.TabFocus and pane.isVisible():
        return pane
    widget = pane.nextInFocusChain()
    while widget is not None and widget is not pane:
        if (pane.isAncestorOf(widget) and widget.isVisible() and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
            return widget
        widget = widget.nextInFocusChain()
    return None


def move_focus(window: Any, step: int) -> str | None:
    """Focus the next (step 1) or previous (step -1) pane; returns its name."""
    order = panes(window)
    focus = QApplication.focusWidget()
    here = next((i for i, (p, _) in enumerate(order)
                 if focus is not None and (focus is p or p.isAncestorOf(focus))), -1)
    if here < 0 and step < 0:
        here = 0
    for k in range(1, len(order) + 1):
        pane, name = order[(here + step * k) % len(order)]
        target = _entry(pane)
        if target is not None:
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return name
    return None


def install_pane_keys(window: Any) -> list[QShortcut]:
    """The shortcuts, window-wide (they work from any control, the text field included)."""
    made = []
    for keys, step in ((NEXT_KEYS, 1), (PREVIOUS_KEYS, -1)):
        for key in keys:
            shortcut = QShortcut(QKeySequence(key), window)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda s=step: move_focus(window, s))
            made.append(shortcut)
    return made
