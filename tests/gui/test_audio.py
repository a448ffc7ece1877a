"""Recording and playback through streams injected at the sounddevice boundary."""

from __future__ import annotations

import wave

import numpy as np

from app.gui.services.audio import RECORD_RATE, AudioUnavailable, Player, Recorder, save_wav
from tests.gui.fakes import FakeAudio
from tests.media import tone


def test_recorder_levels_timer_and_fixed_length(qtbot):
    audio = FakeAudio(tone(0.6, amp=0.5))
    recorder = Recorder(audio.input)
    levels: list[float] = []
    recorder.level.connect(levels.append)
    with qtbot.waitSignal(recorder.finished) as finished:
        recorder.start(max_seconds=1.0)  # stops by itself at the fixed length
    samples = finished.args[0]
    assert len(samples) == RECORD_RATE  # exactly one second
    assert np.allclose(samples[:800], tone(0.6, amp=0.5)[:800])
    assert max(levels) > 0.4  # the meter moved with the tone
    assert not recorder.recording


def test_recorder_reports_missing_microphone(qtbot):
    def no_device(rate, callback):
        raise AudioUnavailable("No microphone was found")

    recorder = Recorder(no_device)
    with qtbot.waitSignal(recorder.failed) as failed:
        recorder.start()
    assert "No microphone" in failed.args[0]
    assert not recorder.recording


def test_player_plays_the_samples_through(qtbot):
    audio = FakeAudio()
    player = Player(audio.output)
    clip = tone(0.2, freq=300, sr=44100)
    with qtbot.waitSignal(player.playing_changed) as started:
        player.play(clip, 44100, source="x")
    assert started.args == [True]
    qtbot.waitUntil(lambda: not player.playing)
    played = np.concatenate(audio.outputs[0].played)
    assert np.allclose(played[: len(clip)], clip)


def test_save_wav(tmp_path):
    path = tmp_path / "clip.wav"
    save_wav(path, tone(0.5), RECORD_RATE)
    with wave.open(str(path)) as w:
        assert w.getframerate() == RECORD_RATE and w.getnframes() == RECORD_RATE // 2


def test_player_starts_at_the_matching_moment(qtbot):
    audio = FakeAudio()
    player = Player(audio.output)
    rate = 1000
    clip = np.concatenate([np.zeros(2 * rate), np.full(rate, 0.5)]).astype(np.float32)
    player.play(clip, rate, start_s=2.0)
    qtbot.waitUntil(lambda: not player.playing)
    played = np.concatenate(audio.outputs[0].played)
    assert np.allclose(played[:rate], 0.5)  # the silent first two seconds were skipped


def test_meter_is_in_decibels():
    from app.gui.services.audio import meter_level

    assert meter_level(1.0) == 1.0
    assert abs(meter_level(0.5) - 0.9) < 0.01  # -6 dB
    assert abs(meter_level(0.001) - 0.0) < 1e-9  # -60 dB: the bottom
    assert meter_level(0.0) == 0.0


def test_record_dialog_shows_its_intro_and_the_microphone_error_whole(qtbot):
    # Regression: the wrapped intro line and "No microphone was found" were cut off
    # at the top and bottom: the window was as tall as its layout's one-line minimum.
    from app.gui.dialogs.record import RecordDialog

    message = ("No microphone was found, or this program may not use it. Connect a "
               "microphone and check that this program may use it in the system's sound "
               "and privacy settings.")

    def no_device(rate, callback):
        raise AudioUnavailable(message)

    dialog = RecordDialog(Recorder(no_device), Player(FakeAudio().output), 10.0, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.recorder.failed):
        dialog.toggle_recording()
    qtbot.waitUntil(dialog.error.isVisible)

    def whole(label) -> bool:
        return label.height() >= label.heightForWidth(label.width())

    for label in (dialog.info, dialog.error):
        qtbot.waitUntil(lambda label=label: whole(label))
    assert dialog.error.text() == message
    # Narrower: more lines, and the window grows with them.
    dialog.resize(dialog.minimumWidth(), dialog.height())
    for label in (dialog.info, dialog.error):
        qtbot.waitUntil(lambda label=label: whole(label))
    assert dialog.layout().totalHeightForWidth(dialog.width()) <= dialog.height()
