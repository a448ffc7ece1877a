"""Playing a video in the preview from the moment a search matched.

Pictures are decoded with PyAV (the decoder the indexer uses) on a thread of their own
into a short queue; the window's timer shows each when its time comes. The soundtrack
plays through the application's sound output (``services.audio.Player``, PortAudio), both
started on one clock. Without a sound device the pictures play alone and ``failed`` says
why. A preview plays at most ``PLAY_MAX_S`` seconds from the moment; "Open" plays the
whole file in the system's player.

Qt Multimedia (QMediaPlayer) is not used: it lives in the PySide6-Addons wheel (175 MB),
which the application does not otherwise need."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from app.gui.services.audio import PLAY_RATE, Player

PLAY_MAX_S = 300.0  # a preview plays this long from the moment, at most
FRAME_SIDE = 480  # pictures are decoded to this longer side (the preview's size)
_END = object()


def _qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def _decode(path: Path, start_s: float, out: queue.Queue, stop: threading.Event) -> None:
    """The worker: the soundtrack from ``start_s`` (or None), then (time, QImage) pictures
    from ``start_s`` until the end, PLAY_MAX_S or ``stop``; _END last, or an exception."""
    from core.errors import SynesthesiaError
    from core.media.video import frames_from
    from core.media.video_sound import soundtrack_from

    try:
        try:
            out.put(soundtrack_from(path, start_s, PLAY_MAX_S, PLAY_RATE))
        except SynesthesiaError:
            out.put(None)  # no soundtrack, or a damaged one: the pictures play alone
        for t, rgb in frames_from(path, start_s, PLAY_MAX_S, FRAME_SIDE):
            while not stop.is_set():
                try:
                    out.put((t, _qimage(rgb)), timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                return
        out.put(_END)
    except Exception as exc:  # handed to the window, which says it; never lost in a thread
        out.put(exc)


class VideoPlayback(QObject):
    """Plays one video at a time from a moment: ``frame`` for each picture when its time
    comes, ``position`` (seconds into the video), ``playing_changed``, ``failed``."""

    frame = Signal(QImage)
    position = Signal(float)
    playing_changed = Signal(bool)
    failed = Signal(str)

    def __init__(self, sound: Player, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sound = sound
        self._timer = QTimer(self)
        self._timer.setInterval(15)
        self._timer.timeout.connect(self._tick)
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0: float | None = None  # the clock: when the first picture was shown
        self._start = 0.0
        self._waiting: tuple[float, QImage] | None = None
        self._have_sound = False
        self.source = ""

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self, path: Path, start_s: float = 0.0) -> None:
        """Play ``path`` from ``start_s`` seconds (pictures as soon as they decode)."""
        self.stop()
        self._stop = threading.Event()
        self._queue = queue.Queue(maxsize=8)
        self._t0, self._start, self._waiting = None, max(0.0, start_s), None
        self._have_sound = False
        self.source = str(path)
        self._thread = threading.Thread(target=_decode, name="video-frames", daemon=True,
                                        args=(Path(path), self._start, self._queue, self._stop))
        self._thread.start()
        self._timer.start()
        self.playing_changed.emit(True)

    def stop(self) -> None:
        """Stop the pictures and the sound; the decoding thread ends on its own."""
        if not self._timer.isActive():
            return
        self._timer.stop()
        self._stop.set()
        if self._have_sound and self._sound.source == self.source:
            self._sound.stop()
        self.source = ""
        self.playing_changed.emit(False)

    def wait(self, timeout: float = 5.0) -> None:
        """Wait for the decoding thread to end (after ``stop``; for shutdown and tests)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _next(self) -> Any:
        if self._waiting is not None:
            return self._waiting
        try:
            self._waiting = self._queue.get_nowait()
        except queue.Empty:
            return None
        return self._waiting

    def _tick(self) -> None:
        item = self._next()
        while item is not None:
            if isinstance(item, Exception) or item is _END:
                self.stop()
                if isinstance(item, Exception):
                    self.failed.emit(f"The video cannot be played: {item}")
                return
            if not isinstance(item, tuple):  # the soundtrack comes first
                self._waiting = None
                self._start_sound(item)
            else:
                t, image = item
                now = self._clock(t)
                if t > now:
                    return  # not its time yet
                self._waiting = None
                self.frame.emit(image)
                self.position.emit(t)
            item = self._next()

    def _clock(self, first: float) -> float:
        """Seconds into the video now; the clock starts with the first picture."""
        if self._t0 is None:
            self._t0 = time.monotonic() - (first - self._start)
        return self._start + time.monotonic() - self._t0

    def _start_sound(self, samples: np.ndarray | None) -> None:
        if samples is None or not len(samples):
            return
        self._have_sound = True
        self._sound.play(samples, PLAY_RATE, source=self.source)
