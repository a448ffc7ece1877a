"""Doctor and the index job after partial runs and odd entries:
a graph left behind SQLite is patched, not rebuilt; links that cannot be followed are
recorded once as unusable, never counted as missing."""

from __future__ import annotations

import json
from pathlib import Path

from core.library import Library
from tests.media import pattern_image, write_image


def _notes(folder: Path, start: int, n: int) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(start, start + n):
        (folder / f"{i}.txt").write_text(f"note {i} on topic {i % 7}")


def _cancel_at_saving():
    state = {"saving": False}

    def progress(p) -> None:
        if p.phase == "saving":
            state["saving"] = True

    return (lambda: state["saving"]), progress


def test_doctor_repair_patches_a_graph_left_behind(lib: Library, tmp_path: Path) -> None:
    """A run stopped before its save phase (killed, disk full, cancelled) leaves the saved
    graph behind SQLite. Doctor names it; --repair adds the missing vectors to the saved
    graph (a patch), it does not rebuild it from nothing."""
    lib.exact_max = 0
    media = tmp_path / "n"
    _notes(media, 0, 40)
    lib.add_folder(media)
    lib.index()
    graph = lib.vector_index("note").file
    _notes(media, 40, 12)
    cancel, progress = _cancel_at_saving()
    assert lib.index(progress=progress, cancel=cancel).cancelled
    lib.indexes.forget()
    found = lib.doctor()
    assert found == ["note: HNSW index lacks 12 vectors and holds 0 that the store does not"]
    fixed = lib.doctor(repair=True)
    assert len(fixed) == 1 and fixed[0].endswith("(patched: 12 added, 0 removed)"), fixed
    assert lib.doctor() == []
    meta = json.loads(graph.with_name("note.hnsw.json").read_text())
    assert meta["total"] == 52 and meta["live"] == 52
    lib.indexes.forget()
    assert lib.vector_index("note").last_sync == "loaded"


def test_index_patches_a_graph_that_lacks_vectors_of_its_generation(
        lib: Library, tmp_path: Path) -> None:
    """A saved graph whose sidecar claims the store's generation but that lacks vectors
    (what a partial write leaves) is caught up by the next `index` (patched), not trusted."""
    lib.exact_max = 0
    media = tmp_path / "n"
    _notes(media, 0, 30)
    lib.add_folder(media)
    lib.index()
    spec = lib.indexes.spec("note")
    old_graph, old_meta = spec.file.read_bytes(), json.loads(spec.meta_file.read_text())
    _notes(media, 30, 5)
    lib.index()
    spec.file.write_bytes(old_graph)  # the graph of 30, under a sidecar of today
    spec.meta_file.write_text(json.dumps(
        {**old_meta, "generation": lib.store.meta.generation("note")}))
    lib.indexes.forget()
    assert lib.doctor() == [
        "note: HNSW index lacks 5 vectors and holds 0 that the store does not"]
    lib.indexes.forget()
    lib.index()
    assert lib.doctor() == []
    lib.indexes.forget()
    idx = lib.vector_index("note")
    assert idx.last_sync == "loaded" and idx.count == 35


def test_links_that_cannot_be_followed_are_unusable_not_missing(
        lib: Library, tmp_path: Path) -> None:
    """Dangling links and symlink loops are recorded once as files that cannot be
    indexed; doctor never counts them as vanished, so --repair and the next index do not
    go round in circles."""
    media = tmp_path / "links"
    media.mkdir()
    write_image(media / "real.png", pattern_image(16, 16))
    (media / "dangling.jpg").symlink_to(tmp_path / "nowhere.jpg")
    (media / "loop.png").symlink_to(media / "loop.png")
    (media / "a.md").symlink_to(media / "b.md")
    (media / "b.md").symlink_to(media / "a.md")
    lib.add_folder(media)
    assert lib.index().failed == 4
    assert sorted(e.path.name for e in lib.errors()) == ["a.md", "b.md", "dangling.jpg",
                                                          "loop.png"]
    problems = lib.doctor()
    assert not [p for p in problems if "no longer exist" in p], problems
    assert sorted(p.split(":")[0] for p in problems) == sorted(
        f"cannot index {media / n}" for n in ("a.md", "b.md", "dangling.jpg", "loop.png"))
    lib.doctor(repair=True)
    assert len(lib.errors()) == 4  # kept: they are still there, as links
    again = lib.index()
    assert again.failed == 0 and again.removed == 0
    # Once the link is gone from disk, it is gone from the library too.
    (media / "dangling.jpg").unlink()
    assert any("1 indexed files no longer exist" in p for p in lib.doctor())
    assert lib.index().removed == 1
    assert len(lib.errors()) == 3


def test_a_name_too_long_for_its_sidecar_is_indexed_and_reported(lib: Library,
                                                                 tmp_path: Path) -> None:
    """Found by the re-run of the fuzz probe: a note named with 250 characters has a
    sidecar name (name + ".xmp") longer than the file system allows. Looking for that
    sidecar raised ENAMETOOLONG out of the index job (a traceback); writing it must be a
    reported failure, the other sidecars still written."""
    from core.tagging import LibraryTagger
    from core.tagging.sidecars import export_sidecars

    media = tmp_path / "long"
    media.mkdir()
    long = media / ("n" * 250 + ".txt")
    long.write_text("a note with a very long name")
    (media / "short.txt").write_text("a note with a short name")
    lib.add_folder(media)
    report = lib.index()
    assert report.added == 2 and report.failed == 0
    tagger = LibraryTagger(lib)
    for path in (long, media / "short.txt"):
        tagger.add_tag(lib.store.files.item_by_path(path).id, "kept")
    done = export_sidecars(lib.store)
    assert done.written == [str(media / "short.txt.xmp")]
    assert [(Path(p).name[:5], "longer than" in why) for p, why in done.failed] == [
        ("nnnnn", True)]


def test_a_new_library_on_a_full_disk_says_the_disk_is_full(tmp_path: Path) -> None:
    """Found by the disk probe: creating a library on a full disk said the database
    "cannot be opened ... if it is damaged, move it away", which sends the person after a
    damage that is not there. It is the full-disk message, naming the library's folder."""
    import os
    import subprocess

    import pytest

    from core.errors import SynesthesiaError

    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "none",
                                            str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("needs to mount a tmpfs (root)")
    try:
        free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
        (mnt / "filler").write_bytes(b"\0" * max(free - 8192, 0))
        with pytest.raises(SynesthesiaError) as caught:
            Library.open(mnt / "lib")
        message = str(caught.value)
        assert f"the disk holding the library ({mnt / 'lib'}) is full" in message, message
        assert "damaged" not in message
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_graph_cut_short_by_a_full_disk_never_replaces_the_saved_one(
        lib: Library, tmp_path: Path) -> None:
    """Found by the disk probe: hnswlib writes its graph through a C++ stream that ignores
    a full disk, so a graph cut short was renamed over the good one (and its sidecar then
    fit): doctor said "missing, damaged". The written file is now checked before it
    replaces anything; when it is short, the index says "not saved" and serves from memory."""
    import os
    import subprocess

    import pytest

    from core.store import IndexSpec, VectorIndex

    media = tmp_path / "n"
    _notes(media, 0, 300)
    lib.add_folder(media)
    lib.index()
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "none",
                                            str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("needs to mount a tmpfs (root)")
    try:
        spec = IndexSpec(mnt, "note", lib.model.model_id, lib.model.dim, exact_max=0)
        made = VectorIndex(spec, lib.store).refresh()
        assert made.count == 300 and made.saved and VectorIndex(spec, lib.store).check() == []
        first = spec.file.read_bytes()
        free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
        (mnt / "filler").write_bytes(b"\0" * max(free - len(first) // 2, 0))
        _notes(media, 300, 60)
        lib.index()
        again = made.refresh()  # the graph no longer fits
        assert again.count == 360 and not again.saved
        assert "not saved" in again.last_sync
        assert spec.file.read_bytes() == first  # the good graph of 300 is still there
        assert VectorIndex(spec, lib.store).check() == [
            "note: HNSW index lacks 60 vectors and holds 0 that the store does not"]
        (mnt / "filler").unlink()
        assert again.refresh().saved and VectorIndex(spec, lib.store).check() == []
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_an_index_run_says_when_a_search_index_could_not_be_saved(
        lib: Library, tmp_path: Path) -> None:
    """The run's report says so when a graph could not be written (the disk probe: the
    command ended with exit 0 and nothing said, then doctor found the graph behind)."""
    import os

    lib.exact_max = 0
    media = tmp_path / "n"
    _notes(media, 0, 30)
    lib.add_folder(media)
    spec = lib.indexes.spec("note")
    # The graph's temporary file cannot be made: a folder holds its name.
    blocker = spec.file.with_name(spec.file.name + f".tmp{os.getpid()}")
    blocker.mkdir(parents=True)
    report = lib.index()
    assert report.added == 30
    assert [p for p in report.problems if "search index" in p] == [
        "the note search index could not be saved (Is a directory); searches use it from "
        "memory, the next index or doctor --repair saves it"]
    blocker.rmdir()
    assert lib.doctor(repair=True)[0].endswith("(rebuilt from SQLite)")
    assert lib.doctor() == []
