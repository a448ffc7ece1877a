"""Saying words into the microphone offers a search by the recognised words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from app.gui.services.speech import recognise
from tests.media import tone

SPEECH = Path(__file__).parent / "data" / "dog_on_the_beach.wav"  # espeak-ng, 16 kHz mono
TIMEOUT = 60_000


def read_wav(path: Path) -> np.ndarray:
    import wave

    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768


def test_recognise_words_and_silence():
    words = recognise(read_wav(SPEECH))
    assert "the" in words.split()  # synthetic speech: the decoder hears "on the beat"
    assert recognise(np.zeros(16000, np.float32)) == ""


def test_record_speech_then_search_by_the_words(make_window, qtbot, audio, settings):
    clip = read_wav(SPEECH)
    audio.microphone = np.concatenate([clip, np.zeros(16000 * 2 - len(clip), np.float32)])
    settings.set("audio/record_seconds", 2)
    window = make_window()
    dialog = window.record()
    qtbot.waitUntil(lambda: dialog.words.isVisible(), timeout=TIMEOUT)
    expected = recognise(audio.microphone)
    assert dialog.words.text() == expected and expected
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT) as got:
        qtbot.mouseClick(dialog.words_button, Qt.MouseButton.LeftButton)
    assert got.args[0].text == expected
    assert window.search_bar.field.text() == expected


def test_a_tone_offers_no_words(make_window, qtbot, audio, settings):
    audio.microphone = tone(2.0)
    settings.set("audio/record_seconds", 2)
    window = make_window(start=False)
    dialog = window.record()
    qtbot.waitUntil(lambda: "No words" in dialog.heard.text(), timeout=TIMEOUT)
    assert not dialog.words.isVisible()
