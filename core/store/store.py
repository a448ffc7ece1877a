"""SQLite store of a library: the source of truth for files, segments, vectors,
errors and tags. The HNSW indexes (``vectors.py``) are caches rebuilt from it."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import sqlite_utils

from core.errors import SynesthesiaError
from core.store.schema import SCHEMA_VERSION, migrate


class StoreError(SynesthesiaError):
    """The library database cannot be opened or written (damaged, full disk, locked)."""


@dataclass(frozen=True)
class MediaItem:
    """One file of the library as the store knows it (``mtime`` in seconds since the epoch)."""

    id: int
    path: Path
    kind: str
    size: int
    mtime: float
    content_hash: str | None


@dataclass(frozen=True)
class FileError:
    """A file that could not be indexed, and why (``when``: seconds since the epoch)."""

    path: Path
    reason: str
    when: float


@dataclass(frozen=True)
class SegmentRow:
    """What a vector stands for: a whole image, a window of a sound, a passage of a note."""

    file_id: int
    start_s: float | None = None
    end_s: float | None = None
    char_start: int | None = None
    char_end: int | None = None


class FileState(NamedTuple):
    """The indexed state of one path, for the incremental scan (a tuple: one per file)."""

    id: int
    size: int
    mtime_ns: int
    kind: str
    content_hash: str | None
    model_id: str | None
    has_error: bool


class Store:
    """One library database. Thread-safe: one connection guarded by a lock."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            conn = sqlite3.connect(self.path, timeout=60.0, check_same_thread=False,
                                   isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=60000")
            self.found_version = migrate(conn)
        except sqlite3.DatabaseError as e:
            raise StoreError(
                f"the library database {self.path} cannot be opened ({e}); if it is damaged, "
                "move it away and run `synesthesia index` to rebuild it from your files") from e
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()
        self.schema_version = SCHEMA_VERSION

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error), holding the store's lock."""
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                raise StoreError(f"cannot write the library database {self.path} ({e})") from e
            try:
                yield self.conn
            except sqlite3.OperationalError as e:  # disk full, I/O error
                self.conn.execute("ROLLBACK")
                raise StoreError(f"cannot write the library database {self.path} ({e}); "
                                 "nothing of this batch was saved") from e
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as e:
                self.conn.execute("ROLLBACK")
                raise StoreError(f"cannot write the library database {self.path} ({e})") from e

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self.lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    # -- meta ----------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def set_meta(self, key: str, value: str, conn: sqlite3.Connection | None = None) -> None:
        sql = "INSERT INTO meta(key, value) VALUES (?, ?) " \
              "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        if conn is not None:
            conn.execute(sql, (key, value))
        else:
            with self.lock:
                self.conn.execute(sql, (key, value))

    def generation(self, kind: str) -> int:
        """A counter bumped by every change to the segments of ``kind``."""
        return int(self.get_meta(f"generation.{kind}", "0") or 0)

    def _bump(self, conn: sqlite3.Connection, kinds: Iterable[str]) -> None:
        for kind in set(kinds):
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE "
                "SET value = CAST(value AS INTEGER) + 1", (f"generation.{kind}",))

    # -- folders -------------------------------------------------------------------
    def add_folder(self, path: Path, exclude: list[str]) -> int:
        with self.transaction() as c:
            c.execute("INSERT INTO folders(path, exclude, added) VALUES (?, ?, ?) "
                      "ON CONFLICT(path) DO UPDATE SET exclude = excluded.exclude",
                      (str(path), json.dumps(exclude), time.time()))
            return c.execute("SELECT id FROM folders WHERE path = ?", (str(path),)).fetchone()[0]

    def remove_folder(self, path: Path) -> bool:
        with self.transaction() as c:
            return c.execute("DELETE FROM folders WHERE path = ?", (str(path),)).rowcount > 0

    def folders(self) -> list[tuple[int, Path, list[str]]]:
        """(id, path, exclude globs) of every library folder."""
        return [(i, Path(p), json.loads(e))
                for i, p, e in self.query("SELECT id, path, exclude FROM folders ORDER BY path")]

    # -- files ---------------------------------------------------------------------
    def file_states(self) -> dict[str, FileState]:
        rows = self.query("SELECT path, id, size, mtime_ns, kind, content_hash, model_id, "
                          "error IS NOT NULL FROM files")
        return {r[0]: FileState(r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7])) for r in rows}

    def item(self, item_id: int) -> MediaItem | None:
        rows = self.query("SELECT id, path, kind, size, mtime_ns, content_hash FROM files "
                          "WHERE id = ?", (item_id,))
        if not rows:
            return None
        i, p, k, s, m, h = rows[0]
        return MediaItem(i, Path(p), k, s, m / 1e9, h)

    def item_by_path(self, path: Path) -> MediaItem | None:
        rows = self.query("SELECT id FROM files WHERE path = ?", (str(path),))
        return self.item(rows[0][0]) if rows else None

    def errors(self) -> list[FileError]:
        return [FileError(Path(p), r, w) for p, r, w in self.query(
            "SELECT path, error, error_at FROM files WHERE error IS NOT NULL ORDER BY path")]

    def save_embedded(self, path: Path, folder_id: int | None, kind: str, size: int,
                      mtime_ns: int, content_hash: str | None, duration_s: float | None,
                      model_id: str, segments: list[SegmentRow], vectors: np.ndarray,
                      conn: sqlite3.Connection) -> int:
        """Insert or replace one file with its segments and (n, D) float32 vectors.

        Must run inside ``transaction()``; returns the file id (kept when the path existed,
        so tags stay attached)."""
        assert len(segments) == len(vectors)
        row = conn.execute("SELECT id, kind FROM files WHERE path = ?", (str(path),)).fetchone()
        now = time.time()
        if row is None:
            fid = conn.execute(
                "INSERT INTO files(path, folder_id, kind, size, mtime_ns, content_hash, "
                "duration_s, model_id, indexed_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (str(path), folder_id, kind, size, mtime_ns, content_hash, duration_s, model_id,
                 now)).lastrowid
            old_kinds: set[str] = set()
        else:
            fid = row[0]
            old_kinds = {k for (k,) in conn.execute(
                "SELECT DISTINCT kind FROM segments WHERE file_id = ?", (fid,))}
            conn.execute("DELETE FROM segments WHERE file_id = ?", (fid,))
            conn.execute(
                "UPDATE files SET folder_id=?, kind=?, size=?, mtime_ns=?, content_hash=?, "
                "duration_s=?, model_id=?, indexed_at=?, error=NULL, error_at=NULL WHERE id=?",
                (folder_id, kind, size, mtime_ns, content_hash, duration_s, model_id, now, fid))
        vecs = np.ascontiguousarray(vectors, dtype="<f4")
        conn.executemany(
            "INSERT INTO segments(file_id, kind, start_s, end_s, char_start, char_end, model_id, "
            "vector) VALUES (?,?,?,?,?,?,?,?)",
            [(fid, kind, s.start_s, s.end_s, s.char_start, s.char_end, model_id, v.tobytes())
             for s, v in zip(segments, vecs, strict=True)])
        self._bump(conn, old_kinds | {kind})
        return fid

    def save_error(self, path: Path, folder_id: int | None, kind: str, size: int, mtime_ns: int,
                   reason: str, conn: sqlite3.Connection) -> None:
        """Record that ``path`` could not be indexed; its old vectors, if any, are dropped."""
        row = conn.execute("SELECT id FROM files WHERE path = ?", (str(path),)).fetchone()
        now = time.time()
        if row is None:
            conn.execute("INSERT INTO files(path, folder_id, kind, size, mtime_ns, error, "
                         "error_at) VALUES (?,?,?,?,?,?,?)",
                         (str(path), folder_id, kind, size, mtime_ns, reason, now))
            return
        kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM segments WHERE file_id=?",
                                            (row[0],))}
        conn.execute("DELETE FROM segments WHERE file_id = ?", (row[0],))
        conn.execute("UPDATE files SET folder_id=?, kind=?, size=?, mtime_ns=?, model_id=NULL, "
                     "error=?, error_at=? WHERE id=?",
                     (folder_id, kind, size, mtime_ns, reason, now, row[0]))
        self._bump(conn, kinds)

    def move_file(self, file_id: int, new_path: Path, folder_id: int | None, size: int,
                  mtime_ns: int, conn: sqlite3.Connection) -> None:
        """A file renamed or moved: same content, new path; vectors and tags are kept."""
        conn.execute("UPDATE files SET path=?, folder_id=?, size=?, mtime_ns=? WHERE id=?",
                     (str(new_path), folder_id, size, mtime_ns, file_id))

    def copy_vectors(self, source_id: int, path: Path, folder_id: int | None, size: int,
                     mtime_ns: int, conn: sqlite3.Connection) -> int:
        """A copy of an indexed file: a new item sharing the source's vectors (no re-embed)."""
        src = conn.execute("SELECT kind, content_hash, duration_s, model_id FROM files "
                           "WHERE id=?", (source_id,)).fetchone()
        fid = conn.execute(
            "INSERT INTO files(path, folder_id, kind, size, mtime_ns, content_hash, duration_s, "
            "model_id, indexed_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (str(path), folder_id, src[0], size, mtime_ns, src[1], src[2], src[3],
             time.time())).lastrowid
        conn.execute("INSERT INTO segments(file_id, kind, start_s, end_s, char_start, char_end, "
                     "model_id, vector) SELECT ?, kind, start_s, end_s, char_start, char_end, "
                     "model_id, vector FROM segments WHERE file_id = ? ORDER BY id",
                     (fid, source_id))
        self._bump(conn, [src[0]])
        return fid

    def delete_files(self, file_ids: Iterable[int], conn: sqlite3.Connection) -> None:
        ids = list(file_ids)
        kinds: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            kinds |= {k for (k,) in conn.execute(
                f"SELECT DISTINCT kind FROM segments WHERE file_id IN ({marks})", chunk)}
            conn.execute(f"DELETE FROM files WHERE id IN ({marks})", chunk)
        self._bump(conn, kinds)

    # -- vectors -------------------------------------------------------------------
    def segment_ids(self, kind: str, model_id: str) -> np.ndarray:
        """(n,) int64 ids of the segments of ``kind`` embedded by ``model_id``."""
        rows = self.query("SELECT id FROM segments WHERE kind = ? AND model_id = ?",
                          (kind, model_id))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def vectors(self, kind: str, model_id: str, ids: Iterable[int] | None = None,
                dim: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids (n,) int64, vectors (n, D) float32) of ``kind`` by ``model_id``."""
        if ids is None:
            rows = self.query("SELECT id, vector FROM segments WHERE kind = ? AND model_id = ? "
                              "ORDER BY id", (kind, model_id))
        else:
            rows = []
            idl = [int(i) for i in ids]
            for start in range(0, len(idl), 500):
                chunk = idl[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows += self.query(f"SELECT id, vector FROM segments WHERE id IN ({marks}) "
                                   "AND model_id = ? ORDER BY id", [*chunk, model_id])
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, dim or 0), np.float32)
        out_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4")
        return out_ids, vecs.reshape(len(rows), -1).astype(np.float32)

    def item_vectors(self, item_id: int) -> tuple[str, str | None, np.ndarray]:
        """(kind, model_id, (n, D) float32 vectors) of one item's segments."""
        rows = self.query("SELECT kind, model_id, vector FROM segments WHERE file_id = ? "
                          "ORDER BY id", (item_id,))
        if not rows:
            return "", None, np.zeros((0, 0), np.float32)
        vecs = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").reshape(len(rows), -1)
        return rows[0][0], rows[0][1], vecs.astype(np.float32)

    def segments_info(self, ids: Iterable[int]) -> dict[int, tuple]:
        """segment id -> (file_id, path, kind, start_s, end_s, char_start, char_end, folder_id)."""
        out: dict[int, tuple] = {}
        idl = [int(i) for i in ids]
        for start in range(0, len(idl), 500):
            chunk = idl[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.query(
                    "SELECT s.id, f.id, f.path, f.kind, s.start_s, s.end_s, s.char_start, "
                    f"s.char_end, f.folder_id FROM segments s JOIN files f ON f.id = s.file_id "
                    f"WHERE s.id IN ({marks})", chunk):
                out[r[0]] = r[1:]
        return out

    def counts(self) -> dict[str, int]:
        rows = self.query("SELECT kind, COUNT(*), SUM(error IS NOT NULL) FROM files "
                          "GROUP BY kind")
        out = {f"{k}s": n - (e or 0) for k, n, e in rows}
        out["errors"] = sum(e or 0 for _, _, e in rows)
        out["segments"] = self.query("SELECT COUNT(*) FROM segments")[0][0]
        return out
