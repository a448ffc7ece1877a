"""Review proposed tags before they count: accept or reject each (or all checked)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.services.tagging import Proposal, TaggingService
from app.gui.widgets.results import KIND_WORDS

ProposalRole = Qt.ItemDataRole.UserRole + 10


class ReviewDialog(QDialog):
    """Lists proposals, most confident first, each with its thumbnail and a check box;
    Accept/Reject act on the checked rows. ``retry`` (a label and an action) adds a button,
    e.g. to auto-tag again at a lower threshold when too little was proposed."""

    decided = Signal(int)  # how many proposals were decided

    def __init__(self, tagging: TaggingService, title: str, proposals: list[Proposal],
                 parent: QWidget | None = None, thumbnails: Any = None,
                 retry: tuple[str, Callable[[], None]] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.tagging = tagging
        self.thumbnails = thumbnails
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary")
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Proposed tags")
        self.tree.setAccessibleDescription(
            "One proposed tag per row; Space checks a row, then accept or reject the checked")
        self.tree.setHeaderLabels(["File", "Kind", "Tag", "Score", "From"])
        self.tree.setRootIsDecorated(False)
        self.tree.setIconSize(QSize(48, 48))
        self.accept_button = self._button("&Accept checked", "Accept checked tags")
        self.reject_button = self._button("&Reject checked", "Reject checked tags")
        self.all_button = self._button("Check a&ll", "Check all rows")
        self.close_button = self._button("&Close", "Close; unchecked proposals stay proposed")
        self.accept_button.clicked.connect(lambda: self._decide(True))
        self.reject_button.clicked.connect(lambda: self._decide(False))
        self.all_button.clicked.connect(self.check_all)
        self.close_button.clicked.connect(self.accept)
        self.retry_button: QPushButton | None = None
        buttons = QHBoxLayout()
        for b in (self.all_button, self.accept_button, self.reject_button):
            buttons.addWidget(b)
        if retry is not None:
            self.retry_button = self._button(retry[0], retry[0])
            self.retry_button.clicked.connect(lambda: (self.accept(), retry[1]()))
            buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.resize(760, 420)
        self.set_proposals(proposals)

    def _button(self, text: str, name: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setAccessibleDescription(name)
        return button

    def set_proposals(self, proposals: list[Proposal]) -> None:
        self.tree.clear()
        # Most confident first: the likeliest tags are reviewed (and accepted) first.
        for p in sorted(proposals, key=lambda p: (-(p.score or 0.0), str(p.path), p.name)):
            score = "" if p.score is None else f"{p.score:.0%}"
            row = QTreeWidgetItem([p.path.name, KIND_WORDS.get(p.kind, p.kind), p.name, score,
                                   p.source])
            row.setData(0, ProposalRole, p)
            row.setData(0, Qt.ItemDataRole.AccessibleTextRole,
                        f"{p.name} for {p.path.name}, {KIND_WORDS.get(p.kind, p.kind)}"
                        + (f", {score} likely" if score else ""))
            self._set_icon(row, p)
            row.setCheckState(0, Qt.CheckState.Unchecked)
            row.setToolTip(0, str(p.path))
            self.tree.addTopLevelItem(row)
        for column in range(self.tree.columnCount()):
            self.tree.resizeColumnToContents(column)
        n = len(proposals)
        items = len({p.item_id for p in proposals})
        self.summary.setText(
            f"{n} proposed tag{'s' if n != 1 else ''} on {items} item{'s' if items != 1 else ''}. "
            "Nothing is written until you accept it." if n else "No proposed tags to review."
            + ("" if n else " Auto-tag (Tags menu) proposes tags from the vocabulary; "
               "Teach a tag learns one from a few examples you select."))
        if n:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))

    def _set_icon(self, row: QTreeWidgetItem, p: Proposal) -> None:
        if self.thumbnails is None:
            return
        image = self.thumbnails.get(p.path, p.kind)
        if image is not None and not image.isNull():
            row.setIcon(0, QIcon(QPixmap.fromImage(image)))

    def _thumbnail_ready(self, path: str) -> None:
        for row in self.rows():
            p = row.data(0, ProposalRole)
            if str(p.path) == path:
                self._set_icon(row, p)

    def rows(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def check_all(self) -> None:
        for row in self.rows():
            row.setCheckState(0, Qt.CheckState.Checked)

    def _decide(self, accept: bool) -> None:
        checked = [r for r in self.rows() if r.checkState(0) == Qt.CheckState.Checked]
        if not checked:
            return
        decisions = [(r.data(0, ProposalRole).item_id, r.data(0, ProposalRole).name, accept)
                     for r in checked]
        self.tagging.decide(decisions, lambda exc: self.summary.setText(f"Failed: {exc}"))
        for r in checked:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(r))
        word = "Accepted" if accept else "Rejected"
        self.summary.setText(f"{word} {len(checked)}; {self.tree.topLevelItemCount()} left.")
        self.decided.emit(len(checked))
