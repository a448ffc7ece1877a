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
import os
import struct
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from app.gui.services.tasks import Task, TaskRunner


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("synesthesia", appauthor=False)) / "thumbnails"


def cache_file(cache_dir: Path, path: Path, size: int, at_s: float | None = None) -> Path:
    """Where the thumbnail of ``path`` (of a video: its picture at ``at_s``) is kept."""
    uri = Path(path).resolve().as_uri() + (f"#t={at_s:.1f}" if at_s is not None else "")
    return cache_dir / str(size) / (hashlib.md5(uri.encode()).hexdigest() + ".png")


def _mtime(path: Path) -> str:
    return str(int(Path(path).stat().st_mtime))


def png_with_text(png: bytes, text: dict[str, str]) -> bytes:
    """``png`` with a tEXt chunk per key inserted after its header chunk (IHDR)."""
    chunks = b""
    for key, value in text.items():
        data = key.encode("latin-1") + b"\0" + value.encode("latin-1", "replace")
        body = b"tEXt" + data
        chunks += struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    end_of_ihdr = 8 + 4 + 4 + 13 + 4  # signature, length, type, IHDR data, CRC
    return png[:end_of_ihdr] + chunks + png[end_of_ihdr:]


def png_text(png: bytes) -> dict[str, str]:
    """The tEXt chunks of ``png`` (the Thumb::* keys of the freedesktop convention)."""
    out: dict[str, str] = {}
    pos = 8
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT" or kind == b"IEND":
            break
        if kind == b"tEXt":
            key, _, value = png[pos + 8:pos + 8 + length].partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        pos += 12 + length
    return out


def _to_qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def _to_rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return rows[:, : 3 * w].reshape(h, w, 3).copy()


# PNG encoding and decoding go through OpenCV, which lets go of the GIL while it works;
# Qt's QImage.save and QImage(file) hold it, and the window would stall meanwhile.
def read_cached(cache_dir: Path, path: Path, size: int, at_s: float | None = None
                ) -> QImage | None:
    import cv2

    file = cache_file(cache_dir, path, size, at_s)
    try:
        data = file.read_bytes()
        fresh = png_text(data).get("Thumb::MTime") == _mtime(path)
    except (OSError, struct.error):
        return None
    if not fresh:
        return None
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return None if bgr is None else _to_qimage(bgr[:, :, ::-1])


def write_cached(cache_dir: Path, path: Path, size: int, image: QImage,
                 at_s: float | None = None) -> None:
    import cv2

    file = cache_file(cache_dir, path, size, at_s)
    file.parent.mkdir(parents=True, exist_ok=True)
    ok, encoded = cv2.imencode(".png", _to_rgb(image)[:, :, ::-1])
    if not ok:
        return
    data = png_with_text(encoded.tobytes(), {
        "Thumb::URI": Path(path).resolve().as_uri(),
        "Thumb::MTime": _mtime(path),
        "Software": "Synesthesia",
    })
    tmp = file.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(file)


ALPHA_FORMATS = frozenset({".png", ".webp", ".tif", ".tiff"})


def _fit(rgb: np.ndarray, size: int) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    scale = size / max(h, w)
    if scale < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                         interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


def image_thumbnail(path: Path, size: int) -> QImage:
    """A photo scaled to fit ``size``. Decoded with OpenCV, which lets go of the GIL while it
    works (Qt's image reader holds it, and the window would stall on a large photo);
    transparent images are shown on white."""
    from core.media import load_image  # also sets OpenCV's decompression-bomb limit

    rgb: np.ndarray | None = None
    if Path(path).suffix.lower() in ALPHA_FORMATS:
        import cv2

        raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if raw is not None and raw.ndim == 3 and raw.shape[2] == 4 and raw.dtype == np.uint8:
            raw = _fit(raw, size)
            alpha = raw[:, :, 3:4].astype(np.float32) / 255.0
            bgr = raw[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
            rgb = bgr.astype(np.uint8)[:, :, ::-1]
    if rgb is None:
        rgb = load_image(path, max_side=size)
    return _to_qimage(_fit(rgb, size))


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


def video_thumbnail(path: Path, size: int, at_s: float | None = None) -> QImage:
    """A video's picture at ``at_s`` seconds (the moment a search matched; its first picture
    when None) with a play mark; a soundtrack without picture as a waveform."""
    from core.errors import UnreadableMedia
    from core.media.video import video_frame

    try:
        image = _to_qimage(_fit(video_frame(path, at_s or 0.0, max_side=size), size))
    except UnreadableMedia as e:
        if "no picture" not in e.reason:
            raise
        return sound_thumbnail(path, size)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    r = max(6, min(image.width(), image.height()) // 6)
    x, y = r // 2, image.height() - 2 * r - r // 2
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 150))
    painter.drawEllipse(x, y, 2 * r, 2 * r)
    painter.setBrush(QColor("#ffffff"))
    painter.drawPolygon([QPointF(x + 0.75 * r, y + 0.5 * r), QPointF(x + 0.75 * r, y + 1.5 * r),
                         QPointF(x + 1.55 * r, y + r)])
    painter.end()
    return image


MAKERS = {"image": image_thumbnail, "sound": sound_thumbnail, "note": note_thumbnail,
          "video": video_thumbnail}


def make_thumbnail(path: Path, kind: str, size: int, cache_dir: Path,
                   at_s: float | None = None) -> QImage:
    """Read the cached thumbnail or make and cache a new one (worker thread); ``at_s``: the
    moment of a video to show."""
    cached = read_cached(cache_dir, path, size, at_s)
    if cached is not None:
        return cached
    image = video_thumbnail(path, size, at_s) if kind == "video" else MAKERS[kind](path, size)
    write_cached(cache_dir, path, size, image, at_s)
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
        self._images: dict[tuple[str, int, float | None], QImage | None] = {}
        self.failures: dict[str, str] = {}

    def set_size(self, size: int) -> None:
        self.size = size

    def get(self, path: Path, kind: str, at_s: float | None = None) -> QImage | None:
        """The thumbnail (of a video: its picture at ``at_s``), or None while it is made."""
        key = (str(path), self.size, at_s)
        if key in self._images:
            return self._images[key]
        self._images[key] = None  # pending: ask only once
        size, cache_dir = self.size, self.cache_dir

        def work(task: Task) -> QImage:
            return make_thumbnail(Path(path), kind, size, cache_dir, at_s)

        def done(image: QImage) -> None:
            self._images[key] = image
            self.ready.emit(str(path))

        def failed(exc: Exception) -> None:
            # An unreadable file keeps its placeholder; the reason is shown on hover.
            self.failures[str(path)] = str(exc)
            self.ready.emit(str(path))

        self._runner.run("decode", work, done, failed)
        return None


@lru_cache(maxsize=32)
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
                     {"image": "photo", "sound": "\u266a sound", "note": "note",
                      "video": "\u25b6 video"}.get(kind, kind))
    painter.end()
    return image


def format_seconds(seconds: float) -> str:
    seconds = max(0.0, seconds)
    minutes = math.floor(seconds / 60)
    return f"{minutes}:{seconds - minutes * 60:04.1f}"
