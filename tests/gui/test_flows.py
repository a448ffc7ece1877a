"""The main flows, driven through the real widgets over a real library and network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from app.gui.widgets.indexing import ProblemsDialog
from app.gui.widgets.results import accessible_text
from tests.media import NOTES, make_library
from tests.media import demo_sound as sound

TIMEOUT = 60_000


def index_folder(qtbot, window, folder: Path, exclude: str = "") -> object:
    """Add ``folder`` through the Folders dialog and wait for indexing to finish."""
    dialog = window.show_folders()
    qtbot.keyClicks(dialog.exclude, exclude)
    with qtbot.waitSignal(window.index_panel.finished, timeout=TIMEOUT) as finished:
        dialog.add(folder)
    dialog.close()
    return finished.args[0]


def type_query(qtbot, window, text: str) -> list:
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT) as got:
        qtbot.keyClicks(window.search_bar.field, text)
    return got.args[1]


def show_weaker(window) -> None:
    """Lists the results below the good-match cut-off too (the button above the grid)."""
    if window.summary.button.isVisible() and not window.summary.showing_all:
        window.summary.button.click()


def names(window, weaker: bool = True) -> list[str]:
    """The listed results' file names; with ``weaker``, those below the good-match cut-off
    too (these tests are about the flows; the cut-off has its own tests)."""
    if weaker:
        show_weaker(window)
    return [Path(r.path).name for r in window.results_model.results()]


def test_add_folder_index_and_search_by_words(make_window, qtbot, tmp_path):
    window = make_window()
    folder = make_library(tmp_path / "media")
    (folder / "draft.tmp.txt").write_text("should never be indexed")
    report = index_folder(qtbot, window, folder, exclude="*.tmp.txt")
    assert report.added == 9 and not report.cancelled
    assert window.folders == [folder]
    assert "9 added" in window.index_panel.label.text()

    type_query(qtbot, window, NOTES["beach.txt"])
    assert names(window, weaker=False)[0] == "beach.txt"
    # Only the good matches are listed; the weaker ones are one button away.
    good = len(names(window, weaker=False))
    assert window.count_label.text().startswith(f"{good} good match")
    assert "draft.tmp.txt" not in names(window)
    assert "weaker shown" in window.count_label.text()
    # The preview shows the selected top result, the note's text.
    qtbot.waitUntil(lambda: NOTES["beach.txt"] in window.preview.note.toPlainText())

    # Kind toggles: only photos.
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        qtbot.mouseClick(window.search_bar.toggles["sound"], Qt.MouseButton.LeftButton)
        qtbot.mouseClick(window.search_bar.toggles["note"], Qt.MouseButton.LeftButton)
    show_weaker(window)  # a new search hides the weaker ones again
    assert {r.kind for r in window.results_model.results()} == {"image"}
    index = window.results_model.index(0)
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == accessible_text(
        window.results_model.result(0))


def test_new_query_supersedes_the_old_one(make_window, qtbot, tmp_path):
    window = make_window()
    index_folder(qtbot, window, make_library(tmp_path / "media"))
    shown: list[str] = []
    window.searches.results.connect(lambda request, results: shown.append(request.text))
    window.search_bar.field.setText("kitchen")
    window.search_bar.search_now()
    window.search_bar.field.setText(NOTES["forest.txt"])
    window.search_bar.search_now()
    qtbot.waitUntil(lambda: NOTES["forest.txt"] in shown, timeout=TIMEOUT)
    window.runner.wait_idle()
    QApplication.processEvents()
    assert shown == [NOTES["forest.txt"]]  # the stale answer was dropped
    assert names(window)[0] == "forest.txt"


def drop(window, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(window.rect().center())
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)


def test_drop_files_and_folders(make_window, qtbot, tmp_path):
    window = make_window()
    folder = make_library(tmp_path / "media")
    with qtbot.waitSignal(window.index_panel.finished, timeout=TIMEOUT):
        drop(window, [folder])  # a dropped folder joins the library
    assert window.folders == [folder]

    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        drop(window, [folder / "green.jpg"])
    assert names(window)[0] == "green.jpg"
    assert window.results_model.result(0).score > 0.99

    # A result dragged out of the grid carries its file; dropped back, it searches by it.
    row = names(window).index("chirp.wav") if "chirp.wav" in names(window) else None
    if row is None:
        with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
            window.search_file(folder / "chirp.wav")
        row = 0
    mime = window.results_model.mimeData([window.results_model.index(row)])
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        drop(window, [Path(u.toLocalFile()) for u in mime.urls()])
    assert names(window)[0] == "chirp.wav"
    assert window.results_model.result(0).kind == "sound"


def test_unreadable_files_are_listed_with_the_reason(make_window, qtbot, tmp_path):
    window = make_window()
    folder = make_library(tmp_path / "media")
    (folder / "broken.jpg").write_bytes(b"not a jpeg at all")
    index_folder(qtbot, window, folder)
    qtbot.waitUntil(lambda: window.index_panel.problems_button.isVisible(), timeout=TIMEOUT)
    assert window.index_panel.problems_button.text() == "1 unreadable"
    window.index_panel.show_problems()
    dialog = window.findChild(ProblemsDialog)
    assert dialog.table.item(0, 0).text().endswith("broken.jpg")
    assert dialog.table.item(0, 1).text()


def test_record_search_and_play(make_window, qtbot, tmp_path, audio, settings):
    folder = make_library(tmp_path / "media")
    audio.microphone = sound("chirp")  # the microphone hears exactly chirp.wav
    settings.set("audio/record_seconds", 2)
    window = make_window()
    index_folder(qtbot, window, folder)

    dialog = window.record()  # starts recording at once
    qtbot.waitUntil(lambda: dialog.meter.value() > 30, timeout=TIMEOUT)
    assert window.recorder.recording
    qtbot.waitUntil(lambda: dialog.search_button.isEnabled(), timeout=TIMEOUT)  # stops at 2 s
    assert dialog.clock.text().startswith("0:02.0")
    assert np.allclose(dialog.samples, sound("chirp"))

    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.search_button, Qt.MouseButton.LeftButton)
    assert {r.kind for r in window.results_model.results()} <= {"sound", "image"}
    assert names(window)[0] == "chirp.wav"

    # Play the top result: the sound reaches the output stream.
    qtbot.waitUntil(lambda: window.preview.play_button.isEnabled(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.player.playing_changed) as playing:
        qtbot.mouseClick(window.preview.play_button, Qt.MouseButton.LeftButton)
    assert playing.args == [True]
    assert window.preview.play_button.text() == "&Stop"
    qtbot.waitUntil(lambda: not window.player.playing, timeout=TIMEOUT)
    played = np.concatenate(audio.outputs[-1].played)
    assert np.abs(played).max() > 0.3


def test_no_microphone_says_so(make_window, qtbot):
    from app.gui.services.audio import AudioUnavailable

    def no_device(rate, callback):
        raise AudioUnavailable("No microphone was found, or this program may not use it.")

    window = make_window(start=False)
    window.recorder._factory = no_device
    dialog = window.record()
    assert dialog.error.isVisible()
    assert "No microphone" in dialog.error.text()
    assert not dialog.search_button.isEnabled()


def test_more_like_this(make_window, qtbot, tmp_path):
    window = make_window()
    index_folder(qtbot, window, make_library(tmp_path / "media"))
    window.search_file(tmp_path / "media" / "noise.wav")
    qtbot.waitUntil(lambda: names(window)[:1] == ["noise.wav"], timeout=TIMEOUT)
    window.view.setCurrentIndex(window.results_model.index(1))
    other = window.results_model.result(1)
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT) as got:
        qtbot.mouseClick(window.preview.more_button, Qt.MouseButton.LeftButton)
    assert got.args[0].item_id == other.item_id
    assert names(window) and Path(other.path).name not in names(window)  # the others like it
    assert window.count_label.text().endswith(f"for {Path(other.path).name}")


def test_indexing_survives_closing_the_window(make_window, qtbot, tmp_path):
    folder = make_library(tmp_path / "media")
    window = make_window()
    with qtbot.waitSignal(window.service.folders_changed, timeout=TIMEOUT):
        window.service.add_folder(folder, [], lambda folders: None)
    window.index_panel.start()
    window.index_panel.toggle_pause()  # pause at once
    assert window.index_panel.paused
    window.shutdown()  # closing waits for the job to stop

    again = make_window()  # the next start resumes indexing by itself
    qtbot.waitUntil(lambda: again.index_panel.last_report is not None, timeout=TIMEOUT)
    type_query(qtbot, again, NOTES["kitchen.txt"])
    assert names(again)[0] == "kitchen.txt"
    show_weaker(again)
    assert len({r.path for r in again.results_model.results()}) == 9


def test_paste_an_image_to_search_by_it(make_window, qtbot, tmp_path):
    from PySide6.QtGui import QImage

    window = make_window()
    folder = make_library(tmp_path / "media")
    index_folder(qtbot, window, folder)
    QApplication.clipboard().setImage(QImage(str(folder / "blue.png")))
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(lambda: window.view.hasFocus())
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT) as got:
        qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert got.args[0].file.name == "pasted image.png"
    assert names(window)[0] == "blue.png"


def test_a_missing_model_is_reported_not_waited_for(make_window, qtbot, settings, tmp_path,
                                                    monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    settings.set("model/checkpoint", str(tmp_path / "no-such-model.pt"))
    window = make_window(start=False, model=None)
    window.search_bar.field.setText("rain")
    window.search_bar.search_now()
    assert "once the model has loaded" in window.count_label.text()
    with qtbot.waitSignal(window.service.open_failed, timeout=TIMEOUT):
        window.start()
    qtbot.waitUntil(lambda: "Could not search" in window.count_label.text(), timeout=TIMEOUT)
    assert "no-such-model.pt" in window.count_label.text()
    assert shown and "no-such-model.pt" in shown[0]


def test_play_button_on_a_sound_tile(make_window, qtbot, tmp_path, audio):
    from app.gui.widgets.tile import button_rect

    window = make_window()
    index_folder(qtbot, window, make_library(tmp_path / "media"))
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        window.search_file(tmp_path / "media" / "tone.wav")
    row = names(window).index("noise.wav")
    rect = window.view.visualRect(window.results_model.index(row))
    button = button_rect(rect, window.view.iconSize().width())
    with qtbot.waitSignal(window.player.playing_changed, timeout=TIMEOUT) as playing:
        qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                         pos=button.center())
    assert playing.args == [True]
    assert window.player.source.endswith("noise.wav")
    assert window.preview.result is window.results_model.result(row)
    with qtbot.waitSignal(window.player.playing_changed, timeout=TIMEOUT) as stopped:
        qtbot.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton,
                         pos=button.center())
    assert stopped.args == [False]


def test_closing_the_record_dialog_stops_the_microphone(make_window, qtbot, audio):
    window = make_window(start=False)
    dialog = window.record()
    qtbot.waitUntil(lambda: window.recorder.recording and dialog.meter.value() > 0,
                    timeout=TIMEOUT)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not window.recorder.recording
    assert audio.inputs[-1]._stop.is_set()  # the stream was stopped and closed
    assert not dialog.heard.isVisible()  # nothing was sent to speech recognition


def test_a_long_note_shows_the_passage_that_matched(make_window, qtbot, tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    words = [f"word{i}" for i in range(120)]
    (folder / "diary.txt").write_text(" ".join(words))
    window = make_window()
    index_folder(qtbot, window, folder)
    passage = " ".join(words[32:80])  # the note's second passage, exactly
    type_query(qtbot, window, passage)
    top = window.results_model.result(0)
    assert Path(top.path).name == "diary.txt" and top.segment.text == passage
    qtbot.waitUntil(lambda: window.preview.note.textCursor().selectedText() == passage,
                    timeout=TIMEOUT)


def test_kind_toggles_rerun_the_search_by_example_not_the_stale_text(make_window, qtbot,
                                                                     tmp_path):
    # Regression: after a drop, a toggle reran the text left in the field.
    window = make_window()
    folder = make_library(tmp_path / "media")
    index_folder(qtbot, window, folder)
    type_query(qtbot, window, NOTES["beach.txt"])
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        drop(window, [folder / "green.jpg"])
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT) as got:
        qtbot.mouseClick(window.search_bar.toggles["note"], Qt.MouseButton.LeftButton)
    request = got.args[0]
    assert request.text is None and request.file == folder / "green.jpg"
    assert request.kinds == frozenset({"image", "sound", "video"})
    assert "note" not in {r.kind for r in window.results_model.results()}
    assert names(window)[0] == "green.jpg"
    assert window.count_label.text().endswith("for green.jpg")
    # Typing again searches by the words.
    window.search_bar.field.clear()
    type_query(qtbot, window, NOTES["forest.txt"])
    assert window.searches.current.text == NOTES["forest.txt"]


def test_open_and_show_in_folder_say_so_when_no_opener_is_installed(make_window, qtbot,
                                                                      tmp_path, monkeypatch):
    # Regression: without xdg-open (or a portal) both buttons did nothing, silently.
    from PySide6.QtGui import QDesktopServices

    asked: list[str] = []

    def no_opener(url) -> bool:
        asked.append(url.toLocalFile())
        return False

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(no_opener))
    window = make_window()
    folder = make_library(tmp_path / "media")
    index_folder(qtbot, window, folder)
    type_query(qtbot, window, NOTES["beach.txt"])
    qtbot.waitUntil(lambda: window.preview.open_button.isEnabled(), timeout=TIMEOUT)
    status = window.statusBar()
    status.clearMessage()
    qtbot.mouseClick(window.preview.open_button, Qt.MouseButton.LeftButton)
    assert asked == [str(folder / "beach.txt")]
    assert status.currentMessage().startswith("Could not open beach.txt: no program")
    status.clearMessage()
    window.open_selected()  # Result -> Open (Ctrl+Return)
    assert "Could not open beach.txt" in status.currentMessage()
    status.clearMessage()
    qtbot.mouseClick(window.preview.reveal_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status.currentMessage().startswith(
        f"Could not show the folder {folder}"), timeout=TIMEOUT)
