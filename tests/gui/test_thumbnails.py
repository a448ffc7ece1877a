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
