"""Library folders, indexing jobs (incremental, cancellable, resumable) and the
lock that keeps one writer per library.

    from core.library import Library
    lib = Library.open(library_dir, model=None)
    lib.add_folder(path, exclude=["*.tmp"])
    report = lib.index(progress=cb, cancel=event)
"""

from __future__ import annotations

from core.library.library import IndexProgress, IndexReport, Library
from core.library.lock import LibraryBusy, LibraryLock
from core.store import FileError, MediaItem

__all__ = ["FileError", "IndexProgress", "IndexReport", "Library", "LibraryBusy", "LibraryLock",
           "MediaItem"]
