"""Thumbnails for results: photos scaled down, sounds as waveforms, notes as a page.

Cached on disk after the freedesktop thumbnail convention: the file name is
the MD5 of the file's URI, the PNG carries ``Thumb::URI`` and ``Thumb::MTime``
and a thumbnail whose MTime differs from the file's is stale. Our own cache
directory is used because waveform and note pictures are not what a file
manager expects to find in ~/.cache/thumbnails.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QImageReader, QPainter, QPen

from app.gui.tasks import Task, TaskRunner


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("synesthesia", appauthor=False)) / "thumbnails"


def cache_file(cache_dir: Path, path: Path, size: int) -> Path:
    uri = Path(path).resolve().as_uri()
    return cache_dir / str(size) / (hashlib.md5(uri.encode()).hexdigest() + ".png")


def _mtime(path: Path) -> str:
    return str(int(Path(path).stat().st_mtime))


def read_cached(cache_dir: Path, path: Path, size: int) -> QImage | None:
    file = cache_file(cache_dir, path, size)
    if not file.exists():
        return None
    image = QImage(str(file))
    try:
        fresh = image.text("Thumb::MTime") == _mtime(path)
    except OSError:
        return None
    return image if not image.isNull() and fresh else None


def write_cached(cache_dir: Path, path: Path, size: int, image: QImage) -> None:
    file = cache_file(cache_dir, path, size)
    file.parent.mkdir(parents=True, exist_ok=True)
    image = image.copy()
    image.setText("Thumb::URI", Path(path).resolve().as_uri())
    image.setText("Thumb::MTime", _mtime(path))
    image.setText("Software", "Synesthesia")
    tmp = file.with_suffix(".tmp.png")
    if image.save(str(tmp), "PNG"):
        tmp.replace(file)


def image_thumbnail(path: Path, size: int) -> QImage:
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid() and max(full.width(), full.height()) > size:
        # Let the decoder scale (JPEG decodes at reduced size): far faster than full decode.
        scale = size / max(full.width(), full.height())
        reader.setScaledSize(full * scale)
    image = reader.read()
    if image.isNull():
        from core.media import load_image

        rgb = np.ascontiguousarray(load_image(path, max_side=size))
        h, w, _ = rgb.shape
        image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    return image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


def waveform_image(samples: np.ndarray, size: int, height: int | None = None) -> QImage:
    """A min/max envelope of ``samples`` ((n,) float32 in [-1, 1]) as a ``size`` wide picture."""
    height = height or max(16, size * 5 // 8)
    image = QImage(size, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("#20303a"))
    painter = QPainter(image)
    painter.setPen(QPen(QColor("#8fd3ff"), 1))
    mid = height / 2
    if samples.size:
        columns = np.array_split(np.asarray(samples, dtype=np.float32), size)
        for x, column in enumerate(columns):
            if column.size == 0:
                continue
            lo, hi = float(column.min()), float(column.max())
            painter.drawLine(x, int(mid - hi * (mid - 1)), x, int(mid - lo * (mid - 1)))
    painter.setPen(QPen(QColor("#3f5866"), 1))
    painter.drawLine(0, int(mid), size, int(mid))
    painter.end()
    return image


def sound_thumbnail(path: Path, size: int) -> QImage:
    from core.media import load_audio

    return waveform_image(load_audio(path, sample_rate=8000), size)


def note_thumbnail(path: Path, size: int) -> QImage:
    from core.media import load_note

    text = load_note(path)[:400]
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(QColor("#fbf8ef"))
    painter = QPainter(image)
    painter.setPen(QColor("#333333"))
    font = QFont()
    font.setPixelSize(max(8, size // 12))
    painter.setFont(font)
    margin = max(4, size // 16)
    painter.drawText(QRectF(margin, margin, size - 2 * margin, size - 2 * margin),
                     int(Qt.TextFlag.TextWordWrap), text)
    painter.end()
    return image


MAKERS = {"image": image_thumbnail, "sound": sound_thumbnail, "note": note_thumbnail}


def make_thumbnail(path: Path, kind: str, size: int, cache_dir: Path) -> QImage:
    """Read the cached thumbnail or make and cache a new one (worker thread)."""
    cached = read_cached(cache_dir, path, size)
    if cached is not None:
        return cached
    image = MAKERS[kind](path, size)
    write_cached(cache_dir, path, size, image)
    return image


class Thumbnails(QObject):
    """Asynchronous thumbnails: ``get`` answers from memory or starts a job and emits ``ready``."""

    ready = Signal(str)

    def __init__(self, runner: TaskRunner, cache_dir: Path, size: int = 128,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.cache_dir = Path(cache_dir)
        self.size = size
        self._images: dict[tuple[str, int], QImage | None] = {}
        self.failures: dict[str, str] = {}

    def set_size(self, size: int) -> None:
        self.size = size

    def get(self, path: Path, kind: str) -> QImage | None:
        key = (str(path), self.size)
        if key in self._images:
            return self._images[key]
        self._images[key] = None  # pending: ask only once
        size, cache_dir = self.size, self.cache_dir

        def work(task: Task) -> QImage:
            return make_thumbnail(Path(path), kind, size, cache_dir)

        def done(image: QImage) -> None:
            self._images[key] = image
            self.ready.emit(str(path))

        def failed(exc: Exception) -> None:
            # An unreadable file keeps its placeholder; the reason is shown on hover.
            self.failures[str(path)] = str(exc)
            self.ready.emit(str(path))

        self._runner.run("decode", work, done, failed)
        return None


def placeholder(kind: str, size: int) -> QImage:
    """A neutral tile with the kind's name while the real thumbnail is made."""
    image = QImage(size, max(16, size * 5 // 8) if kind == "sound" else size,
                   QImage.Format.Format_ARGB32)
    image.fill(QColor("#d9d9d9"))
    painter = QPainter(image)
    painter.setPen(QColor("#555555"))
    font = QFont()
    font.setPixelSize(max(8, size // 8))
    painter.setFont(font)
    painter.drawText(image.rect(), int(Qt.AlignmentFlag.AlignCenter),
                     {"image": "photo", "sound": "\u266a sound", "note": "note"}.get(kind, kind))
    painter.end()
    return image


def format_seconds(seconds: float) -> str:
    seconds = max(0.0, seconds)
    minutes = math.floor(seconds / 60)
    return f"{minutes}:{seconds - minutes * 60:04.1f}"
