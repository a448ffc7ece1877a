"""Walking library folders: recursive, exclusions, hidden and OS files skipped,
symlinks followed without loops, nothing but ``scandir`` and ``stat``."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from core.media import kind_of

# Files and folders that operating systems and NAS boxes scatter into media folders.
OS_JUNK = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini", "$recycle.bin",
                     "system volume information", "@eadir", "__macosx", "lost+found",
                     ".ds_store", "icon\r"})


class ScannedFile(NamedTuple):
    """A media file found on disk (``mtime_ns``: nanoseconds since the epoch). A tuple:
    the scanner makes one per file of the library, 100k in a second or two."""

    path: str
    size: int
    mtime_ns: int
    kind: str
    folder_id: int


@dataclass
class ScanResult:
    files: dict[str, ScannedFile] = field(default_factory=dict)
    # Paths that exist but cannot be used: (path, kind or None, reason).
    problems: list[tuple[str, str | None, str]] = field(default_factory=list)
    # Folders that could not be listed: files indexed under them are kept, not removed.
    unreachable: list[str] = field(default_factory=list)
    # XMP sidecars seen next to media (their keywords become tags).
    sidecars: list[str] = field(default_factory=list)


def is_hidden(name: str) -> bool:
    """Dot files (including macOS ``._*`` resource forks) and OS metadata files."""
    return name.startswith(".") or name.lower() in OS_JUNK


def _excluded(name: str, rel: str, abspath: str, patterns: list[str]) -> bool:
    for p in patterns:
        if os.path.isabs(p):
            if abspath == p.rstrip(os.sep) or abspath.startswith(p.rstrip(os.sep) + os.sep):
                return True
        elif fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p):
            return True
    return False


def scan(folders: list[tuple[int, Path, list[str]]], skip: Path | None = None) -> ScanResult:
    """Every media file under ``folders`` ((id, path, exclude globs) each).

    A glob is matched against the file or folder name and against its path relative
    to the library folder (``/`` separators); an absolute path excludes that folder.
    ``skip`` (the library's own folder) is never entered. A file reached twice (two
    library folders, or a symlink) is listed once, at the first path found.
    """
    out = ScanResult()
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    skip_s = str(skip) if skip is not None else None
    for folder_id, root, patterns in folders:
        root_s = str(root)
        try:
            st = os.stat(root_s)
        except OSError as e:
            out.unreachable.append(root_s)
            out.problems.append((root_s, None, f"library folder not reachable ({e.strerror}); "
                                               "its items are kept until it is back"))
            continue
        stack: list[tuple[str, str]] = [(root_s, "")]
        seen_dirs.add((st.st_dev, st.st_ino))
        while stack:
            dir_path, rel_dir = stack.pop()
            try:
                with os.scandir(dir_path) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as e:
                out.unreachable.append(dir_path)
                out.problems.append((dir_path, None, f"folder cannot be read ({e.strerror}); "
                                                     "its items are kept until it is readable"))
                continue
            subdirs: list[tuple[str, str]] = []
            for entry in entries:
                name = entry.name
                if is_hidden(name):
                    continue
                rel = f"{rel_dir}/{name}" if rel_dir else name
                try:
                    name.encode("utf-8")
                except UnicodeEncodeError:
                    out.problems.append((entry.path, None, "the name is not valid UTF-8; "
                                                           "rename it to index it"))
                    continue
                try:
                    is_dir = entry.is_dir(follow_symlinks=True)
                except OSError:
                    is_dir = False
                if is_dir:
                    if patterns and _excluded(name, rel, entry.path, patterns):
                        continue
                    if skip_s is not None and entry.path == skip_s:
                        continue
                    try:
                        dst = entry.stat(follow_symlinks=True)
                    except OSError as e:
                        out.problems.append((entry.path, None, f"folder cannot be read "
                                                               f"({e.strerror})"))
                        continue
                    key = (dst.st_dev, dst.st_ino)
                    if key in seen_dirs:  # a symlink loop, or a folder reached twice
                        continue
                    seen_dirs.add(key)
                    subdirs.append((entry.path, rel))
                    continue
                kind = kind_of(name)
                if kind is None:
                    if name[-4:].lower() == ".xmp":
                        out.sidecars.append(entry.path)
                    continue
                if patterns and _excluded(name, rel, entry.path, patterns):
                    continue
                try:
                    fst = entry.stat(follow_symlinks=True)
                except FileNotFoundError:
                    if entry.is_symlink():
                        out.problems.append((entry.path, kind, "broken link: the file it "
                                                               "points to does not exist"))
                    continue  # deleted between listing and stat
                except OSError as e:
                    out.problems.append((entry.path, kind, f"cannot be read ({e.strerror})"))
                    continue
                if not entry.is_file(follow_symlinks=True):
                    continue  # a pipe or device with a media name
                fkey = (fst.st_dev, fst.st_ino)
                if fkey in seen_files or entry.path in out.files:
                    continue
                seen_files.add(fkey)
                out.files[entry.path] = ScannedFile(entry.path, fst.st_size, fst.st_mtime_ns,
                                                    kind, folder_id)
            stack.extend(reversed(subdirs))
    return out


def content_hash(path: str | Path, size: int | None = None) -> str:
    """blake2b-128 of the content (of size and three 1 MiB samples above 8 MiB): finds a
    file again after a move or rename without reading whole long recordings."""
    block = 1 << 20
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        if size is None:
            size = os.fstat(f.fileno()).st_size
        if size <= 8 * block:
            while chunk := f.read(block):
                h.update(chunk)
        else:
            h.update(size.to_bytes(8, "little"))
            for offset in (0, size // 2, size - block):
                f.seek(offset)
                h.update(f.read(block))
    return h.hexdigest()
