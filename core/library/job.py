"""An indexing run as a job with one method per phase:

    scan -> reconcile (moves and copies found by content) -> embed -> describe (dates,
    places, words) -> save (search indexes)

Each phase checks ``cancel``; a cancelled scan or reconcile changes nothing, a cancelled
embed keeps the batches already decoded, a cancelled save leaves the indexes it did not
reach to be caught up by the next search or run. Safe to kill at any point: the next
run resumes."""

from __future__ import annotations

import gc
import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.library.decode import safe_hash
from core.library.embed import Embedder
from core.library.progress import IndexProgress, IndexReport, Progress, cancel_check
from core.library.scan import ScannedFile, ScanResult, scan, scan_digest
from core.library.threads import ThreadBudget, torch_threads
from core.media import KINDS
from core.store import FileState, Store, VectorIndexes


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a phase that makes many small acyclic
    objects (reference counting still frees them)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@dataclass
class ScanPlan:
    """What the scan found against what the store knows."""

    found: ScanResult
    states: dict[str, FileState]
    new: list[ScannedFile] = field(default_factory=list)  # paths the store does not know
    changed: list[ScannedFile] = field(default_factory=list)  # known, to embed again
    vanished: dict[str, FileState] = field(default_factory=dict)  # known, gone from disk
    in_step: bool = False  # the store was found in step with the scan: nothing to do


@dataclass
class EmbedWork:
    """The files the embed phase gets, with the hashes the reconcile phase computed."""

    files: list[ScannedFile]
    hashes: dict[str, str | None]
    new: set[str]


class IndexJob:
    """One run that brings ``store`` in step with the library folders on disk.

    The model, the store, the search indexes and the thread budget are passed in; the job
    does not touch anything process-wide. ``progress`` is called (from the job's thread)
    with IndexProgress at most every 0.1 s; ``cancel`` (an Event or a callable) stops the
    job in any phase."""

    def __init__(self, store: Store, model: Any, indexes: VectorIndexes, library_dir: Path,
                 progress: Callable[[IndexProgress], Any] | None = None, cancel: Any = None,
                 budget: ThreadBudget | None = None, cluster: Any = None) -> None:
        self.store = store
        self.model = model
        self.indexes = indexes
        self.library_dir = library_dir
        self.progress = Progress(progress)
        self.cancelled = cancel_check(cancel)
        self.budget = budget or ThreadBudget.for_machine(model)
        self.report = IndexReport()
        self.cluster = cluster  # core.cluster.ClusterOptions: embed on a Ray cluster

    def run(self) -> IndexReport:
        """All phases in order; returns what changed."""
        t0 = time.monotonic()
        self.begin()
        plan = self.scan()
        work = self.reconcile(plan) if plan is not None else None
        if work is not None and work.files:
            with torch_threads(self.budget.model):
                self.embed(work)
        if plan is not None and not self.report.cancelled:
            self.import_sidecars(plan.found)
            self.describe()
            self.store.meta.set("last_index", str(time.time()))
        self.save()
        if plan is not None and not plan.in_step and not self.report.cancelled:
            self._remember_if_in_step(plan.found)
        self.report.seconds = time.monotonic() - t0
        return self.report

    def _stop(self) -> bool:
        if self.report.cancelled or self.cancelled():
            self.report.cancelled = True
        return self.report.cancelled

    def begin(self) -> None:
        """Record the model the vectors will come from; a new one means a re-embed."""
        mid = self.model.model_id
        old = self.store.meta.get("model_id")
        with self.store.transaction() as c:
            self.store.meta.set("model_id", mid, c)
            self.store.meta.set("dim", str(self.model.dim), c)
        if old not in (None, mid):
            self.indexes.forget()

    # -- scan ------------------------------------------------------------------------------
    def scan(self) -> ScanPlan | None:
        """Walk the folders and sort what is there into new, changed and vanished; record
        files that cannot be read. None when cancelled (nothing was changed)."""
        self.progress.phase("scanning", 0)
        with _gc_paused():  # 100k small objects: collections would walk torch's heap too
            found = scan(self.store.files.folders(), skip=self.library_dir,
                         cancel=self.cancelled)
            if found.cancelled or self._stop():
                return None
            plan = self._unchanged(found)
            if plan is None:
                plan = ScanPlan(found, self.store.files.states())
                self._sort(plan)
        folder_problems = [(p, r) for p, k, r in found.problems if k is None]
        self.store.meta.set("scan.problems", json.dumps(folder_problems))
        self.report.problems = [f"{p}: {r}" for p, r in folder_problems]
        with self.store.transaction() as c:
            for p, kind, reason in found.problems:
                known = plan.states.get(p)
                if kind is not None and not (known is not None and known.has_error):
                    self.store.files.save_error(Path(p), None, kind, -1, 0, reason, c)
                    self.report.failed += 1
        return plan

    def _unchanged(self, found: ScanResult) -> ScanPlan | None:
        """An empty plan when every file found is one the store knows with the same size,
        time and kind, and the store knows no other; None when anything differs. Both in
        bulk: the scan's digest against the one recorded when the store was last found in
        step with the disk (valid while the store's change counter has not moved since),
        else the store's keys as one set against the scanned files."""
        if found.problems or found.unreachable:
            return None
        mark = self._in_step_mark(found)
        if mark is None or self.store.meta.get("scan.in_step") != mark:
            if not self._in_step(found):
                return None
            self._remember_if_in_step(found, checked=True)
        self.report.unchanged += len(found.files)
        return ScanPlan(found, {}, in_step=True)

    def _in_step_mark(self, found: ScanResult) -> str | None:
        changes = self.store.meta.changes()
        if changes is None:
            return None
        return f"{self.model.model_id}:{changes}:{scan_digest(found.files)}"

    def _in_step(self, found: ScanResult) -> bool:
        """The store's (path, size, mtime, kind) keys as one set against the scan's files."""
        keys, known = self.store.files.scan_keys(self.model.model_id)
        files = found.files
        return known == len(keys) == len(files) and keys.issuperset(f[:4] for f in files.values())

    def _remember_if_in_step(self, found: ScanResult, checked: bool = False) -> None:
        """Record the scan's digest when the store is in step with it (after a run that
        changed it: checked once here, so the next re-scan of the same disk is quick)."""
        if found.problems or found.unreachable or found.cancelled:
            return
        with _gc_paused():
            if not (checked or self._in_step(found)):
                return
            mark = self._in_step_mark(found)
        if mark is not None:
            self.store.meta.set("scan.in_step", mark)

    def _sort(self, plan: ScanPlan) -> None:
        mid = self.model.model_id
        files = plan.found.files
        for path, f in files.items():
            st = plan.states.get(path)
            if st is None:
                plan.new.append(f)
            elif st.size != f.size or st.mtime_ns != f.mtime_ns or st.kind != f.kind:
                plan.changed.append(f)
            elif not st.has_error and st.model_id != mid:
                plan.changed.append(f)
            else:
                self.report.unchanged += 1
        fence = [u.rstrip(os.sep) + os.sep for u in plan.found.unreachable]
        problem_paths = {p for p, _, _ in plan.found.problems}
        plan.vanished = {p: st for p, st in plan.states.items()
                         if p not in files and p not in problem_paths
                         and not any(p.startswith(u) for u in fence)}

    # -- reconcile -------------------------------------------------------------------------
    def reconcile(self, plan: ScanPlan) -> EmbedWork | None:
        """Follow moved files and copies by content (their vectors are kept or shared), then
        forget the files that are gone. None when cancelled (nothing was changed)."""
        hashes: dict[str, str | None] = {}
        new = plan.new
        if new and plan.states:
            hashes = self._hash(new)
            if hashes is None:
                return None
            new = self._follow(plan, hashes)
        if plan.vanished:
            with self.store.transaction() as c:
                self.store.files.delete([st.id for st in plan.vanished.values()], c)
            self.report.removed += len(plan.vanished)
        return EmbedWork(new + plan.changed, hashes, {f.path for f in new})

    def _hash(self, new: list[ScannedFile]) -> dict[str, str | None] | None:
        self.progress.phase("checking", len(new))
        hashes: dict[str, str | None] = {}
        with ThreadPoolExecutor(self.budget.decoders) as pool:
            results = pool.map(safe_hash, new)
            for i, (f, h) in enumerate(zip(new, results, strict=True)):
                if self._stop():
                    pool.shutdown(cancel_futures=True)
                    return None
                hashes[f.path] = h
                self.progress.emit("checking", i + 1, len(new), Path(f.path))
        return hashes

    def _follow(self, plan: ScanPlan, hashes: dict[str, str | None]) -> list[ScannedFile]:
        """Moves and copies among the new paths; returns the new files left to embed."""
        mid = self.model.model_id
        gone: dict[tuple[str, str], list[tuple[str, FileState]]] = {}
        for p, st in plan.vanished.items():
            if st.content_hash and not st.has_error:
                gone.setdefault((st.content_hash, st.kind), []).append((p, st))
        present = {(st.content_hash, st.kind): st.id for p, st in plan.states.items()
                   if p in plan.found.files and st.content_hash and not st.has_error
                   and st.model_id == mid}
        unmatched: list[ScannedFile] = []
        files = self.store.files
        with self.store.transaction() as c:
            for f in plan.new:
                h = hashes[f.path]
                moved_from = gone.get((h, f.kind)) if h else None
                if moved_from:
                    old_path, st = moved_from.pop()
                    del plan.vanished[old_path]
                    files.move(st.id, Path(f.path), f.folder_id, f.size, f.mtime_ns, c)
                    self.report.moved += 1
                    if st.model_id != mid:
                        plan.changed.append(f)
                elif h and (h, f.kind) in present:
                    files.copy(present[(h, f.kind)], Path(f.path), f.folder_id, f.size,
                               f.mtime_ns, c)
                    self.report.copied += 1
                else:
                    unmatched.append(f)
        return unmatched

    # -- embed -----------------------------------------------------------------------------
    def embed(self, work: EmbedWork) -> None:
        """Decode, embed and save the new and changed files, batch by batch: here, or on
        the workers of a Ray cluster (``cluster``), saved here all the same."""
        if self.cluster is not None:
            from core.cluster.embedder import ClusterEmbedder

            embedder: Embedder = ClusterEmbedder(self.store, self.model, self.report,
                                                 self.progress, self.cancelled, self.cluster)
        else:
            embedder = Embedder(self.store, self.model, self.report, self.progress,
                                self.cancelled, self.budget.decoders, self.budget.model_idle)
        embedder.run(work.files, work.hashes, work.new)

    def import_sidecars(self, found: ScanResult) -> None:
        """Keywords of XMP sidecars (``photo.jpg.xmp`` or ``photo.xmp``) become accepted
        tags; only items with a sidecar are looked at, unchanged sidecars are skipped."""
        if not found.sidecars:
            return
        from core.tagging.sidecars import import_sidecar_keywords

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
        ids = [i for p in media if (i := self.store.files.indexed_id(p)) is not None]
        if ids:
            sc = import_sidecar_keywords(self.store, item_ids=ids)
            self.report.sidecar_tags = sc.imported
            self.store.details.mark_stale(sc.read_items)  # their titles and descriptions
            self.report.problems += [f"{p}: {r}" for p, r in sc.failed]

    def describe(self) -> None:
        """Read what new, changed and moved files say about themselves (and what files
        indexed before the library kept details say): dates, cameras, places, words."""
        from core.library.describe import describe

        meta = self.store.meta
        done = meta.changes()  # nothing changed since describe last found nothing to do
        if done is not None and meta.get("scan.described") == done:
            return
        self.report.described = describe(self.store, self.progress, self._stop,
                                          self.budget.decoders)
        if self.report.described == 0 and not self.report.cancelled and done is not None:
            meta.set("scan.described", done)

    # -- save ------------------------------------------------------------------------------
    def save(self) -> None:
        """Bring each kind's search index up to date and swap it in. When cancelled, the
        kinds not reached are dropped from memory: the next search loads them afresh."""
        self.progress.phase("saving", len(KINDS))
        for i, kind in enumerate(KINDS):
            if self.cancelled():
                self.report.cancelled = True
                for rest in KINDS[i:]:
                    self.indexes.forget(rest)
                return
            made = self.indexes.refresh(kind, threads=self.budget.graph)
            if made.not_saved:  # a full disk: searches still work, from memory
                self.report.problems.append(
                    f"the {kind} search index could not be saved ({made.not_saved}); "
                    "searches use it from memory, the next index or doctor --repair saves it")
            self.progress.emit("saving", i + 1, len(KINDS), None, force=True)
