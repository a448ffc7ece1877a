"""Tags of library items: ``source`` 'user' | 'zero-shot' | 'learned' | 'sidecar',
``status`` 'proposed' | 'accepted' | 'rejected'. Names are matched without regard to case.

Proposals are only ever written over proposals: the program never changes an accepted
or rejected row (``replace_proposals``)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from core.store.files import chunks
from core.store.rows import Tag

if TYPE_CHECKING:
    from core.store.store import Store

_FIND = "SELECT id, source, status FROM tags WHERE item_id = ? AND name = ? COLLATE NOCASE"
_INSERT = ("INSERT INTO tags(item_id, name, source, score, model_id, status, created) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)")


class TagRepository:
    """The ``tags`` table."""

    def __init__(self, store: Store):
        self._store = store

    # -- reading ---------------------------------------------------------------------------
    def rows(self, item_id: int | None = None, statuses: Sequence[str] | None = None,
             source: str | None = None) -> list[Tag]:
        """Tags, optionally of one item, some statuses and one source; by item, status,
        score (highest first) and name."""
        sql = "SELECT item_id, name, source, score, model_id, status FROM tags WHERE 1=1"
        params: list[object] = []
        if item_id is not None:
            sql += " AND item_id = ?"
            params.append(int(item_id))
        if statuses is not None:
            sql += f" AND status IN ({','.join('?' * len(statuses))})"
            params += list(statuses)
        if source is not None:
            sql += " AND source = ?"
            params.append(source)
        sql += " ORDER BY item_id, status, score DESC, name"
        return [Tag(*r) for r in self._store.query(sql, params)]

    def find(self, item_id: int, name: str) -> tuple[int, str, str] | None:
        """(row id, source, status) of the item's tag ``name``, or None."""
        rows = self._store.query(_FIND, (item_id, name))
        return rows[0] if rows else None

    def decided_names(self) -> dict[int, set[str]]:
        """item id -> case-folded names the user accepted or rejected (never proposed)."""
        out: dict[int, set[str]] = {}
        for item_id, name in self._store.query(
                "SELECT item_id, name FROM tags WHERE status IN ('accepted', 'rejected')"):
            out.setdefault(item_id, set()).add(name.casefold())
        return out

    def accepted_names(self, item_ids: list[int]) -> dict[int, tuple[str, ...]]:
        """item id -> its accepted tag names, by name (items without tags are left out)."""
        out: dict[int, list[str]] = {}
        for chunk, marks in chunks(item_ids):
            for fid, name in self._store.query(
                    f"SELECT item_id, name FROM tags WHERE status = 'accepted' AND item_id IN "
                    f"({marks}) ORDER BY name", chunk):
                out.setdefault(fid, []).append(name)
        return {k: tuple(v) for k, v in out.items()}

    def decided_with_paths(self) -> list[tuple[int, str, str, str]]:
        """(item id, path, name, status) of every accepted or rejected tag, in the order
        they were made (what a sidecar export writes)."""
        return self._store.query(
            "SELECT t.item_id, f.path, t.name, t.status FROM tags t JOIN files f "
            "ON f.id = t.item_id WHERE t.status IN ('accepted', 'rejected') ORDER BY t.id")

    def table(self, statuses: Sequence[str]) -> list[tuple]:
        """(path, kind, name, source, score, status, model_id) of the tags of ``statuses``,
        by path and name (what a CSV or JSON export holds)."""
        marks = ",".join("?" * len(statuses))
        return self._store.query(
            "SELECT f.path, f.kind, t.name, t.source, t.score, t.status, t.model_id "
            "FROM tags t JOIN files f ON f.id = t.item_id "
            f"WHERE t.status IN ({marks}) ORDER BY f.path, t.name", list(statuses))

    # -- the user's decisions --------------------------------------------------------------
    def decide(self, item_id: int, name: str, status: str, source: str = "user") -> None:
        """Set the item's tag ``name`` to ``status`` ('accepted' or 'rejected'), adding it
        (with ``source``) when the item does not have it."""
        with self._store.transaction() as c:
            row = c.execute(_FIND, (item_id, name)).fetchone()
            if row is None:
                c.execute(_INSERT, (item_id, name, source, None, None, status, time.time()))
            else:
                c.execute("UPDATE tags SET status = ? WHERE id = ?", (status, row[0]))

    def set_status(self, tag_row: int, status: str) -> None:
        """Change the status of one tag row (a row id from ``find``)."""
        with self._store.transaction() as c:
            c.execute("UPDATE tags SET status = ? WHERE id = ?", (status, tag_row))

    def import_accepted(self, item_id: int, names: Iterable[str], source: str) -> int:
        """Names from outside (a sidecar) become accepted tags of ``source``: a proposal
        of that name is accepted, a decided one stays as it is. Returns how many changed."""
        n = 0
        now = time.time()
        with self._store.transaction() as c:
            for name in names:
                row = c.execute(_FIND, (item_id, name)).fetchone()
                if row is None:
                    c.execute(_INSERT, (item_id, name, source, None, None, "accepted", now))
                    n += 1
                elif row[2] == "proposed":
                    c.execute("UPDATE tags SET status = 'accepted', source = ? WHERE id = ?",
                              (source, row[0]))
                    n += 1
        return n

    # -- whole tags (the tag browser) --------------------------------------------------------
    def accept_all(self, name: str) -> int:
        """Accept every proposal named ``name``; returns how many."""
        with self._store.transaction() as c:
            return c.execute("UPDATE tags SET status = 'accepted' WHERE name = ? COLLATE NOCASE "
                             "AND status = 'proposed'", (name,)).rowcount

    def rename(self, old: str, new: str) -> int:
        """Rename the tag ``old`` to ``new`` on every item (as a user's tag). An item that
        has both keeps one row: accepted if either was, else rejected if either was, else
        proposed. Renaming onto an existing name merges the two. Returns the items changed."""
        if old == new:
            return 0
        rank = "CASE status WHEN 'accepted' THEN 0 WHEN 'rejected' THEN 1 ELSE 2 END"
        with self._store.transaction() as c:
            rows = c.execute(f"SELECT id, item_id, {rank} FROM tags WHERE name = ? COLLATE NOCASE",
                             (old,)).fetchall()
            for row_id, item_id, r in rows:
                other = c.execute(f"SELECT id, {rank} FROM tags WHERE item_id = ? AND name = ? "
                                  "COLLATE NOCASE AND id != ?", (item_id, new, row_id)).fetchone()
                if other is None:
                    c.execute("UPDATE tags SET name = ?, source = 'user' WHERE id = ?",
                              (new, row_id))
                    continue
                if r < other[1]:
                    c.execute("UPDATE tags SET status = (SELECT status FROM tags WHERE id = ?), "
                              "source = 'user' WHERE id = ?", (row_id, other[0]))
                c.execute("DELETE FROM tags WHERE id = ?", (row_id,))
            return len(rows)

    # -- the program's proposals -----------------------------------------------------------
    def replace_proposals(self, source: str, model_id: str,
                          proposals: dict[int, list[tuple[str, float]]],
                          clear_names: Sequence[str] | None = None) -> int:
        """Replace the ``source`` proposals of the given items (all of them, or only those
        named ``clear_names``) by ``proposals`` (item id -> [(name, score)]); accepted and
        rejected rows stay. Returns the rows written."""
        now = time.time()
        n = 0
        with self._store.transaction() as c:
            for item_id, rows in proposals.items():
                if clear_names is None:
                    c.execute("DELETE FROM tags WHERE item_id = ? AND source = ? AND "
                              "status = 'proposed'", (item_id, source))
                else:
                    c.executemany("DELETE FROM tags WHERE item_id = ? AND name = ? AND "
                                  "source = ? AND status = 'proposed'",
                                  [(item_id, nm, source) for nm in clear_names])
                for name, score in rows:
                    cur = c.execute(
                        _INSERT + " ON CONFLICT(item_id, name) DO UPDATE SET score = "
                        "excluded.score, model_id = excluded.model_id, source = excluded.source "
                        "WHERE tags.status = 'proposed'",
                        (item_id, name, source, float(score), model_id, "proposed", now))
                    n += cur.rowcount
        return n
