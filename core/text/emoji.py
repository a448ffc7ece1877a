"""Emoji in a text, read through their Unicode CLDR English names: "🐶 on the 🏖️" ->
"dog face on the beach with umbrella".

The names are a bundled resource, `resources/emoji/cldr-en.tsv` (written from Debian's
`unicode-cldr-core` by `python -m training.emoji_names`; provenance and license in
`resources/PROVENANCE.md` and `resources/emoji/LICENSE`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core.resources import resource

NAMES = resource("emoji", "cldr-en.tsv")
# Presentation selectors and skin tones change how an emoji looks, not what it names.
_IGNORED = frozenset(["\ufe0e", "\ufe0f", *(chr(c) for c in range(0x1F3FB, 0x1F400))])


@lru_cache(maxsize=1)
def emoji_names(path: Path = NAMES) -> dict[str, str]:
    """``{emoji sequence: CLDR name}`` of the bundled table (without selectors or tones)."""
    names: dict[str, str] = {}
    rows = [r for r in path.read_text(encoding="utf-8").splitlines()
            if r and not r.startswith("#")][1:]
    for row in rows:
        points, name = row.split("\t")
        seq = "".join(chr(int(p, 16)) for p in points.split())
        names.setdefault(_bare(seq), name)
    return names


def _bare(text: str) -> str:
    return "".join(ch for ch in text if ch not in _IGNORED)


def read_emoji(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(``text`` with every emoji replaced by its name, [(emoji, name)] in order). The
    longest known sequence wins: a family emoji is one name, not four people."""
    names = emoji_names()
    longest = max(map(len, names), default=1)
    bare = _bare(text)
    out: list[str] = []
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(bare):
        for n in range(min(longest, len(bare) - i), 0, -1):
            name = names.get(bare[i:i + n])
            if name is not None:
                found.append((bare[i:i + n], name))
                out.append(f" {name} ")
                i += n
                break
        else:
            out.append(bare[i])
            i += 1
    if not found:
        return text, []
    return " ".join("".join(out).split()), found
