"""The SQLite schema of a library and its ordered migrations."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1
TABLES = ("meta", "folders", "files", "segments", "tags")

# Each entry upgrades the database from version i to i + 1. Never edit a
# released step: add a new one.
_MIGRATIONS: list[str] = [
    # 0 -> 1: the first schema.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        exclude TEXT NOT NULL DEFAULT '[]',   -- JSON list of glob patterns
        added REAL NOT NULL
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        folder_id INTEGER REFERENCES folders(id) ON DELETE SET NULL,
        kind TEXT NOT NULL CHECK (kind IN ('image', 'sound', 'note')),
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT,
        duration_s REAL,                      -- sounds: length in seconds
        model_id TEXT,                        -- model whose vectors the segments hold
        indexed_at REAL,
        error TEXT,                           -- why the file could not be indexed
        error_at REAL
    );
    CREATE INDEX files_hash ON files(content_hash);
    CREATE INDEX files_folder ON files(folder_id);
    CREATE TABLE segments (
        id INTEGER PRIMARY KEY AUTOINCREMENT, -- the HNSW label; never reused
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        start_s REAL, end_s REAL,             -- sounds: the window in seconds
        char_start INTEGER, char_end INTEGER, -- notes: the passage in characters
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL                  -- float32, unit-norm, little-endian
    );
    CREATE INDEX segments_file ON segments(file_id);
    CREATE INDEX segments_kind_model ON segments(kind, model_id);
    CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('user', 'zero-shot', 'learned', 'sidecar')),
        score REAL,
        model_id TEXT,
        status TEXT NOT NULL DEFAULT 'proposed'
            CHECK (status IN ('accepted', 'proposed', 'rejected')),
        created REAL NOT NULL,
        UNIQUE (item_id, name)
    );
    CREATE INDEX tags_name ON tags(name, status);
    """,
]


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to ``SCHEMA_VERSION``; returns the version found before."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        from core.errors import SynesthesiaError

        raise SynesthesiaError(
            f"this library was written by a newer Synesthesia (schema {found}, this version "
            f"reads up to {SCHEMA_VERSION}); update Synesthesia to open it")
    for version in range(found, SCHEMA_VERSION):
        try:
            conn.executescript("BEGIN IMMEDIATE;" + _MIGRATIONS[version]
                               + f"; PRAGMA user_version = {version + 1}; COMMIT;")
        except sqlite3.OperationalError:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # Another process opening the same new library migrated it first.
            if conn.execute("PRAGMA user_version").fetchone()[0] <= version:
                raise
    return found
