"""SQLite store of a library: the source of truth for files, segments, vectors,
errors and tags. The HNSW indexes (``vectors.py``) are caches rebuilt from it.

Every SQL statement of the program lives in this package, behind named methods
of the repositories a ``Store`` holds:

    store.meta      MetaRepository      key/value settings and generation counters
    store.files     FileRepository      folders, files, index errors
    store.segments  SegmentRepository   segments and their vectors
    store.tags      TagRepository       tags and their statuses
    store.details   DetailsRepository   what files say (date, place...), their words (FTS5)
    store.items     ItemRepository      filters, full-text search, listings for browsing
"""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from core.errors import SynesthesiaError
from core.store.details import DetailsRepository
from core.store.files import FileRepository
from core.store.items import ItemRepository
from core.store.meta import MetaRepository
from core.store.schema import SCHEMA_VERSION, TABLES, migrate
from core.store.segments import SegmentRepository
from core.store.tags import TagRepository


class StoreError(SynesthesiaError):
    """The library database cannot be opened or written (damaged, full disk, locked)."""


class Store:
    """One library database. Thread-safe: one connection guarded by a lock."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        try:
            if read_only and not os.access(self.path.parent, os.W_OK):
                conn = self._connect_read_only()
            else:
                conn = sqlite3.connect(self.path, timeout=60.0, check_same_thread=False,
                                       isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA busy_timeout=60000")
                self.found_version = migrate(conn)
        except sqlite3.DatabaseError as e:
            if "full" in str(e).lower():  # SQLITE_FULL: the disk, not damage
                raise self._write_error(e) from e
            raise StoreError(
                f"the library database {self.path} cannot be opened ({e}); if it is damaged, "
                "move it away and run `synesthesia index` to rebuild it from your files") from e
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.lock = threading.RLock()
        self.schema_version = SCHEMA_VERSION
        self.meta = MetaRepository(self)
        self.files = FileRepository(self)
        self.segments = SegmentRepository(self)
        self.tags = TagRepository(self)
        self.details = DetailsRepository(self)
        self.items = ItemRepository(self)

    def _connect_read_only(self) -> sqlite3.Connection:
        """The database of a library whose folder cannot be written (a read-only file
        system): opened read-only, and as immutable where SQLite cannot make the WAL's
        shared-memory file there (no one can write it then). Nothing is migrated."""
        if not self.path.is_file():
            raise StoreError(f"there is no library database in {self.path.parent}, and that "
                             "folder is read-only")
        base = "file:" + urllib.parse.quote(str(self.path.absolute()))
        conn = None
        for mode in ("?mode=ro", "?immutable=1"):
            try:
                conn = sqlite3.connect(base + mode, uri=True, timeout=60.0,
                                       check_same_thread=False, isolation_level=None)
                found = conn.execute("PRAGMA user_version").fetchone()[0]
                break
            except sqlite3.OperationalError:
                if conn is not None:
                    conn.close()
                conn = None
        if conn is None:
            raise StoreError(f"the library database {self.path} cannot be read")
        if found > SCHEMA_VERSION:
            migrate(conn)  # raises: written by a newer Synesthesia
        if found < SCHEMA_VERSION:
            raise StoreError(f"the library database {self.path} needs an upgrade (schema "
                             f"{found} to {SCHEMA_VERSION}), which a read-only folder does "
                             "not allow; open it once where it can be written")
        self.found_version = found
        return conn

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error), holding the store's lock.

        The connection it yields is passed to repository methods that must run together
        (``store.files.save_error(..., conn)``); callers never execute SQL on it."""
        with self.lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as e:
                raise self._write_error(e) from e
            try:
                yield self.conn
            except sqlite3.OperationalError as e:  # disk full, I/O error
                self._rollback()
                raise self._write_error(e, "; nothing of this batch was saved") from e
            except BaseException:
                self._rollback()
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as e:
                self._rollback()
                raise self._write_error(e, "; nothing of this batch was saved") from e

    def _rollback(self) -> None:
        """ROLLBACK if a transaction is still open: SQLite ends it by itself on some errors
        (a full disk), and "cannot rollback - no transaction is active" would hide the
        error that matters."""
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.OperationalError:
                pass

    def _write_error(self, e: sqlite3.OperationalError, tail: str = "") -> StoreError:
        """One clear error for a failed write; a full disk names the library's folder."""
        if "full" in str(e).lower():
            return StoreError(f"the disk holding the library ({self.path.parent}) is full"
                              f"{tail}; free some space there and run the command again")
        return StoreError(f"cannot write the library database {self.path} ({e}){tail}")

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        """Rows of one read statement. For the repositories, tests and diagnostics; the
        rest of the program asks a repository."""
        with self.lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    def execute(self, sql: str, params: Iterable = ()) -> sqlite3.Cursor:
        """One write statement outside a transaction (the repositories' own use)."""
        with self.lock:
            return self.conn.execute(sql, tuple(params))

    # -- health --------------------------------------------------------------------------
    def integrity(self) -> str:
        """SQLite's quick check: "ok", or the first problem it found."""
        return self.query("PRAGMA quick_check")[0][0]

    def missing_tables(self) -> list[str]:
        """Tables of the schema that the database lacks (sorted; empty when complete)."""
        return sorted(set(TABLES) - set(self.db.table_names()))
