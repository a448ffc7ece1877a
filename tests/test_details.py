"""Metadata read while indexing (EXIF date, camera, GPS -> place; sound tags; note titles),
the words table that full-text search reads, and how both stay in step with the files and
tags. Every file here is real: EXIF written by Pillow, tags by mutagen."""

from __future__ import annotations

import calendar
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from core.library import Library
from core.media.metadata import read_metadata
from core.media.places import available, place_names
from core.store import Store
from core.store.schema import _MIGRATIONS, SCHEMA_VERSION
from tools.mediagen import pattern_image, tag_sound, tone, write_photo, write_sound

EIFFEL = (48.8584, 2.2945)
QUIMPER = (47.9960, -4.1020)


def _media(root: Path) -> dict[str, Path]:
    out = {
        "paris": write_photo(root / "Holidays" / "tower.jpg", pattern_image(60, 80, seed=1),
                             taken="2023:04:12 10:30:00", camera=("Canon", "Canon EOS 5D"),
                             gps=EIFFEL, orientation=6, description="view from the top"),
        "plain": write_photo(root / "misc" / "plain.jpg", pattern_image(60, 80, seed=2)),
        "gulls": tag_sound(write_sound(root / "sounds" / "rec01.wav", tone(1.5)),
                           title="Seagulls at dawn", artist="Ann", album="Brittany trip"),
        "rain": tag_sound(write_sound(root / "sounds" / "rec02.flac", tone(2.0, 330)),
                          title="Rain on the roof"),
    }
    (root / "notes").mkdir()
    out["bill"] = root / "notes" / "bills.md"
    out["bill"].write_text("# Paperwork\nThe invoice for the garden shed arrived today.\n")
    return out


@pytest.fixture
def indexed(tmp_path: Path, lib: Library) -> tuple[Library, dict[str, Path]]:
    media = _media(tmp_path / "media")
    lib.add_folder(tmp_path / "media")
    report = lib.index()
    assert report.described == len(media)
    return lib, media


def _id(lib: Library, path: Path) -> int:
    return lib.store.files.item_by_path(path).id


def test_photo_exif_is_read_with_its_place(indexed) -> None:
    lib, media = indexed
    d = lib.store.details.of_item(_id(lib, media["paris"]))
    assert d.date_s == calendar.timegm((2023, 4, 12, 10, 30, 0, 0, 0, 0))
    assert d.date_source == "taken"
    assert d.camera == "Canon EOS 5D"
    assert d.orientation == 6
    assert d.lat == pytest.approx(EIFFEL[0], abs=1e-4)
    assert d.lon == pytest.approx(EIFFEL[1], abs=1e-4)
    assert (d.width, d.height) == (80, 60)
    assert "Paris" in d.place and d.place.endswith("France")
    assert d.description == "view from the top"
    plain = lib.store.details.of_item(_id(lib, media["plain"]))
    assert plain.date_source == "modified" and plain.place is None and plain.camera is None


def test_sound_tags_duration_and_note_title_are_read(indexed) -> None:
    lib, media = indexed
    g = lib.store.details.of_item(_id(lib, media["gulls"]))
    assert (g.title, g.artist, g.album) == ("Seagulls at dawn", "Ann", "Brittany trip")
    assert g.duration_s == pytest.approx(1.5, abs=0.01) and g.sample_rate == 16000
    r = lib.store.details.of_item(_id(lib, media["rain"]))
    assert r.title == "Rain on the roof" and r.artist is None
    n = lib.store.details.of_item(_id(lib, media["bill"]))
    assert n.title == "Paperwork"


def test_places_offline_names_regions_and_big_cities() -> None:
    assert available()
    paris, quimper, sea = place_names([EIFFEL, QUIMPER, (40.0, -30.0)])
    assert "Paris" in paris
    assert quimper.startswith("Quimper") and "Brittany" in quimper
    assert "Quimper" not in sea and sea  # far from any town: region and country only


def test_words_find_names_folders_text_titles_places(indexed) -> None:
    lib, media = indexed
    words = lib.store.items.words
    assert [i for i, _ in words("paris")] == [_id(lib, media["paris"])]
    assert [i for i, _ in words("invoices")] == [_id(lib, media["bill"])]  # stemmed
    assert [i for i, _ in words("seagull")] == [_id(lib, media["gulls"])]
    assert [i for i, _ in words("holidays")] == [_id(lib, media["paris"])]  # its folder
    assert [i for i, _ in words("rec02")] == [_id(lib, media["rain"])]  # its file name
    assert [i for i, _ in words("canon")] == [_id(lib, media["paris"])]
    assert [i for i, _ in words("ile")] == [_id(lib, media["paris"])]  # Île, no accent


def test_words_follow_tags_deletions_moves_and_changes(tmp_path: Path, indexed) -> None:
    lib, media = indexed
    store = lib.store
    pid = _id(lib, media["plain"])
    store.tags.decide(pid, "Sunset", "accepted")
    assert [i for i, _ in store.items.words("sunset")] == [pid]
    store.tags.decide(pid, "Sunset", "rejected")
    assert store.items.words("sunset") == []
    store.tags.replace_proposals("zero-shot", "m", {pid: [("lighthouse", 0.9)]})
    assert store.items.words("lighthouse") == []  # proposals are not words of the item
    store.tags.accept_all("lighthouse")
    assert [i for i, _ in store.items.words("lighthouse")] == [pid]
    # moved: same item, its new name is found and the old one is not
    new = media["plain"].parent / "harbour.jpg"
    os.rename(media["plain"], new)
    lib.index()
    assert _id(lib, new) == pid
    assert [i for i, _ in store.items.words("harbour")] == [pid]
    assert store.items.words("plain") == []
    # changed: read again
    media["bill"].write_text("Receipt for the new bicycle.\n")
    lib.index()
    assert store.items.words("invoice") == []
    assert [i for i, _ in store.items.words("bicycle")] == [_id(lib, media["bill"])]
    # deleted: its words go with it
    gid = _id(lib, media["gulls"])
    media["gulls"].unlink()
    lib.index()
    assert store.items.words("seagull") == []
    assert store.details.words_of(gid) is None and store.details.of_item(gid) is None


def test_tags_rename_and_merge(indexed) -> None:
    lib, media = indexed
    tags = lib.store.tags
    a, b = _id(lib, media["paris"]), _id(lib, media["plain"])
    tags.decide(a, "seaside", "accepted")
    tags.decide(b, "seaside", "rejected")
    tags.decide(b, "beach", "accepted")
    assert tags.rename("seaside", "beach") == 2  # a: renamed; b: merged into its "beach"
    names = {(t.item_id, t.name, t.status) for t in tags.rows()}
    assert names == {(a, "beach", "accepted"), (b, "beach", "accepted")}
    assert lib.store.items.tag_counts() == [("beach", 2, 0)]
    assert sorted(i for i, _ in lib.store.items.words("beach")) == sorted([a, b])
    assert lib.store.items.words("seaside") == []


def test_a_library_from_before_details_is_upgraded_and_described(tmp_path: Path,
                                                                tiny_model) -> None:
    media = _media(tmp_path / "media")
    lib = Library.open(tmp_path / "lib", model=tiny_model)
    lib.add_folder(tmp_path / "media")
    lib.index()
    lib.close()
    # The same library as schema 1 wrote it: no details, no words, version 1.
    db = tmp_path / "lib" / "library.sqlite"
    old = tmp_path / "old.sqlite"
    con = sqlite3.connect(old)
    con.executescript(_MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    con.execute("ATTACH DATABASE ? AS new", (str(db),))
    for table in ("meta", "folders", "files", "tags"):
        con.execute(f"INSERT INTO {table} SELECT * FROM new.{table}")
    cols = "id, file_id, kind, start_s, end_s, char_start, char_end, model_id, vector"
    con.execute(f"INSERT INTO segments SELECT {cols} FROM new.segments")
    con.commit()
    con.close()
    for p in db.parent.glob("library.sqlite*"):
        p.unlink()
    shutil.copy(old, db)
    store = Store(db)
    assert store.found_version == 1 and store.schema_version == SCHEMA_VERSION
    # The files table was rebuilt (2 -> 3, videos) without cascading into its dependants.
    assert store.query("SELECT COUNT(*) FROM segments")[0][0] >= len(media)
    assert store.query("PRAGMA foreign_keys")[0][0] == 1
    assert "'video'" in store.query("SELECT sql FROM sqlite_master WHERE name = 'files'")[0][0]
    assert store.details.count() == 0 and store.items.words("paris") == []
    store.close()
    lib = Library.open(tmp_path / "lib", model=tiny_model)
    try:
        report = lib.index()
        assert report.added == 0 and report.described == len(media)
        assert [i for i, _ in lib.store.items.words("paris")] == [_id(lib, media["paris"])]
    finally:
        lib.close()


def test_unreadable_metadata_is_no_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00garbage")
    md = read_metadata(bad, "image", 1_700_000_000.0)
    assert md.date_source == "modified" and md.camera is None
    snd = tmp_path / "broken.mp3"
    snd.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x10" + b"\x00" * 30)
    md = read_metadata(snd, "sound", 1_700_000_000.0)
    assert md.title is None and md.date_source == "modified"


XMP = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{}</rdf:li></rdf:Alt></dc:description>
</rdf:Description></rdf:RDF></x:xmpmeta>
"""


def test_sidecar_descriptions_are_words_and_follow_the_sidecar(tmp_path: Path, lib) -> None:
    media = tmp_path / "media"
    photo = write_photo(media / "p.jpg", pattern_image(60, 80, seed=5))
    sidecar = media / "p.jpg.xmp"
    sidecar.write_text(XMP.format("Grandmother's ninetieth birthday"), encoding="utf-8")
    lib.add_folder(media)
    lib.index()
    pid = _id(lib, photo)
    assert [i for i, _ in lib.store.items.words("ninetieth")] == [pid]
    assert lib.store.details.of_item(pid).description == "Grandmother's ninetieth birthday"
    time.sleep(0.01)  # a new sidecar stamp
    sidecar.write_text(XMP.format("Lunch at the harbour"), encoding="utf-8")
    report = lib.index()
    assert report.described == 1
    assert lib.store.items.words("ninetieth") == []
    assert [i for i, _ in lib.store.items.words("harbour")] == [pid]
