"""Library settings and counters kept in the ``meta`` table (key -> text value).

Keys ``model_id``, ``dim``, ``generation.<kind>``, ``last_index`` and ``scan.*`` belong
to the engine; keys under ``tagging.`` to core.tagging."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.store.store import Store

_UPSERT = ("INSERT INTO meta(key, value) VALUES (?, ?) "
           "ON CONFLICT(key) DO UPDATE SET value = excluded.value")


class MetaRepository:
    """Key/value settings of one library, and the per-kind generation counters."""

    def __init__(self, store: Store):
        self._store = store

    def get(self, key: str, default: str | None = None) -> str | None:
        rows = self._store.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else default

    def set(self, key: str, value: str, conn: sqlite3.Connection | None = None) -> None:
        """Write ``key``; inside ``transaction()`` when ``conn`` is given."""
        if conn is not None:
            conn.execute(_UPSERT, (key, value))
        else:
            self._store.execute(_UPSERT, (key, value))

    def changes(self) -> str | None:
        """A counter that triggers bump on every change to the files and details tables
        (whoever makes it); None where it is missing (then nothing may rely on it)."""
        return self.get("scan.changes")

    def with_prefix(self, prefix: str) -> list[tuple[str, str]]:
        """(key, value) of every key starting with ``prefix``, by key."""
        return self._store.query("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ? "
                                 "ORDER BY key", (len(prefix), prefix))

    def generation(self, kind: str) -> int:
        """A counter bumped by every change to the segments of ``kind``."""
        return int(self.get(f"generation.{kind}", "0") or 0)

    def bump(self, conn: sqlite3.Connection, kinds: Iterable[str]) -> None:
        """Count a change to the segments of ``kinds`` (inside the changing transaction)."""
        for kind in set(kinds):
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE "
                "SET value = CAST(value AS INTEGER) + 1", (f"generation.{kind}",))
