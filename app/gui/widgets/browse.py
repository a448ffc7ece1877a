"""Browsing without typing: the library by folder, by month (a timeline) and by tag (with
counts, and accept / rename / merge), and the order of the results.

Choosing an entry asks for the query-language filter that shows it (``folder:"..."``,
``date:2023-04``, ``tag:"beach"``): the window puts it in the search field and runs it, so
what the grid shows is always what the field says, and words can be added to it."""

from __future__ import annotations

import calendar
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

SORTS = (("relevance", "Best match"), ("date", "Newest first"), ("date-oldest", "Oldest first"),
         ("name", "Name"))
FilterRole = Qt.ItemDataRole.UserRole + 10


def quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


def _tree(name: str, description: str, parent: QWidget) -> QTreeWidget:
    tree = QTreeWidget(parent)
    tree.setHeaderHidden(True)
    tree.setAccessibleName(name)
    tree.setAccessibleDescription(description)
    tree.setUniformRowHeights(True)
    return tree


def _entry(text: str, count: int, filter_text: str) -> QTreeWidgetItem:
    item = QTreeWidgetItem([f"{text} ({count})"])
    item.setData(0, FilterRole, filter_text)
    item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{text}, {count} items")
    return item


class BrowsePanel(QWidget):
    """Emits ``filter_chosen(filter text, label)`` when an entry is activated or selected,
    ``sort_changed(sort)``, and the tag actions ``accept_tag(name)``, ``rename_tag(old,
    new)`` (a new name that exists already merges the two)."""

    filter_chosen = Signal(str, str)
    sort_changed = Signal(str)
    accept_tag = Signal(str)
    rename_tag = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Browse")
        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Browse by")
        self.folders = _tree("Folders", "The library's folders; choose one to see its items",
                             self)
        self.dates = _tree("Timeline", "Years and months; choose one to see its items", self)
        self.tags = _tree("Tags", "Tags with the number of items; choose one to see them",
                          self)
        self.tabs.addTab(self.folders, "&Folders")
        self.tabs.addTab(self.dates, "&Dates")
        tag_page = QWidget(self)
        self.accept_button = self._button("Accept all", "Accept every proposal of this tag",
                                          tag_page)
        self.rename_button = self._button("Rename or merge\u2026",
                                          "Rename this tag everywhere; an existing name merges "
                                          "the two", tag_page)
        buttons = QHBoxLayout()
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.rename_button)
        tag_layout = QVBoxLayout(tag_page)
        tag_layout.setContentsMargins(0, 0, 0, 0)
        tag_layout.addWidget(self.tags, 1)
        tag_layout.addLayout(buttons)
        self.tabs.addTab(tag_page, "Ta&gs")
        self.sort = QComboBox(self)
        self.sort.setAccessibleName("Sort results")
        for key, label in SORTS:
            self.sort.addItem(label, key)
        sort_label = QLabel("S&ort:", self)
        sort_label.setBuddy(self.sort)
        row = QHBoxLayout()
        row.addWidget(sort_label)
        row.addWidget(self.sort, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.tabs, 1)
        for tree in (self.folders, self.dates, self.tags):
            tree.itemActivated.connect(self._chosen)
            tree.itemClicked.connect(self._chosen)
        self.sort.currentIndexChanged.connect(lambda _i: self.sort_changed.emit(self.sort_key()))
        self.accept_button.clicked.connect(self._accept)
        self.rename_button.clicked.connect(self._rename)

    def _button(self, text: str, description: str, parent: QWidget) -> QPushButton:
        button = QPushButton(text, parent)
        button.setAccessibleName(text.rstrip("\u2026"))
        button.setAccessibleDescription(description)
        return button

    def focus_list(self) -> None:
        """Keyboard focus to the list of the tab shown (Ctrl+B)."""
        trees = (self.folders, self.dates, self.tags)
        trees[max(0, self.tabs.currentIndex())].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def sort_key(self) -> str:
        return str(self.sort.currentData())

    def _chosen(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        text = item.data(0, FilterRole)
        if text:
            self.filter_chosen.emit(str(text), item.text(0).rsplit(" (", 1)[0])

    # -- content -------------------------------------------------------------------------
    def set_folders(self, roots: list[str], counts: list[tuple[str, int]]) -> None:
        """A tree under each library folder (``roots``) from (folder, items directly in
        it); each folder shows the items in and below it."""
        self.folders.clear()
        totals: dict[str, int] = {}
        for folder, n in counts:
            root = next((r for r in roots if folder == r
                         or folder.startswith(r.rstrip(os.sep) + os.sep)), None)
            d = folder
            while root is not None:
                totals[d] = totals.get(d, 0) + n
                if d == root:
                    break
                d = os.path.dirname(d)
        nodes: dict[str, QTreeWidgetItem] = {}
        for folder in sorted(totals, key=lambda f: f.split(os.sep)):
            parent = nodes.get(os.path.dirname(folder)) if folder not in roots else None
            name = folder if parent is None else os.path.basename(folder)
            item = _entry(name, totals[folder], f"folder:{quoted(folder)}")
            if parent is None:
                self.folders.addTopLevelItem(item)
            else:
                parent.addChild(item)
            nodes[folder] = item
        self.folders.expandToDepth(0)

    def set_months(self, months: list[tuple[str, int]]) -> None:
        """("YYYY-MM", items), newest first: years holding their months."""
        self.dates.clear()
        years: dict[str, QTreeWidgetItem] = {}
        per_year: dict[str, int] = {}
        for month, n in months:
            per_year[month[:4]] = per_year.get(month[:4], 0) + n
        for month, n in months:
            year = month[:4]
            if year not in years:
                years[year] = _entry(year, per_year[year], year)
                self.dates.addTopLevelItem(years[year])
            label = f"{calendar.month_name[int(month[5:7])]} {year}"
            years[year].addChild(_entry(label, n, f"date:{month}"))
        self.dates.expandToDepth(0)

    def set_tags(self, counts: list[tuple[str, int, int]]) -> None:
        """(name, accepted, proposed) of each tag."""
        self.tags.clear()
        for name, accepted, proposed in counts:
            item = _entry(name, accepted, f"tag:{quoted(name)}")
            if proposed:
                item.setText(0, f"{name} ({accepted}, {proposed} proposed)")
                item.setData(0, Qt.ItemDataRole.AccessibleTextRole,
                             f"{name}, {accepted} items, {proposed} more proposed")
            item.setData(0, Qt.ItemDataRole.UserRole, name)
            self.tags.addTopLevelItem(item)

    def current_tag(self) -> str | None:
        item = self.tags.currentItem()
        return None if item is None else item.data(0, Qt.ItemDataRole.UserRole)

    def _accept(self) -> None:
        if (name := self.current_tag()) is not None:
            self.accept_tag.emit(name)

    def _rename(self) -> None:
        name = self.current_tag()
        if name is None:
            return
        new, ok = QInputDialog.getText(self, "Rename or merge tag",
                                       f"New name for \u201c{name}\u201d (an existing tag's "
                                       "name merges the two):", text=name)
        if ok and new.strip() and new.strip() != name:
            self.rename_tag.emit(name, new.strip())
