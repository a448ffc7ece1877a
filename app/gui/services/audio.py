"""Microphone recording and sound playback through sounddevice (PortAudio).

The stream is made by a factory that callers may replace (tests inject a
stream that feeds a known waveform at the sounddevice boundary). PortAudio
calls the stream callback on its own thread; the GUI polls the shared state
with a timer, so no Qt object is touched from the audio thread.
"""

from __future__ import annotations

import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from core.media.audio import SAMPLE_RATE

RECORD_RATE = SAMPLE_RATE  # the engine's sound rate: the clip is searched as recorded
PLAY_RATE = 44100


class AudioUnavailable(Exception):
    """No sound library, no device, or no permission; the message says what to do."""


class Stream(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


StreamFactory = Callable[[int, Callable[..., None]], Stream]


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # raised at import when libportaudio is missing
        raise AudioUnavailable(
            "Sound needs the PortAudio library, which is not installed "
            "(on Debian or Ubuntu: sudo apt install libportaudio2)."
        ) from exc
    return sounddevice


def sounddevice_input(samplerate: int, callback: Callable[..., None]) -> Stream:
    sd = _sounddevice()
    try:
        sd.query_devices(kind="input")
        return sd.InputStream(samplerate=samplerate, channels=1, dtype="float32",
                              callback=callback)
    except (ValueError, sd.PortAudioError) as exc:
        raise AudioUnavailable(
            "No microphone was found, or this program may not use it. Connect a microphone "
            f"and check the system's privacy settings for microphone access. ({exc})"
        ) from exc


def sounddevice_output(samplerate: int, callback: Callable[..., None]) -> Stream:
    sd = _sounddevice()
    try:
        sd.query_devices(kind="output")
        return sd.OutputStream(samplerate=samplerate, channels=1, dtype="float32",
                               callback=callback)
    except (ValueError, sd.PortAudioError) as exc:
        raise AudioUnavailable(f"No sound output device was found. ({exc})") from exc


def save_wav(path: Path, samples: np.ndarray, samplerate: int) -> None:
    """Write mono float samples in [-1, 1] as 16-bit PCM WAV."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(samplerate)
        out.writeframes(pcm.tobytes())


def meter_level(peak: float, floor_db: float = -60.0) -> float:
    """A peak amplitude as a meter reading in 0..1 on a decibel scale (-60 dB .. 0 dB), as
    sound meters show it: quiet speech still moves the bar."""
    if peak <= 0:
        return 0.0
    db = 20.0 * float(np.log10(min(peak, 1.0)))
    return max(0.0, min(1.0, (db - floor_db) / -floor_db))


class _Streaming(QObject):
    """A PortAudio stream made by a replaceable factory, and a timer polling shared state;
    a subclass defines ``_callback`` (the audio thread's) and ``_poll`` (the timer's)."""

    failed = Signal(str)

    def __init__(self, stream_factory: StreamFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = stream_factory
        self._lock = threading.Lock()
        self._stream: Stream | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._poll)

    def _open(self, samplerate: int, failure: str) -> bool:
        """Start a stream and the timer; on failure emit ``failed`` (``failure``: the message's
        start when the cause is not AudioUnavailable) and return False."""
        try:
            stream = self._factory(samplerate, self._callback)
            stream.start()
        except AudioUnavailable as exc:
            self.failed.emit(str(exc))
            return False
        except Exception as exc:  # PortAudio errors on start: permission, busy device
            self.failed.emit(f"{failure}: {exc}")
            return False
        self._stream = stream
        self._timer.start()
        return True

    def _close(self) -> bool:
        """Stop and close the stream; False when none was open."""
        stream, self._stream = self._stream, None
        if stream is None:
            return False
        self._timer.stop()
        stream.stop()
        stream.close()
        return True


class Recorder(_Streaming):
    """Records mono float32 at 16 kHz; reports level and elapsed time; stops at a fixed length."""

    level = Signal(float)  # peak of the latest block, 0..1
    elapsed = Signal(float)  # seconds recorded
    finished = Signal(object)  # (n,) float32 samples

    def __init__(self, stream_factory: StreamFactory = sounddevice_input,
                 parent: QObject | None = None) -> None:
        super().__init__(stream_factory, parent)
        self._blocks: list[np.ndarray] = []
        self._frames = 0
        self._peak = 0.0
        self.max_seconds = 10.0

    @property
    def recording(self) -> bool:
        return self._stream is not None

    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        block = np.array(indata, dtype=np.float32).reshape(len(indata), -1)[:, 0]
        with self._lock:
            self._blocks.append(block)
            self._frames += len(block)
            peak = float(np.abs(block).max()) if block.size else 0.0
            # A meter with a falling peak: readable, and it does not flicker to zero in gaps.
            self._peak = max(peak, self._peak * 0.9)

    def start(self, max_seconds: float = 10.0) -> None:
        if self._stream is not None:
            return
        self.max_seconds = max_seconds
        with self._lock:
            self._blocks, self._frames, self._peak = [], 0, 0.0
        self._open(RECORD_RATE, "The microphone could not be started")

    def _poll(self) -> None:
        with self._lock:
            seconds, peak = self._frames / RECORD_RATE, self._peak
        self.level.emit(meter_level(peak))
        self.elapsed.emit(seconds)
        if seconds >= self.max_seconds:
            self.stop()

    def stop(self) -> None:
        if not self._close():
            return
        with self._lock:
            samples = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)
        samples = samples[: int(self.max_seconds * RECORD_RATE)]
        self.level.emit(0.0)
        self.elapsed.emit(len(samples) / RECORD_RATE)
        self.finished.emit(samples)


class Player(_Streaming):
    """Plays one mono clip at a time; reports the position in seconds."""

    position = Signal(float)
    playing_changed = Signal(bool)

    def __init__(self, stream_factory: StreamFactory = sounddevice_output,
                 parent: QObject | None = None) -> None:
        super().__init__(stream_factory, parent)
        self._samples = np.zeros(0, np.float32)
        self._rate = PLAY_RATE
        self._pos = 0
        self.source: str = ""

    @property
    def playing(self) -> bool:
        return self._stream is not None

    def _callback(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        with self._lock:
            chunk = self._samples[self._pos: self._pos + frames]
            self._pos += len(chunk)
        outdata[: len(chunk), 0] = chunk
        outdata[len(chunk):, 0] = 0.0

    def play(self, samples: np.ndarray, samplerate: int, source: str = "",
             start_s: float = 0.0) -> None:
        """Play ``samples`` from ``start_s`` seconds (the matching moment of a long sound)."""
        self.stop()
        with self._lock:
            self._samples = np.asarray(samples, dtype=np.float32)
            self._rate = samplerate
            self._pos = min(len(self._samples), max(0, int(start_s * samplerate)))
        self.source = source
        if not self._open(samplerate, "The sound could not be played"):
            self.source = ""
            return
        self.playing_changed.emit(True)

    def _poll(self) -> None:
        with self._lock:
            pos, end = self._pos, len(self._samples)
        self.position.emit(pos / self._rate)
        if pos >= end:
            self.stop()

    def stop(self) -> None:
        if not self._close():
            return
        self.source = ""
        self.playing_changed.emit(False)
