"""Audio streams injected at the sounddevice boundary: the product code above them is real."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from tests.media import tone

BLOCK = 800  # 50 ms at 16 kHz


class FakeInputStream:
    """Feeds ``samples`` to the callback in blocks, ten times faster than real time."""

    def __init__(self, samples: np.ndarray, callback: Callable[..., None]) -> None:
        self.samples = np.asarray(samples, dtype=np.float32)
        self.callback = callback
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._feed, daemon=True)
        self.started = False

    def _feed(self) -> None:
        pos = 0
        while not self._stop.is_set():
            block = self.samples[pos: pos + BLOCK]
            if len(block) < BLOCK:  # after the clip: silence, like a quiet room
                block = np.concatenate([block, np.zeros(BLOCK - len(block), np.float32)])
            self.callback(block.reshape(-1, 1), BLOCK, None, None)
            pos += BLOCK
            time.sleep(0.005)

    def start(self) -> None:
        self.started = True
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def close(self) -> None:
        self.stop()


class FakeOutputStream:
    """Pulls blocks from the callback like a sound card and keeps what was played."""

    def __init__(self, callback: Callable[..., None]) -> None:
        self.callback = callback
        self.played: list[np.ndarray] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pull, daemon=True)

    def _pull(self) -> None:
        while not self._stop.is_set():
            out = np.full((1024, 1), np.nan, dtype=np.float32)
            self.callback(out, 1024, None, None)
            self.played.append(out[:, 0].copy())
            time.sleep(0.002)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def close(self) -> None:
        self.stop()


class FakeAudio:
    """Factories for Recorder and Player; remembers the streams they made."""

    def __init__(self, microphone: np.ndarray | None = None) -> None:
        self.microphone = microphone if microphone is not None else tone(1.0)
        self.inputs: list[FakeInputStream] = []
        self.outputs: list[FakeOutputStream] = []

    def input(self, samplerate: int, callback: Callable[..., None]) -> FakeInputStream:
        stream = FakeInputStream(self.microphone, callback)
        self.inputs.append(stream)
        return stream

    def output(self, samplerate: int, callback: Callable[..., None]) -> FakeOutputStream:
        stream = FakeOutputStream(callback)
        self.outputs.append(stream)
        return stream

