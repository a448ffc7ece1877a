"""Walking library folders: recursive, exclusions, hidden and OS files skipped,
symlinks followed without loops, nothing but ``scandir`` and ``stat``."""

from __future__ import annotations

import fnmatch
import hashlib
import operator
import os
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from core.media.kinds import EXTENSION_KINDS

# Files and folders that operating systems and NAS boxes scatter into media folders. None
# has a media extension: the walker tests a file's extension first and skips this set then.
OS_JUNK = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini", "$recycle.bin",
                     "system volume information", "@eadir", "__macosx", "lost+found",
                     ".ds_store", "icon\r"})


_NAME = operator.attrgetter("name")
_SIZE, _MTIME, _KIND = operator.itemgetter(1), operator.itemgetter(2), operator.itemgetter(3)


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
    cancelled: bool = False  # stopped early: the lists are incomplete


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


def scan(folders: list[tuple[int, Path, list[str]]], skip: Path | None = None,
         cancel: Callable[[], bool] | None = None) -> ScanResult:
    """Every media file under ``folders`` ((id, path, exclude globs) each).

    A glob is matched against the file or folder name and against its path relative
    to the library folder (``/`` separators); an absolute path excludes that folder.
    ``skip`` (the library's own folder) is never entered. A file reached twice (two
    library folders, or a symlink) is listed once, at the first path found. ``cancel``
    is asked between folders; the result then says ``cancelled`` and is incomplete.
    """
    walker = _Walker(str(skip) if skip is not None else None, cancel or (lambda: False))
    for folder_id, root, patterns in folders:
        if not walker.walk(folder_id, str(root), patterns):
            break
    return walker.out


class _Walker:
    """One scan: the result so far and the folders and files already seen (by device and
    inode, so symlink loops and files reached twice are skipped)."""

    def __init__(self, skip: str | None, cancel: Callable[[], bool]) -> None:
        self.out = ScanResult()
        self.skip = skip
        self.cancel = cancel
        self.seen_dirs: set[tuple[int, int]] = set()
        self.seen_files: set[int | tuple[int, int]] = set()  # inode, or (device, inode)
        self.dev = -1  # the device of the first library folder

    def walk(self, folder_id: int, root: str, patterns: list[str]) -> bool:
        """Scan one library folder; False when cancelled."""
        try:
            st = os.stat(root)
        except OSError as e:
            self.out.unreachable.append(root)
            self.out.problems.append((root, None, f"library folder not reachable ({e.strerror}); "
                                                  "its items are kept until it is back"))
            return True
        if self.dev == -1:
            self.dev = st.st_dev
        stack: list[tuple[str, str]] = [(root, "")]
        self.seen_dirs.add((st.st_dev, st.st_ino))
        while stack:
            if self.cancel():
                self.out.cancelled = True
                return False
            dir_path, rel_dir = stack.pop()
            stack.extend(reversed(self._folder(folder_id, dir_path, rel_dir, patterns)))
        return True

    def _folder(self, folder_id: int, dir_path: str, rel_dir: str, patterns: list[str]
                ) -> list[tuple[str, str]]:
        """Record the media files of one folder; returns its subfolders to walk. The loop
        runs for every file of the library: names are tested cheapest first, and no media
        extension is an OS file's (a media file is never junk, see OS_JUNK)."""
        try:
            with os.scandir(dir_path) as it:
                entries = sorted(it, key=_NAME)
        except OSError as e:
            self.out.unreachable.append(dir_path)
            self.out.problems.append((dir_path, None, f"folder cannot be read ({e.strerror}); "
                                                      "its items are kept until it is readable"))
            return []
        subdirs: list[tuple[str, str]] = []
        kinds, files, seen, dev = EXTENSION_KINDS, self.out.files, self.seen_files, self.dev
        for entry in entries:
            name = entry.name
            if name[0] == "." or not (name.isascii() or _utf8(name)):
                if name[0] != ".":
                    self.out.problems.append((entry.path, None, "the name is not valid "
                                                                "UTF-8; rename it to index it"))
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if name.lower() not in OS_JUNK:
                    sub = self._subfolder(entry, f"{rel_dir}/{name}" if rel_dir else name,
                                          patterns)
                    if sub is not None:
                        subdirs.append(sub)
                continue
            dot = name.rfind(".")
            kind = kinds.get(name[dot:].lower()) if dot > 0 else None
            if kind is None:
                if name[-4:].lower() == ".xmp":
                    self.out.sidecars.append(entry.path)
                continue
            path = entry.path
            if patterns and _excluded(name, f"{rel_dir}/{name}" if rel_dir else name, path,
                                      patterns):
                continue
            fst = self._stat(entry, kind)
            if fst is None or fst.st_mode & 0o170000 != 0o100000:
                continue  # gone, unreadable, or a pipe or device with a media name
            # one int per file where the folder's device holds it (no tuple to make)
            fkey = fst.st_ino if fst.st_dev == dev else (fst.st_dev, fst.st_ino)
            if fkey in seen or path in files:
                continue
            seen.add(fkey)
            # tuple.__new__: NamedTuple's own __new__ is Python code, 100k calls
            files[path] = _new(ScannedFile, (path, fst.st_size, fst.st_mtime_ns, kind, folder_id))
        return subdirs

    def _subfolder(self, entry: os.DirEntry, rel: str, patterns: list[str]
                   ) -> tuple[str, str] | None:
        if patterns and _excluded(entry.name, rel, entry.path, patterns):
            return None
        if self.skip is not None and entry.path == self.skip:
            return None
        try:
            dst = entry.stat()
        except OSError as e:
            self.out.problems.append((entry.path, None, f"folder cannot be read ({e.strerror})"))
            return None
        key = (dst.st_dev, dst.st_ino)
        if key in self.seen_dirs:  # a symlink loop, or a folder reached twice
            return None
        self.seen_dirs.add(key)
        return entry.path, rel

    def _stat(self, entry: os.DirEntry, kind: str) -> os.stat_result | None:
        try:
            return entry.stat()
        except FileNotFoundError:
            if entry.is_symlink():
                self.out.problems.append((entry.path, kind, "broken link: the file it points "
                                                            "to does not exist"))
            return None  # deleted between listing and stat
        except OSError as e:
            self.out.problems.append((entry.path, kind, f"cannot be read ({e.strerror})"))
            return None


_new = tuple.__new__


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def scan_digest(files: dict[str, ScannedFile]) -> str:
    """A digest of what a scan found (paths, sizes, times and kinds, in the scan's order):
    equal digests, equal scans. Bulk operations only: 100k files in a few milliseconds."""
    values = files.values()
    h = hashlib.blake2b(digest_size=20)
    h.update("\0".join(files).encode("utf-8", "surrogateescape"))
    h.update(array("q", map(_SIZE, values)).tobytes())
    h.update(array("q", map(_MTIME, values)).tobytes())
    h.update("\0".join(map(_KIND, values)).encode())
    return h.hexdigest()


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
