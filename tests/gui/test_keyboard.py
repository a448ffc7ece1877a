"""The main flows from the keyboard alone: search, move through results, play, record."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.media import NOTES, make_library
from tests.media import demo_sound as sound

TIMEOUT = 60_000


def key(qtbot, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "keyboard focus was lost"
    qtbot.keyClick(target, k, modifier)


def test_keyboard_only_flow(make_window, qtbot, tmp_path, settings, audio):
    folder = make_library(tmp_path / "media")
    audio.microphone = sound("noise")
    settings.set("audio/record_seconds", 2)
    window = make_window()
    with qtbot.waitSignal(window.index_panel.finished, timeout=TIMEOUT):
        window.service.add_folder(folder, [], lambda folders: window.index_panel.start())
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)

    # Ctrl+F goes to the search field; typing searches as you type.
    window.view.setFocus()
    key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.search_bar.field
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        qtbot.keyClicks(QApplication.focusWidget(), NOTES["forest.txt"])
    assert Path(window.results_model.result(0).path).name == "forest.txt"

    # Tab reaches "Show weaker" (Space lists the results below the cut-off too), then the
    # results; arrows move; the preview follows.
    pressed = False
    for _ in range(12):
        if QApplication.focusWidget() is window.view:
            break
        if QApplication.focusWidget() is window.summary.button and not pressed:
            key(qtbot, Qt.Key.Key_Space)
            pressed = True
        key(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.view
    assert pressed and window.summary.showing_all
    sounds = [r for r in window.results_model.results() if r.kind == "sound"]
    target = window.results_model.results().index(sounds[0])
    window.view.setCurrentIndex(window.results_model.index(0))
    for _ in range(target):
        key(qtbot, Qt.Key.Key_Right)
    assert window.preview.result is sounds[0]

    # Space plays the selected sound, and stops it.
    qtbot.waitUntil(lambda: window.preview.play_button.isEnabled(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.player.playing_changed) as playing:
        key(qtbot, Qt.Key.Key_Space)
    assert playing.args == [True]
    with qtbot.waitSignal(window.player.playing_changed) as playing:
        key(qtbot, Qt.Key.Key_Space)
    assert playing.args == [False]

    # Ctrl+M: more like this selected sound.
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT) as got:
        key(qtbot, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert got.args[0].item_id == sounds[0].item_id

    # Ctrl+R records; when the clip is done, focus is on "Search with this clip": Enter searches.
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = window.record_dialog
    qtbot.waitUntil(lambda: dialog.search_button.hasFocus(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        key(qtbot, Qt.Key.Key_Space)
    assert Path(window.results_model.result(0).path).name == "noise.wav"
    assert not dialog.isVisible()


def test_focus_is_visible_and_tab_order_is_sensible(make_window, qtbot):
    window = make_window(start=False)
    window.activateWindow()
    window.search_bar.field.setFocus()
    qtbot.waitUntil(lambda: window.search_bar.field.hasFocus())
    seen = []
    for _ in range(12):
        widget = QApplication.focusWidget()
        seen.append(widget)
        key(qtbot, Qt.Key.Key_Tab)
    order = [window.search_bar.field, *window.search_bar.toggles.values(),
             window.record_button, window.add_button, window.view]
    assert seen[: len(order)] == order
    # Every control in the chain takes keyboard focus (and so draws its focus frame).
    assert all(w.focusPolicy() & Qt.FocusPolicy.TabFocus for w in order)


def test_search_by_file_from_the_keyboard(make_window, qtbot, tmp_path):
    # Regression: searching by example needed a drag or the clipboard.
    from PySide6.QtWidgets import QFileDialog

    folder = make_library(tmp_path / "media")
    window = make_window()
    with qtbot.waitSignal(window.index_panel.finished, timeout=TIMEOUT):
        window.service.add_folder(folder, [], lambda folders: window.index_panel.start())
    window.activateWindow()
    window.search_bar.field.setFocus()
    qtbot.waitUntil(lambda: window.search_bar.field.hasFocus())
    key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier
        | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.search_file_dialog
    assert isinstance(dialog, QFileDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.accessibleName() == "Search by file"
    assert dialog.accessibleDescription()
    assert dialog.fileMode() == QFileDialog.FileMode.ExistingFile
    assert any("*.wav" in f and "*.jpg" in f and "*.txt" in f for f in dialog.nameFilters())
    dialog.selectFile(str(folder / "green.jpg"))
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT) as got:
        dialog.accept()
    assert got.args[0].file == folder / "green.jpg"
    assert Path(window.results_model.result(0).path).name == "green.jpg"
