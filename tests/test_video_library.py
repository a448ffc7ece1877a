"""Videos in a library: indexed as moments of their pictures and their sound, found from a
photo, a sound, words, another video or an item, the moment and the track said in results,
the command line and its JSON; tags and XMP sidecars as for photos. Real video files
(made from the demo library), the real decoder, a real (tiny, random) network."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from core.library import Library
from core.search import Query
from core.tagging import LibraryTagger
from tests.test_video import DEMO, photo, sound
from tools.videogen import write_video


@pytest.fixture
def videos(tmp_path: Path) -> dict[str, Path]:
    """Three videos and a photo: a field (then a cow) with birds and a moo, a fire that
    crackles, a soundtrack of rain alone, and one plain photo."""
    media = tmp_path / "media"
    field = write_video(media / "walk.mp4", [(photo("green_meadow_grass.jpg"), 6.0),
                                             (photo("cow.png"), 6.0)],
                        np.concatenate([sound("birds_singing.wav", 6),
                                        sound("cow_mooing.wav", 6)]))
    fire = write_video(media / "camp" / "fire.mkv", [(photo("fire.png"), 8.0)],
                       sound("fire_crackling.wav", 8))
    rain = write_video(media / "rain.m4v", None, sound("rain.wav", 12))
    still = media / "horse.png"
    shutil.copy(DEMO / "photos" / "horse.png", still)
    return {"walk": field, "fire": fire, "rain": rain, "horse": still}


def _indexed(lib: Library, videos: dict[str, Path]) -> dict[str, int]:
    lib.add_folder(videos["walk"].parent)
    report = lib.index()
    assert report.added == 4 and report.failed == 0
    return {k: lib.store.files.indexed_id(str(p)) for k, p in videos.items()}


def test_a_video_is_found_by_its_pictures_and_by_its_sound(lib: Library, videos) -> None:
    ids = _indexed(lib, videos)
    stats = lib.stats()
    assert stats["videos"] == 3 and stats["images"] == 1
    # by a photo of what it shows: the cow, in the second half of the walk
    hits = lib.search(Query(file=DEMO / "photos" / "cow.png", kinds={"video"}), k=3)
    assert hits[0].item_id == ids["walk"] and hits[0].kind == "video"
    seg = hits[0].segment
    assert seg.track == "picture" and 5.5 <= seg.start_s <= 12.0
    assert hits[0].segment.moment_text == f"at 0:{int(seg.start_s):02d}, by its picture"
    # by a recording of what it sounds like: the fire crackling
    wave = sound("fire_crackling.wav", 8)
    hits = lib.search(Query(waveform=wave, kinds={"video"}), k=3)
    assert hits[0].item_id == ids["fire"] and hits[0].segment.track == "sound"
    assert hits[0].segment.moment_text == "at 0:00, by its sound"
    # a soundtrack alone is found by its sound only
    hits = lib.search(Query(waveform=sound("rain.wav", 12), kinds={"video"}), k=3)
    assert hits[0].item_id == ids["rain"] and hits[0].segment.track == "sound"
    # by words: every video has an answer with its moment; kind filters keep them apart
    hits = lib.search(Query(text="a cow in a field"), k=10)
    assert {h.kind for h in hits} == {"video", "image"}
    assert all(h.segment.moment_text.startswith("at ") for h in hits if h.kind == "video")
    only = lib.search(Query(text="a cow kind:video"), k=10)
    assert only and {h.kind for h in only} == {"video"}
    # by another video (a copy outside the library), and more like this item
    hits = lib.search(Query(file=videos["fire"], kinds={"video"}), k=3)
    assert hits[0].item_id == ids["fire"]
    hits = lib.search(Query(item_id=ids["walk"]), k=5)
    assert ids["walk"] not in [h.item_id for h in hits] and hits


def test_tags_and_sidecars_work_for_videos(lib: Library, videos) -> None:
    ids = _indexed(lib, videos)
    tagger = LibraryTagger(lib)
    tagger.add_tag(ids["fire"], "campfire")
    assert [t.name for t in tagger.tags(ids["fire"], status="accepted")] == ["campfire"]
    report = tagger.export_sidecars([ids["fire"]])
    xmp = Path(str(videos["fire"]) + ".xmp")
    assert report.written == [str(xmp)] and "campfire" in xmp.read_text()
    # a sidecar written by another program is read in on the next index
    Path(str(videos["walk"]) + ".xmp").write_text(xmp.read_text().replace("campfire", "meadow"))
    lib.index()
    assert "meadow" in [t.name for t in tagger.tags(ids["walk"], status="accepted")]
    assert [h.item_id for h in lib.search(Query(text="tag:meadow"), k=5)] == [ids["walk"]]
    # zero-shot proposals reach videos too
    tagger.tag_library(min_score=0.0, top_k=2)
    assert tagger.tags(ids["rain"], status="proposed")


def test_the_command_line_says_the_moment_and_track(tmp_path: Path, videos, tiny_checkpoint,
                                                    capsys) -> None:
    lib = ["--library", str(tmp_path / "lib")]
    assert main([*lib, "index", str(videos["walk"].parent), "--model",
                 str(tiny_checkpoint)]) == 0
    capsys.readouterr()
    wave_file = DEMO / "sounds" / "fire_crackling.wav"
    assert main([*lib, "search", "--file", str(wave_file), "--kinds", "video", "--json",
                 "--merged", "--model", str(tiny_checkpoint)]) == 0
    out = json.loads(capsys.readouterr().out)
    top = out["results"][0]
    assert top["path"].endswith("fire.mkv") and top["kind"] == "video"
    assert top["segment"]["track"] == "sound" and top["segment"]["moment"].endswith(
        "by its sound")
    assert main([*lib, "search", "--file", str(wave_file), "--kinds", "video", "--model",
                 str(tiny_checkpoint)]) == 0
    assert "by its sound" in capsys.readouterr().out
    assert main([*lib, "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["videos"] == 3


def test_a_broken_video_is_an_error_that_loses_nothing(lib: Library, videos) -> None:
    bad = videos["walk"].parent / "broken.mov"
    data = videos["walk"].read_bytes()
    bad.write_bytes(data[: len(data) // 3])  # an mp4-style file cut short: no index
    ids = _indexed_with_bad(lib, videos)
    errors = {e.path.name: e.reason for e in lib.errors()}
    assert "broken.mov" in errors and "video" in errors["broken.mov"]
    assert all(i is not None for i in ids.values())


def _indexed_with_bad(lib: Library, videos: dict[str, Path]) -> dict[str, int | None]:
    lib.add_folder(videos["walk"].parent)
    report = lib.index()
    assert report.added == 4 and report.failed == 1
    return {k: lib.store.files.indexed_id(str(p)) for k, p in videos.items()}
