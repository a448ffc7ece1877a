"""Turning names (file names, titles, keywords) into normalised concept words."""

from __future__ import annotations

import re

# Words that carry no concept: articles, packaging words, variant markers.
STOPWORDS = frozenset(
    """a an the of and or in on at to with for from by is are it its this that his her
    their some one two very me my your you we our they them he she him be been was were
    has have had can could will would as but not all so into out there here than then such
    also just too many much more most other another each every give get got let like
    snd sfx sound sounds audio sample samples default data usr share
    games game env amb gen generic var variant loop mn fx left right alt new old version
    ogg wav flac mp png svg jpg copy small big large medium short long x y z
    """.split()
)

# Spellings and abbreviations found in the game data, mapped to plain words.
REWRITES = {
    "fs": "footstep",
    "hstep": "footstep",
    "mstep": "hoof",
    "foorstep": "footstep",
    "footsteps": "footstep",
    "lumber": "chop",
    "lumbering": "chop",
    "woodcutting": "chop",
    "con": "construction",
    "croud": "crowd",
    "trafic": "traffic",
    "birds": "bird",
    "windgust": "wind",
    "windleaves": "wind",
    "windstorm": "wind",
    "wavecrash": "wave",
    "waverocky": "wave",
    "snowstorm": "snow",
    "jav": "javelin",
    "ballist": "ballista",
    "swordhit": "sword",
    "fleshimp": "flesh",
    "fleshstab": "stab",
    "arrowfly": "arrow",
    "nightime": "night",
    "campfire": "fire",
    "firecracker": "firework",
}

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NONWORD = re.compile(r"[^a-z]+")


def singular(word: str) -> str:
    """A crude English singular, good enough to match 'dogs' with 'dog'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Lowercase words of `text`: splits camelCase, `_`, `-`, digits and punctuation."""
    return [w for w in _NONWORD.split(_CAMEL.sub(" ", text).lower()) if w]


def normalise_label(text: str) -> list[str]:
    """Concept words of a name: `'Footstep_Gravel_Walking_03'` -> `['footstep', 'gravel', 'walking']`.

    Digits, variant suffixes (`_01`, `_a`), packaging words (`snd`, `sfx`) and
    stopwords are dropped; known abbreviations are rewritten; plurals become
    singular; order is kept and duplicates removed.
    """
    out: list[str] = []
    for raw in words(text):
        if len(raw) < 2 or raw in STOPWORDS:
            continue
        word = REWRITES.get(raw, raw)
        word = REWRITES.get(singular(word), singular(word))
        if word not in out and word not in STOPWORDS:
            out.append(word)
    return out


def has_any(labels: list[str], words_: frozenset[str]) -> bool:
    """Whether any label (or any word inside a label) is in `words_`."""
    return any(part in words_ for label in labels for part in label.split())
