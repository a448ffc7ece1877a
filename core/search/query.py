"""What a search asks and what it answers, as plain data (no torch, no numpy work):
the GUI and the command line build a ``Query`` and read ``SearchResult``s."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import SynesthesiaError
from core.media.kinds import KINDS


@dataclass(frozen=True)
class Segment:
    """The part of an item that matched: a window of a sound (seconds) or a passage of a
    note (its text and character range)."""

    start_s: float | None = None
    end_s: float | None = None
    text: str | None = None
    char_start: int | None = None
    char_end: int | None = None


@dataclass(frozen=True)
class SearchResult:
    """One found item; ``score`` is the cosine similarity in [-1, 1] (higher is closer).
    Copies of one file (same content) are one result: ``copies`` holds the other paths."""

    item_id: int
    path: Path
    kind: str
    score: float
    segment: Segment | None
    tags: tuple[str, ...] = ()
    copies: tuple[Path, ...] = ()


@dataclass
class Query:
    """Exactly one of text, file, waveform ((samples,) float32 array at 16 kHz, or (array,
    sample_rate)) or item_id; the kinds to return; optional folder and tag filters."""

    text: str | None = None
    file: Path | None = None
    waveform: Any = None
    item_id: int | None = None
    kinds: set[str] | frozenset[str] = field(default_factory=lambda: set(KINDS))
    folder: Path | None = None
    tag: str | None = None

    def validate(self) -> None:
        """Raises SynesthesiaError for a query that cannot be run, saying why."""
        given = [x is not None for x in (self.text, self.file, self.waveform, self.item_id)]
        if sum(given) != 1:
            raise SynesthesiaError("a query needs exactly one of: text, file, waveform, item")
        if self.text is not None and not self.text.strip():
            raise SynesthesiaError("the search text is empty")
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise SynesthesiaError(f"kinds must be a non-empty subset of {', '.join(KINDS)}; "
                                   f"got {', '.join(sorted(self.kinds)) or 'none'}")
