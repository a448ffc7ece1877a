"""Browsing for the window: fills the browse panel (folders, timeline, tags) from the
library, turns a chosen entry into a search of its filter, keeps the chosen sort, pages a
listing in from SQLite as the grid scrolls to its end, runs the tag browser's actions, and
shows the selected item's details under the preview. All library calls run on the
library's worker thread (``LibraryService.call``)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject

from app.gui.services.library import ALL_KINDS, SearchRequest
from app.gui.widgets.browse import BrowsePanel
from app.gui.widgets.results import ResultRole

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow


def kind_filter(kinds: frozenset[str]) -> str:
    """The query-language filter of the kind toggles ("" when all are on)."""
    return "" if kinds >= ALL_KINDS else " kind:" + ",".join(sorted(kinds))


class Browsing(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.panel = window.browse = BrowsePanel(window)
        self.service = window.service
        self.searches = window.searches
        self.model = window.results_model
        self.searches.filter_source = window.search_bar.text  # filters of example searches
        self.panel.filter_chosen.connect(self.show_filter)
        self.panel.sort_changed.connect(self.sort_changed)
        self.panel.accept_tag.connect(self.accept_tag)
        self.panel.rename_tag.connect(self.rename_tag)
        self.service.opened.connect(self.refresh)
        window.index_panel.finished.connect(lambda *_: self.refresh())
        window.tagging.changed.connect(lambda *_: self.refresh_tags())
        self.model.modelReset.connect(self._grid_replaced)
        window.view.selectionModel().currentChanged.connect(self._current_changed)

    # -- the panel's lists ---------------------------------------------------------------
    def refresh(self) -> None:
        if not self.service.is_open:
            return
        self.service.call(lambda lib, task: ([str(p) for p in lib.folders()], lib.folder_counts()),
                          lambda found: self.panel.set_folders(*found))
        self.service.call(lambda lib, task: lib.timeline(), self.panel.set_months)
        self.refresh_tags()

    def refresh_tags(self) -> None:
        if self.service.is_open:
            self.service.call(lambda lib, task: lib.tag_counts(), self.panel.set_tags)

    def show_filter(self, filter_text: str, label: str) -> None:
        """Show the items of a folder, a month or a tag: the filter goes in the search
        field and runs (words typed after it narrow it down)."""
        bar = self.window.search_bar
        bar.field.setText(filter_text)
        bar.search_now()

    # -- order and pages -------------------------------------------------------------------
    def sort_changed(self, sort: str) -> None:
        self.searches.sort = sort
        current = self.searches.current
        if current is not None and current.item_id != -1:
            self.searches.search(replace(current, sort=sort))

    def _grid_replaced(self) -> None:
        """New results in the grid: when they are a listing of filters alone that filled
        its page, more can be paged in."""
        self.window.preview.details.show_details(None)
        request, results = self.searches.current, self.model.results()
        listing = bool(results) and all(r.found_by == "filter" for r in results)
        if (listing and request is not None and request.text
                and len(results) >= self.searches.k):
            self._offer_page(request)

    def _offer_page(self, request: SearchRequest) -> None:
        generation = self.searches.generation
        filters = request.text + kind_filter(request.kinds)
        k, sort = self.searches.k, request.sort

        def more() -> None:
            offset = self.model.rowCount()

            def done(page: list[Any]) -> None:
                if generation != self.searches.generation:
                    return  # another search replaced the grid meanwhile
                self.model.append_results(page)
                if len(page) >= k:
                    self._offer_page(request)

            self.service.call(lambda lib, task: lib.browse(filters, k, offset, sort), done)

        self.model.set_more(more)

    # -- tags -------------------------------------------------------------------------------
    def accept_tag(self, name: str) -> None:
        self._tag_call(lambda lib, task: lib.accept_tag(name), f"Accepted \u201c{name}\u201d")

    def rename_tag(self, old: str, new: str) -> None:
        self._tag_call(lambda lib, task: lib.rename_tag(old, new),
                       f"Renamed \u201c{old}\u201d to \u201c{new}\u201d")

    def _tag_call(self, work: Any, message: str) -> None:
        def done(n: int) -> None:
            self.window.statusBar().showMessage(f"{message} on {n} items", 8000)
            self.refresh_tags()
            current = self.searches.current
            if current is not None and current.item_id != -1:
                self.searches.search(current)

        def failed(exc: Exception) -> None:
            self.window.statusBar().showMessage(f"Could not change the tag: {exc}", 10000)

        self.service.call(work, done, failed)

    # -- details of the selected item -------------------------------------------------------
    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        result = current.data(ResultRole) if current.isValid() else None
        label = self.window.preview.details
        label.show_details(None)
        if result is None or not self.service.is_open:
            return
        item_id = int(result.item_id)

        def done(details: Any) -> None:
            shown = self.window.preview.result
            if shown is not None and int(shown.item_id) == item_id:
                label.show_details(details)

        self.service.call(lambda lib, task: lib.details(item_id), done)
