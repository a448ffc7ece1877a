"""A Library: the folders a person chose, the store of their media's vectors, and
the jobs that keep the store in step with the disk."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import ModelMismatch, SynesthesiaError, UnreadableMedia
from core.library.lock import LibraryLock
from core.library.scan import ScannedFile, content_hash, scan
from core.library.segments import cut_sound, note_passages
from core.media import KINDS, load_audio, load_image, load_note
from core.store import FileError, FileState, MediaItem, SegmentRow, Store, VectorIndex

if TYPE_CHECKING:
    from core.search import Query, SearchResult

SAMPLE_RATE = 16000
IMAGE_DECODE_SIDE = 448  # twice the network's input: enough for its resize, 4-16x less work
MAX_SOUND_S = 3600.0  # longer recordings are indexed for their first hour (230 MB decoded)
BATCH = {"image": 32, "sound": 16, "note": 64}  # pieces per forward pass
READ_AHEAD = 64  # decoded files waiting for the model, at most


@dataclass(frozen=True)
class IndexProgress:
    """Where an indexing job is: ``done`` of ``total`` files in ``phase``; ``eta_s`` seconds."""

    done: int
    total: int
    eta_s: float | None
    current: Path | None
    phase: str  # "scanning" | "checking" | "embedding" | "saving"


@dataclass
class IndexReport:
    """What one indexing run changed."""

    added: int = 0
    updated: int = 0
    moved: int = 0
    copied: int = 0
    removed: int = 0
    failed: int = 0
    unchanged: int = 0
    sidecar_tags: int = 0  # keywords imported from XMP sidecars as accepted tags
    cancelled: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


@dataclass
class _Prepared:
    file: ScannedFile
    hash: str | None
    pieces: list = field(default_factory=list)
    segments: list[SegmentRow] = field(default_factory=list)
    duration_s: float | None = None
    error: str | None = None
    transient: bool = False  # an access problem, not the content: retried next run
    vanished: bool = False


class _Progress:
    def __init__(self, cb: Callable[[IndexProgress], Any] | None):
        self.cb = cb
        self.phase_start = time.monotonic()
        self.last = 0.0

    def phase(self, name: str, total: int) -> None:
        self.phase_start = time.monotonic()
        self.emit(name, 0, total, None, force=True)

    def emit(self, phase: str, done: int, total: int, current: Path | None,
             force: bool = False) -> None:
        if self.cb is None:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.1 and done < total:
            return
        self.last = now
        elapsed = now - self.phase_start
        eta = elapsed / done * (total - done) if done else None
        self.cb(IndexProgress(done, total, eta, current, phase))


def _cancel_check(cancel: Any) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if hasattr(cancel, "is_set"):
        return cancel.is_set
    return cancel


class Library:
    """A media library on disk: ``directory`` holds the SQLite store, the HNSW indexes
    and the lock. The model is passed in (tests pass a small one) or loaded on first use
    with ``core.model.load_model()``."""

    DB_NAME = "library.sqlite"
    exact_max: int | None = None  # vectors per kind searched exactly (None: the store default)

    def __init__(self, directory: str | Path, model: Any = None, read_only: bool = False,
                 wait_s: float = 0.0):
        self.directory = Path(directory).expanduser().absolute()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.read_only = read_only
        self._lock = LibraryLock(self.directory, shared=read_only, wait_s=wait_s)
        try:
            self.store = Store(self.directory / self.DB_NAME)
        except BaseException:
            self._lock.release()
            raise
        self._model = model
        self._model_guard = threading.Lock()
        self._indexes: dict[str, VectorIndex] = {}

    @classmethod
    def open(cls, directory: str | Path, model: Any = None, read_only: bool = False,
             wait_s: float = 0.0) -> Library:
        """Open (creating if needed) the library in ``directory``.

        Raises:
            LibraryBusy: another process holds it (after waiting ``wait_s`` seconds).
        """
        return cls(directory, model=model, read_only=read_only, wait_s=wait_s)

    def close(self) -> None:
        self.store.close()
        self._lock.release()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def model(self) -> Any:
        with self._model_guard:
            if self._model is None:
                from core.model import load_model

                self._model = load_model()
            return self._model

    def _writable(self) -> None:
        if self.read_only:
            raise SynesthesiaError(f"the library in {self.directory} was opened read-only")

    # -- folders -------------------------------------------------------------------------
    def add_folder(self, path: str | Path, exclude: list[str] | None = None) -> Path:
        """Add a folder (searched recursively) with glob patterns to leave out; returns it
        as stored (absolute)."""
        self._writable()
        p = Path(path).expanduser().absolute()
        if not p.is_dir():
            raise SynesthesiaError(f"{p} is not a folder; give the folder that holds your media")
        self.store.add_folder(p, list(exclude or []))
        return p

    def remove_folder(self, path: str | Path) -> bool:
        """Forget a folder; its items leave the index (files on disk are never touched)."""
        self._writable()
        p = Path(path).expanduser().absolute()
        ids = [fid for fid, fp, _ in self.store.folders() if fp == p]
        if not ids:
            return False
        with self.store.transaction() as c:
            gone = [r[0] for r in c.execute("SELECT id FROM files WHERE folder_id = ?",
                                            (ids[0],))]
            self.store.delete_files(gone, c)
            c.execute("DELETE FROM folders WHERE id = ?", (ids[0],))
        return True

    def folders(self) -> list[Path]:
        return [p for _, p, _ in self.store.folders()]

    # -- indexing ------------------------------------------------------------------------
    def index(self, progress: Callable[[IndexProgress], Any] | None = None,
              cancel: threading.Event | Callable[[], bool] | None = None) -> IndexReport:
        """Bring the store in step with the library folders: embed new and changed files,
        follow moved ones by content, drop deleted ones, record failures, and update the
        search indexes. Safe to kill at any point; the next run resumes.

        ``progress`` is called (from this thread) with IndexProgress at most every 0.1 s;
        ``cancel`` (an Event or a callable) stops the job after the current batch."""
        self._writable()
        t0 = time.monotonic()
        report = IndexReport()
        prog = _Progress(progress)
        cancelled = _cancel_check(cancel)
        model = self.model
        mid = model.model_id
        old_mid = self.store.get_meta("model_id")
        with self.store.transaction() as c:
            self.store.set_meta("model_id", mid, c)
            self.store.set_meta("dim", str(model.dim), c)
        if old_mid not in (None, mid):
            self._indexes.clear()

        prog.phase("scanning", 0)
        found = scan(self.store.folders(), skip=self.directory)
        states = self.store.file_states()
        fence = [u.rstrip(os.sep) + os.sep for u in found.unreachable]
        problem_paths = {p for p, _, _ in found.problems}
        folder_problems = [(p, r) for p, k, r in found.problems if k is None]
        self.store.set_meta("scan.problems", json.dumps(folder_problems))
        report.problems = [f"{p}: {r}" for p, r in folder_problems]

        new: list[ScannedFile] = []
        todo: list[ScannedFile] = []
        for path, f in found.files.items():
            st = states.get(path)
            if st is None:
                new.append(f)
            elif st.size != f.size or st.mtime_ns != f.mtime_ns or st.kind != f.kind:
                todo.append(f)
            elif not st.has_error and st.model_id != mid:
                todo.append(f)
            else:
                report.unchanged += 1
        vanished = {p: st for p, st in states.items()
                    if p not in found.files and p not in problem_paths
                    and not any(p.startswith(u) for u in fence)}

        with self.store.transaction() as c:
            for p, kind, reason in found.problems:
                known = states.get(p)
                if kind is not None and not (known is not None and known.has_error):
                    self.store.save_error(Path(p), None, kind, -1, 0, reason, c)
                    report.failed += 1

        # Moves and copies: a new path whose content the store already has.
        hashes: dict[str, str | None] = {}
        if new and (vanished or states):
            prog.phase("checking", len(new))
            by_hash_gone: dict[tuple[str, str], list[tuple[str, FileState]]] = {}
            for p, st in vanished.items():
                if st.content_hash and not st.has_error:
                    by_hash_gone.setdefault((st.content_hash, st.kind), []).append((p, st))
            present = {(st.content_hash, st.kind): st.id for p, st in states.items()
                       if p in found.files and st.content_hash and not st.has_error
                       and st.model_id == mid}
            with ThreadPoolExecutor(2) as pool:
                for i, (f, h) in enumerate(zip(new, pool.map(_safe_hash, new), strict=True)):
                    hashes[f.path] = h
                    prog.emit("checking", i + 1, len(new), Path(f.path))
            unmatched: list[ScannedFile] = []
            with self.store.transaction() as c:
                for f in new:
                    h = hashes[f.path]
                    gone = by_hash_gone.get((h, f.kind)) if h else None
                    if gone:
                        old_path, st = gone.pop()
                        del vanished[old_path]
                        self.store.move_file(st.id, Path(f.path), f.folder_id, f.size,
                                             f.mtime_ns, c)
                        report.moved += 1
                        if st.model_id != mid:
                            todo.append(f)
                    elif h and (h, f.kind) in present:
                        self.store.copy_vectors(present[(h, f.kind)], Path(f.path), f.folder_id,
                                                f.size, f.mtime_ns, c)
                        report.copied += 1
                    else:
                        unmatched.append(f)
            new = unmatched
        if vanished:
            with self.store.transaction() as c:
                self.store.delete_files([st.id for st in vanished.values()], c)
            report.removed += len(vanished)

        is_new = {f.path for f in new}
        work = new + todo
        if work:
            decoders, restore = _share_cores(model)
            try:
                self._embed(work, hashes, is_new, model, report, prog, cancelled, decoders)
            finally:
                restore()
        if not report.cancelled:
            self._import_sidecars(found, report)
            self.store.set_meta("last_index", str(time.time()))
        prog.phase("saving", len(KINDS))
        for i, kind in enumerate(KINDS):
            self._index_for(kind).sync()
            prog.emit("saving", i + 1, len(KINDS), None, force=True)
        report.seconds = time.monotonic() - t0
        return report

    def _import_sidecars(self, found: Any, report: IndexReport) -> None:
        """Keywords of XMP sidecars (``photo.jpg.xmp`` or ``photo.xmp``) become accepted
        tags; only items with a sidecar are looked at, unchanged sidecars are skipped."""
        if not found.sidecars:
            return
        from core.tagging.service import import_sidecar_keywords

        by_stem: dict[tuple[str, str], list[str]] = {}
        for p in found.files:
            d, name = os.path.split(p)
            by_stem.setdefault((d, os.path.splitext(name)[0]), []).append(p)
        media: set[str] = set()
        for x in found.sidecars:
            base = x[:-4]
            if base in found.files:
                media.add(base)
            d, name = os.path.split(base)
            media.update(by_stem.get((d, name), ()))
        ids = [i for p in media if (i := self._id_of(p)) is not None]
        if ids:
            sc = import_sidecar_keywords(self.store, item_ids=ids)
            report.sidecar_tags = sc.imported
            report.problems += [f"{p}: {r}" for p, r in sc.failed]

    def _id_of(self, path: str) -> int | None:
        rows = self.store.query("SELECT id FROM files WHERE path = ? AND error IS NULL", (path,))
        return rows[0][0] if rows else None

    def _prepare(self, f: ScannedFile, h: str | None) -> _Prepared:
        """Read, hash, decode and cut one file (runs in a worker thread)."""
        out = _Prepared(f, h)
        path = Path(f.path)
        try:
            if out.hash is None:
                out.hash = content_hash(path, f.size)
            if f.kind == "image":
                out.pieces = [load_image(path, max_side=IMAGE_DECODE_SIDE)]
                out.segments = [SegmentRow(0)]
            elif f.kind == "sound":
                wave = load_audio(path, SAMPLE_RATE, max_seconds=MAX_SOUND_S)
                out.duration_s = len(wave) / SAMPLE_RATE
                out.pieces, spans = cut_sound(wave, SAMPLE_RATE)
                out.segments = [SegmentRow(0, start_s=a, end_s=b) for a, b in spans]
            else:
                text = load_note(path)
                spans = note_passages(text)
                out.pieces = [text[a:b] for a, b in spans]
                out.segments = [SegmentRow(0, char_start=a, char_end=b) for a, b in spans]
        except UnreadableMedia as e:
            out.error = e.reason
            out.transient = isinstance(e.__cause__, OSError) and not isinstance(
                e.__cause__, IsADirectoryError)
        except FileNotFoundError:
            out.error = "the file no longer exists"
        except PermissionError:
            out.error = "permission denied; check the file's access rights"
            out.transient = True
        except OSError as e:
            out.error = f"cannot be read ({e.strerror or e})"
            out.transient = True
        except MemoryError:
            out.error = "too large to decode in the memory available"
        if not os.path.exists(path):  # deleted while we read it
            out.vanished = True
        return out

    def _embed(self, work: list[ScannedFile], hashes: dict[str, str | None], is_new: set[str],
               model: Any, report: IndexReport, prog: _Progress,
               cancelled: Callable[[], bool], decoders: int = 2) -> None:
        total = len(work)
        prog.phase("embedding", total)
        done = 0
        pending: dict[str, list[_Prepared]] = {k: [] for k in KINDS}
        queued: deque[Future[_Prepared]] = deque()
        encoders = {"image": model.encode_images, "sound": model.encode_sounds,
                    "note": model.encode_texts}
        mid = model.model_id

        def flush(kind: str) -> None:
            nonlocal done
            items = pending[kind]
            if not items:
                return
            pieces = [p for it in items for p in it.pieces]
            try:
                vecs = encoders[kind](pieces)
                per_item = []
                start = 0
                for it in items:
                    per_item.append(vecs[start:start + len(it.pieces)])
                    start += len(it.pieces)
            except SynesthesiaError:
                per_item = []  # find the culprit: one file at a time
                for it in items:
                    try:
                        per_item.append(encoders[kind](it.pieces))
                    except SynesthesiaError as e:
                        it.error = str(getattr(e, "reason", e))
                        per_item.append(None)
            with self.store.transaction() as c:
                for it, v in zip(items, per_item, strict=True):
                    f = it.file
                    if it.error is not None:
                        self.store.save_error(Path(f.path), f.folder_id, f.kind, f.size,
                                              f.mtime_ns, it.error, c)
                        report.failed += 1
                        continue
                    self.store.save_embedded(Path(f.path), f.folder_id, f.kind, f.size,
                                             f.mtime_ns, it.hash, it.duration_s, mid,
                                             it.segments, np.asarray(v, np.float32), c)
                    if f.path in is_new:
                        report.added += 1
                    else:
                        report.updated += 1
            done += len(items)
            pending[kind] = []
            prog.emit("embedding", done, total, Path(items[-1].file.path))

        def settle(p: _Prepared) -> None:
            nonlocal done
            f = p.file
            if p.vanished:
                with self.store.transaction() as c:
                    row = c.execute("SELECT id FROM files WHERE path = ?", (f.path,)).fetchone()
                    if row:
                        self.store.delete_files([row[0]], c)
                        report.removed += 1
                done += 1
                return
            if p.error is not None:
                with self.store.transaction() as c:
                    # size -1 for an access problem: the next scan sees a change and retries
                    self.store.save_error(Path(f.path), f.folder_id, f.kind,
                                          -1 if p.transient else f.size, f.mtime_ns, p.error, c)
                report.failed += 1
                done += 1
                prog.emit("embedding", done, total, Path(f.path))
                return
            pending[f.kind].append(p)
            if sum(len(x.pieces) for x in pending[f.kind]) >= BATCH[f.kind]:
                flush(f.kind)

        it = iter(work)
        with ThreadPoolExecutor(decoders, thread_name_prefix="decode") as pool:
            try:
                for f in it:
                    queued.append(pool.submit(self._prepare, f, hashes.get(f.path)))
                    if len(queued) >= READ_AHEAD:
                        break
                while queued:
                    if cancelled():
                        report.cancelled = True
                        break
                    settle(queued.popleft().result())
                    nxt = next(it, None)
                    if nxt is not None:
                        queued.append(pool.submit(self._prepare, nxt, hashes.get(nxt.path)))
                if not report.cancelled:
                    for kind in KINDS:
                        flush(kind)
            finally:
                for fut in queued:
                    fut.cancel()
        if report.cancelled:
            for kind in KINDS:  # decoded already: keep the work
                flush(kind)

    # -- queries -------------------------------------------------------------------------
    def _index_for(self, kind: str, model_id: str | None = None) -> VectorIndex:
        mid = model_id or self.store.get_meta("model_id")
        dim = int(self.store.get_meta("dim", "0") or 0)
        idx = self._indexes.get(kind)
        if idx is None or idx.model_id != mid:
            extra = {} if self.exact_max is None else {"exact_max": self.exact_max}
            idx = VectorIndex(self.directory, kind, self.store, mid or "", dim, **extra)
            self._indexes[kind] = idx
        return idx

    def vector_index(self, kind: str) -> VectorIndex:
        """The search structure for ``kind`` (image, sound, note), brought up to date."""
        idx = self._index_for(kind)
        idx.sync()
        return idx

    def search(self, query: Query, k: int = 20) -> list[SearchResult]:
        """The ``k`` items nearest to ``query``, best first (see ``core.search.Query``)."""
        from core.search import run_search

        model = self.model
        stored = self.store.get_meta("model_id")
        if stored is not None and stored != model.model_id:
            raise ModelMismatch(
                f"the library was indexed with model {stored}, but model {model.model_id} is "
                "loaded; run `synesthesia index` to re-embed it with the loaded model")
        return run_search(self, query, k)

    def item(self, item_id: int) -> MediaItem | None:
        return self.store.item(item_id)

    def errors(self) -> list[FileError]:
        """Files (and folders) that could not be indexed, with the reason."""
        out = self.store.errors()
        when = float(self.store.get_meta("last_index", "0") or 0)
        for p, r in json.loads(self.store.get_meta("scan.problems", "[]") or "[]"):
            out.append(FileError(Path(p), r, when))
        return out

    def stats(self) -> dict:
        """Counts and state for display: items per kind, errors, vectors, model, sizes."""
        counts = self.store.counts()
        mid = self.store.get_meta("model_id")
        stale = self.store.query("SELECT COUNT(*) FROM files WHERE error IS NULL AND "
                                 "(model_id IS NULL OR model_id != ?)", (mid or "",))[0][0]
        db_bytes = sum(p.stat().st_size for p in self.directory.glob(self.DB_NAME + "*"))
        idx_bytes = sum(p.stat().st_size for p in self.directory.glob("*.hnsw"))
        last = self.store.get_meta("last_index")
        return {
            "library": str(self.directory),
            "folders": [str(p) for p in self.folders()],
            "images": counts.get("images", 0), "sounds": counts.get("sounds", 0),
            "notes": counts.get("notes", 0), "segments": counts["segments"],
            "errors": len(self.errors()), "stale": stale,
            "model_id": mid, "dim": int(self.store.get_meta("dim", "0") or 0),
            "schema_version": self.store.schema_version,
            "database_bytes": db_bytes, "index_bytes": idx_bytes,
            "last_index": float(last) if last else None,
        }

    # -- health --------------------------------------------------------------------------
    def doctor(self, repair: bool = False) -> list[str]:
        """Check SQLite, the HNSW files and the files on disk against each other; with
        ``repair``, fix what can be fixed (rows of vanished files, orphan vectors,
        stale indexes). Returns one line per problem found (and what was done)."""
        if repair:
            self._writable()
        out: list[str] = []
        ok = self.store.query("PRAGMA quick_check")[0][0]
        if ok != "ok":
            out.append(f"SQLite integrity check failed: {ok}; restore a backup or delete "
                       f"{self.store.path} and index again")
            return out
        missing_tables = {"meta", "folders", "files", "segments", "tags"} - set(
            self.store.db.table_names())
        if missing_tables:
            out.append(f"the database lacks tables {sorted(missing_tables)}; delete "
                       f"{self.store.path} and index again")
            return out
        orphans = self.store.query("SELECT COUNT(*) FROM segments WHERE file_id NOT IN "
                                   "(SELECT id FROM files)")[0][0]
        if orphans:
            out.append(f"{orphans} vectors belong to no file")
            if repair:
                with self.store.transaction() as c:
                    c.execute("DELETE FROM segments WHERE file_id NOT IN (SELECT id FROM files)")
                    self.store._bump(c, KINDS)
                out[-1] += " (removed)"
        empty = self.store.query("SELECT id, path FROM files WHERE error IS NULL AND id NOT IN "
                                 "(SELECT file_id FROM segments)")
        if empty:
            out.append(f"{len(empty)} files have no vectors and no error")
            if repair:
                with self.store.transaction() as c:
                    self.store.delete_files([r[0] for r in empty], c)
                out[-1] += " (forgotten; the next index embeds them again)"
        dim = int(self.store.get_meta("dim", "0") or 0)
        if dim:
            bad = self.store.query("SELECT COUNT(*) FROM segments WHERE length(vector) != ?",
                                   (4 * dim,))[0][0]
            if bad:
                out.append(f"{bad} vectors have the wrong size")
                if repair:
                    with self.store.transaction() as c:
                        ids = [r[0] for r in c.execute(
                            "SELECT DISTINCT file_id FROM segments WHERE length(vector) != ?",
                            (4 * dim,))]
                        self.store.delete_files(ids, c)
                    out[-1] += " (their files will be embedded again)"
        fence = [p.rstrip(os.sep) + os.sep for p, _ in
                 json.loads(self.store.get_meta("scan.problems", "[]") or "[]")]
        missing = [(i, p) for i, p in self.store.query("SELECT id, path FROM files")
                   if not os.path.exists(p) and not any(p.startswith(f) for f in fence)]
        if missing:
            out.append(f"{len(missing)} indexed files no longer exist on disk")
            if repair:
                with self.store.transaction() as c:
                    self.store.delete_files([i for i, _ in missing], c)
                out[-1] += " (removed from the index)"
        mid = self.store.get_meta("model_id")
        if mid:
            for kind in KINDS:
                idx = self._index_for(kind)
                problems = idx.check()
                out += problems
                if problems and repair:
                    for f in (idx.file, idx.meta_file):
                        f.unlink(missing_ok=True)
                    self._indexes.pop(kind, None)
                    self._index_for(kind).sync()
                    out[-1] += " (rebuilt from SQLite)"
        for e in self.store.errors():
            out.append(f"cannot index {e.path}: {e.reason}")
        return out


def _share_cores(model: Any) -> tuple[int, Callable[[], None]]:
    """Split the CPU between decoding threads and the network's threads while indexing.

    Decoding and the network both want every core; oversubscribed, they slowed each other
    down (benchmarks/bench_index.py on 2 cores: 26 photos/s with 2 decoders + 2 torch
    threads, 38 with 2 + 1). Returns the number of decoders and how to undo the change."""
    cores = os.cpu_count() or 2
    decoders = max(2, min(4, cores // 2))
    if str(getattr(model, "device", "cpu")) != "cpu":
        return decoders, lambda: None
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, min(before, cores - decoders)))
    return decoders, lambda: torch.set_num_threads(before)


def _safe_hash(f: ScannedFile) -> str | None:
    try:
        return content_hash(f.path, f.size)
    except OSError:
        return None  # unreadable or gone: the embedding step records why
