"""What the window shows of a search: the summary line, and either one list (a listing of
filters, items shown by another part, or every kind merged) or a section per kind
(``widgets/sections.py``). It owns the models and views of both, knows the current and
the selected results, and says so through signals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Signal
from PySide6.QtWidgets import QAbstractItemView, QStackedWidget, QVBoxLayout, QWidget

from app.gui.services.thumbnails import Thumbnails
from app.gui.widgets.results import ResultRole, ResultsModel
from app.gui.widgets.results_view import ResultsView
from app.gui.widgets.sections import SECTION_NAMES, ResultsSections
from app.gui.widgets.summary import NO_MATCH_HINT, ResultsSummary
from app.gui.widgets.tile import TileDelegate


def groups_summary(what: str, groups: list[Any], words: bool = True) -> str:
    """The summary line of a search answered kind by kind: "Results for “dog”: Photos 2
    good, Sounds no good match (closest 3 shown), Notes 1 good"."""
    held = [g for g in groups if g.results]
    if not held:
        return f"No results for {what}. Is the library indexed? Add a folder to start."
    parts = []
    for g in held:
        name = SECTION_NAMES.get(g.kind, g.kind)
        parts.append(f"{name} no good match" if g.weak_only else f"{name} {g.good} good")
    said = f"Results for {what}: {', '.join(parts)}"
    if words and all(g.weak_only for g in held):
        said += f". {NO_MATCH_HINT}"
    return said


class ResultsController(QObject):
    """``current_changed(result | None)``: the result to preview; ``activated(result)``:
    Enter or a double click; ``play_clicked(result)``: a tile's play button (the result
    is current by then); ``more_requested(kind, offset)``: a section's next page;
    ``listing_shown()``: the one list was replaced."""

    current_changed = Signal(object)
    activated = Signal(object)
    play_clicked = Signal(object)
    more_requested = Signal(str, int)
    listing_shown = Signal()

    def __init__(self, thumbnails: Thumbnails, size: int, welcome: str,
                 is_playing: Callable[[str], bool], parent: QWidget) -> None:
        super().__init__(parent)
        self.widget = QWidget(parent)
        self.summary = ResultsSummary(welcome, self.widget)
        self.model = ResultsModel(thumbnails, self)
        self.view = ResultsView(self.model, size, self.widget)
        self.view.setItemDelegate(TileDelegate(
            is_playing, lambda row: self._play(self.view, row), self.view))
        self.sections = ResultsSections(
            thumbnails, size, lambda s: TileDelegate(
                is_playing, lambda row: self._play(s.view, row), s.view), self.widget)
        self.stack = QStackedWidget(self.widget)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.sections)
        layout = QVBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.stack, 1)
        self.summary.toggled.connect(lambda: self.model.set_results(self.summary.shown()))
        self.view.selectionModel().currentChanged.connect(self._flat_current)
        self.view.activated.connect(lambda index: self.activated.emit(index.data(ResultRole)))
        self.model.modelReset.connect(self.listing_shown)
        self.sections.current_changed.connect(self.current_changed)
        self.sections.activated.connect(self.activated)
        self.sections.more_requested.connect(self.more_requested)

    # -- what is shown ----------------------------------------------------------------------
    @property
    def by_kind(self) -> bool:
        """Whether the sections are on screen (else the one list)."""
        return self.stack.currentWidget() is self.sections

    def show_results(self, what: str, results: list[Any], words: bool = True) -> None:
        """One list: the good matches (the weaker behind the summary's button)."""
        self.stack.setCurrentWidget(self.view)
        self.model.set_results(self.summary.set_results(what, results, words=words))
        if self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0))

    def show_groups(self, what: str, groups: list[Any], words: bool = True) -> None:
        """A section per kind with results, the first result of the first one current."""
        self.stack.setCurrentWidget(self.sections)
        self.model.set_results([])
        self.summary.announce(groups_summary(what, groups, words))
        self.sections.set_groups(groups, what)
        if not self.sections.visible():
            self.current_changed.emit(None)

    def add_page(self, group: Any) -> None:
        self.sections.add_page(group)

    def clear(self, text: str) -> None:
        self.stack.setCurrentWidget(self.view)
        self.model.set_results([])
        self.summary.announce(text)

    def announce(self, text: str) -> None:
        self.summary.announce(text)

    def results(self) -> list[Any]:
        """Every result on screen, in screen order."""
        return self.sections.results() if self.by_kind else self.model.results()

    # -- the current and the selected results ------------------------------------------------
    def active_view(self) -> QAbstractItemView:
        """The grid the person last moved in: the one list, or a section's."""
        section = self.sections.current_section
        return section.view if self.by_kind and section is not None else self.view

    def selected(self) -> Any:
        index = self.active_view().currentIndex()
        return index.data(ResultRole) if index.isValid() else None

    def selected_results(self) -> list[Any]:
        """The selected results of the active grid (the current one when none is)."""
        view = self.active_view()
        rows = sorted({i.row() for i in view.selectionModel().selectedIndexes()})
        if not rows and view.currentIndex().isValid():
            rows = [view.currentIndex().row()]
        return [view.model().index(r).data(ResultRole) for r in rows]

    def set_tags(self, tags: dict[int, tuple[str, ...]]) -> None:
        """New accepted tags of shown items (after tags were written)."""
        self.model.set_tags(tags)
        self.sections.set_tags(tags)

    def set_thumbnail_size(self, size: int) -> None:
        self.view.set_thumbnail_size(size)
        self.model.set_results(self.model.results())  # redraw the tiles at the new size
        self.sections.set_thumbnail_size(size)

    def add_view_action(self, action: Any) -> None:
        """An action with a widget shortcut (Space: play) on every grid."""
        self.view.addAction(action)
        for section in self.sections.sections.values():
            section.view.addAction(action)

    def focus_order(self) -> list[QWidget]:
        """The results' controls in Tab order: the summary's button, the one list, then
        each section's header, grid and "More" (hidden ones are skipped by Qt)."""
        order: list[QWidget] = [self.summary.button, self.view]
        for s in self.sections.sections.values():
            order += [s.header, s.view, s.more_button]
        return order

    def repaint_tiles(self) -> None:
        """Redraw the tiles (a sound started or stopped: its button changes)."""
        self.view.viewport().update()
        for s in self.sections.visible():
            s.view.viewport().update()

    def panes(self) -> list[tuple[QWidget, str]]:
        """The results as panes for F6: the one list, or each section on screen."""
        if not self.by_kind:
            return [(self.view, "Results")]
        return [(s.view, SECTION_NAMES[s.kind]) for s in self.sections.visible()]

    def _flat_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self.by_kind:
            self.current_changed.emit(current.data(ResultRole) if current.isValid() else None)

    def _play(self, view: ResultsView, row: int) -> None:
        index = view.model().index(row)
        if view.currentIndex() != index:
            view.setCurrentIndex(index)
        self.play_clicked.emit(index.data(ResultRole))
