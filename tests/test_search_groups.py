"""A search answered kind by kind (``Library.search_groups``, ``core.search.groups``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.library import Library
from core.search import KindGroup, Query
from core.search.groups import best_matches
from tests.media import make_tree


class CountingModel:
    """The tiny network, counting how many times it encodes a query's words."""

    def __init__(self, model) -> None:
        self._model = model
        self.text_calls = 0

    def encode_texts(self, texts):
        self.text_calls += 1
        return self._model.encode_texts(texts)

    def __getattr__(self, name):
        return getattr(self._model, name)


@pytest.fixture
def media(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    root = tmp_path / "media"
    return root, make_tree(root, images=6, sounds=5, notes=4)


@pytest.fixture
def indexed(lib: Library, media) -> Library:
    lib.add_folder(media[0])
    lib.index()
    return lib


def _names(group: KindGroup) -> list[str]:
    return [r.path.name for r in group.results]


def test_each_kind_gets_its_own_ranked_group(indexed: Library) -> None:
    groups = indexed.search_groups(Query(text="river mill"), k=3)
    assert [g.kind for g in groups] == ["image", "sound", "note", "video"]
    by = {g.kind: g for g in groups}
    for kind in ("image", "sound", "note"):
        g = by[kind]
        assert {r.kind for r in g.results} == {kind} and len(g.results) == 3
        assert g.more and g.offset == 0  # each kind holds more than a page
        assert g.good == sum(r.good for r in g.results)
    assert by["video"].results == () and not by["video"].more  # the library holds none
    # Photos score higher than sounds for typed words, yet the sounds get their own page,
    # ranked as a search of sounds alone ranks them.
    alone = indexed.search(Query(text="river mill", kinds={"sound"}), k=3)
    assert [r.item_id for r in by["sound"].results] == [r.item_id for r in alone]
    # The notes holding the words come first in their group (full text fused per kind).
    assert all(r.found_by != "network" for r in by["note"].results[:3])


def test_one_encoding_of_the_query_for_every_kind(tmp_path: Path, media, tiny_model) -> None:
    counting = CountingModel(tiny_model)
    with Library.open(tmp_path / "lib2", model=counting) as lib:
        lib.add_folder(media[0])
        lib.index()
        counting.text_calls = 0
        groups = lib.search_groups(Query(text="a waterfall"), k=2)
        assert counting.text_calls == 1
        assert sum(len(g.results) for g in groups) == 6


def test_the_next_page_of_one_kind(indexed: Library) -> None:
    whole = indexed.search_groups(Query(text="river", kinds={"image"}), k=6)[0]
    assert len(whole.results) == 6 and not whole.more
    first = indexed.search_groups(Query(text="river"), k=4)
    photos = next(g for g in first if g.kind == "image")
    assert photos.more
    page2 = indexed.search_groups(Query(text="river", kinds={"image"}), k=4,
                                  offsets={"image": 4})
    assert len(page2) == 1 and page2[0].offset == 4 and not page2[0].more
    got = [r.item_id for r in photos.results + page2[0].results]
    assert got == [r.item_id for r in whole.results]  # no item twice, none left out


def test_filters_apply_to_every_group(indexed: Library, media) -> None:
    root, _ = media
    groups = indexed.search_groups(Query(text="river", folder=root / "photos" / "2024"))
    by = {g.kind: g for g in groups}
    assert sorted(_names(by["image"])) == ["img1.jpg", "img3.jpg", "img5.jpg"]
    assert by["sound"].results == () and by["note"].results == ()
    # the kind toggles and a typed kind: filter choose the groups
    groups = indexed.search_groups(Query(text="river kind:photo,note",
                                         kinds={"image", "sound"}))
    assert [g.kind for g in groups] == ["image"]
    # filters alone: each kind's items, newest first, every one listed
    groups = indexed.search_groups(Query(text="kind:sound,note"), k=10)
    assert {g.kind: len(g.results) for g in groups} == {"sound": 5, "note": 4}
    assert all(r.found_by == "filter" for g in groups for r in g.results)
    # nothing passes: empty groups, not an error
    groups = indexed.search_groups(Query(text="river tag:nothing-has-this"))
    assert groups and all(g.results == () and not g.more for g in groups)


def test_by_example_groups(indexed: Library, media) -> None:
    _, files = media
    groups = indexed.search_groups(Query(file=files["snd2"]), k=2)
    sounds = next(g for g in groups if g.kind == "sound")
    assert sounds.results[0].path == files["snd2"] and sounds.results[0].good
    assert {len(g.results) for g in groups if g.kind != "video"} == {2}
    item = indexed.store.files.item_by_path(files["img0"])
    groups = indexed.search_groups(Query(item_id=item.id, kinds={"image", "note"}), k=10)
    photos = groups[0]
    assert photos.kind == "image" and len(photos.results) == 5  # itself left out
    assert item.id not in [r.item_id for g in groups for r in g.results]


def test_a_kind_without_a_good_match_still_gives_its_best(indexed: Library) -> None:
    # The tiny random network matches no photo or sound well to these words: each of
    # those groups still holds its best 3, every one marked weak.
    groups = indexed.search_groups(Query(text="an orchestra tuning up"), k=3)
    weak = [g for g in groups if g.weak_only]
    assert {g.kind for g in weak} >= {"image", "sound"}
    assert all(len(g.results) == 3 and not any(r.good for r in g.results) for g in weak)
    assert best_matches(groups) == []
    # "river": the notes holding the word are good matches, the strongest across kinds.
    groups = indexed.search_groups(Query(text="river"), k=3)
    best = best_matches(groups, n=2)
    assert len(best) == 2 and all(r.good and r.kind == "note" for r in best)
    rel = [r.relevance for r in best if r.relevance is not None]
    assert rel == sorted(rel, reverse=True)


def test_groups_validate_like_search(indexed: Library) -> None:
    from core.errors import SynesthesiaError

    with pytest.raises(SynesthesiaError):
        indexed.search_groups(Query(text="   "))
    assert indexed.search_groups(Query(text="river"), k=0) == []
