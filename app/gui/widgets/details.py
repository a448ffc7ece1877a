"""What the selected file says about itself, under the preview: date, camera, place,
duration, size, dimensions. Plain lines in a label whose accessible name is the same text,
so a screen reader reads all of it."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleEvent
from PySide6.QtWidgets import QLabel, QWidget

from app.gui.services.thumbnails import format_seconds

ORIENTATIONS = {3: "rotated 180°", 6: "rotated 90° clockwise", 8: "rotated 90° counter-clockwise",
                2: "mirrored", 4: "mirrored upside down", 5: "mirrored and rotated",
                7: "mirrored and rotated"}


def file_size(n: int | None) -> str:
    if n is None or n < 0:
        return ""
    for unit, step in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= step:
            return f"{n / step:.1f} {unit}"
    return f"{n} bytes"


def detail_lines(d: Any) -> list[str]:
    """Readable lines for an ``ItemDetails`` (fields that are None are left out)."""
    if d is None:
        return []
    lines = []
    if d.date_s is not None:
        when = time.strftime("%d %B %Y, %H:%M", time.gmtime(d.date_s)).lstrip("0")
        lines.append(("Taken " if d.date_source == "taken" else "Modified ") + when)
    if d.title and d.kind != "note":  # a note's title is its first line, shown below
        lines.append(f"Title: {d.title}")
    if d.artist or d.album:
        lines.append(" \u2014 ".join(x for x in (d.artist, d.album) if x))
    if d.camera:
        lines.append(f"Camera: {d.camera}")
    if d.place:
        lines.append(f"Place: {d.place}")
    elif d.lat is not None and d.lon is not None:
        lines.append(f"Position: {d.lat:.4f}, {d.lon:.4f}")
    if d.duration_s:
        rate = f", {d.sample_rate / 1000:g} kHz" if d.sample_rate else ""
        lines.append(f"Duration: {format_seconds(d.duration_s)}{rate}")
    size = [file_size(d.size)]
    if d.width and d.height:
        size.append(f"{d.width} \u00d7 {d.height} pixels")
    if d.orientation in ORIENTATIONS:
        size.append(ORIENTATIONS[d.orientation])
    lines.append(", ".join(s for s in size if s))
    if d.description and d.description != d.title:
        lines.append(d.description)
    return [ln for ln in lines if ln]


class DetailsLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleDescription("Date, camera, place, duration and size of the file")
        self.show_details(None)

    def show_details(self, details: Any) -> None:
        lines = detail_lines(details)
        self.setText("\n".join(lines))
        self.setAccessibleName("Details: " + "; ".join(lines) if lines else "Details")
        self.setVisible(bool(lines))
        QAccessible.updateAccessibility(QAccessibleEvent(self, QAccessible.Event.NameChanged))
