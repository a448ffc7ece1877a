"""Corpus builder logic on tiny fixtures (no Debian packages needed)."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

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


# --- held-out packages -------------------------------------------------------------------

def test_openttd_opensfx_is_held_out_of_the_training_corpus(tmp_path: Path):
    from training.corpus.debs import RESERVED, download
    from training.corpus.sounds import GAME_SOUND_PACKAGES

    assert "openttd-opensfx" in RESERVED  # the real-media evaluation set reads it
    assert not RESERVED & set(GAME_SOUND_PACKAGES)
    with pytest.raises(ValueError, match="reserved"):
        download("openttd-opensfx", tmp_path)


def test_dep5_license_of_one_installed_file():
    from training.corpus.debs import copyright_license

    text = ("Files: *\nCopyright: a\nLicense: GPL-2\n\n"
            "Files: share/hedgewars/Data/Sounds/*\nCopyright: b\nLicense: GFDL-1.3\n\n"
            "Files: share/hedgewars/Data/Sounds/Droplet*.ogg\nLicense: CC-BY-SA-3.0\n\n"
            "Files: hedgewars/*\nLicense: MIT\n\n"
            "Files: data/music/a.ogg data/music/b.ogg\nLicense: CC-BY-SA-3.0\n")
    base = "usr/share/games/hedgewars/Data/Sounds/"
    assert copyright_license(text, base + "voices/Singer/Laugh.ogg") == "GFDL-1.3"
    assert copyright_license(text, base + "Droplet2.ogg") == "CC-BY-SA-3.0"
    assert copyright_license(text, "usr/share/games/hedgewars/Data/Music/x.ogg") == "GPL-2"
    assert copyright_license(text, "usr/share/games/w/data/music/b.ogg") == "CC-BY-SA-3.0"
    assert copyright_license("License: GPL-2\n", "a/b.ogg") is None


# --- voices in the game data --------------------------------------------------------------

def test_human_voices_are_labelled_by_what_they_do():
    assert sound_labels("data/core/sounds/human-female-die-2.ogg") == ["scream", "woman"]
    assert sound_labels("data/core/sounds/human-old-hit-1.ogg") == ["grunt", "man", "old"]
    assert sound_labels("data/core/sounds/dwarf-laugh.wav") == ["laugh"]
    assert sound_labels("data/core/sounds/wose-die.ogg") is None  # fantasy, still dropped


# --- MIDI scores and audio helpers --------------------------------------------------------

def _midi_events(data: bytes) -> list[bytes]:
    """Channel events of a format-0 MIDI file (enough to check what midi_file writes)."""
    assert data[:4] == b"MThd" and data[14:18] == b"MTrk"
    track, i, events = data[22:], 0, []
    while i < len(track):
        while track[i] & 0x80:  # delta time
            i += 1
        i += 1
        if track[i] == 0xFF:
            length = track[i + 2]
            i += 3 + length
            continue
        size = 2 if track[i] & 0xF0 == 0xC0 else 3
        events.append(track[i:i + size])
        i += size
    return events


def test_midi_file_plays_the_notes_with_the_program():
    from training.corpus import midi

    notes = [(0.0, 0.5, 60, 100), (0.5, 0.5, 64, 90)]
    events = _midi_events(midi.midi_file(notes, program=40))
    assert bytes([0xC0, 40]) in events
    assert [e[1] for e in events if e[0] == 0x90] == [60, 64]
    assert len([e for e in events if e[0] == 0x80]) == 2
    drums = _midi_events(midi.midi_file([(0.0, 0.1, 38, 100)], channel=midi.DRUM_CHANNEL))
    assert not any(e[0] & 0xF0 == 0xC0 for e in drums)  # no program change on the drum channel
    assert bytes([0x99, 38, 100]) in drums


def test_scores_are_seeded_and_fit_a_clip():
    import random

    from training.corpus import midi
    from training.corpus.instruments import clip_score

    for shape in ("held", "scale", "melody", "chords", "strum"):
        a = clip_score(shape, 60, random.Random(1))
        assert a == clip_score(shape, 60, random.Random(1))
        end = max(s + d for s, d, _, _ in a)
        assert 2.0 < end < 9.0 and all(0 < p < 128 and 0 < v < 128 for _, _, p, v in a)
    beat = midi.beat(random.Random(3))
    assert {p for _, _, p, _ in beat} <= set(midi.KIT.values())
    assert max(s for s, _, _, _ in midi.hits(38, random.Random(2))) < 4.0


def test_finish_trims_pads_caps_and_normalises():
    import numpy as np

    from training.corpus.audio import PEAK, RATE, finish

    tone = np.sin(np.arange(RATE) * 0.1).astype(np.float32) * 0.2
    short = np.concatenate([np.zeros(RATE // 2, np.float32), tone, np.zeros(RATE, np.float32)])
    out = finish(short)
    assert len(out) == 3 * RATE  # padded to the minimum length
    assert abs(np.abs(out).max() - PEAK) < 1e-3
    assert np.abs(out[: RATE // 50]).max() > 0.01  # leading silence trimmed
    assert len(finish(np.tile(tone, 15))) == 10 * RATE
    assert finish(np.zeros(RATE, np.float32)) is None


def test_instrument_texts_and_picture_words():
    from training.corpus.drumkits import kit_concept
    from training.corpus.instruments import (
        DRUM_KIT,
        GM_PERCUSSION,
        GM_PROGRAMS,
        clip_text,
    )

    assert clip_text(GM_PROGRAMS[68][0], "scale") == "an oboe playing a scale"
    assert clip_text(GM_PROGRAMS[14][0], "melody") == "tubular bells playing a melody"
    assert clip_text(GM_PROGRAMS[52][0], "held") == "a choir singing long notes"
    assert clip_text(GM_PERCUSSION[38], "hits") == "Snare drum played in a rhythm"
    assert clip_text(DRUM_KIT, "beat") == "a drum kit playing a beat"
    # A bass drum is found by pictures of drums, not of bass guitars (or fish).
    assert GM_PERCUSSION[36].labels[0] == "drum"
    assert GM_PERCUSSION[36].pair == ("bass drum", "drum")
    assert GM_PROGRAMS[60][0].labels == ("horn", "french")
    assert GM_PROGRAMS[60][0].pair == ("french horn",)  # a phrase: not French fries
    for instrument, _, _ in GM_PROGRAMS.values():
        assert instrument.labels and instrument.pair
    assert kit_concept("Hi Hat Closed") == "hihat"
    assert kit_concept("Kick (Tama Superstar 22\")") == "kick"
    assert kit_concept("Snare Rimshot (Pearl)") is None
    assert kit_concept("Crash Left") == "crash"
    assert kit_concept("Floor Tom") == "tom"
    assert kit_concept("Djembe1 Slap") == "djembe"
    assert kit_concept("Whistle") is None


KIT_XML = """<?xml version="1.0" encoding="UTF-8"?>
<drumkit_info xmlns="http://www.hydrogen-music.org/drumkit">
 <name>Tiny Kit</name>
 <instrumentList>
  <instrument><name>Kick</name><filename>kick.wav</filename></instrument>
  <instrument><name>Snare</name>
   <layer><filename>snare_soft.wav</filename><min>0</min><max>0.5</max></layer>
   <layer><filename>snare_hard.wav</filename><min>0.5</min><max>1</max></layer>
  </instrument>
  <instrument><name>Closed HH</name><filename>hat.wav</filename></instrument>
  <instrument><name>Cowbell</name><filename>cowbell.wav</filename></instrument>
  <instrument><name>Zap</name><filename>zap.wav</filename></instrument>
  <instrument><name>Missing</name><filename>missing.wav</filename></instrument>
 </instrumentList>
</drumkit_info>
"""


def _hit(path: Path, freq: float, seconds: float = 0.3) -> None:
    import numpy as np

    from training.corpus.audio import RATE, write_wav

    t = np.arange(int(seconds * RATE)) / RATE
    write_wav(path, (np.sin(2 * np.pi * freq * t) * np.exp(-8 * t) * 0.8).astype(np.float32))


def test_hydrogen_kit_clips(tmp_path: Path):
    import wave

    from training.corpus.drumkits import KITS, hydrogen_clips, read_drumkit

    kit = tmp_path / "pkg" / KITS / "Audiophob"
    kit.mkdir(parents=True)
    (kit / "drumkit.xml").write_text(KIT_XML)
    for name, freq in (("kick", 60), ("snare_soft", 200), ("snare_hard", 210), ("hat", 6000),
                       ("cowbell", 800), ("zap", 1500)):
        _hit(kit / f"{name}.wav", freq)
    name, instruments = read_drumkit(kit / "drumkit.xml")
    assert name == "Tiny Kit"
    assert [i.name for i in instruments] == ["Kick", "Snare", "Closed HH", "Cowbell", "Zap"]
    assert instruments[1].layer(0.9).name == "snare_hard.wav"
    pkg = Package("hydrogen-drumkits", "1", "GPL-2+", tmp_path / "pkg")
    items = hydrogen_clips(pkg, tmp_path / "out")
    by_id = {i["id"]: i for i in items}
    assert set(by_id) == {"hydrogen:Audiophob/beat", "hydrogen:Audiophob/snare",
                          "hydrogen:Audiophob/cowbell", "hydrogen:Audiophob/hihat",
                          "hydrogen:Audiophob/kick"}
    beat = by_id["hydrogen:Audiophob/beat"]
    assert beat["labels"] == ["drum", "kit"] and beat["pair_labels"] == ["drum kit", "drum"]
    assert beat["license"] == "CC0"  # the kit's own license, from the package's copyright
    assert beat["category"] == "instrument" and beat["version"] == "1"
    assert len({i["group"] for i in items}) == 1  # one kit's samples stay on one side
    for item in items:
        with wave.open(item["path"]) as w:
            assert w.getframerate() == 22050 and w.getnchannels() == 1
            assert 3.0 <= w.getnframes() / 22050 <= 10.0


FAKE_SYNTH = """#!{python}
import sys, wave, struct, math
args = sys.argv[1:]
if args == ["--version"]:
    print("fake 1.0"); sys.exit(0)
out = args[args.index("-F") + 1]
with wave.open(out, "wb") as w:
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(22050)
    frames = b"".join(struct.pack("<hh", int(8000 * math.sin(i / 9)), 0) for i in range(22050 * 4))
    w.writeframes(frames)
"""


def test_soundfont_clips_with_a_stand_in_synthesizer(tmp_path: Path, monkeypatch):
    import sys

    from training.corpus import instruments
    from training.corpus.debs import Tool

    script = tmp_path / "fluidsynth"
    script.write_text(FAKE_SYNTH.format(python=sys.executable))
    script.chmod(0o755)
    synth = Tool("fluidsynth", "2.3", script, {})
    root = tmp_path / "pkg"
    (root / instruments.SF2).parent.mkdir(parents=True)
    (root / instruments.SF2).write_bytes(b"sf2")
    monkeypatch.setattr(instruments, "GM_PROGRAMS", {40: instruments.GM_PROGRAMS[40]})
    monkeypatch.setattr(instruments, "GM_PERCUSSION", {38: instruments.GM_PERCUSSION[38]})
    pkg = Package("fluid-soundfont-gm", "3.1", "MIT", root)
    items = instruments.soundfont_clips(pkg, synth, tmp_path / "out")
    assert [i["texts"][0] for i in items] == [
        "a violin playing long notes", "a violin playing a scale", "a violin playing a melody",
        "Snare drum played in a rhythm", "a drum kit playing a beat", "a drum kit playing a beat",
        "a drum kit playing a beat"]
    violin = items[0]
    assert violin["labels"] == ["violin"] and violin["license"] == "MIT"
    assert violin["rendered_with"] == "fluidsynth 2.3"
    assert "GM program 41 (violin)" in violin["origin"]
    assert all(Path(i["path"]).exists() for i in items)
    assert not list((tmp_path / "out" / "fluidr3" / ".work").glob("*.mid"))
    assert instruments.soundfont_clips(pkg, None, tmp_path / "out") == []  # no synthesizer


# --- music and speech ---------------------------------------------------------------------

def test_music_excerpts_and_joined_speech(tmp_path: Path):
    import numpy as np

    from training.corpus.audio import RATE, write_wav
    from training.corpus.human import hedgewars_voices, music_clips, spaced

    root = tmp_path / "pkg"
    music = root / "usr/share/games/hedgewars/Data/Music"
    music.mkdir(parents=True)
    t = np.arange(40 * RATE) / RATE
    write_wav(music / "Beach.wav", (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32))
    write_wav(music / "Jingle.wav", (0.3 * np.sin(2 * np.pi * 220 * t[: RATE])).astype(np.float32))
    voices = root / "usr/share/games/hedgewars/Data/Sounds/voices"
    for pack in ("Pirate", "Robot"):
        for line in ("Laugh", "Hello", "Incoming", "Oops"):
            (voices / pack).mkdir(parents=True, exist_ok=True)
            _hit(voices / pack / f"{line}.ogg", 300, 0.6)  # WAV bytes: PyAV probes the content
    doc = root / "usr/share/doc/hedgewars-data"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text("Files: *\nLicense: GPL-2\n\n"
                                   "Files: share/hedgewars/Data/Sounds/*\nLicense: GFDL-1.3\n")
    pkg = Package("hedgewars-data", "1.0", "GPL-2", root)
    tracks = music_clips(pkg, tmp_path / "out")
    assert [i["id"] for i in tracks] == ["music:hedgewars-data/Beach"]  # the jingle is too short
    assert tracks[0]["labels"] == ["music"] and tracks[0]["license"] == "GPL-2"
    assert tracks[0]["category"] == "music"
    voice = hedgewars_voices(pkg, tmp_path / "out")
    assert [i["id"] for i in voice] == ["hedgewars:laugh/Pirate", "hedgewars:speech/Pirate"]
    assert voice[0]["labels"] == ["laugh", "laughing"] and voice[0]["license"] == "GFDL-1.3"
    assert voice[1]["labels"][0] == "speech" and "speak" in voice[1]["pair_labels"]
    assert voice[1]["origin"].count(" + ") == 2  # three lines in one clip
    assert spaced(list(range(10)), 3) == [0, 3, 6]


def test_pairing_uses_the_picture_words_of_a_sound():
    from training.corpus.build import pair

    images = [
        {"id": "drum", "source": "s", "texts": ["A drum kit."], "labels": ["drum", "kit"]},
        {"id": "bass", "source": "s", "texts": ["bass guitar"], "labels": ["bass", "guitar"]},
        {"id": "fish", "source": "s", "texts": ["a bass"], "labels": ["bass", "fish"]},
    ]
    sounds = [{"labels": ["drum", "bass", "kick"], "pair_labels": ["drum"]},
              {"labels": ["drum", "bass", "kick"]}]
    pair(images, sounds)
    assert sounds[0]["image_ids"] == ["drum"]
    assert set(sounds[1]["image_ids"]) == {"drum", "bass", "fish"}  # why pair_labels exist


def test_picture_phrases_need_every_word_and_take_turns():
    from training.corpus.pairing import match_any, match_phrase

    images = [
        {"id": "horn", "source": "s", "texts": ["French Horn"], "labels": ["french", "horn"]},
        {"id": "fries", "source": "s", "texts": ["French fries"], "labels": ["french", "fry"]},
        {"id": "party", "source": "s", "texts": ["party horn"], "labels": ["party", "horn"]},
        {"id": "oil", "source": "e", "texts": ["oil drum"], "labels": ["oil", "drum"]},
        {"id": "drum", "source": "e", "texts": ["drum"], "labels": ["drum", "music"]},
        {"id": "kit", "source": "s", "texts": ["A drum kit."], "labels": ["drum", "kit"]},
    ]
    index = build_index(images)
    assert match_phrase("french horn", images, index) == ["horn"]
    assert match_phrase("drums", images, index) == ["drum", "kit"]  # plural, and no oil drum
    assert match_any(["drum kit", "drum"], images, index) == ["kit", "drum"]
    assert match_any(["tuba", "french horn"], images, index) == ["horn"]
