"""What a search asks and what it answers, as plain data (no torch, no numpy work):
the GUI and the command line build a ``Query`` and read ``SearchResult``s. The words typed
are read by ``parse_query`` (``language.py``): free words, "phrases", -exclusions and
filters such as tag:beach, in:Holidays, 2023, april 2023, kind:photo, place:paris."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import SynesthesiaError
from core.media.kinds import KINDS
from core.search.language import Filters, ParsedQuery, parse_query
from core.text import read_query

SORTS = ("relevance", "date", "date-oldest", "name")
__all__ = ["SORTS", "Filters", "KindGroup", "ParsedQuery", "Query", "SearchResult", "Segment",
           "parse_query"]


@dataclass(frozen=True)
class Segment:
    """The part of an item that matched: a window of a sound (seconds), a passage of a
    note (its text and character range), or a moment of a video: a picture (``track``
    "picture", at ``start_s`` = ``end_s``) or a window of its soundtrack ("sound")."""

    start_s: float | None = None
    end_s: float | None = None
    text: str | None = None
    char_start: int | None = None
    char_end: int | None = None
    track: str | None = None

    @property
    def moment_text(self) -> str | None:
        """Where in a sound or video it matched, for people and screen readers: "at
        0:40-0:50" for a sound, "at 0:42, by its picture" / "at 0:40, by its sound" for a
        video; None for a note's passage."""
        if self.start_s is None:
            return None
        at = clock(self.start_s)
        if self.track is None:
            return f"at {at}-{clock(self.end_s or self.start_s)}"
        return f"at {at}, by its {self.track}"


def clock(seconds: float) -> str:
    """0:42, 12:05, 1:02:07."""
    s = int(seconds)
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m}:{s % 60:02d}"


@dataclass(frozen=True)
class SearchResult:
    """One found item; ``score`` is the cosine similarity in [-1, 1] (higher is closer).
    Copies of one file (same content) are one result: ``copies`` holds the other paths.
    ``found_by``: "network" (by meaning), "words" (its words hold the query's words),
    "both", or "filter" (a query of filters only: the items passing them, newest first).
    ``relevance``: how many standard deviations its score stands above the other items of
    its kind for this query (comparable across kinds; None where the network did not rank
    it: found by words or filters, a concept's top items); ``top``: the share of its kind's
    items scoring at least as high; ``good``: whether it is a good match (relevance >= 3,
    ``core.search.relevance``)."""

    item_id: int
    path: Path
    kind: str
    score: float
    segment: Segment | None
    tags: tuple[str, ...] = ()
    copies: tuple[Path, ...] = ()
    found_by: str = "network"
    relevance: float | None = None
    good: bool = True
    top: float | None = None

    @property
    def relevance_text(self) -> str:
        """The relevance in plain words ("good match, top 2% of photos"), for people and
        screen readers."""
        if self.found_by == "words":
            return "its words match"
        if self.relevance is None:
            return f"similarity {self.score:.2f}"
        from core.search.relevance import describe, standing

        words = {"image": "photos", "sound": "sounds", "note": "notes",
                 "video": "videos"}.get(self.kind, "items")
        said = describe(self.relevance)
        if self.found_by == "both":
            said = "its words match, " + said
        return said + (f", {standing(self.top, words)}" if self.top is not None else "")


@dataclass(frozen=True)
class KindGroup:
    """One kind's answer to a search: ``results`` a page of that kind's items, best first
    by that kind's own relevance, starting at rank ``offset + 1`` within the kind; ``good``
    how many of them are good matches; ``more`` whether the kind holds a next page."""

    kind: str
    results: tuple[SearchResult, ...]
    good: int
    offset: int = 0
    more: bool = False

    @property
    def weak_only(self) -> bool:
        """Results, but none of them a good match (shown as "closest", marked weak)."""
        return bool(self.results) and self.good == 0


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
    # Filters typed beside a search by example ("like this photo, from 2023"): the query
    # language of ``parse_query`` with its words ignored.
    filter_text: str | None = None
    # Only these items (ids), when given: what the filters let through (core.search.hybrid).
    only_items: frozenset[int] | None = None
    # "relevance" (best first), "date" (newest first), "date-oldest" or "name"
    sort: str = "relevance"

    @property
    def search_text(self) -> str | None:
        """The text as the text model reads it: emoji by their names, words of scripts it
        does not know left out (``core.text.read_query``)."""
        return None if self.text is None else read_query(self.text).text

    def validate(self) -> None:
        """Raises SynesthesiaError for a query that cannot be run, saying why."""
        given = [x is not None for x in (self.text, self.file, self.waveform, self.item_id)]
        if sum(given) != 1:
            raise SynesthesiaError("a query needs exactly one of: text, file, waveform, item")
        if self.text is not None and not self.text.strip():
            raise SynesthesiaError("the search text is empty")
        if self.text is not None:
            read_query(self.text)  # UnsupportedLanguage: nothing the text model can read
        if self.text is not None:
            parse_query(self.text)  # raises for a filter it cannot read
        if self.filter_text is not None:
            parse_query(self.filter_text)
        if self.sort not in SORTS:
            raise SynesthesiaError(f"sort must be one of {', '.join(SORTS)}; got {self.sort!r}")
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise SynesthesiaError(f"kinds must be a non-empty subset of {', '.join(KINDS)}; "
                                   f"got {', '.join(sorted(self.kinds)) or 'none'}")
