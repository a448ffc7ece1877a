"""The library engine on real files: scanning, incremental indexing, faults, search."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from core.errors import ModelMismatch
from core.library import IndexProgress, Library
from core.library.scan import scan
from core.search import Query
from tests.media import make_tree, noise, pattern_image, tone, write_image, write_sound


def _paths(library: Library) -> list[str]:
    return [r[0] for r in library.store.query("SELECT path FROM files ORDER BY path")]


def _consistent(library: Library) -> None:
    """Every file once, no orphan vectors, every indexed file has vectors."""
    paths = _paths(library)
    assert len(paths) == len(set(paths))
    q = library.store.query
    assert q("SELECT COUNT(*) FROM segments WHERE file_id NOT IN (SELECT id FROM files)")[0][0] == 0
    assert q("SELECT COUNT(*) FROM files WHERE error IS NULL AND id NOT IN "
             "(SELECT file_id FROM segments)")[0][0] == 0
    assert library.doctor() == [f"cannot index {e.path}: {e.reason}"
                                for e in library.store.files.errors()]


# -- scanning ------------------------------------------------------------------------------
def test_scan_skips_hidden_os_files_and_exclusions(tmp_path: Path) -> None:
    root = tmp_path / "m"
    make_tree(root)
    (root / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (root / "photos" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (root / "photos" / "._img0.jpg").write_bytes(b"\0\5\26\7resource fork")
    (root / ".hidden").mkdir()
    write_image(root / ".hidden" / "secret.png", pattern_image(8, 8))
    (root / "cache").mkdir()
    write_image(root / "cache" / "thumb.png", pattern_image(8, 8))
    (root / "notes" / "draft.tmp.md").write_text("draft")
    (root / "readme.pdf").write_bytes(b"%PDF-1.4")
    found = scan([(1, root, ["cache", "*.tmp.md", str(root / "photos" / "2024")])])
    names = sorted(Path(p).name for p in found.files)
    assert names == ["img0.jpg", "img2.jpg", "note0.md", "note1.md", "snd0.flac", "snd1.flac"]
    assert found.problems == []
    rel = scan([(1, root, ["photos/2024", "sounds/*.flac"])])
    assert sorted(Path(p).name for p in rel.files) == ["draft.tmp.md", "img0.jpg", "img2.jpg",
                                                       "note0.md", "note1.md", "thumb.png"]


def test_scan_follows_symlinks_without_loops(tmp_path: Path) -> None:
    root = tmp_path / "m"
    make_tree(root, images=2, sounds=0, notes=0)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    write_image(outside / "far.png", pattern_image(8, 8))
    (root / "link-out").symlink_to(outside, target_is_directory=True)
    (root / "photos" / "loop").symlink_to(root, target_is_directory=True)  # a cycle
    (root / "again.jpg").symlink_to(root / "photos" / "img0.jpg")  # same file twice
    (root / "broken.jpg").symlink_to(tmp_path / "nowhere.jpg")
    found = scan([(1, root, [])])
    names = sorted(Path(p).name for p in found.files)
    assert names.count("img0.jpg") + names.count("again.jpg") == 1
    assert "far.png" in names and "img1.jpg" in names
    assert [(Path(p).name, r.split(":")[0]) for p, _, r in found.problems] == [
        ("broken.jpg", "broken link")]


# -- indexing ------------------------------------------------------------------------------
def test_index_then_incremental(lib: Library, tree) -> None:
    media, files = tree
    lib.add_folder(media)
    events: list[IndexProgress] = []
    r = lib.index(progress=events.append)
    assert (r.added, r.failed, r.removed) == (8, 0, 0)
    emb = [e for e in events if e.phase == "embedding"]
    assert emb[-1].done == emb[-1].total == 8
    assert lib.stats()["images"] == 4 and lib.stats()["sounds"] == 2
    _consistent(lib)

    r = lib.index()
    assert (r.added, r.updated, r.unchanged) == (0, 0, 8)

    # Changed content: re-embedded, same item id.
    item = lib.store.files.item_by_path(files["img1"])
    write_image(files["img1"], pattern_image(120, 160, seed=99))
    os.utime(files["img1"], ns=(1, 1_000_000_000))
    r = lib.index()
    assert (r.updated, r.unchanged) == (1, 7)
    assert lib.store.files.item_by_path(files["img1"]).id == item.id

    # Deleted: leaves the index with its vectors.
    files["snd1"].unlink()
    r = lib.index()
    assert r.removed == 1
    assert lib.store.files.item_by_path(files["snd1"]) is None
    _consistent(lib)


def test_move_and_rename_keep_vectors_and_tags(lib: Library, tree) -> None:
    media, files = tree
    lib.add_folder(media)
    lib.index()
    old = lib.store.files.item_by_path(files["img2"])
    _, _, vec_before = lib.store.segments.of_item(old.id)
    with lib.store.transaction() as c:
        c.execute("INSERT INTO tags(item_id, name, source, status, created) VALUES "
                  "(?, 'beach', 'user', 'accepted', 0)", (old.id,))
    (media / "archive").mkdir()
    moved = media / "archive" / "renamed.jpg"
    files["img2"].rename(moved)
    r = lib.index()
    assert (r.moved, r.added, r.removed) == (1, 0, 0)
    new = lib.store.files.item_by_path(moved)
    assert new.id == old.id
    np.testing.assert_array_equal(lib.store.segments.of_item(new.id)[2], vec_before)
    hits = lib.search(Query(file=moved, kinds={"image"}, tag="beach"), k=5)
    assert [h.item_id for h in hits] == [old.id] and hits[0].tags == ("beach",)

    # A copy shares the vectors without embedding again.
    copy = media / "copy.jpg"
    copy.write_bytes(moved.read_bytes())
    r = lib.index()
    assert (r.copied, r.added) == (1, 0)
    _consistent(lib)


def test_bad_files_are_recorded_and_indexing_goes_on(lib: Library, tmp_path: Path) -> None:
    media = tmp_path / "bad"
    media.mkdir()
    write_image(media / "good.png", pattern_image(32, 32))
    (media / "zero.jpg").write_bytes(b"")
    (media / "text.jpg").write_text("a shopping list, not a photo")
    good = write_image(media / "full.jpg", pattern_image(300, 300)).read_bytes()
    (media / "truncated.jpg").write_bytes(good[: len(good) // 3])
    (media / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(300))
    from tests.test_media import _forged_png

    (media / "bomb.png").write_bytes(_forged_png(50000, 50000))
    (media / "silence.wav").write_bytes(b"RIFF\x24\0\0\0WAVEfmt ")
    (media / "song.mp3").write_bytes(os.urandom(2000))
    (media / "binary.txt").write_bytes(b"\0\1\2\3" * 50)
    (media / "empty.md").write_text("   \n")
    lib.add_folder(media)
    r = lib.index()
    assert (r.added, r.failed) == (2, 9)
    reasons = {e.path.name: e.reason for e in lib.errors()}
    assert set(reasons) == {"zero.jpg", "text.jpg", "truncated.jpg", "corrupt.png", "bomb.png",
                            "silence.wav", "song.mp3", "binary.txt", "empty.md"}
    assert "empty" in reasons["zero.jpg"] and "text" in reasons["text.jpg"]
    assert "truncated" in reasons["truncated.jpg"] and "too large" in reasons["bomb.png"]
    assert lib.stats()["errors"] == 9
    # Unchanged failures are not retried; a fixed file is indexed.
    assert lib.index().failed == 0
    write_image(media / "text.jpg", pattern_image(20, 20))
    os.utime(media / "text.jpg", ns=(5, 5_000_000_000))
    r = lib.index()
    assert r.updated == 1 and "text.jpg" not in {e.path.name for e in lib.errors()}
    _consistent(lib)


def test_file_deleted_or_changed_while_indexing(lib: Library, tree) -> None:
    media, files = tree
    lib.add_folder(media)
    state = {"done": False}

    def meddle(p: IndexProgress) -> None:
        # Between the scan and the embedding: the files were listed, not yet read.
        if p.phase == "embedding" and not state["done"]:
            state["done"] = True
            files["note1"].unlink()
            files["img3"].write_bytes(files["img3"].read_bytes()[:200])  # half-copied

    r = lib.index(progress=meddle)
    assert state["done"]
    assert lib.store.files.item_by_path(files["note1"]) is None
    assert r.added + r.failed == 7
    # The changed file is looked at again on the next run, now complete.
    write_image(files["img3"], pattern_image(120, 160, seed=3))
    r = lib.index()
    assert lib.store.files.item_by_path(files["img3"]) is not None
    assert "img3.jpg" not in {e.path.name for e in lib.errors()}
    _consistent(lib)


def test_cancel_keeps_work_and_resumes(lib: Library, tmp_path: Path) -> None:
    media = tmp_path / "many"
    media.mkdir()
    for i in range(80):
        (media / f"n{i:03}.txt").write_text(f"note number {i} about birds and trees")
    lib.add_folder(media)
    stop = threading.Event()

    def cancel() -> bool:  # as a GUI would: once some work is saved
        if lib.store.query("SELECT COUNT(*) FROM files")[0][0] > 0:
            stop.set()
        return stop.is_set()

    r = lib.index(cancel=cancel)
    assert r.cancelled and 0 < r.added < 80
    r2 = lib.index()
    assert not r2.cancelled and r.added + r2.added == 80
    _consistent(lib)


def test_long_sound_windows_and_note_passages(lib: Library, tmp_path: Path) -> None:
    media = tmp_path / "long"
    media.mkdir()
    wave = np.concatenate([tone(20.0, 300.0), noise(20.0, seed=1)])
    write_sound(media / "walk.wav", wave)
    text = " ".join(f"w{i}" for i in range(300))
    (media / "diary.txt").write_text(text)
    lib.add_folder(media)
    lib.index()
    item = lib.store.files.item_by_path(media / "walk.wav")
    segs = lib.store.query("SELECT start_s, end_s FROM segments WHERE file_id=? ORDER BY id",
                           (item.id,))
    assert segs[0] == (0.0, 10.0) and segs[-1] == (30.0, 40.0) and len(segs) == 7
    # A recording of one moment finds that moment.
    hit = lib.search(Query(waveform=(wave[25 * 16000:35 * 16000], 16000), kinds={"sound"}),
                     k=1)[0]
    assert hit.path.name == "walk.wav" and hit.segment.start_s == 25.0
    assert hit.score > 0.999
    words = text.split()
    passage = " ".join(words[96:144])
    hit = lib.search(Query(text=passage, kinds={"note"}), k=1)[0]
    assert hit.segment.text == passage and hit.segment.char_start == text.index(passage)


def test_waveform_at_another_rate(lib: Library, tree) -> None:
    media, files = tree
    lib.add_folder(media)
    lib.index()
    from core.media import load_audio

    w48 = load_audio(files["snd1"], sample_rate=48000)
    hit = lib.search(Query(waveform=(w48, 48000), kinds={"sound"}), k=2)
    assert hit[0].path == files["snd1"]


def test_search_kinds_folder_and_more_like_this(lib: Library, tree) -> None:
    media, files = tree
    lib.add_folder(media)
    lib.index()
    hits = lib.search(Query(text="river mill", kinds={"image", "note"}), k=20)
    assert {h.kind for h in hits} == {"image", "note"} and len(hits) == 6
    # the notes holding both words first (full text, fused), then by meaning: kinds merged by
    # relevance (a probability, comparable across kinds), which keeps each kind's cosine order
    worded = [h for h in hits if h.found_by != "network"]
    assert {h.path.name for h in worded} == {"note0.md", "note1.md"} and hits[:2] == worded
    rest = hits[2:]
    assert all(a.relevance >= b.relevance for a, b in zip(rest, rest[1:], strict=False))
    for kind in ("image", "note"):
        scores = [h.score for h in rest if h.kind == kind]
        assert scores == sorted(scores, reverse=True)
    hits = lib.search(Query(text="river", folder=media / "photos" / "2024"), k=20)
    assert sorted(h.path.name for h in hits) == ["img1.jpg", "img3.jpg"]
    item = lib.store.files.item_by_path(files["img0"])
    hits = lib.search(Query(item_id=item.id, kinds={"image"}), k=3)
    assert item.id not in [h.item_id for h in hits] and len(hits) == 3
    hits = lib.search(Query(file=files["snd0"]), k=1)
    assert hits[0].path == files["snd0"] and hits[0].score > 0.999


def test_new_model_means_reembed_never_a_mix(lib: Library, tree, tmp_path: Path, tiny_model) -> None:
    from core.model import ModelConfig, create_model

    media, _ = tree
    lib.add_folder(media)
    lib.index()
    lib.close()
    other = create_model(ModelConfig.tiny(), seed=1)
    assert other.model_id != tiny_model.model_id
    lib2 = Library.open(tmp_path / "lib", model=other)
    try:
        with pytest.raises(ModelMismatch):
            lib2.search(Query(text="river"))
        assert lib2.stats()["stale"] == 0  # the store still describes the old model
        r = lib2.index()
        assert r.updated == 8
        mids = lib2.store.query("SELECT DISTINCT model_id FROM segments")
        assert mids == [(other.model_id,)]
        assert len(lib2.search(Query(text="river"), k=20)) == 8
    finally:
        lib2.close()
    lib.__init__(tmp_path / "lib", model=tiny_model)  # reopened for the fixture's close


def test_hnsw_mirrors_sqlite(lib: Library, tmp_path: Path, tiny_model) -> None:
    lib.exact_max = 0  # force the graph even for a few vectors
    media = tmp_path / "n"
    media.mkdir()
    for i in range(60):
        (media / f"{i}.txt").write_text(f"note {i} on topic {i % 7}")
    lib.add_folder(media)
    lib.index()
    idx = lib.vector_index("note")
    assert idx.mode == "hnsw" and idx.file.exists() and idx.count == 60
    q = tiny_model.encode_texts(["topic 3"])[0]
    ids, scores = idx.search(q, 10)
    all_ids, vecs = lib.store.segments.vectors("note", tiny_model.model_id)
    exact = all_ids[np.argsort(-(vecs @ q))[:10]]
    assert set(ids.tolist()) == set(exact.tolist())
    # Deleted files leave the graph; the saved graph catches up after a restart.
    for i in range(5):
        (media / f"{i}.txt").unlink()
    lib.index()
    lib.close()
    lib.__init__(tmp_path / "lib", model=tiny_model)
    lib.exact_max = 0
    idx = lib.vector_index("note")
    assert idx.last_sync == "loaded" and idx.count == 55
    assert lib.doctor() == []
    # Missing, damaged, or behind: rebuilt or patched from SQLite.
    idx.file.write_bytes(b"garbage")
    lib.indexes.forget()
    assert "HNSW index is missing" in lib.doctor()[0]
    assert lib.doctor(repair=True)[0].endswith("(rebuilt from SQLite)")
    assert lib.doctor() == []
    with lib.store.transaction() as c:
        c.execute("DELETE FROM files WHERE path = ?", (str(media / "7.txt"),))
        lib.store.meta.bump(c, ["note"])
    lib.indexes.forget()
    assert lib.vector_index("note").last_sync == "updated"
    assert lib.vector_index("note").count == 54
    # A graph written for another model is never used: rebuilt from SQLite.
    import json

    meta = json.loads(idx.meta_file.read_text())
    idx.meta_file.write_text(json.dumps({**meta, "model_id": "some-other-model"}))
    lib.indexes.forget()
    assert lib.vector_index("note").last_sync == "rebuilt"
    assert json.loads(idx.meta_file.read_text())["model_id"] == tiny_model.model_id


def test_folders_add_remove(lib: Library, tree, tmp_path: Path) -> None:
    media, files = tree
    lib.add_folder(media / "photos")
    lib.add_folder(media / "sounds")
    lib.index()
    assert lib.stats()["images"] == 4 and lib.stats()["sounds"] == 2
    assert lib.remove_folder(media / "photos")
    assert lib.folders() == [media / "sounds"]
    assert lib.stats()["images"] == 0
    assert all(p.exists() for p in files.values())  # files on disk untouched
    with pytest.raises(Exception, match="not a folder"):
        lib.add_folder(tmp_path / "nope")


def test_unicode_and_odd_names(lib: Library, tmp_path: Path) -> None:
    media = tmp_path / "ünï cödé 📷"
    media.mkdir()
    names = ["café ☕.png", "日本語の写真.jpg", "-starts-with-dash.png", "quote's \"x\".png",
             "semi;colon & amp $HOME.png", "back\\slash.png", "new\nline.png", "%_like.png",
             "مرحبا.png", "  spaces  .png"]
    for i, n in enumerate(names):
        write_image(media / n, pattern_image(16, 16, seed=i))
    bad = os.fsencode(str(media)) + b"/bad-\xff-name.png"
    with open(bad, "wb") as f:
        f.write((media / names[0]).read_bytes())
    lib.add_folder(media)
    r = lib.index()
    assert r.added == len(names)
    assert sorted(Path(p).name for p in _paths(lib)) == sorted(names)
    assert any("not valid UTF-8" in e.reason for e in lib.errors())
    hits = lib.search(Query(text="x", folder=media), k=20)
    assert len(hits) == len(names)
    hits = lib.search(Query(file=media / "%_like.png", folder=media), k=1)
    assert hits[0].path.name == "%_like.png"
    _consistent(lib)


def test_store_has_version_wal_and_tags_table(lib: Library) -> None:
    con = sqlite3.connect(lib.store.path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == lib.store.schema_version
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    cols = [r[1] for r in con.execute("PRAGMA table_info(tags)")]
    assert cols[:8] == ["id", "item_id", "name", "source", "score", "model_id", "status",
                        "created"]
    con.close()


def test_sidecar_keywords_become_tags(lib: Library, tree) -> None:
    media, files = tree
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
           'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag>'
           '<rdf:li>holiday</rdf:li><rdf:li>lake</rdf:li></rdf:Bag></dc:subject>'
           '</rdf:Description></rdf:RDF></x:xmpmeta>')
    Path(str(files["img0"]) + ".xmp").write_text(xmp)
    (files["snd0"].parent / "snd0.xmp").write_text(xmp.replace("lake", "birdsong"))
    lib.add_folder(media)
    r = lib.index()
    assert r.sidecar_tags == 4 and r.added == 8  # sidecars are not media
    hits = lib.search(Query(text="x", tag="holiday"), k=10)
    assert sorted(h.path.name for h in hits) == ["img0.jpg", "snd0.flac"]
    assert lib.index().sidecar_tags == 0  # unchanged sidecars are not read again


def test_broken_link_is_listed_once(lib: Library, tmp_path: Path) -> None:
    media = tmp_path / "links"
    media.mkdir()
    write_image(media / "real.png", pattern_image(16, 16))
    (media / "gone.jpg").symlink_to(tmp_path / "deleted.jpg")
    lib.add_folder(media)
    assert (lib.index().failed, lib.index().failed) == (1, 0)
    assert [(e.path.name, e.reason.split(":")[0]) for e in lib.errors()] == [
        ("gone.jpg", "broken link")]
    (tmp_path / "deleted.jpg").write_bytes((media / "real.png").read_bytes())
    r = lib.index()
    assert r.updated == 1 and lib.errors() == []  # the link works again
