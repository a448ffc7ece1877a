"""How a result tile is drawn: the default icon-and-text tile, plus a play/stop button on
sounds (a triangle or a square: the state is told by shape, not by colour)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPointF, QRect, Qt
from PySide6.QtGui import QMouseEvent, QPainter, QPolygonF
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.gui.widgets.results import KindRole, ResultRole

BUTTON = 28


def button_rect(option_rect: QRect, icon_size: int) -> QRect:
    """The play button's place: the top-left corner of the tile's thumbnail."""
    left = option_rect.left() + (option_rect.width() - icon_size) // 2 + 4
    return QRect(left, option_rect.top() + 4, BUTTON, BUTTON)


class TileDelegate(QStyledItemDelegate):
    """``is_playing(path)`` says which sound plays; ``play_clicked(row)`` is called on a click."""

    def __init__(self, is_playing: Callable[[str], bool], play_clicked: Callable[[int], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.is_playing = is_playing
        self.play_clicked = play_clicked

    def _icon_size(self, option: QStyleOptionViewItem) -> int:
        return option.decorationSize.width()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        if index.data(KindRole) != "sound":
            return
        rect = button_rect(option.rect, self._icon_size(option))
        playing = self.is_playing(str(index.data(ResultRole).path))
        palette = option.palette
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(palette.color(palette.ColorRole.WindowText))
        painter.setBrush(palette.color(palette.ColorRole.Window))
        painter.drawEllipse(rect)
        painter.setBrush(palette.color(palette.ColorRole.WindowText))
        c = QPointF(rect.center())
        r = BUTTON / 4
        if playing:
            painter.drawRect(int(c.x() - r), int(c.y() - r), int(2 * r), int(2 * r))
        else:
            painter.drawPolygon(QPolygonF([QPointF(c.x() - r * 0.8, c.y() - r),
                                           QPointF(c.x() - r * 0.8, c.y() + r),
                                           QPointF(c.x() + r, c.y())]))
        painter.restore()

    def editorEvent(self, event: QEvent, model: object, option: QStyleOptionViewItem,
                    index: QModelIndex | QPersistentModelIndex) -> bool:
        if (event.type() == QEvent.Type.MouseButtonRelease
                and isinstance(event, QMouseEvent)
                and event.button() == Qt.MouseButton.LeftButton
                and index.data(KindRole) == "sound"
                and button_rect(option.rect, self._icon_size(option)).contains(
                    event.position().toPoint())):
            self.play_clicked(index.row())
            return True
        return super().editorEvent(event, model, option, index)
