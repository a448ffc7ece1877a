"""Finding and listing items without the network: filters (kind, folder, tag, date, place,
camera, duration, words that must or must not be there), full-text search over the words
table, and listings for browsing (by folder, by month, by tag), paged in SQLite.

A filter is any object with the attributes of ``ItemFilter`` (``core.search.query.Filters``
is the one the program builds from what a person types)."""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING, Protocol

from core.store.details import WEIGHTS
from core.store.files import chunks
from core.store.rows import BrowseItem

if TYPE_CHECKING:
    from core.store.store import Store

_DATE = "COALESCE(d.date_s, f.mtime_ns / 1e9)"
_FROM = "FROM files f LEFT JOIN details d ON d.file_id = f.id"
SORTS = {
    "date": f"{_DATE} DESC, f.id DESC",  # newest first
    "date-oldest": f"{_DATE} ASC, f.id ASC",
    "name": "lower(f.path) ASC, f.id ASC",
}
_BM25 = f"bm25(words, {', '.join(str(w) for w in WEIGHTS)})"


class ItemFilter(Protocol):
    kinds: frozenset[str] | None
    folders: tuple[str, ...]  # absolute folder paths (items under any of them)
    folder_words: tuple[str, ...]  # a folder of this name anywhere in the path ("in:")
    tags: tuple[str, ...]  # accepted tags the item must all have
    not_tags: tuple[str, ...]
    date_from: float | None  # wall-clock seconds, inclusive
    date_to: float | None  # exclusive
    places: tuple[str, ...]  # words of the place name
    cameras: tuple[str, ...]
    min_duration: float | None
    max_duration: float | None
    must_match: str | None  # an FTS5 expression the item's words must match
    exclude_match: str | None  # an FTS5 expression the item's words must not match


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(f: ItemFilter | None) -> tuple[str, list[object]]:
    """The WHERE clause (over ``files f LEFT JOIN details d``) of a filter."""
    sql: list[str] = ["f.error IS NULL"]
    params: list[object] = []
    if f is None:
        return sql[0], params
    if f.kinds:
        sql.append(f"f.kind IN ({','.join('?' * len(f.kinds))})")
        params += sorted(f.kinds)
    if f.folders:
        prefixes = [p.rstrip(os.sep) + os.sep for p in f.folders]
        sql.append("(" + " OR ".join("substr(f.path, 1, ?) = ?" for _ in prefixes) + ")")
        for p in prefixes:
            params += [len(p), p]
    for word in f.folder_words:
        sql.append("f.path LIKE ? ESCAPE '\\'")
        params.append(f"%{os.sep}{_like(word.strip(os.sep))}{os.sep}%")
    tag_sql = ("f.id {} (SELECT item_id FROM tags WHERE status = 'accepted' AND "
               "(name = ? COLLATE NOCASE OR name LIKE ? ESCAPE '\\'))")
    for tag, how in [(t, "IN") for t in f.tags] + [(t, "NOT IN") for t in f.not_tags]:
        sql.append(tag_sql.format(how))
        params += [tag, f"%/{_like(tag)}"]
    if f.date_from is not None:
        sql.append(f"{_DATE} >= ?")
        params.append(f.date_from)
    if f.date_to is not None:
        sql.append(f"{_DATE} < ?")
        params.append(f.date_to)
    for place in f.places:
        sql.append("d.place LIKE ? ESCAPE '\\'")
        params.append(f"%{_like(place)}%")
    for camera in f.cameras:
        sql.append("d.camera LIKE ? ESCAPE '\\'")
        params.append(f"%{_like(camera)}%")
    duration = "COALESCE(d.duration_s, f.duration_s)"
    if f.min_duration is not None:
        sql.append(f"{duration} >= ?")
        params.append(f.min_duration)
    if f.max_duration is not None:
        sql.append(f"{duration} <= ?")
        params.append(f.max_duration)
    if f.must_match:
        sql.append("f.id IN (SELECT rowid FROM words WHERE words MATCH ?)")
        params.append(f.must_match)
    if f.exclude_match:
        sql.append("f.id NOT IN (SELECT rowid FROM words WHERE words MATCH ?)")
        params.append(f.exclude_match)
    return " AND ".join(sql), params


class ItemRepository:
    """Reads over ``files``, ``details``, ``tags`` and ``words`` for filters and browsing."""

    def __init__(self, store: Store):
        self._store = store

    def ids(self, f: ItemFilter | None) -> list[int]:
        """Ids of the indexed items that pass ``f``."""
        where, params = _where(f)
        return [r[0] for r in self._store.query(f"SELECT f.id {_FROM} WHERE {where}", params)]

    def count(self, f: ItemFilter | None = None) -> int:
        where, params = _where(f)
        return self._store.query(f"SELECT COUNT(*) {_FROM} WHERE {where}", params)[0][0]

    def page(self, f: ItemFilter | None = None, sort: str = "date", limit: int = 100,
             offset: int = 0, direct_folder: str | None = None) -> list[BrowseItem]:
        """One page of the items passing ``f`` in ``sort`` order ("date": newest first,
        "date-oldest", "name"); with ``direct_folder``, only the files directly in it."""
        where, params = _where(f)
        if direct_folder is not None:
            prefix = direct_folder.rstrip(os.sep) + os.sep
            where += " AND substr(f.path, 1, ?) = ? AND instr(substr(f.path, ?), ?) = 0"
            params += [len(prefix), prefix, len(prefix) + 1, os.sep]
        rows = self._store.query(
            f"SELECT f.id, f.path, f.kind, {_DATE} {_FROM} WHERE {where} "
            f"ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?", [*params, int(limit), int(offset)])
        return [BrowseItem(*r) for r in rows]

    def dates(self, item_ids: list[int]) -> dict[int, float]:
        """item id -> its date (taken, else modified; wall-clock seconds)."""
        out: dict[int, float] = {}
        for chunk, marks in chunks(item_ids):
            out.update(self._store.query(
                f"SELECT f.id, {_DATE} {_FROM} WHERE f.id IN ({marks})", chunk))
        return out

    def months(self, f: ItemFilter | None = None) -> list[tuple[str, int]]:
        """("YYYY-MM", items) of every month with items, newest first (the timeline)."""
        where, params = _where(f)
        return self._store.query(
            f"SELECT strftime('%Y-%m', {_DATE}, 'unixepoch') AS m, COUNT(*) {_FROM} "
            f"WHERE {where} GROUP BY m ORDER BY m DESC", params)

    def folder_counts(self) -> list[tuple[str, int]]:
        """(folder, items directly in it) of every folder holding indexed items, by path."""
        counts = Counter(os.path.dirname(p) for (p,) in self._store.query(
            "SELECT path FROM files WHERE error IS NULL"))
        return sorted(counts.items())

    def tag_counts(self) -> list[tuple[str, int, int]]:
        """(name, accepted, proposed) of every tag name that is accepted or proposed
        somewhere, by accepted count then name (names equal but for case are one)."""
        return self._store.query(
            "SELECT min(name), SUM(status = 'accepted'), SUM(status = 'proposed') FROM tags "
            "WHERE status IN ('accepted', 'proposed') GROUP BY name COLLATE NOCASE "
            "ORDER BY 2 DESC, 1 COLLATE NOCASE")

    def words(self, match: str, f: ItemFilter | None = None,
              limit: int = 100) -> list[tuple[int, float]]:
        """(item id, bm25 rank: lower is better) of the items whose words match the FTS5
        expression ``match`` and that pass ``f``, best first."""
        where, params = _where(f)
        return self._store.query(
            f"SELECT f.id, {_BM25} AS r FROM words JOIN files f ON f.id = words.rowid "
            f"LEFT JOIN details d ON d.file_id = f.id WHERE words MATCH ? AND {where} "
            "ORDER BY r LIMIT ?", [match, *params, int(limit)])
