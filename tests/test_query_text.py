"""Emoji in a query are read through their CLDR names; a query in a
language or script the text model does not know gets a message naming what it reads."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from core.errors import SynesthesiaError, UnsupportedLanguage
from core.search.query import Query
from core.text import SUPPORTED, read_query
from core.text.emoji import NAMES, emoji_names, read_emoji
from core.text.language import looks_like
from core.text.words import inflections, search_words, split_words


def test_the_bundled_names_are_cldrs_with_their_license():
    names = emoji_names()
    assert len(names) > 2000
    assert names["\U0001F436"] == "dog face" and names["\U0001F3D6"] == "beach with umbrella"
    head = NAMES.read_text(encoding="utf-8").splitlines()[0]
    assert "CLDR" in head and "Unicode-DFS-2016" in head
    assert "Unicode, Inc." in (NAMES.parent / "LICENSE").read_text(encoding="utf-8")
    provenance = (NAMES.parents[1] / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "resources/emoji/cldr-en.tsv" in provenance
    # only pictographs and symbols: no letter of any script is read as a "name"
    for seq in names:
        assert not any(unicodedata.category(ch).startswith("L") for ch in seq), seq


@pytest.mark.parametrize("text,read", [
    ("\U0001F436 on the \U0001F3D6\ufe0f", "dog face on the beach with umbrella"),
    ("\U0001F44D\U0001F3FD", "thumbs up"),  # a skin tone does not change the name
    ("\U0001F468\u200d\U0001F469\u200d\U0001F467 at home",  # one family, not three people
     "family: man, woman, girl at home"),
    ("a dog on the beach", "a dog on the beach"),
    ("caf\u00e9 \u00e0 Paris", "caf\u00e9 \u00e0 Paris"),
])
def test_emoji_are_read_by_name(text, read):
    assert read_query(text).text == read


def test_notes_say_how_emoji_were_read():
    q = read_query("\U0001F436\U0001F30A")
    assert q.text == "dog face water wave"
    assert q.notes == ("Read \U0001F436 as \u201cdog face\u201d.",
                       "Read \U0001F30A as \u201cwater wave\u201d.")
    assert read_emoji("no emoji here") == ("no emoji here", [])


@pytest.mark.parametrize("text,script", [
    ("\u72d7", "Chinese"), ("\u3044\u306c", "Japanese"), ("\uac1c", "Korean"),
    ("\u0441\u043e\u0431\u0430\u043a\u0430", "Cyrillic"), ("\u0643\u0644\u0628", "Arabic"),
])
def test_another_script_alone_is_searched_by_words_with_what_is_supported(text, script):
    q = read_query(text)
    assert q.words_only and q.text == ""
    (note,) = q.notes
    assert script in note and SUPPORTED in note and "words of file names" in note
    assert "Type the words in English" in note
    Query(text=text).validate()  # not refused: searched by its words
    assert not read_query("a dog").words_only and not read_query("\U0001F436 \u72d7").words_only


def test_words_of_another_script_are_left_out_with_a_note():
    q = read_query("\U0001F436 \u72d7 beach")
    assert q.text == "dog face beach"
    assert any("Left out \u72d7" in n and "Chinese" in n for n in q.notes)
    assert Query(text="\U0001F436 \u72d7 beach").search_text == "dog face beach"


def test_no_words_at_all_says_what_to_type():
    with pytest.raises(UnsupportedLanguage, match="no words or emoji to search for"):
        read_query("!!! ???")
    with pytest.raises(SynesthesiaError, match="empty"):
        Query(text="   ").validate()


def test_another_latin_language_is_noticed_not_refused():
    q = read_query("chien sur la plage")
    assert q.text == "chien sur la plage"
    assert q.notes and "French" in q.notes[0] and "English" in q.notes[0]
    assert "German" in read_query("ein Hund im Park").notes[0]
    for english in ("a dog on the beach", "rain", "die hard", "a van by the river"):
        assert looks_like(english) is None and read_query(english).notes == ()


def test_search_words_hold_the_vocabulary_inflected():
    assert split_words("sailBoats_in-sunset2") == ["sail", "boats", "in", "sunset"]
    assert {"barks", "barking", "barked"} <= set(inflections("bark"))
    assert {"flies", "flying"} <= set(inflections("fly"))
    words = search_words(["church bell", "dog"], ["LRBark_3"])
    assert {"a", "the", "on", "church", "bells", "dog", "dogs", "bark", "barking"} <= set(words)
    assert len(words) == len(set(words))


# -- the command line ---------------------------------------------------------------------------
@pytest.fixture
def indexed(tmp_path: Path, tiny_checkpoint, capsys):
    from app.cli import main

    media = tmp_path / "media"
    media.mkdir()
    (media / "pet.txt").write_text("dog face")
    (media / "weather.txt").write_text("a storm over the harbour at night")
    (media / "garden.txt").write_text("tomatoes growing in the garden")
    lib = tmp_path / "lib"
    assert main(["--library", str(lib), "index", str(media), "--model",
                 str(tiny_checkpoint)]) == 0
    capsys.readouterr()
    return lib, tiny_checkpoint


def test_cli_searches_an_emoji_by_its_name(indexed, capsys):
    from app.cli import main

    lib, ckpt = indexed
    args = ["--library", str(lib), "search", "--merged", "--model", str(ckpt), "-k", "3", "--json"]
    assert main([*args[:-1], "\U0001F436"]) == 0
    out = capsys.readouterr()
    assert "Read \U0001F436 as \u201cdog face\u201d." in out.err
    assert "pet.txt" in out.out.splitlines()[0]  # the note "dog face"
    assert main([*args, "\U0001F436"]) == 0
    emoji = json.loads(capsys.readouterr().out)
    assert emoji["query"]["read_as"] == "dog face" and emoji["query"]["notes"]
    # the words of the files are searched for the name too: the note holds "dog face"
    assert emoji["results"][0]["path"].endswith("pet.txt")
    assert emoji["results"][0]["found_by"] == "both"
    assert main([*args, "tag:\u732b"]) == 0  # a filter in another script still filters
    assert json.loads(capsys.readouterr().out)["results"] == []  # nothing is tagged 猫
    assert main([*args, "dog face"]) == 0
    words = json.loads(capsys.readouterr().out)
    assert [(r["path"], r["score"]) for r in emoji["results"]] == \
        [(r["path"], r["score"]) for r in words["results"]]


def test_cli_searches_another_script_by_its_words_without_the_model(tmp_path, tiny_checkpoint,
                                                                    capsys):
    """A query only in another script finds the files whose words hold it (a note's
    text, a file's name) and says the text model cannot read it; the model is not loaded."""
    from app.cli import main

    media = tmp_path / "media"
    media.mkdir()
    (media / "walk.txt").write_text("\u0441\u043e\u0431\u0430\u043a\u0430 \u043d\u0430 "
                                    "\u043f\u043b\u044f\u0436\u0435", encoding="utf-8")
    (media / "\u72d7.txt").write_text("a note about our pet", encoding="utf-8")
    (media / "weather.txt").write_text("a storm over the harbour at night")
    lib = tmp_path / "lib"
    assert main(["--library", str(lib), "index", str(media), "--model",
                 str(tiny_checkpoint)]) == 0
    capsys.readouterr()
    # no --model: a words-only search must not need one (a missing checkpoint would fail)
    args = ["--library", str(lib), "search", "--merged", "--model", str(tmp_path / "no-such.pt"),
            "--json"]
    assert main([*args, "\u0441\u043e\u0431\u0430\u043a\u0430"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [Path(r["path"]).name for r in out["results"]] == ["walk.txt"]
    assert out["results"][0]["found_by"] == "words"
    assert any("Cyrillic" in n for n in out["query"]["notes"])
    assert main([*args, "\u72d7"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [Path(r["path"]).name for r in out["results"]] == ["\u72d7.txt"]
    code = main(["--library", str(lib), "search", "\u732b", "--model", str(tiny_checkpoint)])
    captured = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in captured.err
    assert "Chinese" in captured.err and SUPPORTED in captured.err
