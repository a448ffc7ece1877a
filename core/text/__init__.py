"""What the text model reads of a search text (torch-free; the GUI and the command line
use it before a search, the engine when it encodes the text).

``read_query("🐶 on the beach")`` -> ``QueryText(text="dog face on the beach", notes=(...))``:
emoji are read through their CLDR names (``core.text.emoji``); words in a script the text
model does not know are left out with a note. A text of such words only is searched by its
words alone (file names, notes, tags, titles, places: ``words_only``), with a note naming
what the text model reads; a text with no word or emoji at all raises ``UnsupportedLanguage``
(``core.text.language``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import UnsupportedLanguage
from core.text.emoji import emoji_names, read_emoji
from core.text.language import SUPPORTED, foreign_words, looks_like

__all__ = ["QueryText", "SUPPORTED", "UnsupportedLanguage", "emoji_names", "read_query"]

TRY_INSTEAD = ("Type the words in English, use emoji, or search by an example: drop a "
               "photo, sound or note on the window, or record a sound.")


@dataclass(frozen=True)
class QueryText:
    original: str
    text: str  # what the text model reads
    notes: tuple[str, ...] = ()  # what a person should be told (emoji read, words left out)
    # Only words the text model cannot read: the search goes by words alone, not by meaning.
    words_only: bool = False


def read_query(text: str) -> QueryText:
    """The searchable reading of ``text``; raises UnsupportedLanguage when it holds no word or
    emoji at all. Only words of another script: ``words_only``, with a note saying why."""
    read, emoji = read_emoji(text)
    notes = [f"Read {e} as \u201c{name}\u201d." for e, name in emoji]
    foreign = foreign_words(read)
    if foreign:
        scripts = sorted({s for _, s in foreign})
        for word, _ in foreign:
            read = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", read)
        read = " ".join(read.split())
        if not re.search(r"\w", read):
            return QueryText(text, "", (
                f"Synesthesia's text model cannot read {' or '.join(scripts)}: it knows "
                f"{SUPPORTED}. Searched the words of file names, notes, tags, titles and "
                f"places only, not the meaning of photos and sounds. {TRY_INSTEAD}",),
                words_only=True)
        notes.append(f"Left out {', '.join(w for w, _ in foreign)}: the text model reads "
                     f"{SUPPORTED}, not {' or '.join(scripts)}.")
    elif not re.search(r"\w", read):
        raise UnsupportedLanguage(
            f"\u201c{text.strip()}\u201d has no words or emoji to search for. Synesthesia reads "
            f"{SUPPORTED}. {TRY_INSTEAD}")
    other = looks_like(read)
    if other is not None:
        language, words = other
        notes.append(f"This looks like {language} ({', '.join(words)}); the text model "
                     f"knows {SUPPORTED}, so results may be poor. Try it in English.")
    return QueryText(text, read, tuple(notes))
