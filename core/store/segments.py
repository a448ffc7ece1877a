"""Segments and their vectors: a whole image, a window of a sound, a passage of a note,
each with one (D,) float32 unit-norm vector stored little-endian."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from core.store.files import chunks
from core.store.rows import SegmentInfo, SegmentRow

if TYPE_CHECKING:
    from core.store.store import Store


def _matrix(blobs: list[bytes]) -> np.ndarray:
    """(n, D) float32 from n little-endian float32 blobs of one length."""
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1).astype(np.float32)


class SegmentRepository:
    """The ``segments`` table. Writers bump ``generation.<kind>`` through their caller
    (``FileRepository``) or themselves, in the same transaction."""

    def __init__(self, store: Store):
        self._store = store

    # -- vectors of a kind -----------------------------------------------------------------
    def ids(self, kind: str, model_id: str) -> np.ndarray:
        """(n,) int64 ids of the segments of ``kind`` embedded by ``model_id``."""
        rows = self._store.query("SELECT id FROM segments WHERE kind = ? AND model_id = ?",
                                 (kind, model_id))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def vectors(self, kind: str, model_id: str, ids: Iterable[int] | None = None,
                dim: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids (n,) int64, vectors (n, D) float32) of ``kind`` by ``model_id``, by id;
        only the given ``ids`` when given."""
        if ids is None:
            rows = self._store.query("SELECT id, vector FROM segments WHERE kind = ? AND "
                                     "model_id = ? ORDER BY id", (kind, model_id))
        else:
            rows = []
            for chunk, marks in chunks([int(i) for i in ids]):
                rows += self._store.query(f"SELECT id, vector FROM segments WHERE id IN ({marks}) "
                                          "AND model_id = ? ORDER BY id", [*chunk, model_id])
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, dim or 0), np.float32)
        out_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        return out_ids, _matrix([r[1] for r in rows])

    def owners_and_vectors(self, kind: str, model_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(owners (s,) int64 item ids, vectors (s, D) float32) of every segment of ``kind``
        by ``model_id``, in segment order."""
        rows = self._store.query("SELECT file_id, vector FROM segments WHERE kind = ? AND "
                                 "model_id = ? ORDER BY id", (kind, model_id))
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
        owners = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        return owners, _matrix([r[1] for r in rows])

    def sample(self, kind: str, model_id: str, max_items: int = 2048,
               max_segments: int = 32768) -> tuple[np.ndarray, np.ndarray, int]:
        """A fixed pseudo-random sample of the items of ``kind`` (the same while they stay):
        (owners (s,) int64, vectors (s, D) float32 of their segments, total items of the
        kind). Search reads each kind's scores against it (core.search.relevance)."""
        total = self._store.query("SELECT COUNT(DISTINCT file_id) FROM segments WHERE kind = ? "
                                  "AND model_id = ?", (kind, model_id))[0][0]
        rows = self._store.query(
            "SELECT file_id, vector FROM segments WHERE kind = ? AND model_id = ? AND file_id IN "
            "(SELECT DISTINCT file_id FROM segments WHERE kind = ? AND model_id = ? "
            " ORDER BY (file_id * 2654435761) % 4294967296 LIMIT ?) ORDER BY id LIMIT ?",
            (kind, model_id, kind, model_id, int(max_items), int(max_segments)))
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, 0), np.float32), int(total)
        owners = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        return owners, _matrix([r[1] for r in rows]), int(total)

    def filtered_ids(self, kind: str, model_id: str, folder_prefix: str | None = None,
                     accepted_tag: str | None = None,
                     items: frozenset[int] | None = None) -> np.ndarray:
        """(n,) int64 ids of segments of ``kind`` whose file lies under ``folder_prefix``
        (a path ending in the separator), carries the accepted tag ``accepted_tag`` and is
        one of ``items`` (each when given)."""
        sql = ("SELECT s.id, s.file_id FROM segments s JOIN files f ON f.id = s.file_id "
               "WHERE s.kind = ? AND s.model_id = ?")
        params: list[object] = [kind, model_id]
        if folder_prefix is not None:
            sql += " AND substr(f.path, 1, ?) = ?"
            params += [len(folder_prefix), folder_prefix]
        if accepted_tag is not None:
            sql += " AND f.id IN (SELECT item_id FROM tags WHERE name = ? AND status = 'accepted')"
            params.append(accepted_tag)
        rows = self._store.query(sql, params)
        if items is not None:
            rows = [r for r in rows if r[1] in items]
        return np.fromiter((r[0] for r in rows), np.int64, count=len(rows))

    # -- segments of items -----------------------------------------------------------------
    def of_item(self, item_id: int) -> tuple[str, str | None, np.ndarray]:
        """(kind, model_id, (n, D) float32 vectors) of one item's segments."""
        rows = self._store.query("SELECT kind, model_id, vector FROM segments WHERE file_id = ? "
                                 "ORDER BY id", (item_id,))
        if not rows:
            return "", None, np.zeros((0, 0), np.float32)
        return rows[0][0], rows[0][1], _matrix([r[2] for r in rows])

    def infos_of_item(self, item_id: int) -> list[SegmentInfo]:
        """The SegmentInfo of each of one item's segments, in the order of ``of_item``."""
        return [SegmentInfo(*r) for r in self._store.query(
            "SELECT f.id, f.path, f.kind, s.start_s, s.end_s, s.char_start, s.char_end, "
            "f.folder_id, f.content_hash, s.track FROM segments s JOIN files f "
            "ON f.id = s.file_id WHERE s.file_id = ? ORDER BY s.id", (item_id,))]

    def info(self, ids: Iterable[int]) -> dict[int, SegmentInfo]:
        """segment id -> SegmentInfo (its file, path, kind and span) for the ids that exist."""
        out: dict[int, SegmentInfo] = {}
        for chunk, marks in chunks([int(i) for i in ids]):
            for r in self._store.query(
                    "SELECT s.id, f.id, f.path, f.kind, s.start_s, s.end_s, s.char_start, "
                    "s.char_end, f.folder_id, f.content_hash, s.track FROM segments s "
                    "JOIN files f ON f.id = s.file_id "
                    f"WHERE s.id IN ({marks})", chunk):
                out[r[0]] = SegmentInfo(*r[1:])
        return out

    # -- writing (inside a transaction) ----------------------------------------------------
    def insert(self, file_id: int, kind: str, model_id: str, segments: list[SegmentRow],
               vectors: np.ndarray, conn: sqlite3.Connection) -> None:
        """Add a file's segments with their (n, D) float32 vectors."""
        vecs = np.ascontiguousarray(vectors, dtype="<f4")
        conn.executemany(
            "INSERT INTO segments(file_id, kind, start_s, end_s, char_start, char_end, model_id, "
            "vector, track) VALUES (?,?,?,?,?,?,?,?,?)",
            [(file_id, kind, s.start_s, s.end_s, s.char_start, s.char_end, model_id, v.tobytes(),
              s.track) for s, v in zip(segments, vecs, strict=True)])

    def drop_of_file(self, file_id: int, conn: sqlite3.Connection) -> set[str]:
        """Delete a file's segments; returns the kinds they had (for the caller's bump)."""
        kinds = self.kinds_of_files([file_id], conn)
        conn.execute("DELETE FROM segments WHERE file_id = ?", (file_id,))
        return kinds

    def copy_of_file(self, source_id: int, file_id: int, conn: sqlite3.Connection) -> None:
        """Give ``file_id`` copies of the segments of ``source_id``."""
        conn.execute("INSERT INTO segments(file_id, kind, start_s, end_s, char_start, char_end, "
                     "model_id, vector, track) SELECT ?, kind, start_s, end_s, char_start, "
                     "char_end, model_id, vector, track FROM segments WHERE file_id = ? "
                     "ORDER BY id",
                     (file_id, source_id))

    def kinds_of_files(self, file_ids: list[int], conn: sqlite3.Connection) -> set[str]:
        marks = ",".join("?" * len(file_ids))
        return {k for (k,) in conn.execute(
            f"SELECT DISTINCT kind FROM segments WHERE file_id IN ({marks})", file_ids)}

    # -- health ----------------------------------------------------------------------------
    def orphan_count(self) -> int:
        """Segments whose file is gone."""
        return self._store.query("SELECT COUNT(*) FROM segments WHERE file_id NOT IN "
                                 "(SELECT id FROM files)")[0][0]

    def delete_orphans(self, kinds: Iterable[str], conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM segments WHERE file_id NOT IN (SELECT id FROM files)")
        self._store.meta.bump(conn, kinds)

    def wrong_size_count(self, dim: int) -> int:
        """Segments whose vector is not ``dim`` float32 values."""
        return self._store.query("SELECT COUNT(*) FROM segments WHERE length(vector) != ?",
                                 (4 * dim,))[0][0]

    def files_with_wrong_size(self, dim: int, conn: sqlite3.Connection) -> list[int]:
        return [r[0] for r in conn.execute(
            "SELECT DISTINCT file_id FROM segments WHERE length(vector) != ?", (4 * dim,))]
