"""File names -> words -> concepts, through the fixed concept vocabulary of the independent
set (`CONCEPTS`, read from `concepts.tsv` beside this module: canonical concept -> other
names, words or two-word phrases, that mean it in file names)."""

from __future__ import annotations

import re
from importlib.resources import files


def _load_concepts() -> dict[str, tuple[str, ...]]:
    rows = files(__package__).joinpath("concepts.tsv").read_text(encoding="utf-8").splitlines()
    rows = [r for r in rows if r and not r.startswith("#")][1:]
    return {c: tuple(a for a in aliases.split(";") if a)
            for c, aliases, _group in (r.split("\t") for r in rows)}


CONCEPTS: dict[str, tuple[str, ...]] = _load_concepts()

# Words that, in a name, mark something that is not a real-world concept (a drawing of a
# mascot, a user-interface part, a map, a letter...). Such names are dropped.
REJECT_WORDS = frozenset({
    "tux", "tuxhelico", "tuxplane", "background", "bg", "icon", "button", "score", "arrow",
    "dragon", "unicorn", "ghost", "ghoul", "monster", "wizard", "witch", "fairy", "troll",
    "robot", "alien", "laser", "hit", "broken", "off", "on", "selected", "frame", "mask",
    "silhouette", "outline", "shadow", "target", "sound", "question", "flag", "windflag",
    "muncher", "gobo", "fantasy", "rape", "raquette", "carnaval", "epouvantail", "bolle",
    "mauve", "color", "colour", "cheesy", "carpet", "magiccarpet", "partyhat", "wizardhat",
    "hat", "cleaner", "manhole", "marble", "monkeyking", "roundman", "squaregirl", "squareguy",
    "wild", "cub", "insect", "nature", "dots", "hands", "disc", "support", "tube", "brush",
    "flashlight", "light", "wire", "transformer", "mast", "blade", "pole", "stone", "ring",
    "rings", "teeth", "chart", "statue", "tangram", "pattern", "box", "girl", "boy", "run",
    "stand", "tracks", "field", "court",
})


COLOUR_WORDS = frozenset({"orange", "lemon", "cherry", "chocolate", "peach", "plum"})
_SPLIT = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
# Packaging words in names: GCompris's memory-sound clips are named like LRBark_3_LA_cut.
NAME_NOISE = frozenset({"lr", "la", "cut", "son", "new", "fin"})
_PHRASES: dict[str, str] = {}
for _c, _aliases in CONCEPTS.items():
    for _a in (_c, *_aliases):
        _PHRASES[_a] = _c


def name_words(stem: str) -> list[str]:
    """Lower-case words of a file name: camelCase, `_`, `-` and digits split; digits, single
    letters (variant suffixes like `-a`) and packaging words dropped.

    `'LRStartAndStopCarEngine1LACut'` -> `['start', 'and', 'stop', 'car', 'engine']`,
    `'dog2-b'` -> `['dog']`, `'polar_bear'` -> `['polar', 'bear']`.
    """
    out = []
    for part in _SPLIT.findall(stem):
        w = part.lower()
        if w.isdigit() or len(w) < 2 or w in NAME_NOISE:
            continue
        out.append(w)
    return out


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _lookup(phrase: str) -> str | None:
    if phrase in _PHRASES:
        return _PHRASES[phrase]
    parts = phrase.split(" ")
    parts[-1] = _singular(parts[-1])
    return _PHRASES.get(" ".join(parts))


def concepts_of(words: list[str]) -> list[str]:
    """Concepts named by `words`, in order, two-word phrases before single words:
    `['polar', 'bear']` -> `['polar bear']`, `['car', 'cow']` -> `['car', 'cow']`,
    `['frogs', 'in', 'pond', 'during', 'storm']` -> `['frog', 'rain']`. Empty when the
    name contains a word of `REJECT_WORDS` or no concept at all."""
    if any(w in REJECT_WORDS for w in words):
        return []
    found: list[str] = []
    i = 0
    while i < len(words):
        hit = _lookup(" ".join(words[i : i + 2])) if i + 1 < len(words) else None
        step = 2
        if hit is None:
            hit, step = _lookup(words[i]), 1
            # a colour word before another concept is an adjective: "orange duck"
            if words[i] in COLOUR_WORDS and i + 1 < len(words) and _lookup(words[i + 1]):
                hit = None
        if hit is not None and hit not in found:
            found.append(hit)
        i += step
    return found

