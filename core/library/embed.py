"""The embed phase of indexing: decoder threads read ahead, the network embeds batches
of one kind, and each batch is saved in one transaction (a crash loses one batch).

While other programs leave the cores free, a batch runs on every core with the decoders
held back until it is done (they finish the file in hand): decoding and the network take
turns at the whole machine. Otherwise the network keeps to its budget's threads and the
decoders run beside it."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import SynesthesiaError
from core.library.decode import IMAGE_SIDE, Decoded, decode
from core.library.progress import IndexReport, Progress
from core.library.scan import ScannedFile
from core.library.threads import PACE, WATCH, torch_threads
from core.media import KINDS
from core.media.video import encode_pieces
from core.store import Store

BATCH = {"image": 32, "sound": 16, "note": 64, "video": 32}  # pieces per forward pass
# A smaller batch goes through the network when the next file is still being decoded: the
# network works instead of waiting (decode-bound sets: 12 MP photos), full batches otherwise.
MIN_BATCH = {"image": 8, "sound": 4, "note": 16, "video": 1}
READ_AHEAD = 64  # decoded files waiting for the model, at most
# Videos decoded ahead, at most: one holds up to 20 minutes of soundtrack (77 MB) until
# its pieces are embedded.
VIDEOS_AHEAD = 2


def encoders(model: Any) -> dict[str, Callable[[list], np.ndarray]]:
    """The network's encoder of each kind's pieces."""
    return {"image": model.encode_images, "sound": model.encode_sounds,
            "note": model.encode_texts, "video": lambda pieces: encode_pieces(model, pieces)}


def encode_items(encode: Callable[[list], np.ndarray], items: list[Decoded]
                 ) -> list[np.ndarray | None]:
    """Vectors per item of one kind in one forward pass; when the batch fails, one item at
    a time to find the culprit (its error is set and its vectors are None)."""
    try:
        vecs = encode([p for it in items for p in it.pieces])
    except SynesthesiaError:
        out: list[np.ndarray | None] = []
        for it in items:
            try:
                out.append(encode(it.pieces))
            except SynesthesiaError as e:
                it.error = str(getattr(e, "reason", e))
                out.append(None)
        return out
    bounds = np.cumsum([0] + [len(it.pieces) for it in items])
    return [vecs[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


class Embedder:
    """Embeds and saves ``work`` (files to add or update); counts into ``report``."""

    def __init__(self, store: Store, model: Any, report: IndexReport, progress: Progress,
                 cancelled: Callable[[], bool], decoders: int = 2,
                 idle_threads: int | None = None) -> None:
        self.store = store
        self.model = model
        self.report = report
        self.progress = progress
        self.cancelled = cancelled
        self.decoders = decoders
        self.idle_threads = idle_threads
        self.go = threading.Event()  # cleared while a batch runs on every core
        self.go.set()
        self.queued: deque[Future[Decoded]] = deque()
        self.kinds_queued: deque[str] = deque()
        self.image_side = getattr(model, "image_side", IMAGE_SIDE)
        self.encoders = encoders(model)
        self.pending: dict[str, list[Decoded]] = {k: [] for k in KINDS}
        self.done = 0
        self.total = 0
        self.is_new: set[str] = set()

    def run(self, work: list[ScannedFile], hashes: dict[str, str | None],
            is_new: set[str]) -> None:
        """Embed every file of ``work``; stops after the current file when cancelled, and
        still saves what was decoded."""
        self.total, self.is_new = len(work), is_new
        self.progress.phase("embedding", self.total)
        todo = deque(work)
        queued = self.queued
        with ThreadPoolExecutor(self.decoders, thread_name_prefix="decode") as pool:
            try:
                self._read_ahead(pool, todo, hashes)
                while queued:
                    if self.cancelled():
                        self.report.cancelled = True
                        break
                    if not queued[0].done():
                        self._flush_ready()
                    self.kinds_queued.popleft()
                    self._settle(queued.popleft().result())
                    self._read_ahead(pool, todo, hashes)
            finally:
                for fut in queued:
                    fut.cancel()
        for kind in KINDS:  # when cancelled too: decoded already, keep the work
            self._flush(kind)

    def _read_ahead(self, pool: ThreadPoolExecutor, todo: deque[ScannedFile],
                    hashes: dict[str, str | None]) -> None:
        """Hand the decoders files until READ_AHEAD wait, at most VIDEOS_AHEAD of them
        videos (a video waits behind others; the files after it go ahead)."""
        while len(self.queued) < READ_AHEAD and todo:
            videos = self.kinds_queued.count("video")
            pick = next((i for i, f in islice(enumerate(todo), READ_AHEAD)
                         if f.kind != "video" or videos < VIDEOS_AHEAD), None)
            if pick is None:
                return
            f = todo[pick]
            del todo[pick]
            self.kinds_queued.append(f.kind)
            self.queued.append(pool.submit(self._decode, f, hashes.get(f.path)))

    def _decode(self, f: ScannedFile, known_hash: str | None) -> Decoded:
        self.go.wait()  # a batch on every core: wait for its end
        return decode(f, known_hash, self.image_side)

    def _flush_ready(self) -> None:
        """Embed the kinds with at least MIN_BATCH pieces waiting."""
        for kind, items in self.pending.items():
            if sum(len(x.pieces) for x in items) >= MIN_BATCH[kind]:
                self._flush(kind)

    def _settle(self, d: Decoded) -> None:
        """A decoded file: forgotten when it vanished, recorded when it failed, else queued
        for its kind's next batch."""
        if self.settle_unread(d):
            return
        f = d.file
        self.pending[f.kind].append(d)
        if sum(len(x.pieces) for x in self.pending[f.kind]) >= BATCH[f.kind]:
            self._flush(f.kind)

    def settle_unread(self, d: Decoded) -> bool:
        """A file that could not be decoded: forgotten when it vanished, else its error
        recorded. False when it was decoded (it goes on to the network)."""
        f = d.file
        if d.vanished:
            with self.store.transaction() as c:
                if self.store.files.delete_path(f.path, c):
                    self.report.removed += 1
            self.done += 1
            return True
        if d.error is None:
            return False
        with self.store.transaction() as c:
            # size -1 for an access problem: the next scan sees a change and retries
            self.store.files.save_error(Path(f.path), f.folder_id, f.kind,
                                        -1 if d.transient else f.size, f.mtime_ns, d.error, c)
        self.report.failed += 1
        self.done += 1
        self.progress.emit("embedding", self.done, self.total, Path(f.path))
        return True

    def _encode(self, kind: str, items: list[Decoded]) -> list[np.ndarray | None]:
        """Vectors per item; when the batch fails, one item at a time to find the culprit
        (its error is set and its vectors are None)."""
        wide = (self.idle_threads is not None and PACE.wide_allowed(kind)
                and WATCH.cores_free())
        if wide:
            self.go.clear()
            self.report.wide_batches += 1
        t = time.perf_counter()
        try:
            with torch_threads(self.idle_threads if wide else None):
                return self._encode_items(kind, items)
        finally:
            self.go.set()
            PACE.record(kind, wide, time.perf_counter() - t, sum(len(x.pieces) for x in items))

    def _encode_items(self, kind: str, items: list[Decoded]) -> list[np.ndarray | None]:
        return encode_items(self.encoders[kind], items)

    def _flush(self, kind: str) -> None:
        items = self.pending[kind]
        if not items:
            return
        self.save(items, self._encode(kind, items))
        self.pending[kind] = []

    def save(self, items: list[Decoded], per_item: list[np.ndarray | None]) -> None:
        """Save one batch of embedded files (and the errors among them) in one transaction."""
        mid = self.model.model_id
        files = self.store.files
        with self.store.transaction() as c:
            for it, v in zip(items, per_item, strict=True):
                f = it.file
                if it.error is not None:
                    files.save_error(Path(f.path), f.folder_id, f.kind, f.size, f.mtime_ns,
                                     it.error, c)
                    self.report.failed += 1
                    continue
                files.save_embedded(Path(f.path), f.folder_id, f.kind, f.size, f.mtime_ns,
                                    it.hash, it.duration_s, mid, it.segments,
                                    np.asarray(v, np.float32), c)
                if f.path in self.is_new:
                    self.report.added += 1
                else:
                    self.report.updated += 1
        self.done += len(items)
        self.progress.emit("embedding", self.done, self.total, Path(items[-1].file.path))
