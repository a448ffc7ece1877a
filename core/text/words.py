"""The words a search can use, for recognising spoken queries: the tag vocabulary, the
library's own words (file and folder names, tags) and the small words that join them, each
with its common inflections ("bark" -> "barks", "barking", "barked"). A recogniser keeps
the ones it can pronounce."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# The small words of a spoken query ("a dog on the beach", "rain at night").
FUNCTION_WORDS = ("a an the of on in at with and or near under over by from to into "
                  "through some two three my our this").split()
MAX_LIBRARY_WORDS = 5000
_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")
_VOWELS = "aeiou"


def split_words(text: str) -> list[str]:
    """Lower-case words of a name or phrase: camelCase, `_`, `-` and digits split; single
    letters dropped. ``"sailBoats_in-sunset2"`` -> ``["sail", "boats", "in", "sunset"]``."""
    return [w.lower() for w in _PARTS.findall(text) if len(w) > 1]


def inflections(word: str) -> list[str]:
    """``word`` and its regular plural / third person, -ing and -ed forms (spelling rules
    only; a recogniser's dictionary decides which are words)."""
    out = [word]
    if len(word) < 3 or not word.isalpha():
        return out
    if word.endswith("y") and word[-2] not in _VOWELS:
        out += [word[:-1] + "ies", word[:-1] + "ied", word + "ing"]
        return out
    out.append(word + ("es" if word.endswith(("s", "x", "z", "ch", "sh")) else "s"))
    if word.endswith("e") and not word.endswith(("ee", "ye", "oe")):
        out += [word[:-1] + "ing", word + "d"]
    else:
        double = (len(word) >= 3 and word[-1] not in _VOWELS + "wxy" and word[-2] in _VOWELS
                  and word[-3] not in _VOWELS and len(word) <= 4)
        stem = word + word[-1] if double else word
        out += [stem + "ing", stem + "ed", word + "ing", word + "ed"]
    return list(dict.fromkeys(out))


def library_words(store: Any, roots: Iterable[Path] = ()) -> list[str]:
    """The words of a library's file names, of the folders below its roots and of its tags,
    most frequent first (at most MAX_LIBRARY_WORDS). ``store``: a ``core.store.Store``."""
    roots = [Path(r) for r in roots]
    counts: Counter[str] = Counter()
    for path in store.files.paths().values():
        p = Path(path)
        below = next((p.relative_to(r) for r in roots if p.is_relative_to(r)), Path(p.name))
        counts.update(split_words(" ".join([*below.parent.parts, p.stem])))
    for name, *_ in store.items.tag_counts():
        counts.update(split_words(name))
    return [w for w, _ in counts.most_common(MAX_LIBRARY_WORDS)]


def search_words(tags: Iterable[str], library: Iterable[str] = ()) -> list[str]:
    """The vocabulary of a spoken query: function words, then the words of the tags and of
    the library with their inflections, without duplicates."""
    out = list(FUNCTION_WORDS)
    for phrase in [*tags, *library]:
        for word in split_words(phrase):
            out += inflections(word)
    return list(dict.fromkeys(out))
