"""The small query language of the search field and ``synesthesia search`` (plain Python:
no torch, no store).

    dog -cat tag:garden 2023          words, an excluded word, a tag, a year
    "exact phrase" in:Holidays        a phrase the item's words must hold; a folder's name
    folder:"/home/me/Photos"          a folder and everything below it
    april 2023, 2023-04, 2023-04-12   a month or a day; date:2022..2023, after:, before:
    kind:photo|sound|note|video       place:paris  camera:canon  duration:>30s  -tag:x

Words and phrases are searched both by meaning (the network) and as words (full text);
everything else filters. A ``key:value`` with a key it does not know stays a word
("10:30", "re:invoice")."""

from __future__ import annotations

import calendar
import os
import re
from dataclasses import dataclass, field, fields, replace

from core.errors import SynesthesiaError

MONTHS = {name: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
     ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
     ("october", "oct"), ("november", "nov"), ("december", "dec")], start=1) for name in names}
KIND_WORDS = {"photo": "image", "photos": "image", "image": "image", "images": "image",
              "picture": "image", "pictures": "image", "sound": "sound", "sounds": "sound",
              "audio": "sound", "recording": "sound", "note": "note", "notes": "note",
              "text": "note", "video": "video", "videos": "video", "movie": "video",
              "movies": "video", "film": "video", "clip": "video", "clips": "video"}
_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+):)?(?:"([^"]*)"?|(\S+))')
_YEAR = re.compile(r"(19\d\d|20\d\d)$")
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(h|m|min|s|sec)?$")
DATE_HELP = "write a year (2023), a month (2023-04) or a day (2023-04-12)"
# Words too common to require of an item's words ("a steam locomotive" finds a note saying
# "the old steam locomotive"); a query of nothing else keeps them.
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to was "
    "were with".split())


@dataclass(frozen=True)
class Filters:
    """What items may be returned (``core.store.items.ItemFilter``); empty: all."""

    kinds: frozenset[str] | None = None
    folders: tuple[str, ...] = ()
    folder_words: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    not_tags: tuple[str, ...] = ()
    date_from: float | None = None
    date_to: float | None = None
    places: tuple[str, ...] = ()
    cameras: tuple[str, ...] = ()
    min_duration: float | None = None
    max_duration: float | None = None
    must_match: str | None = None
    exclude_match: str | None = None

    def active(self) -> bool:
        """Whether anything is filtered at all."""
        return any(getattr(self, f.name) not in (None, ()) for f in fields(self))


@dataclass(frozen=True)
class ParsedQuery:
    """A typed query taken apart: ``text`` goes to the network, ``words`` and ``phrases``
    to full-text search, ``filters`` to both."""

    text: str = ""
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)

    def words_match(self) -> str | None:
        """The FTS5 expression an item's words must match to be found by words: every word
        but the most common ones (any form: porter stems) and every phrase."""
        words = [w for w in self.words if w.casefold() not in STOPWORDS] or list(self.words)
        terms = [fts_term(w) for w in (*words, *self.phrases)]
        terms = [t for t in terms if t]
        return " AND ".join(terms) or None


def fts_term(text: str) -> str | None:
    """``text`` as one quoted FTS5 string (a word, or a phrase of several), or None when it
    holds no letter or digit (FTS5 would find nothing, or fail)."""
    if not any(ch.isalnum() for ch in text):
        return None
    return '"' + text.replace('"', '""') + '"'


def _either(texts: list[str]) -> str | None:
    terms = [t for t in (fts_term(x) for x in texts) if t]
    return " OR ".join(terms) or None


def _span(year: int, month: int | None = None, day: int | None = None) -> tuple[float, float]:
    """[start, end) of a year, month or day as wall-clock seconds."""
    if month is None:
        return calendar.timegm((year, 1, 1, 0, 0, 0)), calendar.timegm((year + 1, 1, 1, 0, 0, 0))
    if not 1 <= month <= 12:
        raise SynesthesiaError(f"{year}-{month:02d} is not a month; {DATE_HELP}")
    if day is None:
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        return calendar.timegm((year, month, 1, 0, 0, 0)), calendar.timegm((*nxt, 1, 0, 0, 0))
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise SynesthesiaError(f"{year}-{month:02d}-{day:02d} is not a day; {DATE_HELP}")
    start = calendar.timegm((year, month, day, 0, 0, 0))
    return start, start + 86400


def parse_date(text: str) -> tuple[float, float]:
    """[start, end) of "2023", "2023-04", "2023-04-12" or "april 2023"."""
    parts = text.lower().split()
    if len(parts) == 2 and parts[0] in MONTHS and _YEAR.match(parts[1]):
        return _span(int(parts[1]), MONTHS[parts[0]])
    m = _DATE.match(text.strip())
    if m is None:
        raise SynesthesiaError(f"{text!r} is not a date; {DATE_HELP}")
    y, mo, d = (int(g) if g else None for g in m.groups())
    return _span(y, mo, d)  # type: ignore[arg-type]


def _date_range(value: str) -> tuple[float | None, float | None]:
    if ".." in value:
        a, b = value.split("..", 1)
        return (parse_date(a)[0] if a else None), (parse_date(b)[1] if b else None)
    return parse_date(value)


def parse_seconds(text: str) -> float:
    """Seconds of "30s", "2m", "1.5min", "1h" or a plain number of seconds."""
    m = _DURATION.match(text.strip().lower())
    if m is None:
        raise SynesthesiaError(f"{text!r} is not a duration; write 30s, 2m or 1h")
    unit = {"h": 3600, "m": 60, "min": 60}.get(m.group(2) or "s", 1)
    return float(m.group(1)) * unit


def _duration(value: str) -> tuple[float | None, float | None]:
    if ".." in value:
        a, b = value.split("..", 1)
        return (parse_seconds(a) if a else None), (parse_seconds(b) if b else None)
    if value.startswith(("<", ">")):
        secs = parse_seconds(value.lstrip("<>="))
        return (None, secs) if value[0] == "<" else (secs, None)
    return parse_seconds(value), None


class _Builder:
    """The parts of a query as they are read, token by token."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.phrases: list[str] = []
        self.excluded: list[str] = []
        self.f: dict[str, object] = {}
        self.dates: list[tuple[float | None, float | None]] = []

    def add(self, key: str, value: str, negated: bool) -> bool:
        """One ``key:value``; False when the key is not one of the language's."""
        f = self.f
        if key == "tag":
            name = "not_tags" if negated else "tags"
            f[name] = (*f.get(name, ()), value)  # type: ignore[misc]
        elif key == "folder" and os.path.isabs(value):  # the folder itself, and below
            f["folders"] = (*f.get("folders", ()), value)  # type: ignore[misc]
        elif key in ("in", "folder"):  # any folder of this name
            f["folder_words"] = (*f.get("folder_words", ()), value)  # type: ignore[misc]
        elif key in ("kind", "is", "type"):
            kinds = {KIND_WORDS.get(v.lower()) for v in value.split(",")}
            if None in kinds:
                raise SynesthesiaError(f"kind:{value} is not a kind; use photo, sound, note or video")
            f["kinds"] = frozenset(kinds)
        elif key in ("place", "at"):
            f["places"] = (*f.get("places", ()), value)  # type: ignore[misc]
        elif key == "camera":
            f["cameras"] = (*f.get("cameras", ()), value)  # type: ignore[misc]
        elif key in ("date", "on", "year"):
            self.dates.append(_date_range(value))
        elif key in ("after", "since", "from"):
            self.dates.append((parse_date(value)[0 if key != "after" else 1], None))
        elif key in ("before", "until", "to"):
            self.dates.append((None, parse_date(value)[0 if key == "before" else 1]))
        elif key in ("duration", "length", "longer", "shorter"):
            spec = {"longer": ">", "shorter": "<"}.get(key, "") + value
            f["min_duration"], f["max_duration"] = _duration(spec)
        else:
            return False
        return True

    def filters(self) -> Filters:
        f = dict(self.f)
        starts = [a for a, _ in self.dates if a is not None]
        ends = [b for _, b in self.dates if b is not None]
        if starts:
            f["date_from"] = max(starts)
        if ends:
            f["date_to"] = min(ends)
        if self.phrases:
            f["must_match"] = " AND ".join(t for p in self.phrases if (t := fts_term(p)))
        if self.excluded:
            f["exclude_match"] = _either(self.excluded)
        return replace(Filters(), **f)  # type: ignore[arg-type]


def _plain(tokens: list[tuple[str, str, str | None, str | None]], b: _Builder) -> None:
    """Words, phrases and dates among tokens that are not ``key:value`` filters."""
    i = 0
    while i < len(tokens):
        neg, raw, phrase, word = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if phrase is not None:
            if phrase.strip():  # "" (a stray quote) says nothing
                (b.excluded if neg else b.phrases).append(phrase.strip())
        elif (not neg and word.lower() in MONTHS and nxt is not None and not nxt[0]
              and nxt[3] is not None and _YEAR.match(nxt[3])):
            b.dates.append(_span(int(nxt[3]), MONTHS[word.lower()]))
            i += 1
        elif not neg and _YEAR.match(word):
            b.dates.append(_span(int(word)))
        elif not neg and re.fullmatch(r"\d{4}-\d{1,2}(-\d{1,2})?", word):
            b.dates.append(parse_date(word))
        elif neg and word:
            b.excluded.append(word)
        elif raw:
            b.words.append(raw)
        i += 1


def parse_query(text: str) -> ParsedQuery:
    """Take a typed query apart. Raises SynesthesiaError for a filter whose value cannot be
    read (``date:2023-13``, ``kind:chair``), saying what to write instead."""
    b = _Builder()
    plain: list[tuple[str, str, str | None, str | None]] = []
    for m in _TOKEN.finditer(text):
        neg, key, phrase, word = m.group(1), m.group(2), m.group(3), m.group(4)
        value = phrase if phrase is not None else word
        if key and value and b.add(key.lower(), value, bool(neg)):
            continue
        if key:  # not a key of ours: the whole token is a word
            word, phrase = f"{key}:{value or ''}", None
        raw = word if word is not None else ""
        if raw in ("-", ""):
            raw = ""
        plain.append((neg, raw, phrase, word))
    _plain(plain, b)
    text_parts = [*b.words, *b.phrases]
    return ParsedQuery(text=" ".join(text_parts), words=tuple(b.words),
                       phrases=tuple(b.phrases), excluded=tuple(b.excluded),
                       filters=b.filters())
