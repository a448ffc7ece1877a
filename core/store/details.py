"""What files say about themselves (the ``details`` table: date, camera, place, duration,
titles...) and their words for full-text search (the ``words`` FTS5 table, rowid = file id).

Both are written together by the indexer's describe phase; accepted tags reach ``words``
through triggers (schema step 2), so tagging code never has to think of it."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING

from core.store.files import chunks
from core.store.rows import ItemDetails

if TYPE_CHECKING:
    from core.store.store import Store

COLUMNS = ("date_s", "date_source", "camera", "orientation", "lat", "lon", "place", "width",
           "height", "duration_s", "sample_rate", "title", "artist", "album", "description")
WORD_COLUMNS = ("name", "folders", "body", "described", "place")  # tags: by trigger
# bm25 weights of the words columns, in their order (name, folders, body, tags, described,
# place): a word in a tag or a file name says more than one word in a long note.
WEIGHTS = (4.0, 1.5, 1.0, 6.0, 3.0, 3.0)


class DetailsRepository:
    """The ``details`` and ``words`` tables."""

    def __init__(self, store: Store):
        self._store = store

    def stale(self) -> list[tuple[int, str, str, int, float | None]]:
        """(id, path, kind, mtime_ns, duration_s) of indexed files whose details were never
        read, or were read at another path or modification time."""
        return self._store.query(
            "SELECT f.id, f.path, f.kind, f.mtime_ns, f.duration_s FROM files f "
            "LEFT JOIN details d ON d.file_id = f.id WHERE f.error IS NULL AND "
            "(d.file_id IS NULL OR d.path != f.path OR d.mtime_ns != f.mtime_ns) ORDER BY f.id")

    def of_item(self, item_id: int) -> ItemDetails | None:
        rows = self._store.query(
            f"SELECT f.id, f.path, f.kind, f.size, COALESCE(d.duration_s, f.duration_s), "
            f"{', '.join('d.' + c for c in COLUMNS if c != 'duration_s')} "
            "FROM files f LEFT JOIN details d ON d.file_id = f.id WHERE f.id = ?", (item_id,))
        if not rows:
            return None
        r = rows[0]
        rest = dict(zip([c for c in COLUMNS if c != "duration_s"], r[5:], strict=True))
        return ItemDetails(item_id=r[0], path=r[1], kind=r[2], size=r[3], duration_s=r[4],
                           **rest)

    def save(self, file_id: int, path: str, mtime_ns: int, fields: Mapping[str, object],
             words: Mapping[str, str], conn: sqlite3.Connection) -> None:
        """Replace the details and the words of one file (inside ``transaction()``)."""
        values = [fields.get(c) for c in COLUMNS]
        conn.execute(
            f"INSERT OR REPLACE INTO details(file_id, path, mtime_ns, {', '.join(COLUMNS)}) "
            f"VALUES ({', '.join('?' * (len(COLUMNS) + 3))})", [file_id, path, mtime_ns, *values])
        conn.execute("DELETE FROM words WHERE rowid = ?", (file_id,))
        conn.execute(
            f"INSERT INTO words(rowid, {', '.join(WORD_COLUMNS)}, tags) "
            f"VALUES (?, {', '.join('?' * len(WORD_COLUMNS))}, (SELECT group_concat(name, ' ') "
            "FROM tags WHERE item_id = ? AND status = 'accepted'))",
            [file_id, *(words.get(c, "") for c in WORD_COLUMNS), file_id])

    def mark_stale(self, item_ids: list[int]) -> None:
        """Have the next describe phase read these items again (their sidecar changed)."""
        with self._store.transaction() as c:
            for chunk, marks in chunks([int(i) for i in item_ids]):
                c.execute(f"UPDATE details SET mtime_ns = -1 WHERE file_id IN ({marks})", chunk)

    def count(self) -> int:
        """Files with details."""
        return self._store.query("SELECT COUNT(*) FROM details")[0][0]

    def words_of(self, item_id: int) -> dict[str, str] | None:
        """The indexed words of one item by column (for tests and diagnostics)."""
        rows = self._store.query(
            f"SELECT {', '.join(WORD_COLUMNS)}, tags FROM words WHERE rowid = ?", (item_id,))
        return dict(zip((*WORD_COLUMNS, "tags"), rows[0], strict=True)) if rows else None
