"""The describe phase of indexing: what each file says about itself (EXIF date, camera and
GPS position, a sound's tags, a note's title) and the words it is found by (its name, its
folders, a note's text, titles, the place name of a position), read for every indexed file
whose details are missing or out of date (new, changed, moved, or indexed before the
library had details), in decoder threads, saved batch by batch."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from core.errors import SynesthesiaError
from core.library.progress import Progress
from core.media import load_note
from core.media.metadata import Metadata, read_metadata
from core.media.places import place_names
from core.store import Store
from core.tagging.sidecar import read_texts

BATCH = 200
MAX_BODY_CHARS = 1_000_000  # words of a note searched: its first million characters


def _folder_words(path: str, roots: list[str]) -> str:
    """The folders of ``path`` below (and including) its library folder."""
    parent = os.path.dirname(path)
    root = max((r for r in roots if parent == r or parent.startswith(r.rstrip(os.sep) + os.sep)),
               key=len, default=None)
    if root is None:
        return os.path.basename(parent)
    base = os.path.dirname(root.rstrip(os.sep))
    return " ".join(p for p in os.path.relpath(parent, base).split(os.sep) if p and p != ".")


def _read(row: tuple[int, str, str, int, float | None]) -> tuple[Metadata, str]:
    _, path, kind, mtime_ns, _ = row
    text = ""
    if kind == "note":
        try:
            text = load_note(path)[:MAX_BODY_CHARS]
        except SynesthesiaError:
            text = ""
    md = read_metadata(path, kind, mtime_ns / 1e9, text or None)
    written = read_texts(path)  # an XMP sidecar's title and description
    if written:
        md = replace(md, description=" \u2014 ".join(x for x in (md.description, *written) if x))
    return md, text


def _words(path: str, roots: list[str], md: Metadata, body: str) -> dict[str, str]:
    described = [md.title, md.artist, md.album, md.camera, md.description]
    return {"name": os.path.basename(path), "folders": _folder_words(path, roots),
            "body": body, "described": " ".join(x for x in described if x),
            "place": md.place or ""}


def describe(store: Store, progress: Progress, cancelled: Callable[[], bool],
             threads: int = 2) -> int:
    """Read and save the details of every file that needs it; returns how many were read.
    Stops between batches when cancelled (what was saved stays)."""
    todo = store.details.stale()
    if not todo:
        return 0
    roots = [str(p) for _, p, _ in store.files.folders()]
    progress.phase("describing", len(todo))
    done = 0
    with ThreadPoolExecutor(max(1, threads), thread_name_prefix="describe") as pool:
        for start in range(0, len(todo), BATCH):
            if cancelled():
                break
            rows = todo[start:start + BATCH]
            read = list(pool.map(_read, rows))
            _save(store, rows, read, roots)
            done += len(rows)
            progress.emit("describing", done, len(todo), Path(rows[-1][1]))
    return done


def _save(store: Store, rows: list, read: list[tuple[Metadata, str]], roots: list[str]) -> None:
    located = [i for i, (md, _) in enumerate(read) if md.lat is not None and md.lon is not None]
    names = place_names([(read[i][0].lat, read[i][0].lon) for i in located])
    for i, name in zip(located, names, strict=True):
        read[i] = (read[i][0].with_place(name), read[i][1])
    with store.transaction() as c:
        for (fid, path, _kind, mtime_ns, duration_s), (md, body) in zip(rows, read, strict=True):
            if md.duration_s is None and duration_s is not None:
                md = replace(md, duration_s=duration_s)
            store.details.save(fid, path, mtime_ns, md.as_dict(), _words(path, roots, md, body), c)
