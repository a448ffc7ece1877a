"""Keeping windows on a screen that exists now."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def fit_to_screen(widget: QWidget) -> None:
    """Move and shrink a (restored) window so that all of it, frame included, lies within the
    available area of the screen it is on (or the primary screen): a geometry saved on
    another screen or at another scale must not leave it off-screen."""
    if widget.isMaximized() or widget.isFullScreen():
        return
    frame, inner = widget.frameGeometry(), widget.geometry()
    left, top = inner.x() - frame.x(), inner.y() - frame.y()
    extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
    screen = (QGuiApplication.screenAt(frame.center()) or widget.screen()
              or QGuiApplication.primaryScreen())
    if screen is None:
        return
    area = screen.availableGeometry()
    width = max(1, min(inner.width(), area.width() - extra_w))
    height = max(1, min(inner.height(), area.height() - extra_h))
    x = min(max(frame.x(), area.x()), area.x() + area.width() - width - extra_w)
    y = min(max(frame.y(), area.y()), area.y() + area.height() - height - extra_h)
    if (x + left, y + top, width, height) != (inner.x(), inner.y(), inner.width(),
                                              inner.height()):
        widget.setGeometry(x + left, y + top, width, height)
