"""The window in step with the disk: a rescan command, results
that refresh when indexing ends, folders watched and indexed in the background, copies
shown once, F6 / Ctrl+Tab between panes, results described for screen readers."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.gui.widgets.indexing import describe_report
from app.gui.widgets.results import description_text
from core.library.progress import IndexReport
from tests.gui.test_flows import TIMEOUT, index_folder, names, type_query
from tests.media import NOTES, make_library

NEW_NOTE = "A heron stands in the shallow water of the reed bed at dawn."


def test_rescan_finds_new_files_and_the_results_refresh(make_window, qtbot, tmp_path):
    window = make_window()
    folder = make_library(tmp_path / "media")
    index_folder(qtbot, window, folder)
    type_query(qtbot, window, NEW_NOTE)
    assert "heron.txt" not in names(window)
    (folder / "heron.txt").write_text(NEW_NOTE + "\n")
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):  # no typing: a refresh
        window.menus.rescan_action.trigger()
    assert window.index_panel.last_report.added == 1
    assert names(window)[0] == "heron.txt"
    (folder / "heron.txt").unlink()
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        window.menus.rescan_action.trigger()
    assert "heron.txt" not in names(window)
    assert window.menus.rescan_action.shortcut().toString() == "F5"


def test_watched_folders_are_indexed_in_the_background(make_window, qtbot, tmp_path,
                                                      settings):
    settings.set("library/watch", True)
    window = make_window()
    window.live.watcher._timer.setInterval(200)
    folder = make_library(tmp_path / "media")
    index_folder(qtbot, window, folder)
    qtbot.waitUntil(lambda: str(folder) in window.live.watcher.watched(), timeout=TIMEOUT)
    assert str(window.service.library_dir) not in window.live.watcher.watched()
    type_query(qtbot, window, NEW_NOTE)
    # A folder made after the library was added, then a note in it: both seen, one run.
    (folder / "birds").mkdir()
    qtbot.waitUntil(lambda: str(folder / "birds") in window.live.watcher.watched(),
                    timeout=TIMEOUT)
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        (folder / "birds" / "heron.txt").write_text(NEW_NOTE + "\n")
    assert names(window)[0] == "heron.txt"  # indexed in the background, results refreshed
    # Paused by the person: a change does not resume indexing behind their back.
    window.index_panel.last_report = IndexReport(cancelled=True)  # what a pause leaves
    window.live._folders_changed_on_disk()
    assert not window.index_panel.running
    window.menus.rescan_action.trigger()  # F5 does
    assert window.index_panel.running
    qtbot.waitUntil(lambda: not window.index_panel.running, timeout=TIMEOUT)
    # Off in the settings: nothing is watched.
    settings.set("library/watch", False)
    window.live.apply()
    assert window.live.watcher.watched() == []
    settings.set("library/watch", True)
    window.live.apply()
    qtbot.waitUntil(lambda: str(folder / "birds") in window.live.watcher.watched(),
                    timeout=TIMEOUT)


def test_copies_are_counted_and_shown_once(make_window, qtbot, tmp_path):
    window = make_window()
    folder = make_library(tmp_path / "media")
    index_folder(qtbot, window, folder)
    copies = tmp_path / "copies"
    copies.mkdir()
    for name in NOTES:
        shutil.copy2(folder / name, copies / name)
    report = index_folder(qtbot, window, copies)
    assert report.copied == len(NOTES) and report.added == 0
    assert window.index_panel.label.text() == (
        f"Library up to date: {len(NOTES)} copies of files already in the library "
        "(shown once in results)")
    type_query(qtbot, window, NOTES["beach.txt"])
    assert len(names(window)) == len(set(names(window)))  # each note once
    top = window.results_model.index(0)
    tip = top.data(Qt.ItemDataRole.ToolTipRole)
    assert f"also at {copies / names(window)[0]}" in tip
    assert describe_report(IndexReport(unchanged=12)) == (
        "Library up to date: no new or changed files among 12")


def test_f6_and_ctrl_tab_move_between_panes(make_window, qtbot, tmp_path):
    window = make_window()
    index_folder(qtbot, window, make_library(tmp_path / "media"))
    type_query(qtbot, window, NOTES["beach.txt"])
    window.activateWindow()
    window.search_bar.field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.search_bar.field)

    def press(key, mod=Qt.KeyboardModifier.NoModifier):
        qtbot.keyClick(QApplication.focusWidget(), key, mod)
        return QApplication.focusWidget()

    assert press(Qt.Key.Key_F6) is window.view
    preview = press(Qt.Key.Key_F6)
    assert window.preview.isAncestorOf(preview)
    assert press(Qt.Key.Key_F6) is window.search_bar.field
    assert window.preview.isAncestorOf(press(Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier))
    assert press(Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier) is window.search_bar.field
    assert press(Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier) is window.view
    assert press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ControlModifier
                 | Qt.KeyboardModifier.ShiftModifier) is window.search_bar.field


def test_result_items_carry_a_description(make_window, qtbot, tmp_path):
    window = make_window()
    folder = make_library(tmp_path / "media")
    index_folder(qtbot, window, folder)
    type_query(qtbot, window, NOTES["beach.txt"])
    index = window.results_model.index(0)
    result = window.results_model.result(0)
    text = index.data(Qt.ItemDataRole.AccessibleDescriptionRole)
    assert text == description_text(result)
    assert str(Path(result.path)) in text and f"similarity {result.score:.3f}" in text
    assert "\n" not in text
