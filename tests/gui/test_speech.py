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
    expected = recognise(audio.microphone, words=window.service.speech_words())  # the search's
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


RAIN = Path(__file__).parent / "data" / "rain_on_a_tin_roof.wav"  # espeak-ng en-us+klatt


def test_recognition_hears_only_the_words_a_search_can_use():
    """With the search's words the decoder cannot wander off into English
    at large (the general model hears "menon same roof" in this clip)."""
    from core.tagging.vocabulary import load_vocabulary
    from core.text.words import search_words

    words = search_words(load_vocabulary().words)
    heard = recognise(read_wav(RAIN), words=words).split()
    assert {"rain", "roof"} <= set(heard) and set(heard) <= set(words)
    assert recognise(np.zeros(16000, np.float32), words=words) == ""


def test_the_window_offers_its_library_words_to_the_recogniser(make_window, qtbot, audio,
                                                                settings, tmp_path):
    from tests.gui.test_flows import index_folder
    from tests.media import make_library

    (tmp_path / "mine.txt").write_text("## mine\nzeppelin\n")
    settings.set("tags/vocabulary", str(tmp_path / "mine.txt"))
    window = make_window()
    index_folder(qtbot, window, make_library(tmp_path / "media"))
    words = set(window.speech.words())  # what the window gives its recogniser
    # the library's file names, the bundled and the chosen tag vocabularies, small words
    assert {"chirp", "chirping", "tone", "beach", "rain", "zeppelin", "the", "on"} <= words
    clip = read_wav(RAIN)
    audio.microphone = np.concatenate([clip, np.zeros(16000 * 2 - len(clip), np.float32)])
    settings.set("audio/record_seconds", 2)
    dialog = window.record()
    qtbot.waitUntil(lambda: dialog.words.isVisible(), timeout=TIMEOUT)
    assert set(dialog.words.text().split()) <= words and "rain" in dialog.words.text()


def test_the_child_recogniser_needs_no_import_path_trick(tmp_path, monkeypatch):
    """The window's recogniser runs in a spawned child process (the way that
    also works installed and frozen), not `python -m ...` with PYTHONPATH pointed at the
    checkout: with no PYTHONPATH and another working directory it hears the same words as the
    decoder in this process, and still limits them to the search's words."""
    from app.gui.services.speech import recognise_in_child
    from core.tagging.vocabulary import load_vocabulary
    from core.text.words import search_words

    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.chdir(tmp_path)
    words = search_words(load_vocabulary().words)
    clip = read_wav(RAIN)
    assert recognise_in_child(clip, words=words) == recognise(clip, words=words)
    assert recognise_in_child(read_wav(SPEECH)) == recognise(read_wav(SPEECH))
    assert recognise_in_child(np.zeros(16000, np.float32)) == ""
