"""Searching as a person types: words found as words beside the network, the query
language's filters, search by example within filters, and fusion's rules. Real files
(EXIF written by Pillow, tags by mutagen) in a real library over the tiny network."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from core.errors import SynesthesiaError
from core.library import Library
from core.search import Query, parse_query
from core.search.fusion import Fusion
from tools.mediagen import pattern_image, tag_sound, tone, write_photo, write_sound

PARIS = (48.8566, 2.3522)


def _touch(path: Path, y: int, m: int) -> Path:
    t = time.mktime((y, m, 15, 12, 0, 0, 0, 0, -1))
    os.utime(path, (t, t))
    return path


def _make(root: Path) -> dict[str, Path]:
    out = {
        "paris": write_photo(root / "Holidays" / "IMG_0001.jpg", pattern_image(60, 80, seed=1),
                             taken="2023:04:12 10:30:00", gps=PARIS),
        "garden23": write_photo(root / "Home" / "IMG_0002.jpg", pattern_image(60, 80, seed=2),
                                taken="2023:06:01 09:00:00"),
        "garden22": write_photo(root / "Home" / "IMG_0003.jpg", pattern_image(60, 80, seed=3),
                                taken="2022:06:01 09:00:00"),
        "cat23": write_photo(root / "Home" / "IMG_0004.jpg", pattern_image(60, 80, seed=4),
                             taken="2023:07:01 09:00:00"),
        "song": tag_sound(write_sound(root / "Music" / "track1.wav", tone(3.0)),
                          title="Dog barking in the garden"),
        "short": write_sound(root / "Music" / "beep.wav", tone(0.5, 880)),
    }
    notes = root / "Notes"
    notes.mkdir()
    for i in range(12):
        (notes / f"note{i:02}.txt").write_text(f"Shopping list number {i}: bread, milk, eggs.\n")
    out["invoice"] = notes / "march.txt"
    out["invoice"].write_text("Paid the plumber. The invoice number is 4711, due in April.\n")
    out["phrase"] = notes / "walk.txt"
    out["phrase"].write_text("We walked the dog by the old mill at dawn.\n")
    out["other"] = notes / "walk2.txt"
    out["other"].write_text("The old dog slept by the mill.\n")
    for p in notes.iterdir():
        _touch(p, 2024, 1)
    return out


@pytest.fixture(scope="module")
def found(tmp_path_factory, tiny_model):
    """One library for the module's tests (they only read it)."""
    root = tmp_path_factory.mktemp("hybrid")
    media = _make(root / "media")
    lib = Library.open(root / "lib", model=tiny_model)
    lib.add_folder(root / "media")
    lib.index()
    store = lib.store
    ids = {name: store.files.item_by_path(p).id for name, p in media.items()}
    for name in ("garden23", "garden22", "cat23"):
        store.tags.decide(ids[name], "garden", "accepted")
    store.tags.decide(ids["garden23"], "dog", "accepted")
    store.tags.decide(ids["garden22"], "dog", "accepted")
    store.tags.decide(ids["cat23"], "dog", "accepted")
    store.tags.decide(ids["cat23"], "cat", "accepted")
    yield lib, media
    lib.close()


def _names(results) -> list[str]:
    return [r.path.name for r in results]


def test_a_note_holding_the_word_comes_first(found) -> None:
    lib, media = found
    hits = lib.search(Query(text="invoice"), k=10)
    assert hits[0].path == media["invoice"]
    assert hits[0].found_by in ("words", "both")
    assert "invoice" in hits[0].segment.text


def test_a_photo_taken_in_paris_is_found_by_paris(found) -> None:
    lib, media = found
    hits = lib.search(Query(text="paris"), k=5)
    assert hits[0].path == media["paris"]


def test_dog_minus_cat_tag_garden_2023(found) -> None:
    lib, media = found
    hits = lib.search(Query(text="dog -cat tag:garden 2023"), k=20)
    # tagged garden, dated 2023, not holding "cat": the 2022 photo, the cat photo, the
    # untagged notes and sounds all stay out
    assert [r.path for r in hits] == [media["garden23"]]


def test_filters_only_list_items_newest_first(found) -> None:
    lib, media = found
    hits = lib.search(Query(text="tag:garden"), k=20)
    assert [r.path for r in hits] == [media["cat23"], media["garden23"], media["garden22"]]
    assert all(r.found_by == "filter" for r in hits)
    assert _names(lib.search(Query(text="april 2023"), k=20)) == ["IMG_0001.jpg"]
    assert _names(lib.search(Query(text="in:Holidays"), k=20)) == ["IMG_0001.jpg"]
    assert _names(lib.search(Query(text="place:paris"), k=20)) == ["IMG_0001.jpg"]
    assert _names(lib.search(Query(text="kind:sound duration:>1s"), k=20)) == ["track1.wav"]
    assert len(lib.search(Query(text="kind:note 2024"), k=50)) == 15
    assert lib.search(Query(text="tag:garden 2021"), k=20) == []


def test_exact_phrase_must_be_there(found) -> None:
    lib, media = found
    hits = lib.search(Query(text='"old mill"'), k=20)
    assert [r.path for r in hits] == [media["phrase"]]
    hits = lib.search(Query(text="old mill"), k=3)
    assert {r.path for r in hits[:2]} == {media["phrase"], media["other"]}


def test_sound_titles_and_file_names_are_words(found) -> None:
    lib, media = found
    assert lib.search(Query(text="barking"), k=3)[0].path == media["song"]
    assert lib.search(Query(text="track1"), k=3)[0].path == media["song"]


def test_search_by_example_within_filters(found) -> None:
    lib, media = found
    like = lib.search(Query(file=media["garden23"]), k=3)
    assert like[0].path == media["garden23"]
    within = lib.search(Query(file=media["garden23"], filter_text="2022"), k=10)
    assert [r.path for r in within] == [media["garden22"]]
    within = lib.search(Query(item_id=lib.store.files.item_by_path(media["paris"]).id,
                              filter_text="kind:photo"), k=10)
    assert {r.kind for r in within} == {"image"} and len(within) == 3


def test_query_kinds_folder_and_tag_still_apply(found) -> None:
    lib, media = found
    hits = lib.search(Query(text="dog", kinds={"sound"}), k=10)
    assert {r.kind for r in hits} == {"sound"}
    hits = lib.search(Query(text="dog", folder=media["cat23"].parent, tag="cat"), k=10)
    assert [r.path for r in hits] == [media["cat23"]]


def test_bad_filters_say_what_to_write() -> None:
    with pytest.raises(SynesthesiaError, match="not a month"):
        Query(text="date:2023-13").validate()
    with pytest.raises(SynesthesiaError, match="photo, sound, note or video"):
        Query(text="kind:chair").validate()
    assert parse_query("kind:video").filters.kinds == frozenset({"video"})


def test_parse_query_parts() -> None:
    p = parse_query('dog -cat tag:garden 2023 "red ball" in:Holidays 10:30')
    assert p.words == ("dog", "10:30") and p.phrases == ("red ball",)
    assert p.excluded == ("cat",) and p.text == "dog 10:30 red ball"
    f = p.filters
    assert f.tags == ("garden",) and f.folder_words == ("Holidays",)
    assert f.date_to - f.date_from == 365 * 86400
    assert f.must_match == '"red ball"' and f.exclude_match == '"cat"'
    assert parse_query("a steam locomotive").words_match() == '"steam" AND "locomotive"'
    assert parse_query("the").words_match() == '"the"'
    m = parse_query("april 2023").filters
    assert m.date_to - m.date_from == 30 * 86400
    assert parse_query("kind:photos,notes").filters.kinds == {"image", "note"}
    d = parse_query("duration:10s..2m").filters
    assert (d.min_duration, d.max_duration) == (10.0, 120.0)


def test_fusion_rules() -> None:
    fuse = Fusion().fuse
    # found by both lists beats found by one; a words-only first beats a network-only first
    assert [i for i, _ in fuse([1, 2, 3], [3, 4])] == [3, 4, 1, 2]
    assert fuse([1], [2])[0] == (2, "words")
    assert fuse([], []) == []
    assert dict(fuse([1, 2], [2])) == {2: "both", 1: "network"}


def test_the_command_line_reads_the_same_language(tmp_path: Path, tiny_checkpoint,
                                                   capsys) -> None:
    import json

    from app.cli import main

    media = _make(tmp_path / "media")
    L = ("--library", str(tmp_path / "lib"))
    assert main([*L, "index", str(tmp_path / "media"), "--model", str(tiny_checkpoint)]) == 0
    with Library.open(tmp_path / "lib") as lib:
        ids = {n: lib.store.files.item_by_path(p).id for n, p in media.items()}
        for name in ("garden23", "garden22", "cat23"):
            lib.store.tags.decide(ids[name], "garden", "accepted")
            lib.store.tags.decide(ids[name], "dog", "accepted")
        lib.store.tags.decide(ids["cat23"], "cat", "accepted")
        # filters alone read SQLite only: no network is loaded for them
        hits = lib.search(Query(text="tag:garden 2023"), k=10)
        assert {h.path for h in hits} == {media["garden23"], media["cat23"]}
        assert lib._model is None
    capsys.readouterr()
    code = main([*L, "search", "dog -cat tag:garden 2023", "--model", str(tiny_checkpoint),
                 "--json", "--merged"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and [r["path"] for r in out["results"]] == [str(media["garden23"])]
    code = main([*L, "search", "invoice", "--merged", "--model", str(tiny_checkpoint)])
    first = capsys.readouterr().out.splitlines()[0]
    assert code == 0 and str(media["invoice"]) in first and "[words" in first
    code = main([*L, "search", "2022", "--file", str(media["garden23"]), "--model",
                 str(tiny_checkpoint), "--json", "--merged"])
    out = json.loads(capsys.readouterr().out)
    assert [r["path"] for r in out["results"]] == [str(media["garden22"])]
    code = main([*L, "search", "in:Notes", "--sort", "name", "-k", "3", "--model",
                 str(tiny_checkpoint), "--json", "--merged"])
    out = json.loads(capsys.readouterr().out)
    assert [Path(r["path"]).name for r in out["results"]] == ["march.txt", "note00.txt",
                                                              "note01.txt"]
    code = main([*L, "search", "date:2023-13", "--model", str(tiny_checkpoint)])
    assert code != 0 and "not a month" in capsys.readouterr().err


def test_copies_found_by_words_are_one_result(tmp_path: Path, lib: Library) -> None:
    media = tmp_path / "media"
    media.mkdir()
    (media / "bill.txt").write_text("The invoice from the roofer.\n")
    (media / "bill copy.txt").write_text("The invoice from the roofer.\n")
    (media / "other.txt").write_text("Another invoice, for the boiler.\n")
    write_photo(media / "roof.jpg", pattern_image(60, 80, seed=9))
    lib.add_folder(media)
    lib.index()
    # the copy, found by its words only, would take the third place and then be dropped
    # as a copy: the photo the network found fills it instead
    hits = lib.search(Query(text="invoice"), k=3)
    assert len(hits) == 3 and hits[2].path.name == "roof.jpg"
    notes = {h.path.name for h in hits[:2]} | {p.name for h in hits[:2] for p in h.copies}
    assert notes == {"bill.txt", "bill copy.txt", "other.txt"}
