"""Background indexing shown in the status bar: progress, ETA, current file, pause, cancel.

Pausing stops the running job at the next file and keeps what was done;
indexing is incremental, so resuming (or the next start of the program)
picks up where it stopped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.services.library import LibraryService
from app.gui.services.tasks import Task


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "estimating time left"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"about {seconds} s left"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"about {minutes} min {seconds:02d} s left"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes:02d} min left"


def describe_progress(p: Any) -> str:
    current = getattr(p, "current", None)
    name = Path(current).name if current else ""
    phase = getattr(p, "phase", "") or "indexing"
    text = f"{phase.capitalize()} {p.done}/{p.total} \u2014 {format_eta(getattr(p, 'eta_s', None))}"
    return f"{text} \u2014 {name}" if name else text


def describe_report(report: Any) -> str:
    """What a run did, in words: "Library up to date: 15 copies of files already in the
    library (shown once in results), 2 added"; with nothing new, how many files were
    checked."""
    parts = []
    for field, word in (("added", "added"), ("copied", "copies of files already in the "
                                                       "library (shown once in results)"),
                        ("updated", "updated"), ("moved", "moved"),
                        ("removed", "removed"), ("failed", "could not be read")):
        value = getattr(report, field, 0)
        count = len(value) if isinstance(value, list | tuple | set) else int(value or 0)
        if count:
            parts.append(f"{count} {word}")
    head = "Indexing paused" if getattr(report, "cancelled", False) else "Library up to date"
    if parts:
        return f"{head}: {', '.join(parts)}"
    unchanged = int(getattr(report, "unchanged", 0) or 0)
    return f"{head}: no new or changed files among {unchanged}" if unchanged else head


class IndexPanel(QWidget):
    """Lives in the status bar; drives ``LibraryService.index``."""

    finished = Signal(object)  # the IndexReport
    message = Signal(str)

    def __init__(self, service: LibraryService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.task: Task | None = None
        self.paused = False
        self._again = False  # a start was asked for while a job ran: run once more after it
        self.last_report: Any = None
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName("Indexing progress")
        self.bar.setFormat("%v of %m files")
        self.bar.setMaximumWidth(220)
        self.label = QLabel("", self)
        self.label.setAccessibleName("Indexing status")
        self.pause_button = QPushButton("Pa&use", self)
        self.pause_button.setAccessibleName("Pause indexing")
        self.pause_button.setAccessibleDescription("Pause indexing; resume it later")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel indexing")
        self.cancel_button.setAccessibleDescription(
            "Stop indexing now; it continues the next time the program starts")
        self.cancel_button.clicked.connect(self.cancel)
        self.problems_button = QPushButton("", self)
        self.problems_button.setAccessibleName("Files that could not be read")
        self.problems_button.setAccessibleDescription("List the files that could not be indexed, "
                                                      "with the reason")
        self.problems_button.clicked.connect(self.show_problems)
        self.problems_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.label, self.bar, self.pause_button, self.cancel_button,
                  self.problems_button):
            layout.addWidget(w)
        self._set_running(False)

    @property
    def running(self) -> bool:
        return self.task is not None

    def _set_running(self, running: bool) -> None:
        self.bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.pause_button.setVisible(running or self.paused)
        self.pause_button.setText("Pa&use" if running else "Res&ume")
        self.pause_button.setAccessibleName("Pause indexing" if running else "Resume indexing")
        self.pause_button.setAccessibleDescription(
            "Pause indexing; resume it later" if running
            else "Resume indexing where it was paused")

    def start(self) -> None:
        if not self.service.is_open:
            return
        if self.task is not None:
            self._again = True
            return
        self.paused = False
        self.label.setText("Looking for new and changed files\u2026")
        self.bar.setRange(0, 0)
        self.task = self.service.index(self._progress, self._done, self._failed)
        self._set_running(True)

    def _progress(self, p: Any) -> None:
        if self.task is None:
            return
        self.bar.setRange(0, max(1, int(p.total)))
        self.bar.setValue(int(p.done))
        self.label.setText(describe_progress(p))

    def _done(self, report: Any) -> None:
        self.task = None
        self.last_report = report
        text = describe_report(report)
        self.label.setText(text)
        self._set_running(False)
        self.message.emit(text)
        self.service.errors(self._show_error_count)
        self.finished.emit(report)
        again, self._again = self._again, False
        if again and not getattr(report, "cancelled", False):
            self.start()

    def _failed(self, exc: Exception) -> None:
        self.task = None
        self.paused = False
        self.label.setText(f"Indexing stopped: {exc}")
        self._set_running(False)
        self.message.emit(f"Indexing stopped: {exc}")

    def toggle_pause(self) -> None:
        if self.task is not None:
            self.paused = True
            self._again = False
            self.task.cancel()
            self.label.setText("Pausing after the current file\u2026")
        else:
            self.start()

    def cancel(self) -> None:
        if self.task is not None:
            self._again = False
            self.task.cancel()
            self.label.setText("Stopping\u2026")

    def _show_error_count(self, errors: list[Any]) -> None:
        self._errors = errors
        self.problems_button.setText(f"{len(errors)} unreadable")
        self.problems_button.setVisible(bool(errors))

    def show_problems(self) -> None:
        ProblemsDialog(getattr(self, "_errors", []), self.window()).open()


class ProblemsDialog(QDialog):
    """The files indexing could not read, each with the reason."""

    def __init__(self, errors: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Files that could not be read")
        table = QTableWidget(len(errors), 2, self)
        table.setAccessibleName("Files that could not be read")
        table.setHorizontalHeaderLabels(["File", "Reason"])
        for row, error in enumerate(errors):
            table.setItem(row, 0, QTableWidgetItem(str(error.path)))
            table.setItem(row, 1, QTableWidgetItem(str(error.reason)))
        table.resizeColumnsToContents()
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(700, 300)
