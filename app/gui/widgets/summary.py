"""The line above the results: how many good matches a search found, and the weaker ones
below the relevance cut-off, hidden until the user asks for them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

NO_MATCH_HINT = ("Try other words, a longer description (\u201ca dog barking\u201d rather than "
                 "\u201cdog\u201d), or turn on more kinds.")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary_text(what: str, results: list[Any], showing_all: bool, words: bool = True) -> str:
    """What the summary line says for ``results`` of a search for ``what`` (``words``: a
    search by words, which gets a hint on what to try when nothing matches well)."""
    good = sum(1 for r in results if getattr(r, "good", True))
    weaker = len(results) - good
    if not results:
        return f"No results for {what}. Is the library indexed? Add a folder to start."
    if weaker == 0:
        return f"{_plural(good, 'result', 'results')} for {what}"
    state = "shown" if showing_all else "hidden"
    if good == 0:
        said = f"No good match ({_plural(weaker, 'weaker result', 'weaker results')} {state}) "
        return f"{said}for {what}" + (f". {NO_MATCH_HINT}" if words else "")
    return f"{_plural(good, 'good match', 'good matches')} ({weaker} weaker {state}) for {what}"


class ResultsSummary(QWidget):
    """A label (read by screen readers when it changes) and a button that shows or hides
    the results below the cut-off. ``shown(results)`` is what the grid should list."""

    toggled = Signal()

    def __init__(self, welcome: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(welcome, self)
        self.label.setWordWrap(True)
        self.label.setAccessibleName("Results summary")
        self.button = QPushButton(self)
        self.button.setAccessibleName("Show weaker results")
        self.button.setAccessibleDescription(
            "Show or hide the results below the good-match cut-off")
        self.button.clicked.connect(self._toggle)
        self.button.hide()
        self.showing_all = False
        self._results: list[Any] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)

    def set_results(self, what: str, results: list[Any], words: bool = True) -> list[Any]:
        """Remember a new search's results (``words``: a search by words); returns those to
        list (the good matches, or all when the user asked for the weaker ones)."""
        self._results = list(results)
        self.showing_all = False
        self._what, self._words = what, words
        self._update()
        return self.shown()

    def shown(self) -> list[Any]:
        if self.showing_all:
            return list(self._results)
        return [r for r in self._results if getattr(r, "good", True)]

    def announce(self, text: str) -> None:
        """Any other message on the line (searching..., errors), read by screen readers."""
        self.button.hide()
        self._set_label(text)

    def _toggle(self) -> None:
        self.showing_all = not self.showing_all
        self._update()
        self.toggled.emit()

    def _update(self) -> None:
        weaker = sum(1 for r in self._results if not getattr(r, "good", True))
        self.button.setVisible(weaker > 0)
        self.button.setText(f"Hide {weaker} weaker" if self.showing_all
                            else f"Show {weaker} weaker")
        self.button.setAccessibleName("Hide weaker results" if self.showing_all
                                      else "Show weaker results")
        self._set_label(summary_text(self._what, self._results, self.showing_all, self._words))

    def _set_label(self, text: str) -> None:
        self.label.setText(text)
        self.label.setAccessibleName(text)
        QAccessible.updateAccessibility(
            QAccessibleEvent(self.label, QAccessible.Event.NameChanged))
