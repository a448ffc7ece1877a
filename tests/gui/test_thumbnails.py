"""Thumbnails: made per kind, cached by the freedesktop naming, remade when the file changes."""

from __future__ import annotations

import hashlib
import os

import cv2

from app.gui.services.thumbnails import cache_file, make_thumbnail, png_text, read_cached
from tests.media import make_library


def test_thumbnails_are_cached_and_refreshed(qtbot, tmp_path):
    folder = make_library(tmp_path / "media")
    cache = tmp_path / "cache"
    photo = folder / "red.png"
    image = make_thumbnail(photo, "image", 64, cache)
    assert max(image.width(), image.height()) == 64
    file = cache_file(cache, photo, 64)
    assert file.name == hashlib.md5(photo.resolve().as_uri().encode()).hexdigest() + ".png"
    assert file.exists() and read_cached(cache, photo, 64) is not None
    text = png_text(file.read_bytes())
    assert text["Thumb::URI"] == photo.resolve().as_uri()
    assert text["Thumb::MTime"] == str(int(photo.stat().st_mtime))

    # The file changes: the cached thumbnail is stale and is made again.
    cv2.imwrite(str(photo), cv2.imread(str(folder / "blue.png")))
    stat = photo.stat()
    os.utime(photo, (stat.st_atime, stat.st_mtime + 10))
    assert read_cached(cache, photo, 64) is None
    make_thumbnail(photo, "image", 64, cache)
    assert read_cached(cache, photo, 64) is not None

    wave = make_thumbnail(folder / "tone.wav", "sound", 64, cache)
    assert wave.width() == 64 and wave.height() < 64  # a waveform strip
    note = make_thumbnail(folder / "beach.txt", "note", 64, cache)
    assert note.width() == 64 and note.height() == 64


def test_a_tile_keeps_its_place_when_its_thumbnail_arrives(make_window, qtbot, tmp_path):
    # Regression: a placeholder and the thumbnail that replaced it were of different
    # sizes, so the tile changed shape: the grey placeholder and the old label stayed
    # visible around the smaller thumbnail (seen while indexing kept the thumbnailer busy).
    from pathlib import Path

    from PySide6.QtCore import Qt

    window = make_window()
    folder = make_library(tmp_path / "media")
    with qtbot.waitSignal(window.index_panel.finished, timeout=60_000):
        window.service.add_folder(folder, [], lambda folders: window.index_panel.start())
    with qtbot.waitSignal(window.searches.results, timeout=60_000):
        window.search_file(folder / "tone.wav")
    if window.summary.button.isVisible():  # list the weaker results below the cut-off too
        window.summary.button.click()
    model, view = window.results_model, window.view
    size = view.iconSize()
    rows = range(model.rowCount())
    kinds = {model.result(r).kind for r in rows}
    assert {"image", "sound"} <= kinds
    before = {r: view.visualRect(model.index(r)) for r in rows}
    for r in rows:  # placeholders (or thumbnails) fill the same square
        icon = model.index(r).data(Qt.ItemDataRole.DecorationRole)
        assert icon.actualSize(size) == size, (model.result(r).path, icon.actualSize(size))

    def ready(r: int) -> bool:
        result = model.result(r)
        return (window.thumbnails.get(Path(result.path), result.kind) is not None
                or str(result.path) in window.thumbnails.failures)

    qtbot.waitUntil(lambda: all(ready(r) for r in rows), timeout=60_000)
    qtbot.wait(50)
    for r in rows:
        icon = model.index(r).data(Qt.ItemDataRole.DecorationRole)
        assert icon.actualSize(size) == size, (model.result(r).path, icon.actualSize(size))
        assert view.visualRect(model.index(r)) == before[r], model.result(r).path
