"""The Record dialog: live level meter and timer, stop or fixed length, play, save, search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.services.audio import RECORD_RATE, Player, Recorder, save_wav
from app.gui.services.speech import SpeechRecogniser
from app.gui.services.thumbnails import format_seconds


class RecordDialog(QDialog):
    """Emits ``search_requested(samples, rate)`` when the person searches with the clip."""

    search_requested = Signal(object, int)
    words_search_requested = Signal(str)

    def __init__(self, recorder: Recorder, player: Player, max_seconds: float = 10.0,
                 speech: SpeechRecogniser | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Search by microphone")
        self.setAccessibleName("Search by microphone")
        self.recorder = recorder
        self.player = player
        self.max_seconds = max_seconds
        self.samples: np.ndarray | None = None
        self.speech = speech
        self._fitting = False
        self._status_widgets(max_seconds)
        self._words_widgets()
        self._buttons()
        self._layout()
        if speech is not None:
            speech.recognised.connect(self._recognised)
            speech.failed.connect(self._speech_failed)
        recorder.level.connect(lambda v: self.meter.setValue(int(v * 100)))
        recorder.elapsed.connect(lambda s: self.clock.setText(self._clock_text(s)))
        recorder.finished.connect(self._finished)
        recorder.failed.connect(self._failed)
        self._update_buttons()

    def _status_widgets(self, max_seconds: float) -> None:
        self.info = QLabel(
            f"Record up to {int(max_seconds)} seconds of sound; the clip is searched "
            "against your sounds and photos.", self)
        self.info.setWordWrap(True)
        self.meter = QProgressBar(self)
        self.meter.setRange(0, 100)
        self.meter.setFormat("Level %p%")
        self.meter.setAccessibleName("Input level")
        self.meter.setAccessibleDescription("How loud the microphone hears the sound now")
        self.clock = QLabel(self._clock_text(0.0), self)
        self.clock.setAccessibleName("Recording time")
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Microphone problem")
        self.error.hide()

    def _words_widgets(self) -> None:
        """What speech recognition heard, editable, with a button to search by it."""
        self.heard = QLabel("", self)
        self.heard.setAccessibleName("Speech")
        self.heard.hide()
        self.words = QLineEdit(self)
        self.words.setAccessibleName("Recognised words")
        self.words.setAccessibleDescription("The words heard in the recording; correct them "
                                            "if needed, then search by them")
        self.words.hide()
        self.words_button = self._button("Search by these &words", "Search by these words",
                                         "Search your library for the recognised words")
        self.words_button.hide()
        self.words_button.clicked.connect(self._search_words)
        self.words.returnPressed.connect(self._search_words)

    def _buttons(self) -> None:
        self.record_button = self._button("&Record", "Start recording",
                                          "Start or stop recording from the microphone")
        self.play_button = self._button("&Play", "Play recording", "Play the recorded clip")
        self.save_button = self._button("Sa&ve\u2026", "Save recording",
                                        "Save the recorded clip as a WAV file")
        self.search_button = self._button("&Search with this clip", "Search with this clip",
                                          "Find sounds and photos like the recording")
        self.close_button = self._button("&Close", "Close", "Close this window")
        self.record_button.clicked.connect(self.toggle_recording)
        self.play_button.clicked.connect(self._play)
        self.save_button.clicked.connect(self._save)
        self.search_button.clicked.connect(self._search)
        self.close_button.clicked.connect(self.reject)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for b in (self.record_button, self.play_button, self.save_button, self.search_button,
                  self.close_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.meter)
        layout.addWidget(self.clock)
        layout.addWidget(self.error)
        layout.addWidget(self.heard)
        words_row = QHBoxLayout()
        words_row.addWidget(self.words, 1)
        words_row.addWidget(self.words_button)
        layout.addLayout(words_row)
        layout.addLayout(buttons)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize, QEvent.Type.Show):
            self._fit_height()
        return handled

    def _fit_height(self) -> None:
        """Qt sizes a window by its layout's minimum, which leaves out the extra lines of
        wrapped labels (the intro, the microphone's error): make the window at least as tall
        as the layout needs at its present width, so no line is clipped."""
        layout = self.layout()
        if layout is None or self._fitting:
            return
        self._fitting = True
        try:
            layout.activate()
            need = layout.totalHeightForWidth(self.width())
            if need > 0 and need != self.minimumHeight():
                self.setMinimumHeight(need)
            if need > self.height():
                self.resize(self.width(), need)
        finally:
            self._fitting = False

    def _button(self, text: str, name: str, description: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setAccessibleDescription(description)
        return button

    def _clock_text(self, seconds: float) -> str:
        return f"{format_seconds(seconds)} of {format_seconds(self.max_seconds)}"

    def _update_buttons(self) -> None:
        recording = self.recorder.recording
        self.record_button.setText("&Stop" if recording else "&Record")
        self.record_button.setAccessibleName("Stop recording" if recording else "Start recording")
        has_clip = self.samples is not None and len(self.samples) > 0 and not recording
        for b in (self.play_button, self.save_button, self.search_button):
            b.setEnabled(has_clip)

    def toggle_recording(self) -> None:
        if self.recorder.recording:
            self.recorder.stop()
        else:
            self.error.hide()
            for w in (self.heard, self.words, self.words_button):
                w.hide()
            self.samples = None
            self.player.stop()
            self.recorder.start(self.max_seconds)
        self._update_buttons()

    def _finished(self, samples: np.ndarray) -> None:
        if not self.isVisible():  # closed while recording: the clip is not wanted
            return
        self.samples = samples
        self._update_buttons()
        if len(samples):
            self.search_button.setFocus()
            if self.speech is not None and self.speech.enabled:
                self.heard.setText("Listening for words in the recording\u2026")
                self.heard.show()
                self.speech.start(samples, RECORD_RATE)

    def _recognised(self, words: str) -> None:
        if not words:
            self.heard.setText("No words were recognised in the recording.")
            return
        self.heard.setText("Heard words \u2014 search by them?")
        self.words.setText(words)
        self.words.show()
        self.words_button.show()

    def _speech_failed(self, message: str) -> None:
        self.heard.setText(message)
        self.heard.show()

    def _search_words(self) -> None:
        words = self.words.text().strip()
        if words:
            self.words_search_requested.emit(words)
            self.accept()

    def _failed(self, message: str) -> None:
        self.error.setText(message)
        self.error.setAccessibleName(message)  # a screen reader speaks the problem itself
        self.error.show()
        self._update_buttons()

    def _play(self) -> None:
        if self.samples is not None:
            self.player.play(self.samples, RECORD_RATE, source="recording")

    def _save(self) -> None:
        if self.samples is None:
            return
        name, _ = QFileDialog.getSaveFileName(self, "Save recording", "recording.wav",
                                              "WAV audio (*.wav)")
        if name:
            save_wav(Path(name), self.samples, RECORD_RATE)

    def _search(self) -> None:
        if self.samples is not None and len(self.samples):
            self.search_requested.emit(self.samples, RECORD_RATE)
            self.accept()

    def done(self, result: int) -> None:  # closing stops the microphone
        super().done(result)
        if self.recorder.recording:
            self.recorder.stop()
        self.player.stop()
