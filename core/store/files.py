"""Folders and files of a library: what the scanner found, what was embedded, what failed."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.store.rows import FileError, FileState, MediaItem, SegmentRow

if TYPE_CHECKING:
    from core.store.store import Store

_CHUNK = 500  # ids per "IN (...)": below SQLite's limit on bound parameters


def chunks(ids: list[int], size: int = _CHUNK) -> Iterable[tuple[list[int], str]]:
    """(chunk of ids, "?,?,..." placeholders) for statements over many ids."""
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        yield chunk, ",".join("?" * len(chunk))


class FileRepository:
    """The ``folders`` and ``files`` tables. Methods taking ``conn`` run inside
    ``Store.transaction()`` and bump the generation of every kind whose segments change."""

    def __init__(self, store: Store):
        self._store = store

    # -- folders ---------------------------------------------------------------------------
    def add_folder(self, path: Path, exclude: list[str]) -> int:
        """Add (or update the exclusions of) a library folder; returns its id."""
        with self._store.transaction() as c:
            c.execute("INSERT INTO folders(path, exclude, added) VALUES (?, ?, ?) "
                      "ON CONFLICT(path) DO UPDATE SET exclude = excluded.exclude",
                      (str(path), json.dumps(exclude), time.time()))
            return c.execute("SELECT id FROM folders WHERE path = ?", (str(path),)).fetchone()[0]

    def remove_folder(self, path: Path) -> bool:
        """Forget a folder and its files (with their segments and tags); False if unknown."""
        with self._store.transaction() as c:
            row = c.execute("SELECT id FROM folders WHERE path = ?", (str(path),)).fetchone()
            if row is None:
                return False
            gone = [r[0] for r in c.execute("SELECT id FROM files WHERE folder_id = ?", row)]
            self.delete(gone, c)
            c.execute("DELETE FROM folders WHERE id = ?", row)
        return True

    def folders(self) -> list[tuple[int, Path, list[str]]]:
        """(id, path, exclude globs) of every library folder."""
        return [(i, Path(p), json.loads(e)) for i, p, e in
                self._store.query("SELECT id, path, exclude FROM folders ORDER BY path")]

    # -- reading ---------------------------------------------------------------------------
    def states(self) -> dict[str, FileState]:
        """path -> FileState of every file the store knows (indexed or failed)."""
        rows = self._store.query("SELECT path, id, size, mtime_ns, kind, content_hash, "
                                 "model_id, error IS NOT NULL FROM files")
        return {r[0]: FileState(r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7])) for r in rows}

    def scan_keys(self, model_id: str) -> tuple[set[tuple[str, int, int, str]], int]:
        """(path, size, mtime_ns, kind) of every file a re-scan leaves alone when it finds
        it so (it failed, or it was embedded by ``model_id``), and how many files the store
        knows: an unchanged library is recognised with one set comparison."""
        keys = set(self._store.query("SELECT path, size, mtime_ns, kind FROM files "
                                     "WHERE error IS NOT NULL OR model_id = ?", (model_id,)))
        return keys, self._store.query("SELECT COUNT(*) FROM files")[0][0]

    def item(self, item_id: int) -> MediaItem | None:
        rows = self._store.query("SELECT id, path, kind, size, mtime_ns, content_hash FROM files "
                                 "WHERE id = ?", (item_id,))
        if not rows:
            return None
        i, p, k, s, m, h = rows[0]
        return MediaItem(i, Path(p), k, s, m / 1e9, h)

    def item_by_path(self, path: Path) -> MediaItem | None:
        rows = self._store.query("SELECT id FROM files WHERE path = ?", (str(path),))
        return self.item(rows[0][0]) if rows else None

    def indexed_id(self, path: str) -> int | None:
        """The id of the indexed (not failed) file at ``path``, or None."""
        rows = self._store.query("SELECT id FROM files WHERE path = ? AND error IS NULL",
                                 (path,))
        return rows[0][0] if rows else None

    def indexed_paths(self) -> list[tuple[int, str]]:
        """(id, path) of every indexed (not failed) file."""
        return self._store.query("SELECT id, path FROM files WHERE error IS NULL")

    def paths(self) -> dict[int, str]:
        """id -> path of every file, indexed or failed."""
        return dict(self._store.query("SELECT id, path FROM files"))

    def indexed_at(self) -> dict[int, float]:
        """id -> when the file was last embedded (0.0 when never)."""
        return {i: t or 0.0 for i, t in self._store.query("SELECT id, indexed_at FROM files")}

    def errors(self) -> list[FileError]:
        return [FileError(Path(p), r, w) for p, r, w in self._store.query(
            "SELECT path, error, error_at FROM files WHERE error IS NOT NULL ORDER BY path")]

    def counts(self) -> dict[str, int]:
        """Indexed files per kind ("images", "sounds", "notes"), "errors" and "segments"."""
        rows = self._store.query("SELECT kind, COUNT(*), SUM(error IS NOT NULL) FROM files "
                                 "GROUP BY kind")
        out = {f"{k}s": n - (e or 0) for k, n, e in rows}
        out["errors"] = sum(e or 0 for _, _, e in rows)
        out["segments"] = self._store.query("SELECT COUNT(*) FROM segments")[0][0]
        return out

    def stale_count(self, model_id: str | None) -> int:
        """Indexed files whose vectors are not from ``model_id``."""
        return self._store.query("SELECT COUNT(*) FROM files WHERE error IS NULL AND "
                                 "(model_id IS NULL OR model_id != ?)", (model_id or "",))[0][0]

    def without_vectors(self) -> list[int]:
        """Ids of files that have neither vectors nor an error (an interrupted write)."""
        return [r[0] for r in self._store.query(
            "SELECT id FROM files WHERE error IS NULL AND id NOT IN "
            "(SELECT file_id FROM segments)")]

    def copies_of(self, file_ids: Iterable[int]) -> dict[int, list[Path]]:
        """file id -> the paths of the other indexed files of the same kind and content
        (copies of one file), sorted; ids without copies are left out."""
        ids = [int(i) for i in file_ids]
        out: dict[int, list[Path]] = {}
        for chunk, marks in chunks(ids):
            for fid, path in self._store.query(
                    "SELECT a.id, b.path FROM files a JOIN files b ON b.content_hash = "
                    "a.content_hash AND b.kind = a.kind AND b.id != a.id AND b.error IS NULL "
                    f"WHERE a.id IN ({marks}) AND a.content_hash IS NOT NULL "
                    "ORDER BY b.path", chunk):
                out.setdefault(fid, []).append(Path(path))
        return out

    def missing_on_disk(self, fence: list[str]) -> list[int]:
        """Ids of files that no longer exist, except under the ``fence`` folder prefixes
        (folders that could not be read: their files are kept until they are back). A link
        that is still there but leads nowhere (dangling, a loop) is not missing: it is
        recorded as a file that cannot be indexed."""
        return [i for i, p in self._store.query("SELECT id, path FROM files")
                if not os.path.lexists(p) and not any(p.startswith(f) for f in fence)]

    # -- writing (inside a transaction) ----------------------------------------------------
    def save_embedded(self, path: Path, folder_id: int | None, kind: str, size: int,
                      mtime_ns: int, content_hash: str | None, duration_s: float | None,
                      model_id: str, segments: list[SegmentRow], vectors: np.ndarray,
                      conn: sqlite3.Connection) -> int:
        """Insert or replace one file with its segments and (n, D) float32 vectors; returns
        the file id (kept when the path existed, so tags stay attached)."""
        assert len(segments) == len(vectors)
        row = conn.execute("SELECT id FROM files WHERE path = ?", (str(path),)).fetchone()
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
            old_kinds = self._store.segments.drop_of_file(fid, conn)
            conn.execute(
                "UPDATE files SET folder_id=?, kind=?, size=?, mtime_ns=?, content_hash=?, "
                "duration_s=?, model_id=?, indexed_at=?, error=NULL, error_at=NULL WHERE id=?",
                (folder_id, kind, size, mtime_ns, content_hash, duration_s, model_id, now, fid))
        self._store.segments.insert(fid, kind, model_id, segments, vectors, conn)
        self._store.meta.bump(conn, old_kinds | {kind})
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
        kinds = self._store.segments.drop_of_file(row[0], conn)
        conn.execute("UPDATE files SET folder_id=?, kind=?, size=?, mtime_ns=?, model_id=NULL, "
                     "error=?, error_at=? WHERE id=?",
                     (folder_id, kind, size, mtime_ns, reason, now, row[0]))
        self._store.meta.bump(conn, kinds)

    def move(self, file_id: int, new_path: Path, folder_id: int | None, size: int,
             mtime_ns: int, conn: sqlite3.Connection) -> None:
        """A file renamed or moved: same content, new path; vectors and tags are kept."""
        conn.execute("UPDATE files SET path=?, folder_id=?, size=?, mtime_ns=? WHERE id=?",
                     (str(new_path), folder_id, size, mtime_ns, file_id))

    def copy(self, source_id: int, path: Path, folder_id: int | None, size: int,
             mtime_ns: int, conn: sqlite3.Connection) -> int:
        """A copy of an indexed file: a new item sharing the source's vectors (no re-embed)."""
        src = conn.execute("SELECT kind, content_hash, duration_s, model_id FROM files "
                           "WHERE id=?", (source_id,)).fetchone()
        fid = conn.execute(
            "INSERT INTO files(path, folder_id, kind, size, mtime_ns, content_hash, duration_s, "
            "model_id, indexed_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (str(path), folder_id, src[0], size, mtime_ns, src[1], src[2], src[3],
             time.time())).lastrowid
        self._store.segments.copy_of_file(source_id, fid, conn)
        self._store.meta.bump(conn, [src[0]])
        return fid

    def delete(self, file_ids: Iterable[int], conn: sqlite3.Connection) -> None:
        """Forget files, with their segments and tags."""
        ids = list(file_ids)
        kinds: set[str] = set()
        for chunk, marks in chunks(ids):
            kinds |= self._store.segments.kinds_of_files(chunk, conn)
            conn.execute(f"DELETE FROM files WHERE id IN ({marks})", chunk)
        self._store.meta.bump(conn, kinds)

    def delete_path(self, path: str, conn: sqlite3.Connection) -> bool:
        """Forget the file at ``path`` (deleted while it was read); False if unknown."""
        row = conn.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()
        if row:
            self.delete([row[0]], conn)
        return row is not None
