"""Health of a library: SQLite, the search indexes and the files on disk, checked
against each other, and what can be repaired."""

from __future__ import annotations

import json
import os

from core.media import KINDS
from core.store import Store, VectorIndex, VectorIndexes


class Doctor:
    """Checks of one library; with ``repair``, each problem that can be fixed is (and its
    line says what was done)."""

    def __init__(self, store: Store, indexes: VectorIndexes, repair: bool = False) -> None:
        self.store = store
        self.indexes = indexes
        self.repair = repair
        self.out: list[str] = []

    def run(self) -> list[str]:
        """One line per problem found; a broken database stops the other checks."""
        if not self.database():
            return self.out
        self.vectors()
        self.disk()
        self.graphs()
        self.out += [f"cannot index {e.path}: {e.reason}" for e in self.store.files.errors()]
        return self.out

    def _found(self, line: str, fix: str | None = None) -> None:
        self.out.append(line + (f" ({fix})" if fix and self.repair else ""))

    def database(self) -> bool:
        ok = self.store.integrity()
        if ok != "ok":
            self.out.append(f"SQLite integrity check failed: {ok}; restore a backup or delete "
                            f"{self.store.path} and index again")
            return False
        missing = self.store.missing_tables()
        if missing:
            self.out.append(f"the database lacks tables {missing}; delete {self.store.path} "
                            "and index again")
            return False
        return True

    def vectors(self) -> None:
        """Vectors without a file, files without vectors, vectors of the wrong size."""
        segments, files = self.store.segments, self.store.files
        orphans = segments.orphan_count()
        if orphans:
            if self.repair:
                with self.store.transaction() as c:
                    segments.delete_orphans(KINDS, c)
            self._found(f"{orphans} vectors belong to no file", "removed")
        empty = files.without_vectors()
        if empty:
            if self.repair:
                with self.store.transaction() as c:
                    files.delete(empty, c)
            self._found(f"{len(empty)} files have no vectors and no error",
                        "forgotten; the next index embeds them again")
        dim = int(self.store.meta.get("dim", "0") or 0)
        bad = segments.wrong_size_count(dim) if dim else 0
        if bad:
            if self.repair:
                with self.store.transaction() as c:
                    files.delete(segments.files_with_wrong_size(dim, c), c)
            self._found(f"{bad} vectors have the wrong size",
                        "their files will be embedded again")

    def disk(self) -> None:
        """Indexed files that are gone (folders that could not be read are left alone)."""
        fence = [p.rstrip(os.sep) + os.sep for p, _ in
                 json.loads(self.store.meta.get("scan.problems", "[]") or "[]")]
        missing = self.store.files.missing_on_disk(fence)
        if missing:
            if self.repair:
                with self.store.transaction() as c:
                    self.store.files.delete(missing, c)
            self._found(f"{len(missing)} indexed files no longer exist on disk",
                        "removed from the index")

    def graphs(self) -> None:
        """Each saved HNSW graph against SQLite; repaired by patching it with what it lacks
        and holds too many of (a graph left behind by a partial run), or by rebuilding it
        from SQLite when it cannot be read."""
        if not self.store.meta.get("model_id"):
            return
        for kind in KINDS:
            spec = self.indexes.spec(kind)
            problems = VectorIndex(spec, self.store).check()
            self.out += problems
            if problems and self.repair:
                self.indexes.forget(kind)  # read the saved graph again, then patch it
                made = self.indexes.refresh(kind)
                if made.patch is not None:
                    self.out[-1] += f" (patched: {made.patch[0]} added, {made.patch[1]} removed)"
                else:
                    self.out[-1] += " (rebuilt from SQLite)"
