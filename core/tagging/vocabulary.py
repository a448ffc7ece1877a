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


# Groups of tags meant for recordings only ("## sounds: animals" in resources/vocab/sounds.txt):
# proposed for sounds and the soundtracks of videos, never for photos or notes.
SOUND_GROUP_PREFIX = "sounds:"
SOUND_KINDS = ("sound", "video")


class VocabularyError(SynesthesiaError):
    """A vocabulary file is missing, unreadable or empty."""


def default_vocabulary_path() -> Path:
    """The bundled vocabulary, ``resources/vocab/default.txt``."""
    return resource("vocab", "default.txt")


def sound_vocabulary_path() -> Path:
    """The bundled vocabulary of sound events, ``resources/vocab/sounds.txt`` (tags with
    short descriptions, for recordings)."""
    return resource("vocab", "sounds.txt")


def normalise_tag(name: str) -> str:
    """A tag as stored: surrounding and repeated blanks removed, case kept."""
    return " ".join(name.split())


@dataclass(frozen=True)
class TagVocabulary:
    """An ordered list of distinct tags (compared without case) with their groups."""

    words: tuple[str, ...]
    groups: tuple[str, ...]
    sources: tuple[str, ...] = ()
    descriptions: tuple[str, ...] = ()  # per word, "" where the file gave none

    def description(self, i: int) -> str:
        return self.descriptions[i] if i < len(self.descriptions) else ""

    def allowed(self, kind: str) -> list[bool]:
        """For each word, whether it may be proposed for items of ``kind`` (tags of the
        sound groups only for sounds and videos)."""
        return [kind in SOUND_KINDS or not g.startswith(SOUND_GROUP_PREFIX) for g in self.groups]

    def for_kind(self, kind: str) -> TagVocabulary:
        """The words that may be proposed for items of ``kind``, in order (for a photo or a
        note, the vocabulary without the sound groups: their scores are then exactly what
        they were without the sound vocabulary)."""
        keep = [i for i, ok in enumerate(self.allowed(kind)) if ok]
        if len(keep) == len(self.words):
            return self
        return TagVocabulary(tuple(self.words[i] for i in keep),
                             tuple(self.groups[i] for i in keep), self.sources,
                             tuple(self.description(i) for i in keep))

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
        out = [[t.format(w) for t in PROMPTS[kind]] for w in self.words]
        if kind in SOUND_KINDS:  # a description says how the tag sounds
            for i, texts in enumerate(out):
                if self.description(i):
                    texts.append(self.description(i))
        return out

    def extended(self, words: Iterable[str], group: str = "user") -> TagVocabulary:
        """This vocabulary plus ``words`` (duplicates ignored)."""
        return _merge([self], [(normalise_tag(w), group, "") for w in words], self.sources)


def parse_vocabulary(text: str, source: str = "<text>") -> list[tuple[str, str, str]]:
    """(word, group, description) of a vocabulary file's text, in file order; a line
    ``tag | description`` gives a description."""
    out: list[tuple[str, str, str]] = []
    group = Path(source).stem if source != "<text>" else "user"
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("##"):
            group = s.lstrip("#").strip() or group
            continue
        if not s or s.startswith("#"):
            continue
        word, _, desc = s.partition("|")
        out.append((normalise_tag(word), group, " ".join(desc.split())))
    return out


def _merge(
    bases: Sequence[TagVocabulary], extra: Iterable[tuple[str, str, str]],
    sources: Sequence[str]
) -> TagVocabulary:
    words: list[str] = []
    groups: list[str] = []
    descs: list[str] = []
    triples = [(w, g, v.description(i)) for v in bases
               for i, (w, g) in enumerate(zip(v.words, v.groups, strict=True))]
    at: dict[str, int] = {}
    for w, g, d in [*triples, *extra]:
        key = w.casefold()
        if w and key not in at:
            at[key] = len(words)
            words.append(w)
            groups.append(g)
            descs.append(d)
        elif w and d and not descs[at[key]]:  # a later file describes a tag already there
            descs[at[key]] = d
    return TagVocabulary(tuple(words), tuple(groups), tuple(sources), tuple(descs))


def load_vocabulary(
    files: Iterable[str | Path] | None = None,
    extra_words: Iterable[str] = (),
    include_default: bool = True,
) -> TagVocabulary:
    """The default vocabularies (unless ``include_default`` is False: the general one, then
    the sound events), plus the words of ``files`` and ``extra_words``, without duplicates.

    Raises ``VocabularyError`` for a file that cannot be read or a result with no words.
    """
    paths = [default_vocabulary_path(), sound_vocabulary_path()] if include_default else []
    paths += [Path(f) for f in files or ()]
    pairs: list[tuple[str, str, str]] = []
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
    pairs += [(normalise_tag(w), "user", "") for w in extra_words]
    vocab = _merge([], pairs, [str(p) for p in paths])
    if not vocab.words:
        raise VocabularyError("the vocabulary is empty: give a vocabulary file or some words")
    return vocab
