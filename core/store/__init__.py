"""The store of a library: SQLite (source of truth) behind named repository methods, and
one search index per kind (exact or HNSW) rebuilt from it. The only package with SQL.

    store = Store(library_dir / "library.sqlite")
    store.files.states(); store.segments.vectors("image", model_id); store.tags.rows(item_id)
    indexes = VectorIndexes(library_dir, store)
    with indexes.reading(["image"]) as found: found["image"].search(q, k)
"""

from __future__ import annotations

from core.store.files import FileRepository
from core.store.indexes import ReadWriteLock, VectorIndexes
from core.store.meta import MetaRepository
from core.store.rows import FileError, FileState, MediaItem, SegmentInfo, SegmentRow, Tag
from core.store.schema import SCHEMA_VERSION
from core.store.segments import SegmentRepository
from core.store.store import Store, StoreError
from core.store.tags import TagRepository
from core.store.vectors import IndexSpec, VectorIndex

__all__ = ["SCHEMA_VERSION", "FileError", "FileRepository", "FileState", "IndexSpec",
           "MediaItem", "MetaRepository", "ReadWriteLock", "SegmentInfo", "SegmentRepository",
           "SegmentRow", "Store", "StoreError", "Tag", "TagRepository", "VectorIndex",
           "VectorIndexes"]
