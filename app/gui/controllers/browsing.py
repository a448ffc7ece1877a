"""Browsing for the window: fills the browse panel (folders, timeline, tags) from the
library, turns a chosen entry into a search of its filter, keeps the chosen sort, pages a
listing in from SQLite as the grid scrolls to its end, runs the tag browser's actions, and
shows the selected item's details under the preview. All library calls run on the
library's worker thread (``LibraryService.call``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.gui.controllers.results import ResultsController
from app.gui.controllers.searching import SearchController
from app.gui.services.library import ALL_KINDS, LibraryService, SearchRequest
from app.gui.widgets.browse import BrowsePanel
from app.gui.widgets.details import DetailsLabel


def kind_filter(kinds: frozenset[str]) -> str:
    """The query-language filter of the kind toggles ("" when all are on)."""
    return "" if kinds >= ALL_KINDS else " kind:" + ",".join(sorted(kinds))


class Browsing(QObject):
    """Owns the browse panel's content and the listing's pages. ``filter_typed(text)``: a
    filter to put in the search field and run; ``message(text)``: for the status bar."""

    filter_typed = Signal(str)
    message = Signal(str)

    def __init__(self, panel: BrowsePanel, service: LibraryService, searches: SearchController,
                 results: ResultsController, details: DetailsLabel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self.service = service
        self.searches = searches
        self.results = results
        self.model = results.model
        self.details = details
        self._details_of: int | None = None  # the item whose details are being read
        self.panel.filter_chosen.connect(self.show_filter)
        self.panel.sort_changed.connect(self.sort_changed)
        self.panel.accept_tag.connect(self.accept_tag)
        self.panel.rename_tag.connect(self.rename_tag)
        self.service.opened.connect(self.refresh)
        results.listing_shown.connect(self._grid_replaced)
        results.current_changed.connect(self.show_details)

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
        self.filter_typed.emit(filter_text)

    # -- order and pages -------------------------------------------------------------------
    def sort_changed(self, sort: str) -> None:
        self.searches.sort = sort
        current = self.searches.current
        if current is not None and current.item_id != -1:
            self.searches.search(replace(current, sort=sort))

    def _grid_replaced(self) -> None:
        """New results in the grid: when they are a listing of filters alone that filled
        its page, more can be paged in."""
        self.details.show_details(None)
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
            self.message.emit(f"{message} on {n} items")
            self.refresh_tags()
            current = self.searches.current
            if current is not None and current.item_id != -1:
                self.searches.search(current)

        def failed(exc: Exception) -> None:
            self.message.emit(f"Could not change the tag: {exc}")

        self.service.call(work, done, failed)

    # -- details of the selected item -------------------------------------------------------
    def show_details(self, result: Any) -> None:
        """Read the details of the result now previewed (None: none is)."""
        self.details.show_details(None)
        self._details_of = None if result is None else int(result.item_id)
        if result is None or not self.service.is_open:
            return
        item_id = int(result.item_id)

        def done(details: Any) -> None:
            if self._details_of == item_id:  # still the one previewed
                self.details.show_details(details)

        self.service.call(lambda lib, task: lib.details(item_id), done)
