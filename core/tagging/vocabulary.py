"""Tag vocabularies: the words the program may propose, and the prompts that embed them.

A vocabulary file has one tag per line, ``## group`` lines that start a group
and ``#`` comments. The default one is ``resources/vocab/default.txt``; users
add files of their own and single words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.errors import SynesthesiaError
from core.media.kinds import KINDS
from core.resources import resource

# Prompt templates per kind of item. The text tower was trained on captions of
# images and names of sounds, so a tag reads best in the phrasing its kind was
# described with; averaging a few templates smooths out the quirks of one.
PROMPTS: dict[str, tuple[str, ...]] = {
    "image": ("{}", "a photo of {}", "a picture of {}", "an image showing {}"),
    "sound": ("{}", "the sound of {}", "a recording of {}", "{} sound"),
    "note": ("{}", "a note about {}", "text about {}"),
    # A video is embedded by its pictures and its sound: prompts of both.
    "video": ("{}", "a video of {}", "a photo of {}", "the sound of {}"),
}


class VocabularyError(SynesthesiaError):
    """A vocabulary file is missing, unreadable or empty."""


def default_vocabulary_path() -> Path:
    """The bundled vocabulary, ``resources/vocab/default.txt``."""
    return resource("vocab", "default.txt")


def normalise_tag(name: str) -> str:
    """A tag as stored: surrounding and repeated blanks removed, case kept."""
    return " ".join(name.split())


@dataclass(frozen=True)
class TagVocabulary:
    """An ordered list of distinct tags (compared without case) with their groups."""

    words: tuple[str, ...]
    groups: tuple[str, ...]
    sources: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.words)

    def __iter__(self):
        return iter(self.words)

    def index(self, word: str) -> int:
        """Position of ``word`` (case-insensitive); ValueError when absent."""
        key = normalise_tag(word).casefold()
        for i, w in enumerate(self.words):
            if w.casefold() == key:
                return i
        raise ValueError(f"{word!r} is not in the vocabulary")

    def prompts(self, kind: str) -> list[list[str]]:
        """For each word, the prompt texts used to embed it for items of ``kind``."""
        if kind not in PROMPTS:
            raise ValueError(f"unknown kind {kind!r}; use one of {KINDS}")
        return [[t.format(w) for t in PROMPTS[kind]] for w in self.words]

    def extended(self, words: Iterable[str], group: str = "user") -> TagVocabulary:
        """This vocabulary plus ``words`` (duplicates ignored)."""
        return _merge([self], [(normalise_tag(w), group) for w in words], self.sources)


def parse_vocabulary(text: str, source: str = "<text>") -> list[tuple[str, str]]:
    """(word, group) pairs of a vocabulary file's text, in file order."""
    out: list[tuple[str, str]] = []
    group = Path(source).stem if source != "<text>" else "user"
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("##"):
            group = s.lstrip("#").strip() or group
            continue
        if not s or s.startswith("#"):
            continue
        out.append((normalise_tag(s), group))
    return out


def _merge(
    bases: Sequence[TagVocabulary], extra: Iterable[tuple[str, str]], sources: Sequence[str]
) -> TagVocabulary:
    words: list[str] = []
    groups: list[str] = []
    seen: set[str] = set()
    pairs = [(w, g) for v in bases for w, g in zip(v.words, v.groups, strict=True)]
    for w, g in [*pairs, *extra]:
        if w and w.casefold() not in seen:
            seen.add(w.casefold())
            words.append(w)
            groups.append(g)
    return TagVocabulary(tuple(words), tuple(groups), tuple(sources))


def load_vocabulary(
    files: Iterable[str | Path] | None = None,
    extra_words: Iterable[str] = (),
    include_default: bool = True,
) -> TagVocabulary:
    """The default vocabulary (unless ``include_default`` is False), plus the words of
    ``files`` and ``extra_words``, without duplicates.

    Raises ``VocabularyError`` for a file that cannot be read or a result with no words.
    """
    paths = [default_vocabulary_path()] if include_default else []
    paths += [Path(f) for f in files or ()]
    pairs: list[tuple[str, str]] = []
    for p in paths:
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise VocabularyError(
                f"{p}: cannot read the vocabulary file ({exc}); give a UTF-8 text file "
                "with one tag per line"
            ) from exc
        found = parse_vocabulary(text, str(p))
        if not found:
            raise VocabularyError(f"{p}: the vocabulary file has no tags (one tag per line)")
        pairs += found
    pairs += [(normalise_tag(w), "user") for w in extra_words]
    vocab = _merge([], pairs, [str(p) for p in paths])
    if not vocab.words:
        raise VocabularyError("the vocabulary is empty: give a vocabulary file or some words")
    return vocab
