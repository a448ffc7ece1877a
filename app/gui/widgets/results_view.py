"""The results grid: thumbnails of photos, waveforms of sounds, passages of notes."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.gui.widgets.results import ResultsModel


class ResultsView(QListView):
    def __init__(self, model: ResultsModel, thumbnail_size: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(False)  # tiles differ: square photos, wide waveforms
        self.setWordWrap(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Results can be dragged out (to the file manager, or back onto the window to
        # search by them); drops go to the main window, not to the view.
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setAcceptDrops(False)
        self.viewport().setAcceptDrops(False)
        self.setAccessibleName("Results")
        self.setAccessibleDescription(
            "Photos, sounds and notes that match; Space plays a sound, Enter opens the file")
        self.set_thumbnail_size(thumbnail_size)

    placeholder = ("Type words above, drop a photo, sound or note here, or press Ctrl+R to "
                   "record a sound.")

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model() is not None and self.model().rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(self.palette().ColorRole.PlaceholderText))
            rect = self.viewport().rect().adjusted(24, 24, -24, -24)
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                             self.placeholder)
            painter.end()

    def set_thumbnail_size(self, size: int) -> None:
        self.setIconSize(QSize(size, size))
        self.setGridSize(QSize(size + 24, size + 3 * self.fontMetrics().height() + 8))
