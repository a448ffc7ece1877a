"""Results side by side by kind (the window's default): a section per kind with its count,
the weak-match notice, its own More, folding, the keyboard between sections, and what a
screen reader hears of each section."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication

from tests.media import NOTES, make_library, make_tree

TIMEOUT = 60_000


def key(qtbot, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    target = QApplication.focusWidget()
    assert target is not None, "keyboard focus was lost"
    qtbot.keyClick(target, k, modifier)


@pytest.fixture
def by_kind(settings):
    settings.set("search/by_kind", True)
    settings.set("search/results", 16)  # 4 of each kind per page
    return settings


def _indexed(make_window, qtbot, folder: Path):
    window = make_window()
    with qtbot.waitSignal(window.index_panel.finished, timeout=TIMEOUT):
        window.service.add_folder(folder, [], lambda folders: window.index_panel.start())
    return window


def _search(window, qtbot, text: str):
    with qtbot.waitSignal(window.searches.grouped, timeout=TIMEOUT) as got:
        window.search_words(text)
    return got.args[1]


def test_a_typed_word_shows_a_section_per_kind(by_kind, make_window, qtbot, tmp_path):
    make_tree(tmp_path / "media", images=6, sounds=5, notes=4)
    window = _indexed(make_window, qtbot, tmp_path / "media")
    groups = _search(window, qtbot, "river")
    sections = window.sections
    assert [s.kind for s in sections.visible()] == ["image", "sound", "note"]  # no videos
    photos, sounds, notes = (sections.sections[k] for k in ("image", "sound", "note"))
    # the tiny network matches no photo or sound well to "river": each says so and still
    # lists its closest 3, marked weak; the notes holding the word are good matches
    for section in (photos, sounds):
        assert section.notice.text() == (
            f"No {'photo' if section is photos else 'sound'} matches \u201criver\u201d "
            "well; closest:")
        assert section.model.rowCount() == 3
        assert not any(r.good for r in section.model.results())
        assert "weak match" in section.model.index(0).data(Qt.ItemDataRole.DisplayRole)
    assert notes.notice.isHidden() and notes.good == notes.model.rowCount() == 4
    assert sounds.accessibleName() == "Sounds, 3 results, 0 good"
    assert notes.header.accessibleName() == "Notes, 4 results, 4 good"
    iface = QAccessible.queryAccessibleInterface(sounds)
    assert iface.role() == QAccessible.Role.Grouping
    assert iface.text(QAccessible.Text.Name) == "Sounds, 3 results, 0 good"
    assert "Photos no good match" in window.count_label.text()
    # the sounds listed are those a search of sounds alone ranks first
    alone = next(g for g in groups if g.kind == "sound")
    assert [r.item_id for r in sounds.model.results()] == [r.item_id for r in alone.results[:3]]

    # More: first the weaker sounds already found, then the next page from the library
    sounds.more_button.click()
    assert sounds.model.rowCount() == 4 and sounds.more_button.isVisible()
    with qtbot.waitSignal(window.searches.page, timeout=TIMEOUT) as page:
        sounds.more_button.click()
    assert page.args[1].kind == "sound" and page.args[1].offset == 4
    qtbot.waitUntil(lambda: sounds.model.rowCount() == 5)
    assert len({r.item_id for r in sounds.model.results()}) == 5
    assert not sounds.more_button.isVisible()  # the library holds 5 sounds
    assert sounds.accessibleName() == "Sounds, 5 results, 0 good"

    # a header folds its section and unfolds it
    photos.header.click()
    assert photos.view.isHidden() and photos.notice.isHidden()
    photos.header.click()
    assert not photos.view.isHidden()

    # the kind toggles still filter: sounds off, no Sounds section
    with qtbot.waitSignal(window.searches.grouped, timeout=TIMEOUT):
        window.search_bar.toggles["sound"].click()
    assert [s.kind for s in sections.visible()] == ["image", "note"]


def test_a_dropped_photo_and_a_listing(by_kind, make_window, qtbot, tmp_path):
    folder = make_library(tmp_path / "media")
    window = _indexed(make_window, qtbot, folder)
    with qtbot.waitSignal(window.searches.grouped, timeout=TIMEOUT):
        window.search_file(folder / "green.jpg")
    photos = window.sections.sections["image"]
    top = photos.model.result(0)
    assert Path(top.path).name == "green.jpg" and top.good
    assert window.preview.result is top  # the first result of the first section
    assert window.count_label.text().startswith("Results for green.jpg")
    # filters alone are a listing: one list, newest first, not sections
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        window.search_words("kind:note")
    assert not window.results.by_kind and window.results_model.rowCount() == 3


def test_keyboard_only_between_sections(by_kind, make_window, qtbot, tmp_path, audio):
    folder = make_library(tmp_path / "media")
    window = _indexed(make_window, qtbot, folder)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    window.search_bar.field.setFocus()
    key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(window.searches.grouped, timeout=TIMEOUT):
        qtbot.keyClicks(QApplication.focusWidget(), NOTES["forest.txt"])
    sections = {s.kind: s for s in window.sections.visible()}
    assert list(sections) == ["image", "sound", "note"]

    # F6 from the search field: the first section; Ctrl+Down: the next; Ctrl+Up: back
    key(qtbot, Qt.Key.Key_F6)
    assert QApplication.focusWidget() is sections["image"].view
    key(qtbot, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is sections["sound"].view
    key(qtbot, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is sections["note"].view
    key(qtbot, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is sections["sound"].view
    first = sections["sound"].model.result(0)
    assert window.preview.result is first and window.selected() is first

    # Space plays the first sound, and stops it
    qtbot.waitUntil(lambda: window.preview.play_button.isEnabled(), timeout=TIMEOUT)
    with qtbot.waitSignal(window.player.playing_changed) as playing:
        key(qtbot, Qt.Key.Key_Space)
    assert playing.args == [True] and window.player.source == str(first.path)
    with qtbot.waitSignal(window.player.playing_changed) as playing:
        key(qtbot, Qt.Key.Key_Space)
    assert playing.args == [False]

    # Ctrl+M: more like this sound, answered kind by kind
    with qtbot.waitSignal(window.searches.grouped, timeout=TIMEOUT) as got:
        key(qtbot, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert got.args[0].item_id == first.item_id
    assert first.item_id not in {r.item_id for r in window.results.results()}

    # F6 walks the panes section by section, then the preview
    window.search_bar.field.setFocus()
    names = []
    from app.gui.widgets.panes import move_focus

    for _ in range(len(window.sections.visible()) + 1):
        names.append(move_focus(window, 1))
    assert names == [*(s.view.accessibleName() for s in window.sections.visible()), "Preview"]
