"""The sound bank's package list and labelling rules (training.corpus.soundbank)."""

from __future__ import annotations

import pytest

from training.corpus import soundbank as sb
from training.corpus.debs import RESERVED

BY_NAME = {p.name: p for p in sb.PACKAGES}


def test_no_reserved_package_is_read():
    names = {sb.debian_name(p) for p in sb.PACKAGES}
    assert not names & RESERVED
    for reserved in ("openttd-opensfx", "sound-theme-freedesktop", "lugaru-data", "triplea",
                     "scorched3d-data", "qabcs-data", "flare-game", "etw-data"):
        assert reserved in RESERVED


def test_held_out_packages_are_whole_bank_packages():
    names = {sb.debian_name(p) for p in sb.PACKAGES}
    assert sb.HELD_OUT <= names
    assert 8 <= len(sb.HELD_OUT) <= len(names) // 3
    assert sb.split_of(BY_NAME["wesnoth-1.16-data"]) == "heldout"
    assert sb.split_of(BY_NAME["megaglest-data"]) == "train"


def test_enough_packages_for_the_corpus():
    assert len({sb.debian_name(p) for p in sb.PACKAGES}) >= 40


@pytest.mark.parametrize(("package", "rel", "want"), [
    ("megaglest-data", "usr/share/games/megaglest/data/units/sheep/sounds/sheep5.wav", ["sheep"]),
    ("minetest-data", "usr/share/games/minetest/games/minetest_game/mods/default/sounds/"
     "default_gravel_footstep.1.ogg", ["gravel", "footstep"]),
    ("tuxpaint-stamps-default", "usr/share/tuxpaint/stamps/animals/birds/blackbird.ogg",
     ["blackbird"]),
    ("redeclipse-data", "usr/share/games/redeclipse/data/sounds/ambience/waterfall2.ogg",
     ["waterfall"]),
])
def test_effects_are_labelled_from_their_names(package, rel, want):
    assert sb.bank_labels(rel, BY_NAME[package]) == want


@pytest.mark.parametrize(("package", "rel"), [
    ("redeclipse-data", "usr/share/games/redeclipse/data/sounds/music/track_02.ogg"),
    ("hedgewars-data", "usr/share/games/hedgewars/Data/Sounds/voices/British/Byebye.ogg"),
    ("freecol", "usr/share/games/freecol/default/resources/sound/anthem/spanish.ogg"),
    ("megaglest-data", "usr/share/games/megaglest/data/core/menu/sound/click_d.wav"),
    ("tuxpaint-stamps-default", "usr/share/tuxpaint/stamps/animals/birds/crow_desc_fr.ogg"),
    ("berusky2-data", "usr/share/games/berusky2/sound/sound/sound005.wav"),
])
def test_music_interface_voices_and_codes_are_left_out(package, rel):
    assert sb.bank_labels(rel, BY_NAME[package]) is None


def test_speech_labels_name_the_language_and_speaker():
    asterisk = BY_NAME["asterisk-core-sounds-fr-wav"]
    labels = sb.bank_labels("usr/share/asterisk/sounds/fr/vm-goodbye.wav", asterisk)
    assert sb.phrase(labels) == "a woman speaking French"
    kajongg = BY_NAME["kajongg"]
    labels = sb.bank_labels("usr/share/kajongg/voices/de/male1/chow.ogg", kajongg)
    assert sb.phrase(labels) == "a man speaking German"
    stamps = BY_NAME["tuxpaint-stamps-default#speech"]
    labels = sb.bank_labels("usr/share/tuxpaint/stamps/animals/birds/crow_desc_ro.ogg", stamps)
    assert sb.phrase(labels) == "a person speaking Romanian"
    # no language in the path: left out rather than mislabelled
    assert sb.bank_labels("usr/share/ktuberling/sounds/unknown/apple.ogg",
                          BY_NAME["ktuberling-data"]) is None


def test_fixed_labels_and_phrases():
    keys = BY_NAME["bucklespring-data"]
    assert sb.bank_labels("usr/share/bucklespring/wav/2c-1.wav", keys) == ["keyboard", "typing"]
    assert sb.phrase(["footstep", "gravel"]) == "footsteps on gravel"
    assert sb.phrase(["gravel", "footstep"]) == "footsteps on gravel"
    assert sb.phrase(["door", "open"]) == "door open"


def test_compound_words_count_as_english():
    assert sb.is_english("blackbird") and sb.is_english("rubberduck")
    assert not sb.is_english("xqzvb")


def test_cap_is_deterministic_and_keeps_distinct_labels_first():
    rows = [(f"a/{i}.wav", ["dog"]) for i in range(10)] + [("a/cat.wav", ["cat"])]
    kept = sb.capped(rows, 3)
    assert kept == sb.capped(list(reversed(rows)), 3)
    assert ("a/cat.wav", ["cat"]) in kept and len(kept) == 3
