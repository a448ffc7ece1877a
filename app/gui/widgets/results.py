"""The results of a search as a Qt list model, with text a screen reader can speak.

Each row's accessible text is "file name, kind: tags", so a screen reader user
hears "beach.jpg, photo: sea, sand, dog" — the tags are the alt text.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    Qt,
    QUrl,
)
from PySide6.QtGui import QFont, QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap

from app.gui.services.thumbnails import Thumbnails, format_seconds, placeholder

KIND_WORDS = {"image": "photo", "sound": "sound", "note": "note", "video": "video"}
ResultRole = Qt.ItemDataRole.UserRole + 1
KindRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


def tag_names(result: Any) -> list[str]:
    names = []
    for tag in getattr(result, "tags", None) or []:
        names.append(tag if isinstance(tag, str) else str(getattr(tag, "name", tag)))
    return names


def segment_text(result: Any) -> str:
    """ "0:12.0–0:17.0" for the matching moment of a sound, the passage for a note, or ""."""
    segment = getattr(result, "segment", None)
    if segment is None:
        return ""
    text = getattr(segment, "text", None)
    if text:
        return str(text)
    start, end = getattr(segment, "start_s", None), getattr(segment, "end_s", None)
    if start is None:
        return ""
    return f"{format_seconds(start)}\u2013{format_seconds(end or start)}"


def video_moment(result: Any) -> str:
    """ "at 0:42, by its sound": where and by which track a video matched, or ""."""
    segment = getattr(result, "segment", None)
    text = getattr(segment, "moment_text", None) if getattr(result, "kind", "") == "video" \
        else None
    return text if isinstance(text, str) else ""


def moment_seconds(result: Any) -> float | None:
    """The second of a video that matched (None for other kinds, or when it is unknown)."""
    segment = getattr(result, "segment", None)
    start = getattr(segment, "start_s", None) if getattr(result, "kind", "") == "video" else None
    return float(start) if start is not None else None


def relevance_words(result: Any) -> str:
    """ "good match, 62%" (or the similarity where no search ranked the result)."""
    text = getattr(result, "relevance_text", None)
    return text if isinstance(text, str) else f"similarity {result.score:.2f}"


def accessible_text(result: Any) -> str:
    name = Path(result.path).name
    kind = KIND_WORDS.get(result.kind, result.kind)
    tags = tag_names(result)
    head = f"{name}, {kind}, {relevance_words(result)}"
    if moment := video_moment(result):
        head += f", {moment}"
    return f"{head}; tags: {', '.join(tags)}" if tags else head


def copies_text(result: Any, most: int = 3) -> str:
    """ "also at /a/x.jpg, /b/x.jpg" for copies of the file (same content) grouped into this
    result, or ""."""
    copies = [str(p) for p in getattr(result, "copies", None) or ()]
    if not copies:
        return ""
    more = f" and {len(copies) - most} more" if len(copies) > most else ""
    return "also at " + ", ".join(copies[:most]) + more


def description_text(result: Any) -> str:
    """What a screen reader says on request about a result: score, matched moment or
    passage, full path, tags, copies (the tooltip's content, on one line)."""
    return "; ".join(tooltip_text(result).split("\n"))


def tooltip_text(result: Any) -> str:
    kind = KIND_WORDS.get(result.kind, result.kind)
    found = getattr(result, "found_by", "network")
    lines = [str(result.path), kind if found == "filter" else
             f"{kind}, {relevance_words(result)} (similarity {result.score:.3f})"]
    if found in ("words", "both"):
        lines.append("holds the words searched")
    moment = segment_text(result)
    if result.kind == "video":
        if moment := video_moment(result):
            lines.append(f"best match {moment}")
    elif moment and result.kind == "sound":
        lines.append(f"best match at {moment}")
    elif moment:
        lines.append(f"\u201c{moment[:200]}\u201d")
    tags = tag_names(result)
    if tags:
        lines.append("tags: " + ", ".join(tags))
    if copies := copies_text(result):
        lines.append(copies)
    return "\n".join(lines)


def passage_image(text: str, size: int) -> QImage:
    """The matching passage of a note as a tile, in the system palette's text colours
    (a high-contrast palette gives a high-contrast tile)."""
    palette = QGuiApplication.palette()
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(palette.color(QPalette.ColorRole.Base))
    painter = QPainter(image)
    painter.setPen(palette.color(QPalette.ColorRole.Text))
    font = QFont()
    font.setPixelSize(max(8, size // 11))
    painter.setFont(font)
    painter.drawRect(0, 0, size - 1, size - 1)  # a frame: the tile is told apart by shape too
    margin = max(4, size // 16)
    painter.drawText(QRectF(margin, margin, size - 2 * margin, size - 2 * margin),
                     int(Qt.TextFlag.TextWordWrap), f"\u201c{text.strip()[:300]}\u201d")
    painter.end()
    return image


def square_tile(image: QImage, size: int) -> QPixmap:
    """``image`` centred on a transparent ``size`` square. Every tile's picture, placeholder
    or thumbnail, photo or waveform, is then the same size, so a tile keeps its place and
    height when its thumbnail arrives: the view repaints the whole tile, and no grey
    placeholder or second label is left around a smaller thumbnail."""
    if image.width() == size and image.height() == size:
        return QPixmap.fromImage(image)
    canvas = QPixmap(size, size)
    canvas.fill(Qt.GlobalColor.transparent)
    scaled = image if max(image.width(), image.height()) <= size else image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation)
    painter = QPainter(canvas)
    painter.drawImage((size - scaled.width()) // 2, (size - scaled.height()) // 2, scaled)
    painter.end()
    return canvas


class ResultsModel(QAbstractListModel):
    def __init__(self, thumbnails: Thumbnails, parent: Any = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails
        self._results: list[Any] = []
        self._icons: dict[int, QIcon] = {}
        self._placeholders: dict[tuple[str, int], QIcon] = {}
        self._more: Any = None  # loads the next page of a listing (then appends it)
        thumbnails.ready.connect(self._thumbnail_ready)

    # -- content -----------------------------------------------------------------
    def set_results(self, results: list[Any]) -> None:
        self.beginResetModel()
        self._results = list(results)
        self._icons = {}
        self._more = None
        self.endResetModel()

    def append_results(self, results: list[Any]) -> None:
        """Add a page of a listing at the end."""
        if not results:
            return
        first = len(self._results)
        self.beginInsertRows(QModelIndex(), first, first + len(results) - 1)
        self._results.extend(results)
        self.endInsertRows()

    def set_more(self, more: Any) -> None:
        """``more()`` loads the next page when the view scrolls to the end (Qt's
        canFetchMore/fetchMore); it is called once."""
        self._more = more

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more is not None

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        more, self._more = self._more, None
        if more is not None and not parent.isValid():
            more()

    def set_tags(self, tags: dict[int, tuple[str, ...]]) -> None:
        """Replace the accepted tags of the shown items (after tags were written)."""
        for row, result in enumerate(self._results):
            if int(result.item_id) in tags:
                self._results[row] = replace(result, tags=tuple(tags[int(result.item_id)]))
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def results(self) -> list[Any]:
        return list(self._results)

    def result(self, row: int) -> Any:
        return self._results[row]

    def _thumbnail_ready(self, path: str) -> None:
        for row, result in enumerate(self._results):
            if str(result.path) == path:
                self._icons.pop(row, None)
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    # -- Qt model ----------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._results)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._results):
            return None
        result = self._results[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            lines = [Path(result.path).name]
            if result.kind == "sound" and (moment := segment_text(result)):
                lines.append(moment)
            elif moment := video_moment(result):
                lines.append(moment)
            if getattr(result, "relevance", None) is not None:
                lines.append(relevance_words(result))
            if tags := tag_names(result):
                lines.append(", ".join(tags))
            return "\n".join(lines)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return accessible_text(result)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return description_text(result)
        if role == Qt.ItemDataRole.ToolTipRole:
            reason = self._thumbnails.failures.get(str(result.path))
            return tooltip_text(result) + (f"\ncannot show: {reason}" if reason else "")
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(index.row(), result)
        if role == ResultRole:
            return result
        if role == KindRole:
            return result.kind
        return None

    def _icon(self, row: int, result: Any) -> QIcon:
        if row in self._icons:
            return self._icons[row]
        size = self._thumbnails.size
        passage = segment_text(result) if result.kind == "note" else ""
        if passage:
            image = passage_image(passage, size)
            self._icons[row] = QIcon(square_tile(image, size))
            return self._icons[row]
        image = self._thumbnails.get(Path(result.path), result.kind, moment_seconds(result))
        if image is None:
            key = (result.kind, size)
            if key not in self._placeholders:
                self._placeholders[key] = QIcon(square_tile(placeholder(*key), size))
            return self._placeholders[key]
        self._icons[row] = QIcon(square_tile(image, size))
        return self._icons[row]

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        mime.setUrls([QUrl.fromLocalFile(str(self._results[r].path)) for r in rows])
        return mime
