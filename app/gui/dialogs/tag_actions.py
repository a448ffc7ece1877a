"""The Tags menu: tag the selected result, teach a tag, auto-tag, review proposals, concepts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QProgressDialog,
    QWidget,
)

from app.gui.dialogs.concepts import ConceptsDialog
from app.gui.dialogs.review import ReviewDialog
from app.gui.dialogs.teach import TeachDialog
from app.gui.services.tagging import Proposal, TaggingService
from app.gui.widgets.results import KIND_WORDS, ResultRole

if TYPE_CHECKING:
    from app.gui.main_window import MainWindow


class ScopeDialog(QDialog):
    """Which items to auto-tag: the selected results, the whole library, or a folder."""

    def __init__(self, selected: int, folders: list[Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Auto-tag")
        self.scope = QComboBox(self)
        self.scope.setAccessibleName("What to tag")
        if selected:
            self.scope.addItem(f"The {selected} selected result{'s' if selected > 1 else ''}",
                               "selection")
        self.scope.addItem("The whole library", "library")
        for folder in folders:
            self.scope.addItem(f"Folder {folder}", str(folder))
        self.scope.addItem("Another folder\u2026", "choose")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Propose tags")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&Tag:", self.scope)
        form.addRow(buttons)


class TagActions(QObject):
    def __init__(self, window: MainWindow, tagging: TaggingService) -> None:
        super().__init__(window)
        self.window = window
        self.tagging = tagging
        self.dialog: QDialog | None = None  # the last dialog opened (tests look at it)
        tagging.changed.connect(self._refresh_results)

    def _replace(self, dialog: QDialog) -> None:
        """Remember the newest dialog; an older one that is closed is deleted."""
        old, self.dialog = self.dialog, dialog
        if old is not None and old is not dialog and not old.isVisible():
            old.deleteLater()

    def selected_results(self) -> list[Any]:
        rows = sorted({i.row() for i in self.window.view.selectionModel().selectedIndexes()})
        if not rows and self.window.view.currentIndex().isValid():
            rows = [self.window.view.currentIndex().row()]
        return [self.window.results_model.index(r).data(ResultRole) for r in rows]

    # -- tag one result -----------------------------------------------------------------------
    def tag_selected(self) -> None:
        if self.window.preview.result is not None:
            self.window.preview.tags_panel.focus_new_tag()

    # -- review -----------------------------------------------------------------------------------
    def review(self, title: str = "Review proposed tags", source: str | None = None,
               name: str | None = None, item_ids: list[int] | None = None,
               note: str = "", retry: tuple[str, Any] | None = None) -> None:
        def show(proposals: list[Proposal]) -> None:
            dialog = ReviewDialog(self.tagging, title, proposals, self.window,
                                  self.window.thumbnails, retry)
            if note:
                dialog.summary.setText(f"{note} {dialog.summary.text()}")
            self._replace(dialog)
            dialog.open()

        self.tagging.proposals(show, source=source, name=name, item_ids=item_ids)

    # -- auto-tag ---------------------------------------------------------------------------------
    def auto_tag(self) -> None:
        selected = self.selected_results()
        dialog = ScopeDialog(len(selected), self.window.folders, self.window)
        self._replace(dialog)

        def chosen() -> None:
            scope = dialog.scope.currentData()
            if scope == "selection":
                self.run_auto_tag([int(r.item_id) for r in selected])
            elif scope == "library":
                self.run_auto_tag(None)
            else:
                folder = scope if scope != "choose" else QFileDialog.getExistingDirectory(
                    self.window, "Auto-tag a folder")
                if folder:
                    self.tagging.folder_items(Path(folder), self.run_auto_tag)

        dialog.accepted.connect(chosen)
        dialog.open()

    def run_auto_tag(self, item_ids: list[int] | None) -> None:
        progress = QProgressDialog("Proposing tags\u2026", "Cancel", 0, 0, self.window)
        progress.setWindowTitle("Auto-tag")
        progress.setAccessibleName("Auto-tag progress")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)

        def step(p: Any) -> None:
            progress.setMaximum(max(1, int(p.total)))
            progress.setValue(int(p.done))
            kind = f" ({p.kind}s)" if getattr(p, "kind", None) else ""
            progress.setLabelText(f"{p.phase.capitalize()}{kind}: {p.done} of {p.total}")

        def done(report: Any) -> None:
            progress.reset()
            note = ("Auto-tag was cancelled; what it proposed so far is below."
                    if report.cancelled else f"Auto-tag looked at {report.items} items and "
                    f"proposed tags for {report.tagged_items}.")
            self.window.statusBar().showMessage(note, 8000)
            lower = report.suggested_min_score() if report.hint() else None
            retry = None if lower is None else (
                f"Propose at {lower:.0%}", lambda: self.lower_and_retry(item_ids, lower))
            self.review("Review auto-tags", source="zero-shot", item_ids=item_ids,
                        note=f"{note} {report.hint()}".strip(), retry=retry)

        def failed(exc: Exception) -> None:
            progress.reset()
            self.window.statusBar().showMessage(f"Auto-tag failed: {exc}", 10000)

        task = self.tagging.auto_tag(item_ids, step, done, failed)
        progress.canceled.connect(task.cancel)
        progress.show()

    def lower_and_retry(self, item_ids: list[int] | None, min_score: float) -> None:
        """Auto-tag again at a lower threshold, kept as the setting for the next time."""
        self.window.settings.set("tags/min_score", float(min_score))
        self.tagging.min_score = float(min_score)
        self.run_auto_tag(item_ids)

    # -- teach ------------------------------------------------------------------------------------
    def teach(self) -> None:
        selected = self.selected_results()
        if not selected:
            self.window.statusBar().showMessage(
                "Select a few results first (Ctrl+click or Shift+arrows), then teach a tag.", 8000)
            return
        dialog = TeachDialog(selected, self.window, self.tagging.min_score)
        dialog.teach.connect(self.run_teach)
        self._replace(dialog)
        dialog.open()

    def run_teach(self, name: str, positives: list[int], negatives: list[int],
                  min_score: float | None = None) -> None:
        self.window.statusBar().showMessage(f"Teaching \u201c{name}\u201d\u2026")

        def done(report: Any) -> None:
            kinds = ", ".join(f"{n} {KIND_WORDS.get(k, k)}{'s' if n != 1 else ''}"
                              for k, n in report.proposed.items() if n) or "nothing else yet"
            note = (f"Learned \u201c{report.name}\u201d; from {cut:.0%} on it also fits "
                    f"{kinds}.")
            self.window.statusBar().showMessage(note, 8000)
            self.review(f"What else is \u201c{report.name}\u201d?", source="learned",
                        name=report.name, note=note)

        def failed(exc: Exception) -> None:
            self.window.statusBar().showMessage(f"Could not teach \u201c{name}\u201d: {exc}", 10000)

        cut = self.tagging.min_score if min_score is None else float(min_score)
        self.tagging.learn(name, positives, negatives, done, failed, min_score=cut)

    # -- concepts ---------------------------------------------------------------------------------
    def concepts(self) -> None:
        dialog = ConceptsDialog(self.window)
        dialog.show_results.connect(self.window.show_items)
        self._replace(dialog)
        dialog.open()
        self.tagging.concepts(dialog.set_units, dialog.failed)

    # -- keeping the results' tags current ----------------------------------------------------
    def _refresh_results(self, item_ids: list[int]) -> None:
        shown = {int(r.item_id) for r in self.window.results_model.results()}
        wanted = [i for i in item_ids if i in shown] if item_ids else sorted(shown)
        if not wanted:
            return

        def work(t: Any, task: Any) -> dict[int, tuple[str, ...]]:
            return {i: tuple(tag.name for tag in t.tags(item_id=i, status="accepted"))
                    for i in wanted}

        self.tagging.call(work, self.window.results_model.set_tags)
