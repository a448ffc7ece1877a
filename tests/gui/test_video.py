"""Videos in the window, through the real widgets over a real library and network: the
result shows the picture at the moment that matched and says it aloud, plays from there
(pictures decoded by PyAV, the soundtrack through the sound output, injected at the
sounddevice boundary), a dropped video searches by it, the Videos toggle, tags."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.test_flows import TIMEOUT, drop, index_folder, names
from tests.test_video import DEMO, looks_like, photo, sound
from tools.videogen import write_video


def _media(root: Path) -> Path:
    """A walk in a meadow that ends with a cow (and its moo), a fire, and a photo."""
    write_video(root / "walk.mp4", [(photo("green_meadow_grass.jpg"), 6.0),
                                    (photo("cow.png"), 6.0)],
                np.concatenate([sound("birds_singing.wav", 6), sound("cow_mooing.wav", 6)]))
    write_video(root / "fire.mkv", [(photo("fire.png"), 6.0)], sound("fire_crackling.wav", 6))
    shutil.copy(DEMO / "photos" / "horse.png", root / "horse.png")
    return root


def _pixels(label) -> np.ndarray:
    image = label.pixmap().toImage().convertToFormat(label.pixmap().toImage().Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return rows[:, : 3 * w].reshape(h, w, 3).copy()


def _select(qtbot, window, name: str):
    row = names(window).index(name)
    window.view.setCurrentIndex(window.results_model.index(row))
    preview = window.preview
    qtbot.waitUntil(lambda: preview.play_button.isEnabled(), timeout=TIMEOUT)
    return row, preview


def test_a_video_result_shows_and_plays_its_moment(make_window, qtbot, tmp_path, audio):
    window = make_window()
    index_folder(qtbot, window, _media(tmp_path / "media"))
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        window.search_file(DEMO / "photos" / "cow.png")
    row, preview = _select(qtbot, window, "walk.mp4")
    result = window.results_model.result(row)
    assert result.kind == "video" and result.segment.track == "picture"
    assert 5.5 <= result.segment.start_s <= 12.0
    spoken = window.results_model.index(row).data(Qt.ItemDataRole.AccessibleTextRole)
    assert spoken.startswith("walk.mp4, video, ") and "by its picture" in spoken
    assert "by its picture" in preview.title.text()
    # the poster is the picture at that moment: the cow, not the meadow
    assert looks_like(_pixels(preview.picture), photo("cow.png"),
                      photo("green_meadow_grass.jpg"))
    assert preview.play_button.accessibleName() == "Play" and preview.position.isVisible()
    # play from the moment, from the keyboard (Space on the results plays the selection)
    with qtbot.waitSignal(preview.video.playing_changed, timeout=TIMEOUT) as started:
        window.play_selected()
    assert started.args == [True] and preview.play_button.accessibleName() == "Stop"
    with qtbot.waitSignal(preview.video.frame, timeout=TIMEOUT):
        pass
    qtbot.waitUntil(lambda: preview.position.value() >= int(result.segment.start_s * 10) + 3,
                    timeout=TIMEOUT)
    # the soundtrack went to the sound output (the fake card pulls faster than real time)
    qtbot.waitUntil(lambda: any(np.nan_to_num(b).any() for o in audio.outputs
                                for b in list(o.played)), timeout=TIMEOUT)
    with qtbot.waitSignal(preview.video.playing_changed, timeout=TIMEOUT) as stopped:
        qtbot.mouseClick(preview.play_button, Qt.MouseButton.LeftButton)
    assert stopped.args == [False] and not window.player.playing
    assert preview.play_button.accessibleName() == "Play"


def test_a_video_plays_to_its_end(make_window, qtbot, tmp_path):
    window = make_window()
    index_folder(qtbot, window, _media(tmp_path / "media"))
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        window.search_file(DEMO / "sounds" / "fire_crackling.wav")
    row, preview = _select(qtbot, window, "fire.mkv")
    assert window.results_model.result(row).segment.track == "sound"
    with qtbot.waitSignal(preview.video.playing_changed, timeout=TIMEOUT):
        preview.toggle_play()
    with qtbot.waitSignal(preview.video.playing_changed, timeout=TIMEOUT) as ended:
        pass  # six seconds of video
    assert ended.args == [False] and preview.position.value() >= 55


def test_dropping_a_video_searches_by_it_and_the_toggle(make_window, qtbot, tmp_path):
    window = make_window()
    folder = _media(tmp_path / "media")
    index_folder(qtbot, window, folder)
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        drop(window, [folder / "fire.mkv"])
    top = window.results_model.result(0)
    assert names(window)[0] == "fire.mkv" and top.score > 0.99 and top.good
    toggle = window.search_bar.toggles["video"]
    assert toggle.accessibleName() == "Show videos" and toggle.text() == "&Videos"
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        toggle.setChecked(False)
    assert names(window) and not [n for n in names(window) if n.endswith((".mkv", ".mp4"))]


def test_tag_a_video_from_the_keyboard(make_window, qtbot, tmp_path):
    window = make_window()
    index_folder(qtbot, window, _media(tmp_path / "media"))
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        window.search_file(tmp_path / "media" / "fire.mkv")
    window.view.setCurrentIndex(window.results_model.index(0))
    window.activateWindow()  # back from the Folders dialog
    window.view.setFocus()
    qtbot.waitUntil(lambda: window.view.hasFocus())
    qtbot.keyClick(window.view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    field = window.preview.tags_panel.new_tag
    assert QApplication.focusWidget() is field
    with qtbot.waitSignal(window.tagging.changed, timeout=TIMEOUT):
        qtbot.keyClicks(field, "campfire")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.results_model.index(0).data(
        Qt.ItemDataRole.AccessibleTextRole).endswith("; tags: campfire"), timeout=TIMEOUT)
