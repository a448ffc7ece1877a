"""Recognising spoken words in a recording (PocketSphinx's bundled English model, offline).

A person can say "dog on the beach" into the microphone and search by the
words. Recognition runs on a worker; the words are offered, never forced:
the person sees them, may edit them, and chooses to search by them.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from app.gui.tasks import Task, TaskRunner

SPEECH_RATE = 16000
SILENCE_RMS = 1e-3


def available() -> bool:
    return importlib.util.find_spec("pocketsphinx") is not None


def recognise(samples: np.ndarray, rate: int = SPEECH_RATE) -> str:
    """The words heard in ``samples`` ((n,) float32 in [-1, 1] at 16 kHz), or "" for none."""
    if rate != SPEECH_RATE:
        raise ValueError(f"speech recognition needs {SPEECH_RATE} Hz audio, got {rate} Hz")
    samples = np.asarray(samples, np.float32)
    if samples.size == 0 or float(np.sqrt(np.mean(samples**2))) < SILENCE_RMS:
        return ""  # the decoder "hears" words in digital silence; there are none
    from pocketsphinx import Decoder

    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    decoder = Decoder(samprate=SPEECH_RATE, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm.tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    words = hyp.hypstr.strip() if hyp is not None else ""
    # Fillers such as <sil> or [NOISE] are not words a person said.
    return " ".join(w for w in words.split() if not w.startswith(("<", "[", "++")))


class SpeechRecogniser(QObject):
    """Emits ``recognised(words)`` ("" when nothing was said) for the latest clip only."""

    recognised = Signal(str)
    failed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._task: Task | None = None
        self.enabled = available()

    def start(self, samples: np.ndarray, rate: int) -> None:
        if not self.enabled:
            return
        if self._task is not None:
            self._task.cancel()
        task_holder: dict[str, Any] = {}

        def work(task: Task) -> str:
            return recognise(samples, rate)

        def done(words: str) -> None:
            if self._task is task_holder.get("task"):
                self._task = None
                self.recognised.emit(words)

        def failed(exc: Exception) -> None:
            if self._task is task_holder.get("task"):
                self._task = None
                self.failed.emit(f"Speech recognition failed: {exc}")

        task_holder["task"] = self._task = self._runner.run("decode", work, done, failed)
