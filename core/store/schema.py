"""The SQLite schema of a library and its ordered migrations."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 4
TABLES = ("meta", "folders", "files", "segments", "tags", "details", "words")

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
    # 1 -> 2: what files say about themselves (details), and their words for full-text
    # search (words, FTS5; rowid = file id). Existing files have no details yet: the next
    # index run reads them (IndexJob.describe). Accepted tags reach the words by triggers,
    # whatever changes them; a deleted file takes its words with it.
    """
    CREATE TABLE details (
        file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
        path TEXT NOT NULL,                   -- the path and mtime it was read at: read
        mtime_ns INTEGER NOT NULL,            -- again when either changes
        date_s REAL,                          -- wall clock as UTC seconds (taken or modified)
        date_source TEXT,                     -- 'taken' | 'modified'
        camera TEXT, orientation INTEGER,
        lat REAL, lon REAL, place TEXT,
        width INTEGER, height INTEGER,
        duration_s REAL, sample_rate INTEGER,
        title TEXT, artist TEXT, album TEXT, description TEXT
    );
    CREATE INDEX details_date ON details(date_s);
    CREATE INDEX details_place ON details(place);
    CREATE VIRTUAL TABLE words USING fts5(
        name, folders, body, tags, described, place,
        tokenize = 'porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER words_file_gone AFTER DELETE ON files BEGIN
        DELETE FROM words WHERE rowid = OLD.id;
    END;
    CREATE TRIGGER words_tag_added AFTER INSERT ON tags WHEN NEW.status = 'accepted' BEGIN
        UPDATE words SET tags = (SELECT group_concat(name, ' ') FROM tags
            WHERE item_id = NEW.item_id AND status = 'accepted') WHERE rowid = NEW.item_id;
    END;
    CREATE TRIGGER words_tag_changed AFTER UPDATE OF item_id, name, status ON tags BEGIN
        UPDATE words SET tags = (SELECT group_concat(name, ' ') FROM tags
            WHERE item_id = OLD.item_id AND status = 'accepted') WHERE rowid = OLD.item_id;
        UPDATE words SET tags = (SELECT group_concat(name, ' ') FROM tags
            WHERE item_id = NEW.item_id AND status = 'accepted') WHERE rowid = NEW.item_id
            AND NEW.item_id != OLD.item_id;
    END;
    CREATE TRIGGER words_tag_gone AFTER DELETE ON tags WHEN OLD.status = 'accepted' BEGIN
        UPDATE words SET tags = (SELECT group_concat(name, ' ') FROM tags
            WHERE item_id = OLD.item_id AND status = 'accepted') WHERE rowid = OLD.item_id;
    END;
    """,
    # 2 -> 3: videos. A file may be a 'video' (SQLite cannot change a CHECK in place: the
    # files table is rebuilt, SQLite's documented way, with foreign keys off so nothing
    # cascades; its indexes and trigger come back). A video's segments are moments of one
    # of two tracks: 'picture' (a frame; start_s = end_s) or 'sound' (a soundtrack window).
    """
    CREATE TABLE files_new (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        folder_id INTEGER REFERENCES folders(id) ON DELETE SET NULL,
        kind TEXT NOT NULL CHECK (kind IN ('image', 'sound', 'note', 'video')),
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT,
        duration_s REAL,                      -- sounds and videos: length in seconds
        model_id TEXT,
        indexed_at REAL,
        error TEXT,
        error_at REAL
    );
    INSERT INTO files_new SELECT id, path, folder_id, kind, size, mtime_ns, content_hash,
        duration_s, model_id, indexed_at, error, error_at FROM files;
    DROP TABLE files;
    ALTER TABLE files_new RENAME TO files;
    CREATE INDEX files_hash ON files(content_hash);
    CREATE INDEX files_folder ON files(folder_id);
    CREATE TRIGGER words_file_gone AFTER DELETE ON files BEGIN
        DELETE FROM words WHERE rowid = OLD.id;
    END;
    ALTER TABLE segments ADD COLUMN track TEXT;  -- videos: 'picture' | 'sound'
    """,
    # 3 -> 4: a counter of changes to the files and details tables, bumped by triggers
    # whoever writes them, so a re-scan that finds the disk as it was when the store was
    # last checked in step with it can skip reading every row. A step that
    # rebuilds either table must create these triggers again.
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('scan.changes', '0');\n"
    + "".join(
        f"CREATE TRIGGER {table}_changes_{event.lower()} AFTER {event} ON {table} BEGIN\n"
        "    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'scan.changes';\n"
        "END;\n"
        for table in ("files", "details") for event in ("INSERT", "UPDATE", "DELETE")),
]


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to ``SCHEMA_VERSION``; returns the version found before."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found == SCHEMA_VERSION:
        return found
    if found > SCHEMA_VERSION:
        from core.errors import SynesthesiaError

        raise SynesthesiaError(
            f"this library was written by a newer Synesthesia (schema {found}, this version "
            f"reads up to {SCHEMA_VERSION}); update Synesthesia to open it")
    # Rebuilding a table (2 -> 3) must not cascade deletes: foreign keys are off while
    # migrating (the pragma has no effect inside a transaction, so it is set here).
    keys_on = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        _steps(conn, found)
    finally:
        if keys_on:
            conn.execute("PRAGMA foreign_keys=ON")
    return found


def _steps(conn: sqlite3.Connection, found: int) -> None:
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
