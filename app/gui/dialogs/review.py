"""Review proposed tags before they count: accept or reject each (or all checked)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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
    """Lists proposals with a check box each; Accept/Reject act on the checked rows."""

    decided = Signal(int)  # how many proposals were decided

    def __init__(self, tagging: TaggingService, title: str, proposals: list[Proposal],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.tagging = tagging
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary")
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Proposed tags")
        self.tree.setAccessibleDescription(
            "One proposed tag per row; Space checks a row, then accept or reject the checked")
        self.tree.setHeaderLabels(["File", "Kind", "Tag", "Score", "From"])
        self.tree.setRootIsDecorated(False)
        self.accept_button = self._button("&Accept checked", "Accept checked tags")
        self.reject_button = self._button("&Reject checked", "Reject checked tags")
        self.all_button = self._button("Check a&ll", "Check all rows")
        self.close_button = self._button("&Close", "Close; unchecked proposals stay proposed")
        self.accept_button.clicked.connect(lambda: self._decide(True))
        self.reject_button.clicked.connect(lambda: self._decide(False))
        self.all_button.clicked.connect(self.check_all)
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for b in (self.all_button, self.accept_button, self.reject_button):
            buttons.addWidget(b)
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
        for p in proposals:
            score = "" if p.score is None else f"{p.score:.2f}"
            row = QTreeWidgetItem([p.path.name, KIND_WORDS.get(p.kind, p.kind), p.name, score,
                                   p.source])
            row.setData(0, ProposalRole, p)
            row.setCheckState(0, Qt.CheckState.Unchecked)
            row.setToolTip(0, str(p.path))
            self.tree.addTopLevelItem(row)
        for column in range(self.tree.columnCount()):
            self.tree.resizeColumnToContents(column)
        n = len(proposals)
        items = len({p.item_id for p in proposals})
        self.summary.setText(
            f"{n} proposed tag{'s' if n != 1 else ''} on {items} item{'s' if items != 1 else ''}. "
            "Nothing is written until you accept it." if n else "No proposed tags to review.")
        if n:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))

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
