"""Re-scanning an unchanged library in bulk: the scan's digest is trusted only while
the store has not changed since it was found in step with the disk, and every change on
disk or in the store is still seen."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from core.library import Library
from core.library.scan import OS_JUNK, scan, scan_digest
from core.media.kinds import kind_of
from core.store.schema import _MIGRATIONS


def _index(lib: Library, media: Path):
    lib.add_folder(media)
    return lib.index()


def test_an_unchanged_rescan_is_recognised_and_remembered(lib: Library, tree) -> None:
    media, files = tree
    first = _index(lib, media)
    assert first.added == len(files)
    mark = lib.store.meta.get("scan.in_step")
    assert mark is not None  # recorded after the run that changed the store
    again = lib.index()
    assert again.unchanged == len(files) and again.added == again.updated == 0
    assert lib.store.meta.get("scan.in_step") == mark  # the quick path, nothing written
    assert again.described == 0


def test_changes_on_disk_are_still_found(lib: Library, tree) -> None:
    media, files = tree
    _index(lib, media)
    lib.index()
    note = next(p for p in files.values() if p.suffix == ".md")
    note.write_text(note.read_text() + " and more words")
    assert lib.index().updated == 1
    moved = note.with_name("renamed.md")
    os.rename(note, moved)  # same size and time: only the path differs
    r = lib.index()
    assert r.moved == 1 and r.unchanged == len(files) - 1
    assert lib.index().unchanged == len(files)


def test_a_store_change_without_a_disk_change_is_not_hidden(lib: Library, tree) -> None:
    media, files = tree
    _index(lib, media)
    lib.index()  # the mark is current
    before = lib.store.meta.changes()
    (fid,) = lib.store.query("SELECT id FROM files ORDER BY path LIMIT 1")[0]
    with lib.store.transaction() as c:
        lib.store.files.delete([fid], c)
    assert int(lib.store.meta.changes()) > int(before)  # the trigger counted it
    r = lib.index()
    assert r.added == 1 and r.unchanged == len(files) - 1


def test_a_library_from_schema_3_gets_the_counter(tmp_path: Path, tiny_model, tree) -> None:
    db = tmp_path / "old" / "library.sqlite"
    db.parent.mkdir()
    con = sqlite3.connect(db)
    con.executescript("".join(step + ";" for step in _MIGRATIONS[:3]) + "PRAGMA user_version = 3;")
    con.close()
    lib = Library.open(db.parent, model=tiny_model)
    try:
        assert lib.store.meta.changes() == "0"
        media, files = tree
        assert _index(lib, media).added == len(files)
        assert int(lib.store.meta.changes()) >= len(files)
        assert lib.index().unchanged == len(files)
    finally:
        lib.close()


def test_the_digest_follows_paths_sizes_and_times(tmp_path: Path) -> None:
    media = tmp_path / "m"
    media.mkdir()
    (media / "a.md").write_text("one")
    (media / "b.md").write_text("two")

    def digest() -> str:
        return scan_digest(scan([(1, media, [])]).files)

    seen = [digest()]
    assert digest() == seen[0]  # the same disk, the same digest
    os.utime(media / "a.md", ns=(1, 1))  # a time
    seen.append(digest())
    os.rename(media / "b.md", media / "c.md")  # a path (same size and time)
    seen.append(digest())
    (media / "a.md").write_text("three")  # a size (the same time again)
    os.utime(media / "a.md", ns=(1, 1))
    seen.append(digest())
    assert len(set(seen)) == 4


def test_no_os_file_has_a_media_extension() -> None:
    """The walker skips the OS_JUNK test for files with a media extension."""
    assert all(kind_of(name) is None for name in OS_JUNK)
