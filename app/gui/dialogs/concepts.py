"""The Concepts panel: the network's concept units, their automatic names, and for a chosen
unit the photos, sounds and notes of the library that activate it most."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.widgets.results import KIND_WORDS
from core.tagging.concepts import no_cross_kind_units

UnitRole = Qt.ItemDataRole.UserRole + 20


def unit_label(view: Any) -> str:
    kinds = "photos, sounds and notes" if view.cross_kind else "one kind mostly"
    return f"Unit {view.unit}: {view.name} ({kinds})"


def unit_results(view: Any) -> list[Any]:
    """The unit's top items as search results (score: the unit's activation), best first."""
    from core.search import SearchResult

    items = [i for kind_items in view.top.values() for i in kind_items]
    items.sort(key=lambda i: -i.activation)
    return [SearchResult(i.item_id, Path(i.path), i.kind, float(i.activation), None, ())
            for i in items]


class ConceptsDialog(QDialog):
    """Emits ``show_results(label, results)`` to open a unit's items in the results grid."""

    show_results = Signal(str, list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Concepts")
        self.status = QLabel("Finding the concept units\u2026", self)
        self.status.setAccessibleName("Concepts status")
        self.units = QListWidget(self)
        self.units.setAccessibleName("Concept units")
        self.units.setAccessibleDescription(
            "Units of the network with their automatic names; cross-kind units first")
        self.items = QListWidget(self)
        self.items.setAccessibleName("Items that activate the unit")
        self.show_button = QPushButton("&Show in results", self)
        self.show_button.setAccessibleName("Show in results")
        self.show_button.setAccessibleDescription(
            "Show the items that activate this unit in the results, to open or play them")
        self.all_button = QPushButton("List &all units", self)
        self.all_button.setAccessibleName("List all units")
        self.all_button.setAccessibleDescription(
            "List the units that fire for one kind only too; their names are guesses")
        self.all_button.clicked.connect(lambda: self.set_units(self._views, everything=True))
        self.all_button.hide()
        self._views: list[Any] = []
        self.close_button = QPushButton("&Close", self)
        self.close_button.setAccessibleName("Close")
        self.units.currentItemChanged.connect(self._unit_changed)
        self.units.itemActivated.connect(lambda _i: self._show())
        self.show_button.clicked.connect(self._show)
        self.close_button.clicked.connect(self.accept)
        panes = QHBoxLayout()
        panes.addWidget(self.units, 1)
        panes.addWidget(self.items, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.all_button)
        buttons.addStretch(1)
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(panes, 1)
        layout.addLayout(buttons)
        self.resize(820, 460)

    def set_units(self, views: list[Any], everything: bool = False) -> None:
        """Lists the cross-kind units (``everything``: all units); when the network has
        none, says so plainly and lists nothing until asked ("List all units"): single-kind
        units with automatic names would be noise."""
        self.units.clear()
        self._views = list(views)
        cross = list(views) if everything else [v for v in views if v.cross_kind]
        self.all_button.setVisible(not everything and len(cross) < len(views))
        if not cross:
            self.status.setText(no_cross_kind_units(len(views)))
            self.status.setWordWrap(True)
            self.status.setAccessibleName(self.status.text())
            self.show_button.setEnabled(False)
            return
        for view in cross:
            item = QListWidgetItem(unit_label(view))
            item.setData(UnitRole, view)
            names = ", ".join(f"{n} ({s:.2f})" for n, s in view.names)
            item.setToolTip(f"Names: {names}\nagreement across kinds {view.agreement:.2f}")
            self.units.addItem(item)
        n_cross = sum(1 for v in views if v.cross_kind)
        self.status.setText(f"{n_cross} of the network's {len(views)} units fire for the same "
                            "concept in photos, sounds and notes" + (
                                "; all units are listed, cross-kind ones first." if everything
                                else "; the others are not listed."))
        self.status.setAccessibleName(self.status.text())
        self.units.setCurrentRow(0)

    def failed(self, exc: Exception) -> None:
        self.status.setText(f"Concepts are not available: {exc}")

    def _unit_changed(self, current: QListWidgetItem | None, _previous: Any) -> None:
        self.items.clear()
        if current is None:
            return
        view = current.data(UnitRole)
        for kind, items in view.top.items():
            for i in items:
                self.items.addItem(f"{Path(i.path).name} \u2014 "
                                   f"{KIND_WORDS.get(kind, kind)}, {i.activation:.2f}")
        self.show_button.setEnabled(self.items.count() > 0)
        self.items.setAccessibleDescription(
            "" if self.items.count() else "No item of the library activates this unit")

    def _show(self) -> None:
        current = self.units.currentItem()
        if current is not None:
            view = current.data(UnitRole)
            self.show_results.emit(f"concept unit {view.unit} \u201c{view.name}\u201d",
                                   unit_results(view))
