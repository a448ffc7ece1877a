"""The Tags menu's commands: tag the selected result, teach a tag, auto-tag, review
proposals, concepts. Reads the selection from the results controller, writes through the
tagging service, and says what happened through ``message``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QProgressDialog, QWidget

from app.gui.controllers.results import ResultsController
from app.gui.dialogs.concepts import ConceptsDialog
from app.gui.dialogs.review import ReviewDialog
from app.gui.dialogs.scope import ScopeDialog
from app.gui.dialogs.teach import TeachDialog
from app.gui.services.settings import Settings
from app.gui.services.tagging import Proposal, TaggingService
from app.gui.services.thumbnails import Thumbnails
from app.gui.widgets.preview import PreviewPane
from app.gui.widgets.results import KIND_WORDS


class TagActions(QObject):
    """``message(text, ms)``: for the status bar; ``show_items(label, results)``: items to
    list that no search found (a concept's)."""

    message = Signal(str, int)
    show_items = Signal(str, list)

    def __init__(self, parent: QWidget, tagging: TaggingService, results: ResultsController,
                 preview: PreviewPane, thumbnails: Thumbnails, settings: Settings,
                 folders: Callable[[], list[Path]]) -> None:
        super().__init__(parent)
        self.parent_widget = parent  # the dialogs open over it
        self.tagging = tagging
        self.results = results
        self.preview = preview
        self.thumbnails = thumbnails
        self.settings = settings
        self.folders = folders
        self.dialog: QDialog | None = None  # the last dialog opened (tests look at it)
        tagging.changed.connect(self._refresh_results)

    def _replace(self, dialog: QDialog) -> None:
        """Remember the newest dialog; an older one that is closed is deleted."""
        old, self.dialog = self.dialog, dialog
        if old is not None and old is not dialog and not old.isVisible():
            old.deleteLater()

    def selected_results(self) -> list[Any]:
        return self.results.selected_results()

    # -- tag one result -----------------------------------------------------------------------
    def tag_selected(self) -> None:
        if self.preview.result is not None:
            self.preview.tags_panel.focus_new_tag()

    # -- review -----------------------------------------------------------------------------------
    def review(self, title: str = "Review proposed tags", source: str | None = None,
               name: str | None = None, item_ids: list[int] | None = None,
               note: str = "", retry: tuple[str, Any] | None = None) -> None:
        def show(proposals: list[Proposal]) -> None:
            dialog = ReviewDialog(self.tagging, title, proposals, self.parent_widget,
                                  self.thumbnails, retry)
            if note:
                dialog.summary.setText(f"{note} {dialog.summary.text()}")
            self._replace(dialog)
            dialog.open()

        self.tagging.proposals(show, source=source, name=name, item_ids=item_ids)

    # -- auto-tag ---------------------------------------------------------------------------------
    def auto_tag(self) -> None:
        selected = self.selected_results()
        dialog = ScopeDialog(len(selected), self.folders(), self.parent_widget)
        self._replace(dialog)

        def chosen() -> None:
            scope = dialog.scope.currentData()
            if scope == "selection":
                self.run_auto_tag([int(r.item_id) for r in selected])
            elif scope == "library":
                self.run_auto_tag(None)
            else:
                folder = scope if scope != "choose" else QFileDialog.getExistingDirectory(
                    self.parent_widget, "Auto-tag a folder")
                if folder:
                    self.tagging.folder_items(Path(folder), self.run_auto_tag)

        dialog.accepted.connect(chosen)
        dialog.open()

    def run_auto_tag(self, item_ids: list[int] | None) -> None:
        progress = QProgressDialog("Proposing tags\u2026", "Cancel", 0, 0, self.parent_widget)
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
            self.message.emit(note, 8000)
            lower = report.suggested_min_score() if report.hint() else None
            retry = None if lower is None else (
                f"Propose at {lower:.0%}", lambda: self.lower_and_retry(item_ids, lower))
            self.review("Review auto-tags", source="zero-shot", item_ids=item_ids,
                        note=f"{note} {report.hint()}".strip(), retry=retry)

        def failed(exc: Exception) -> None:
            progress.reset()
            self.message.emit(f"Auto-tag failed: {exc}", 10000)

        task = self.tagging.auto_tag(item_ids, step, done, failed)
        progress.canceled.connect(task.cancel)
        progress.show()

    def lower_and_retry(self, item_ids: list[int] | None, min_score: float) -> None:
        """Auto-tag again at a lower threshold, kept as the setting for the next time."""
        self.settings.set("tags/min_score", float(min_score))
        self.tagging.min_score = float(min_score)
        self.run_auto_tag(item_ids)

    # -- teach ------------------------------------------------------------------------------------
    def teach(self) -> None:
        selected = self.selected_results()
        if not selected:
            self.message.emit(
                "Select a few results first (Ctrl+click or Shift+arrows), then teach a tag.", 8000)
            return
        dialog = TeachDialog(selected, self.parent_widget, self.tagging.min_score)
        dialog.teach.connect(self.run_teach)
        self._replace(dialog)
        dialog.open()

    def run_teach(self, name: str, positives: list[int], negatives: list[int],
                  min_score: float | None = None) -> None:
        self.message.emit(f"Teaching \u201c{name}\u201d\u2026", 0)

        def done(report: Any) -> None:
            kinds = ", ".join(f"{n} {KIND_WORDS.get(k, k)}{'s' if n != 1 else ''}"
                              for k, n in report.proposed.items() if n) or "nothing else yet"
            note = (f"Learned \u201c{report.name}\u201d; from {cut:.0%} on it also fits "
                    f"{kinds}.")
            self.message.emit(note, 8000)
            self.review(f"What else is \u201c{report.name}\u201d?", source="learned",
                        name=report.name, note=note)

        def failed(exc: Exception) -> None:
            self.message.emit(f"Could not teach \u201c{name}\u201d: {exc}", 10000)

        cut = self.tagging.min_score if min_score is None else float(min_score)
        self.tagging.learn(name, positives, negatives, done, failed, min_score=cut)

    # -- concepts ---------------------------------------------------------------------------------
    def concepts(self) -> None:
        dialog = ConceptsDialog(self.parent_widget)
        dialog.show_results.connect(self.show_items.emit)
        self._replace(dialog)
        dialog.open()
        self.tagging.concepts(dialog.set_units, dialog.failed)

    # -- keeping the results' tags current ----------------------------------------------------
    def _refresh_results(self, item_ids: list[int]) -> None:
        shown = {int(r.item_id) for r in self.results.results()}
        wanted = [i for i in item_ids if i in shown] if item_ids else sorted(shown)
        if not wanted:
            return

        def work(t: Any, task: Any) -> dict[int, tuple[str, ...]]:
            return {i: tuple(tag.name for tag in t.tags(item_id=i, status="accepted"))
                    for i in wanted}

        self.tagging.call(work, self.results.set_tags)
