"""Writes the emoji names a query is read through (`resources/emoji/cldr-en.tsv`) from the
English annotations of Unicode CLDR in Debian's `unicode-cldr-core` package.

    python -m training.emoji_names [--out PATH]

The package is fetched and unpacked like the corpus's (`training.corpus.debs`). Kept: every
annotated sequence that is a pictograph or symbol (no letters, digits or punctuation unless
it is a keycap), without skin-tone variants; one row per sequence, written as its code
points in hex (so joiners and variation selectors stay visible) and its CLDR short name.
"""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

from core.resources import resource
from training.corpus.cldr import emoji_annotations
from training.corpus.debs import cache_dir, unpack

PACKAGE = "unicode-cldr-core"
ANNOTATIONS = ("annotations/en.xml", "annotationsDerived/en.xml")
OUT = resource("emoji", "cldr-en.tsv")
KEYCAP = "\u20e3"


def is_pictograph(seq: str) -> bool:
    """A sequence of symbols (category S*), joiners and modifiers; a keycap like 1️⃣ too."""
    if KEYCAP in seq:
        return True
    return all(unicodedata.category(ch)[0] in "SM" or ch in "\u200d\ufe0f"
               or 0x1F1E6 <= ord(ch) <= 0x1F1FF or 0xE0020 <= ord(ch) <= 0xE007F
               for ch in seq)


def rows(annotations: dict[str, dict]) -> list[tuple[str, str]]:
    """(code points in hex, name) of the pictographs, sorted by code points."""
    out = []
    for seq, entry in annotations.items():
        if is_pictograph(seq):
            out.append((" ".join(f"{ord(ch):04X}" for ch in seq), " ".join(entry["name"].split())))
    return sorted(out)


def write(out: Path, found: list[tuple[str, str]], version: str) -> None:
    header = (f"# Emoji names from Unicode CLDR (Debian {PACKAGE} {version}, annotations/en.xml "
              "and annotationsDerived/en.xml), Unicode-DFS-2016: see LICENSE beside this file.\n"
              "# Written by `python -m training.emoji_names`; read by core/text/emoji.py.\n"
              "codepoints\tname\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(header + "".join(f"{c}\t{n}\n" for c, n in found), encoding="utf-8")
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.emoji_names",
                                description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=OUT)
    a = p.parse_args(argv)
    pkg = unpack(PACKAGE, cache_dir())
    common = pkg.root / "usr/share/unicode/cldr/common"
    found = rows(emoji_annotations([common / f for f in ANNOTATIONS if (common / f).exists()]))
    write(a.out, found, pkg.version)
    print(f"{len(found)} emoji names -> {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
