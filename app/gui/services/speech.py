"""Recognising spoken words in a recording (PocketSphinx's bundled English model, offline),
limited to the words a search can use when the window gives them (``words``).

A person can say "dog on the beach" into the microphone and search by the
words. Recognition runs on a worker; the words are offered, never forced:
the person sees them, may edit them, and chooses to search by them.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.gui.services.recognise import SILENCE_RMS, SPEECH_RATE, recognise, recognise_pcm
from app.gui.services.tasks import Task, TaskRunner

__all__ = ["SpeechRecogniser", "available", "recognise", "recognise_in_child"]


def available() -> bool:
    return importlib.util.find_spec("pocketsphinx") is not None


def recognise_in_child(samples: np.ndarray, rate: int = SPEECH_RATE,
                       words: Sequence[str] | None = None) -> str:
    """``recognise`` in a child process: the decoder holds the GIL, the window must not wait.
    ``words``: the only words it may hear (``core.text.words.search_words``).

    The child is started by multiprocessing with the *spawn* method: a fresh interpreter (or,
    in a frozen build, the bundle's own executable, which ``multiprocessing.freeze_support()``
    in the entry points turns into the worker) that is handed this process's import path, so
    it works from a checkout, an installed wheel and a PyInstaller bundle alike."""
    if rate != SPEECH_RATE:
        raise ValueError(f"speech recognition needs {SPEECH_RATE} Hz audio, got {rate} Hz")
    samples = np.asarray(samples, np.float32)
    if samples.size == 0 or float(np.sqrt(np.mean(samples**2))) < SILENCE_RMS:
        return ""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        try:
            return pool.submit(recognise_pcm, pcm, list(words) if words is not None else None
                               ).result().strip()
        except BrokenProcessPool as exc:
            raise RuntimeError("the speech recogniser stopped unexpectedly") from exc


class SpeechRecogniser(QObject):
    """Emits ``recognised(words)`` ("" when nothing was said) for the latest clip only."""

    recognised = Signal(str)
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None,
                 words: Callable[[], Sequence[str] | None] | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.words = words  # the words a search can use, asked for on the worker
        self._task: Task | None = None
        self.enabled = available()

    def start(self, samples: np.ndarray, rate: int) -> None:
        if not self.enabled:
            return
        if self._task is not None:
            self._task.cancel()
        task_holder: dict[str, Any] = {}

        def work(task: Task) -> str:
            return recognise_in_child(samples, rate, self.words() if self.words else None)

        def done(words: str) -> None:
            if self._task is task_holder.get("task"):
                self._task = None
                self.recognised.emit(words)

        def failed(exc: Exception) -> None:
            if self._task is task_holder.get("task"):
                self._task = None
                self.failed.emit(f"Speech recognition failed: {exc}")

        task_holder["task"] = self._task = self._runner.run("decode", work, done, failed)
