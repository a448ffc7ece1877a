"""Emoji are read by their names and the result line says so;
a query only in a script the text model does not know is searched by its words, and the
result line says what the text model reads."""

from __future__ import annotations

from tests.gui.test_flows import TIMEOUT, index_folder, names
from tests.media import NOTES, make_library


def search(qtbot, window, text: str, signal) -> None:
    with qtbot.waitSignal(signal, timeout=TIMEOUT):
        window.search_bar.field.setText(text)
        window.search_bar.search_now()


def test_emoji_and_other_scripts_in_the_search_field(make_window, qtbot, tmp_path):
    from core.text import SUPPORTED

    window = make_window()
    folder = make_library(tmp_path / "media")
    (folder / "pet.txt").write_text("dog face\n")
    (folder / "\u72d7.txt").write_text("our pet\n")
    index_folder(qtbot, window, folder)

    search(qtbot, window, "\U0001F436", window.searches.results)
    assert names(window)[0] == "pet.txt"
    assert "Read \U0001F436 as \u201cdog face\u201d" in window.count_label.text()

    search(qtbot, window, "\u72d7", window.searches.results)
    assert names(window) == ["\u72d7.txt"]  # by its file name's word
    said = window.count_label.text()
    assert "Chinese" in said and SUPPORTED in said and "has no words" not in said
    assert window.count_label.accessibleName() == said

    search(qtbot, window, NOTES["beach.txt"], window.searches.results)
    assert "Read" not in window.count_label.text()
