"""Browsing without typing: by folder, by month, by tag (accept, rename, merge), sorting,
paging a long listing in, and the details of the selected file under the preview, read
from real files (EXIF written by Pillow, tags by mutagen)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import Qt

from tests.gui.test_flows import TIMEOUT, index_folder, names
from tools.mediagen import pattern_image, tag_sound, tone, write_photo, write_sound


def _media(root: Path) -> Path:
    write_photo(root / "Holidays" / "tower.jpg", pattern_image(60, 80, seed=1),
                taken="2023:04:12 10:30:00", camera=("Canon", "Canon EOS 5D"),
                gps=(48.8584, 2.2945))
    write_photo(root / "Holidays" / "beach.jpg", pattern_image(60, 80, seed=2),
                taken="2023:08:02 16:00:00")
    write_photo(root / "Home" / "cat.jpg", pattern_image(60, 80, seed=3),
                taken="2022:01:05 08:00:00")
    tag_sound(write_sound(root / "Home" / "gulls.wav", tone(2.0)), title="Seagulls")
    for i in range(7):
        p = root / "Home" / "notes" / f"n{i}.txt"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"shopping list {i}\n")
        t = time.mktime((2021, 3, 1 + i, 12, 0, 0, 0, 0, -1))
        os.utime(p, (t, t))
    return root


def _find(tree, text: str):
    for item in tree.findItems(text, Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchRecursive):
        return item
    raise AssertionError(f"{text!r} not in {tree.accessibleName()}")


def _choose(qtbot, window, tree, text: str) -> list[str]:
    item = _find(tree, text)
    tree.setCurrentItem(item)
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        tree.itemActivated.emit(item, 0)
    return names(window)


def _ready(qtbot, window, tmp_path: Path) -> None:
    with qtbot.waitSignal(window.browse.tags.model().modelReset, timeout=TIMEOUT,
                          raising=False):
        index_folder(qtbot, window, _media(tmp_path / "media"))
    qtbot.waitUntil(lambda: window.browse.dates.topLevelItemCount() == 4, timeout=TIMEOUT)


def test_browse_by_folder_date_and_tag_without_typing(make_window, qtbot, tmp_path):
    window = make_window()
    _ready(qtbot, window, tmp_path)
    panel = window.browse
    assert [panel.dates.topLevelItem(i).text(0) for i in range(4)] == [  # newest first
        f"{time.gmtime().tm_year} (1)", "2023 (2)", "2022 (1)", "2021 (7)"]  # the sound: today
    assert _choose(qtbot, window, panel.dates, "April 2023") == ["tower.jpg"]
    assert window.search_bar.text() == "date:2023-04"
    assert _choose(qtbot, window, panel.folders, "Holidays") == ["beach.jpg", "tower.jpg"]
    # tags: accept through the preview's tag panel, then browse by it
    lib_ids = {Path(r.path).name: r.item_id for r in window.results_model.results()}
    window.service.call(lambda lib, task: [lib.store.tags.decide(lib_ids[n], "trip", "accepted")
                                           for n in ("beach.jpg", "tower.jpg")])
    window.runner.wait_idle()
    window.browsing.refresh_tags()
    qtbot.waitUntil(lambda: panel.tags.topLevelItemCount() == 1, timeout=TIMEOUT)
    assert panel.tags.topLevelItem(0).text(0) == "trip (2)"
    assert _choose(qtbot, window, panel.tags, "trip") == ["beach.jpg", "tower.jpg"]
    # rename (and so merge) from the tag browser
    panel.tags.setCurrentItem(panel.tags.topLevelItem(0))
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        panel.rename_tag.emit("trip", "Holiday 2023")
    qtbot.waitUntil(lambda: panel.tags.topLevelItem(0).text(0) == "Holiday 2023 (2)",
                    timeout=TIMEOUT)


def test_sort_and_paging_from_sqlite(make_window, qtbot, tmp_path):
    window = make_window()
    window.searches.k = 3  # a page of three: the notes' folder holds seven
    _ready(qtbot, window, tmp_path)
    panel = window.browse
    panel.sort.setCurrentIndex(panel.sort.findData("name"))  # nothing shown yet: kept for later
    assert _choose(qtbot, window, panel.folders, "notes") == ["n0.txt", "n1.txt", "n2.txt"]
    model = window.results_model

    def scrolled_to_the_end() -> bool:  # as the view does when its last row shows
        if model.canFetchMore():
            model.fetchMore()
        return model.rowCount() == 7

    qtbot.waitUntil(scrolled_to_the_end, timeout=TIMEOUT)
    assert not model.canFetchMore()
    assert names(window) == [f"n{i}.txt" for i in range(7)]
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT):
        panel.sort.setCurrentIndex(panel.sort.findData("date"))
    assert names(window) == ["n6.txt", "n5.txt", "n4.txt"]  # newest first


def test_preview_shows_the_details_to_a_screen_reader(make_window, qtbot, tmp_path):
    window = make_window()
    _ready(qtbot, window, tmp_path)
    _choose(qtbot, window, window.browse.dates, "April 2023")
    details = window.preview.details
    qtbot.waitUntil(lambda: "Canon" in details.text(), timeout=TIMEOUT)
    spoken = details.accessibleName()
    for part in ("Taken 12 April 2023, 10:30", "Camera: Canon EOS 5D", "Paris",
                 "80 \u00d7 60 pixels"):
        assert part in spoken
    _choose(qtbot, window, window.browse.folders, "Home")
    sound = next(i for i, r in enumerate(window.results_model.results())
                 if r.path.name == "gulls.wav")
    window.view.setCurrentIndex(window.results_model.index(sound))
    qtbot.waitUntil(lambda: "Seagulls" in details.accessibleName(), timeout=TIMEOUT)
    assert "Duration: 0:02.0, 16 kHz" in details.accessibleName()
