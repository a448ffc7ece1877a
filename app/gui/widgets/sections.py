"""The results of a search side by side by kind: a section each for Photos, Sounds, Notes
and Videos, each ranked by its own kind's relevance (``Library.search_groups``), with its
count, a notice when no item of the kind matches well (its closest 3 still shown, marked
weak), its own "More" (the next page of that kind), and a header that folds it.

A screen reader hears each section as a named group ("Sounds, 8 results, 2 good"); Tab
walks the sections in order, Ctrl+Down / Ctrl+Up (and F6, pane by pane) jump from one
section to the next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.services.thumbnails import Thumbnails
from app.gui.widgets import accessible  # noqa: F401  (a section is heard as a named group)
from app.gui.widgets.results import ResultRole, ResultsModel
from app.gui.widgets.results_view import ResultsView

KINDS = ("image", "sound", "note", "video")
SECTION_NAMES = {"image": "Photos", "sound": "Sounds", "note": "Notes", "video": "Videos"}
ONE = {"image": "photo", "sound": "sound", "note": "note", "video": "video"}
CLOSEST = 3  # results shown of a kind with no good match


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def section_name(kind: str, shown: int, good: int, listing: bool = False) -> str:
    """What a screen reader says of a section: "Sounds, 8 results, 2 good"."""
    if listing:
        return f"{SECTION_NAMES[kind]}, {_plural(shown, 'item', 'items')}"
    return f"{SECTION_NAMES[kind]}, {_plural(shown, 'result', 'results')}, {good} good"


def weak_notice(kind: str, what: str) -> str:
    """ "No sound matches “dog” well; closest:"."""
    return f"No {ONE[kind]} matches {what} well; closest:"


def initially_shown(results: list[Any]) -> list[Any]:
    """The results a section lists before "More": its good matches, or, when none is
    good, its closest few (marked weak)."""
    good = [r for r in results if getattr(r, "good", True)]
    return good if good else results[:CLOSEST]


class SectionView(ResultsView):
    """A section's grid: as tall as its rows (the sections scroll together, not each)."""

    def __init__(self, model: ResultsModel, thumbnail_size: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(model, thumbnail_size, parent)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        model.modelReset.connect(self.fit)
        model.rowsInserted.connect(self.fit)

    def fit(self, *_: Any) -> None:
        grid = self.gridSize()
        per_row = max(1, (self.viewport().width() or self.width()) // max(1, grid.width()))
        rows = max(1, -(-self.model().rowCount() // per_row))
        self.setFixedHeight(rows * grid.height() + 2 * self.frameWidth() + 4)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit()

    def set_thumbnail_size(self, size: int) -> None:
        super().set_thumbnail_size(size)
        if self.model() is not None:
            self.fit()


class KindSection(QFrame):
    """One kind's section: header (folds it), notice, grid, "More"."""

    more_requested = Signal(str, int)  # kind, offset: the next page of the kind

    def __init__(self, kind: str, thumbnails: Thumbnails, size: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.header = QToolButton(self)
        self.header.setCheckable(True)
        self.header.setChecked(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setArrowType(Qt.ArrowType.DownArrow)
        self.header.setAccessibleName(SECTION_NAMES[kind])
        self.setAccessibleName(SECTION_NAMES[kind])
        self.header.setAccessibleDescription("Fold or unfold this section")
        self.header.toggled.connect(self.set_unfolded)
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.model = ResultsModel(thumbnails, self)
        self.view = SectionView(self.model, size, self)
        self.view.setAccessibleName(SECTION_NAMES[kind])
        self.more_button = QPushButton(f"More {SECTION_NAMES[kind].lower()}", self)
        self.more_button.setAccessibleName(f"More {SECTION_NAMES[kind].lower()}")
        self.more_button.setAccessibleDescription(f"Show the next {ONE[kind]}s")
        self.more_button.clicked.connect(self.show_more)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        for part in (self.header, self.notice, self.view, self.more_button):
            layout.addWidget(part)
        self._held: list[Any] = []
        self._more = False
        self._listing = False

    def set_group(self, group: Any, what: str) -> None:
        """A new search's page of this kind (a ``KindGroup``); ``what`` the query in words."""
        self._held = list(group.results)
        self._more = bool(group.more)
        self._listing = bool(self._held) and all(r.found_by == "filter" for r in self._held)
        self.notice.setText(weak_notice(self.kind, what) if group.weak_only else "")
        self.notice.setVisible(bool(group.weak_only) and self.header.isChecked())
        self.model.set_results(initially_shown(self._held))
        self._update()

    def add_page(self, group: Any) -> None:
        """The next page of this kind, listed at the end."""
        seen = {int(r.item_id) for r in self._held}
        new = [r for r in group.results if int(r.item_id) not in seen]
        self._held.extend(new)
        self._more = bool(group.more)
        self.model.append_results(new)
        self._update()

    def show_more(self) -> None:
        """The weaker results already found, else the next page from the library."""
        shown = self.model.rowCount()
        if shown < len(self._held):
            self.model.append_results(self._held[shown:])
            self._update()
        elif self._more:
            self.more_requested.emit(self.kind, len(self._held))

    def set_unfolded(self, unfolded: bool) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if unfolded else Qt.ArrowType.RightArrow)
        self.view.setVisible(unfolded)
        self.notice.setVisible(unfolded and bool(self.notice.text()))
        self.more_button.setVisible(unfolded and self.has_more)

    @property
    def has_more(self) -> bool:
        return self.model.rowCount() < len(self._held) or self._more

    @property
    def good(self) -> int:
        return sum(1 for r in self.model.results() if getattr(r, "good", True))

    def _update(self) -> None:
        name = section_name(self.kind, self.model.rowCount(), self.good, self._listing)
        self.header.setText(name.replace(", ", " \u2014 ", 1))
        self.header.setAccessibleName(name)
        self.setAccessibleName(name)
        self.more_button.setVisible(self.header.isChecked() and self.has_more)
        QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.NameChanged))


class ResultsSections(QScrollArea):
    """Every kind's section, in the order Photos, Sounds, Notes, Videos; a kind without
    results has no section on screen. ``current_changed(result)``: the current result of
    the section last moved in; ``activated(result)``: Enter or a double click on one."""

    current_changed = Signal(object)
    activated = Signal(object)
    more_requested = Signal(str, int)

    def __init__(self, thumbnails: Thumbnails, size: int,
                 delegate: Callable[[KindSection], Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setAccessibleName("Results by kind")
        inner = QWidget(self)
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(0, 0, 0, 0)
        self.sections: dict[str, KindSection] = {}
        for kind in KINDS:
            section = KindSection(kind, thumbnails, size, inner)
            if delegate is not None:
                section.view.setItemDelegate(delegate(section))
            section.more_requested.connect(self.more_requested)
            section.view.selectionModel().currentChanged.connect(
                lambda current, _previous, s=section: self._current(s, current))
            section.view.activated.connect(
                lambda index: self.activated.emit(index.data(ResultRole)))
            section.hide()
            layout.addWidget(section)
            self.sections[kind] = section
        layout.addStretch(1)
        self.setWidget(inner)
        self.current_section: KindSection | None = None
        self.shortcuts = []
        for key, step in (("Ctrl+Down", 1), ("Ctrl+Up", -1)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda s=step: self.move(s))
            self.shortcuts.append(shortcut)

    def set_groups(self, groups: list[Any], what: str) -> None:
        """A new search's groups: a section for each with results, the first one current."""
        self.current_section = None
        for section in self.sections.values():
            section.hide()
        for group in groups:
            section = self.sections[group.kind]
            section.set_group(group, what)
            section.setVisible(bool(group.results))
        first = next(iter(self.visible()), None)
        if first is not None:
            first.view.setCurrentIndex(first.model.index(0))
        self.verticalScrollBar().setValue(0)

    def add_page(self, group: Any) -> None:
        self.sections[group.kind].add_page(group)

    def visible(self) -> list[KindSection]:
        return [s for s in self.sections.values() if not s.isHidden()]

    def results(self) -> list[Any]:
        """Every result listed, section by section."""
        return [r for s in self.visible() for r in s.model.results()]

    def set_thumbnail_size(self, size: int) -> None:
        for section in self.sections.values():
            section.view.set_thumbnail_size(size)
            section.model.set_results(section.model.results())

    def set_tags(self, tags: dict[int, tuple[str, ...]]) -> None:
        for section in self.sections.values():
            section.model.set_tags(tags)

    def move(self, step: int) -> KindSection | None:
        """Focus the next (1) or previous (-1) section's grid, unfolding it; returns it."""
        shown = self.visible()
        if not shown:
            return None
        focus = QApplication.focusWidget()
        here = next((i for i, s in enumerate(shown)
                     if focus is not None and (focus is s or s.isAncestorOf(focus))), -1)
        target = shown[(here + step) % len(shown)] if here >= 0 else shown[0 if step > 0 else -1]
        self.focus_section(target)
        return target

    def focus_section(self, section: KindSection) -> None:
        section.header.setChecked(True)
        if not section.view.currentIndex().isValid() and section.model.rowCount():
            section.view.setCurrentIndex(section.model.index(0))
        section.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.ensureWidgetVisible(section.header)
        self._current(section, section.view.currentIndex())

    def _current(self, section: KindSection, current: QModelIndex) -> None:
        if section.isHidden():
            return
        self.current_section = section
        self.current_changed.emit(current.data(ResultRole) if current.isValid() else None)
