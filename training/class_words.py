"""What each ImageNet class is an instance of, for auto-tag (core/tagging/classtags.py), which
turns the image teacher's class probabilities into tag probabilities:

- resources/imagenet/hypernyms.tsv: per class, the WordNet synsets it belongs to, itself and
  every hypernym above it ("golden retriever" -> retriever, sporting dog, dog, canine, ...,
  animal), as noun offsets, with their first lemmas for reading;
- resources/imagenet/senses.tsv: per word with a noun sense among those synsets, its most
  common noun sense (WordNet's first sense) when it is one of them ("-" when not), then its
  other senses among them, most common first. A tag means its first sense ("wind" is moving
  air, never the wind instrument); only when that one is no class's does the tag's group of
  the vocabulary pick a later one (classtags.GROUP_ROOTS: "church" among places is the
  building, not the institution).

    python -m training.class_words [--wordnet /usr/share/wordnet]

Needs WordNet 3.0's noun database (Debian package `wordnet-base`) only to build the file;
the program reads the file, never WordNet. The ImageNet class ids are WordNet 3.0 noun
offsets (`n` + 8 digits), so the classes are found by offset.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.model.pretrained import RESOURCES

HYPERNYM = ("@", "@i")  # hypernym, instance hypernym


def parse_nouns(path: Path) -> dict[str, tuple[list[str], list[str]]]:
    """WordNet ``data.noun`` -> {offset: (lemmas, hypernym offsets)}."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(" "):  # the licence header
                continue
            fields = line.split(" | ")[0].split()
            offset, n_words = fields[0], int(fields[3], 16)
            words = [fields[4 + 2 * k].replace("_", " ").lower() for k in range(n_words)]
            words = [w.split("(")[0] for w in words]  # adjective markers: "(a)", "(p)"
            at = 4 + 2 * n_words
            n_ptr = int(fields[at])
            ptrs = [fields[at + 1 + 4 * k: at + 5 + 4 * k] for k in range(n_ptr)]
            ups = [p[1] for p in ptrs if p[0] in HYPERNYM and p[2] == "n"]
            out[offset] = (words, ups)
    return out


def noun_senses(path: Path) -> dict[str, list[str]]:
    """WordNet ``index.noun`` -> {word: offsets of its noun senses, most common first}."""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(" "):
                continue
            fields = line.split()
            n_senses = int(fields[2])
            out[fields[0].replace("_", " ").lower()] = fields[-n_senses:]
    return out


def first_senses(path: Path) -> dict[str, str]:
    """WordNet ``index.noun`` -> {word: offset of its most common noun sense}."""
    return {w: senses[0] for w, senses in noun_senses(path).items()}


def closure(offset: str, nouns: dict[str, tuple[list[str], list[str]]]) -> list[str]:
    """The synset and every hypernym above it, nearest first, without repeats."""
    seen: list[str] = []
    frontier = [offset]
    while frontier:
        nxt = []
        for o in frontier:
            if o in seen or o not in nouns:
                continue
            seen.append(o)
            nxt += nouns[o][1]
        frontier = nxt
    return seen


def build(wordnet: Path) -> tuple[list[str], list[str]]:
    """The lines of hypernyms.tsv and senses.tsv."""
    nouns = parse_nouns(wordnet / "data.noun")
    rows = (RESOURCES / "imagenet" / "classes.tsv").read_text(encoding="utf-8").splitlines()[1:]
    classes = ["index\twnid\tsynsets (noun offsets: the class, then its hypernyms, nearest "
               "first)\tfirst lemma of each"]
    used: set[str] = set()
    for row in rows:
        index, wnid, _, _ = row.split("\t")
        if wnid[1:] not in nouns:
            raise SystemExit(f"{wnid} is not in {wordnet}/data.noun (not WordNet 3.0?)")
        syns = closure(wnid[1:], nouns)
        used |= set(syns)
        classes.append(f"{index}\t{wnid}\t{' '.join(syns)}\t"
                       f"{'; '.join(nouns[o][0][0] for o in syns)}")
    senses = ["word\tfirst noun sense (offset, - when no class has it)\tlater senses a class "
              "has, most common first"]
    for w, offsets in sorted(noun_senses(wordnet / "index.noun").items()):
        later = [o for o in offsets[1:] if o in used]
        if offsets[0] in used or later:
            first = offsets[0] if offsets[0] in used else "-"
            senses.append(f"{w}\t{first}\t{' '.join(later)}")
    return classes, senses


class WordNetJudge:
    """Whether a tag is true of an item by WordNet, for the evaluations (never at run time):
    the tag's most common noun sense is the most common noun sense of one of the item's
    labels, or a hypernym of it ("horse" -> animal, "pizza" -> food, "helicopter" ->
    transport). A label is looked up as written, then by its singular. Labels' first
    senses only, so the judge errs on the strict side ("saw" is first a proverb)."""

    def __init__(self, wordnet: Path = Path("/usr/share/wordnet")):
        if not (wordnet / "data.noun").is_file():
            raise SystemExit(f"{wordnet}/data.noun not found: install WordNet 3.0 "
                             "(apt-get install wordnet-base)")
        self.nouns = parse_nouns(wordnet / "data.noun")
        self.first = first_senses(wordnet / "index.noun")
        self._above: dict[str, frozenset[str]] = {}

    def sense(self, word: str) -> str | None:
        from training.corpus.labels import singular

        w = " ".join(word.casefold().replace("_", " ").split())
        parts = w.split(" ")
        return self.first.get(w.replace(" ", "_")) or self.first.get(w) or self.first.get(
            " ".join([*parts[:-1], singular(parts[-1])]))

    def above(self, label: str) -> frozenset[str]:
        """The label's first sense and every hypernym above it (empty when it has none)."""
        if label not in self._above:
            s = self.sense(label)
            self._above[label] = frozenset(closure(s, self.nouns)) if s else frozenset()
        return self._above[label]

    def true(self, tag: str, labels: list[str] | set[str]) -> bool:
        s = self.sense(tag)
        return s is not None and any(s in self.above(lab) for lab in labels)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.class_words", description=__doc__)
    p.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    a = p.parse_args(argv)
    if not (a.wordnet / "data.noun").is_file():
        raise SystemExit(f"{a.wordnet}/data.noun not found: install WordNet 3.0 "
                         "(apt-get install wordnet-base) or give --wordnet")
    classes, senses = build(a.wordnet)
    for name, lines in (("hypernyms.tsv", classes), ("senses.tsv", senses)):
        out = RESOURCES / "imagenet" / name
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {out} ({len(lines) - 1} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
