"""Library folders, indexing jobs (incremental, cancellable in every phase, resumable)
and the lock that keeps one writer per library.

    from core.library import Library
    lib = Library.open(library_dir, model=None)
    lib.add_folder(path, exclude=["*.tmp"])
    report = lib.index(progress=cb, cancel=event)   # an IndexJob: scan, reconcile, embed, save
"""

from __future__ import annotations

from core.library.job import IndexJob
from core.library.library import Library
from core.library.lock import LibraryBusy, LibraryLock, LibraryReadOnly
from core.library.progress import IndexProgress, IndexReport
from core.library.threads import ThreadBudget
from core.store import FileError, MediaItem

__all__ = ["FileError", "IndexJob", "IndexProgress", "IndexReport", "Library", "LibraryBusy",
           "LibraryLock", "LibraryReadOnly", "MediaItem", "ThreadBudget"]
