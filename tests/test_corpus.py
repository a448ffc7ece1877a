"""Corpus builder logic on tiny fixtures (no Debian packages needed)."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

from training.corpus import load_manifest, split
from training.corpus.cldr import emoji_annotations, parse_annotations
from training.corpus.debs import Package, short_license
from training.corpus.images import stamp_description, svg_metadata
from training.corpus.labels import normalise_label, singular
from training.corpus.opensfx import read_cat
from training.corpus.pairing import build_index, match_images
from training.corpus.sound_rules import base_name
from training.corpus.sounds import game_sounds, phrase, sound_labels

CLDR = """<?xml version="1.0" encoding="UTF-8" ?>
<ldml><annotations>
  <annotation cp="{">brace | bracket</annotation>
  <annotation cp="{" type="tts">open curly bracket</annotation>
  <annotation cp="🐶">dog | face | pet</annotation>
  <annotation cp="🐶" type="tts">dog face</annotation>
  <annotation cp="👋🏽">hand | wave | medium skin tone</annotation>
  <annotation cp="👋🏽" type="tts">waving hand: medium skin tone</annotation>
  <annotation cp="🌧">cloud | rain</annotation>
</annotations></ldml>
"""


def test_normalise_label_strips_numbers_variants_and_packaging_words():
    assert normalise_label("Footstep_Gravel_Walking_03") == ["footstep", "gravel", "walking"]
    assert normalise_label("snd_dog-barks2") == ["dog", "bark"]
    assert normalise_label("sfx/CoalMine") == ["coal", "mine"]
    assert normalise_label("fs_grass") == ["footstep", "grass"]
    assert normalise_label("The Birds, the birds!") == ["bird"]


def test_singular_keeps_words_that_only_look_plural():
    assert singular("dogs") == "dog"
    assert singular("glass") == "glass"
    assert singular("bus") == "bus"
    assert singular("berries") == "berry"
    assert singular("watches") == "watch"


def test_base_name_removes_trailing_numbering():
    assert base_name("swordhit_12b") == "swordhit"
    assert base_name("bird3") == "bird"
    assert base_name("amb_farm_10") == "amb_farm"


def test_sound_labels_drop_speech_music_and_interface():
    assert sound_labels("audio/voice/greek/civ/select_1.ogg") is None
    assert sound_labels("data/sound/menu/click.ogg") is None
    assert sound_labels("sounds/archer_ack3.wav") is None
    assert sound_labels("sounds/cow_select1.wav") == ["cow"]
    assert sound_labels("audio/ambient/weather/rain_11.ogg") == ["rain"]
    assert sound_labels("sounds/attack_2.wav") is None  # only a generic action
    assert sound_labels("audio/attack/fire/sp_11.ogg") == ["fire"]


def test_phrase_reads_footsteps_naturally():
    assert phrase(["footstep", "gravel", "walking"]) == "footsteps on gravel"
    assert phrase(["dog", "bark"]) == "dog bark"


def test_cldr_parser_reads_names_and_keywords(tmp_path: Path):
    xml = tmp_path / "en.xml"
    xml.write_text(CLDR, encoding="utf-8")
    parsed = parse_annotations(xml)
    assert parsed["🐶"] == {"name": "dog face", "keywords": ["dog", "face", "pet"]}
    assert "🌧" not in parsed  # keywords without a name are not usable
    emoji = emoji_annotations([xml])
    assert set(emoji) == {"🐶"}  # ASCII and skin-tone variants are dropped


def test_split_is_deterministic_and_keeps_groups_together():
    items = [{"id": f"i{n}", "group": f"g{n // 2}"} for n in range(400)]
    train, held = split(items, 0.2, seed=1)
    assert (train, held) == split(items, 0.2, seed=1)
    assert len(train) + len(held) == 400
    assert 40 <= len(held) <= 120
    assert not {i["group"] for i in train} & {i["group"] for i in held}
    # Adding items does not move the old ones.
    _, held_more = split(items + [{"id": "new", "group": "new"}], 0.2, seed=1)
    assert [i for i in held_more if i["id"] != "new"] == held
    assert split(items, 0.2, seed=2)[1] != held


def test_load_manifest_from_cache_root(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "manifest.jsonl").write_text(json.dumps({"id": "a", "group": "a"}) + "\n")
    assert load_manifest(tmp_path) == [{"id": "a", "group": "a"}]
    assert load_manifest(corpus) == [{"id": "a", "group": "a"}]


def test_game_sounds_from_a_zip_keep_real_world_effects(tmp_path: Path):
    root = tmp_path / "0ad-data"
    archive = root / "usr/share/games/0ad/mods/public/public.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("audio/ambient/weather/rain_11.ogg", b"rain-a")
        zf.writestr("audio/ambient/weather/rain_12.ogg", b"rain-b")
        zf.writestr("audio/ambient/weather/rain_13.ogg", b"rain-a")  # same bytes as _11
        zf.writestr("audio/voice/greek/civ/attack_1.ogg", b"speech")
        zf.writestr("audio/interface/ui/click.ogg", b"click")
        zf.writestr("audio/actor/singlesteps/fs_gravel_3.ogg", b"steps")
        zf.writestr("audio/groups/fs_grass_left.xml", b"<xml/>")
    pkg = Package("0ad-data", "1.0", "CC-BY-SA-3.0", root)
    items = game_sounds(pkg, tmp_path / "out")
    assert sorted(" ".join(i["labels"]) for i in items) == ["footstep gravel", "rain", "rain"]
    rain = [i for i in items if i["labels"] == ["rain"]]
    assert rain[0]["group"] == rain[1]["group"]  # variants never straddle the split
    assert all(Path(i["path"]).exists() for i in items)


def test_opensfx_catalogue(tmp_path: Path):
    entries = [b'"Cow". Original by X. License: Creative Commons Zero 1.0.\0',
               b'"Ship horn". License: Creative Commons Attribution 3.0 Unported.\0']
    wavs = [b"RIFF" + b"a" * 20, b"RIFF" + b"b" * 30]
    table_size = 8 * len(entries)
    blobs, offset, table = b"", table_size, b""
    for header, wav in zip(entries, wavs, strict=True):
        table += struct.pack("<II", offset | 0x80000000, len(wav))
        blob = bytes([len(header)]) + header + wav
        blobs += blob
        offset += len(blob)
    cat = tmp_path / "opensfx.cat"
    cat.write_bytes(table + blobs)
    assert read_cat(cat) == [("Cow", "CC0-1.0", wavs[0]), ("Ship horn", "CC-BY-3.0", wavs[1])]


def test_text_metadata_readers(tmp_path: Path):
    txt = tmp_path / "frog.txt"
    txt.write_text("A frog.\nde.utf8=Ein Frosch.\n", encoding="utf-8")
    assert stamp_description(txt) == "A frog."
    svg = ('<svg><metadata><dc:title>Full Moon</dc:title><dc:subject><rdf:Bag>'
           '<rdf:li>moon</rdf:li><rdf:li>space</rdf:li></rdf:Bag></dc:subject></metadata></svg>')
    assert svg_metadata(svg) == {"title": "Full Moon", "description": "",
                                 "keywords": ["moon", "space"]}
    copyright_text = "Files: *\nLicense: GPL-2+\n\nFiles: a\nLicense: CC0\n\nLicense: GPL-2+\n"
    assert short_license(copyright_text) == "GPL-2+"


def test_pairing_prefers_specific_whole_word_matches():
    images = [
        {"id": "a", "source": "s1", "texts": ["A dog."], "labels": ["dog"]},
        {"id": "b", "source": "s1", "texts": ["hotdog"], "labels": ["hotdog", "food"]},
        {"id": "c", "source": "s2", "texts": ["dog face"], "labels": ["dog", "face", "pet"]},
        {"id": "d", "source": "s2", "texts": ["cat"], "labels": ["cat"]},
    ]
    index = build_index(images)
    assert match_images(["dog", "bark"], images, index) == ["a", "c"]
    assert match_images(["attack"], images, index) == []
