"""Which words of a text the text model can read. The text tower is all-MiniLM-L6-v2,
trained on English: it reads English words (and the Latin letters of names and loanwords)
and knows nothing of other scripts.

- Words in another script (Chinese, Japanese, Korean, Cyrillic, Arabic, ...) are named by
  ``foreign_words``, with the script and its main languages.
- A Latin-script text whose small words are those of another language ("chien sur la
  plage") is named by ``looks_like``: the search still runs, but the user is told.
"""

from __future__ import annotations

import re
import unicodedata

SUPPORTED = "English words (and emoji, read by their English names)"

# The first word of a letter's Unicode name -> how to name the script to a person.
SCRIPTS = {
    "CJK": "Chinese or Japanese (Han characters)", "HIRAGANA": "Japanese (hiragana)",
    "KATAKANA": "Japanese (katakana)", "HANGUL": "Korean (Hangul)",
    "CYRILLIC": "Cyrillic (Russian, Ukrainian, Bulgarian, ...)", "GREEK": "Greek",
    "ARABIC": "Arabic script (Arabic, Persian, Urdu, ...)", "HEBREW": "Hebrew",
    "DEVANAGARI": "Devanagari (Hindi, Marathi, Nepali, ...)", "BENGALI": "Bengali",
    "TAMIL": "Tamil", "TELUGU": "Telugu", "GUJARATI": "Gujarati", "GURMUKHI": "Punjabi",
    "KANNADA": "Kannada", "MALAYALAM": "Malayalam", "THAI": "Thai", "LAO": "Lao",
    "KHMER": "Khmer", "MYANMAR": "Burmese", "GEORGIAN": "Georgian", "ARMENIAN": "Armenian",
    "ETHIOPIC": "Ethiopic (Amharic, Tigrinya, ...)", "SINHALA": "Sinhala", "TIBETAN": "Tibetan",
}

# Small words that mark a language (none of them an English word, so not "die", "am" or
# "van"); a text looks like a language when it has such words and no English small word.
MARKERS = {
    "French": "le la les des du une sur dans avec et est pour au aux sous chez ce cette qui "
              "que pas",
    "German": "der das und mit ein eine einem einer auf im dem ist von zu bei unter nicht",
    "Spanish": "el los las una y del por para sobre es al en",
    "Italian": "il gli della delle sul sulla nel nella di da un una che",
    "Portuguese": "os uma com na nas dos das em ao",
    "Dutch": "de het een en op met bij niet",
}
ENGLISH = frozenset("a an the of on in at with and to by for from under over is are near "
                    "into onto this that my".split())
_WORD = re.compile(r"\w+", re.UNICODE)


def script_of(word: str) -> str | None:
    """The script of a word's first letter, when it is not Latin (None for Latin, digits)."""
    for ch in word:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            first = name.split(" ", 1)[0]
            if first == "LATIN":
                return None
            return SCRIPTS.get(first, f"{first.title()} script" if first else "an unknown script")
    return None


def foreign_words(text: str) -> list[tuple[str, str]]:
    """(word, script) of each word written in a script other than Latin."""
    out = []
    for word in _WORD.findall(text):
        script = script_of(word)
        if script is not None:
            out.append((word, script))
    return out


def looks_like(text: str) -> tuple[str, list[str]] | None:
    """(language, its marker words found) when a Latin-script text reads as another language
    than English: at least one of its small words and no English small word."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words or any(w in ENGLISH for w in words):
        return None
    best: tuple[str, list[str]] | None = None
    for language, markers in MARKERS.items():
        hits = [w for w in words if w in markers.split()]
        if hits and (best is None or len(hits) > len(best[1])):
            best = (language, hits)
    return best
