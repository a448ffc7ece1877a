"""Emoji names and keywords from Unicode CLDR annotation files (en.xml)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))


def parse_annotations(path: Path) -> dict[str, dict]:
    """Map each annotated character sequence to `{"name": str, "keywords": [str]}`.

    CLDR gives two elements per sequence: `type="tts"` holds the short name,
    the other holds keywords separated by `|`.
    """
    result: dict[str, dict] = {}
    for node in ET.parse(path).getroot().iter("annotation"):
        cp = node.get("cp")
        text = (node.text or "").strip()
        if not cp or not text:
            continue
        entry = result.setdefault(cp, {"name": "", "keywords": []})
        if node.get("type") == "tts":
            entry["name"] = text
        else:
            entry["keywords"] = [k.strip() for k in text.split("|") if k.strip()]
    return {cp: e for cp, e in result.items() if e["name"]}


def emoji_annotations(paths: list[Path]) -> dict[str, dict]:
    """Merge annotation files; keep pictographic sequences, drop skin-tone variants.

    Single characters below U+00A9 (ASCII punctuation, digits) are not emoji.
    """
    merged: dict[str, dict] = {}
    for path in paths:
        for cp, entry in parse_annotations(path).items():
            merged.setdefault(cp, entry)
    return {
        cp: e
        for cp, e in merged.items()
        if not (len(cp) == 1 and ord(cp) < 0xA9)
        and not (len(cp) > 1 and SKIN_TONES.intersection(cp))
        and cp not in SKIN_TONES
    }
