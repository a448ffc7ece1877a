"""The store of a library: SQLite (source of truth) and one HNSW index per kind.

    store = Store(library_dir / "library.sqlite")
    index = VectorIndex(library_dir / "image.hnsw", kind="image", ...)
"""

from __future__ import annotations

from core.store.schema import SCHEMA_VERSION
from core.store.store import FileError, FileState, MediaItem, SegmentRow, Store, StoreError
from core.store.vectors import VectorIndex

__all__ = ["SCHEMA_VERSION", "FileError", "FileState", "MediaItem", "SegmentRow", "Store",
           "StoreError", "VectorIndex"]
