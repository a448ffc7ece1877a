"""The embed phase of an index job on a Ray cluster.

One worker (a Ray actor holding the network, ``core.cluster.worker.EmbedWorker``) runs on
each node of the cluster that offers a CPU, on its GPU when the node has one. The job
cuts its files into batches of one kind, keeps ``in_flight`` batches queued at every
worker, and saves each batch that comes back in one transaction, as the local embedder
does: a crash or a kill of the library process loses at most the batches in flight, and
the next run embeds what is not saved.

A worker that is lost (its machine stopped, its process killed) takes only its queued
batches with it: they are sent to the other workers (``retries`` times at most). When
no worker is left, new ones are started on the nodes still alive; when there are none,
or the connection to the cluster is lost, the phase ends with a problem in the report,
everything that came back is saved, and the next run goes on from there."""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from core.cluster import ClusterError, ClusterOptions
from core.cluster.worker import Embedded, EmbedWorker, WorkerInfo
from core.library.embed import Embedder
from core.library.progress import IndexReport, Progress
from core.library.scan import ScannedFile
from core.store import Store

# Files per batch sent to a worker. A batch is one kind; a worker's forward passes use
# the same sizes as the local embedder.
BATCH_FILES = {"image": 32, "sound": 16, "note": 64, "video": 2}
WAIT_S = 0.2  # how long to wait for a batch before looking at cancel again


def import_ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise ClusterError("indexing on a cluster needs Ray: install the `cluster` extra "
                           "(pip install 'synesthesia[cluster]')") from e
    return ray


@dataclass
class Batch:
    files: list[ScannedFile]
    hashes: list[str | None]
    attempts: int = 0


def batches(work: list[ScannedFile], hashes: dict[str, str | None]) -> list[Batch]:
    """``work`` cut into batches of one kind, in order within each kind."""
    by_kind: dict[str, list[ScannedFile]] = {}
    for f in work:
        by_kind.setdefault(f.kind, []).append(f)
    out = []
    for kind, files in by_kind.items():
        it = iter(files)
        while chunk := list(islice(it, BATCH_FILES.get(kind, 16))):
            out.append(Batch(chunk, [hashes.get(f.path) for f in chunk]))
    return out


@dataclass
class WorkerPool:
    """The cluster's workers: one actor per node that offers a CPU."""

    ray: Any
    options: ClusterOptions
    model_id: str
    checkpoint: Any = None  # the checkpoint's bytes in the object store, or None
    actors: dict[Any, WorkerInfo] = field(default_factory=dict)
    queued: dict[Any, int] = field(default_factory=dict)
    starts: int = 0

    def start(self) -> list[str]:
        """One worker on each live node with a CPU and without a worker of this job;
        returns why some could not start. Raises ClusterError when none could."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        ray = self.ray
        self.starts += 1
        busy = {info.node_id for info in self.actors.values()}
        nodes = [n for n in ray.nodes() if n.get("Alive") and n["NodeID"] not in busy
                 and n.get("Resources", {}).get("CPU", 0) >= 1]
        if self.options.workers is not None:
            nodes = nodes[:max(0, self.options.workers - len(self.actors))]
        remote = ray.remote(EmbedWorker)
        made = {}
        for n in nodes:
            res = n["Resources"]
            actor = remote.options(
                num_cpus=1, num_gpus=1 if res.get("GPU", 0) >= 1 else 0,
                scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False),
                max_restarts=0, max_task_retries=0,
            ).remote(self.checkpoint, int(res["CPU"]))
            made[actor.info.remote()] = (actor, n["NodeID"])
        errors = self._await_ready(made)
        if not self.actors:
            where = "; ".join(errors) if errors else "it has no node with a CPU"
            raise ClusterError(f"no worker of the Ray cluster at {self.options.address} "
                               f"could start: {where}")
        return errors

    def _await_ready(self, made: dict[Any, tuple[Any, str]]) -> list[str]:
        ray = self.ray
        ready, pending = ray.wait(list(made), num_returns=len(made),
                                  timeout=self.options.start_timeout_s)
        errors = []
        for ref in ready:
            actor, node_id = made[ref]
            try:
                info: WorkerInfo = ray.get(ref)
            except ray.exceptions.RayError as e:
                errors.append(f"a worker failed to load the network ({_first_line(e)}); "
                              "every worker needs synesthesia installed, the same version")
                continue
            if info.model_id != self.model_id:
                errors.append(f"the worker on {info.node} has network {info.model_id}, "
                              f"the library {self.model_id}")
                ray.kill(actor)
                continue
            self.actors[actor] = WorkerInfo(info.node, info.model_id, info.device,
                                            info.cores, node_id)
            self.queued[actor] = 0
        for ref in pending:
            ray.kill(made[ref][0])
            errors.append(f"a worker did not start in {self.options.start_timeout_s:.0f} s")
        return errors

    def with_room(self) -> list[Any]:
        return [a for a in self.actors if self.queued[a] < self.options.in_flight]

    def drop(self, actor: Any) -> None:
        if self.actors.pop(actor, None) is not None:
            self.queued.pop(actor, None)
            try:
                self.ray.kill(actor)
            except Exception:  # noqa: BLE001 - already gone with its node
                pass

    def close(self) -> None:
        for actor in list(self.actors):
            self.drop(actor)


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[-1] if text else type(e).__name__


class ClusterEmbedder(Embedder):
    """``Embedder`` whose decoding and network run on a Ray cluster's workers; saving
    (and every write) stays in this process."""

    def __init__(self, store: Store, model: Any, report: IndexReport, progress: Progress,
                 cancelled: Any, options: ClusterOptions) -> None:
        super().__init__(store, model, report, progress, cancelled)
        self.options = options

    def run(self, work: list[ScannedFile], hashes: dict[str, str | None],
            is_new: set[str]) -> None:
        ray = import_ray()
        self.total, self.is_new = len(work), is_new
        self.progress.phase("embedding", self.total)
        t0 = time.monotonic()
        owned = not ray.is_initialized()
        if owned:
            self._connect(ray)
        pool = WorkerPool(ray, self.options, self.model.model_id)
        try:
            if self.options.checkpoint is not None:
                pool.checkpoint = ray.put(self.options.checkpoint.read_bytes())
            self.report.problems += [f"cluster: {e}" for e in pool.start()]
            self.report.cluster_workers = len(pool.actors)
            self.report.cluster_start_s = time.monotonic() - t0
            self._dispatch(ray, pool, deque(batches(work, hashes)))
        finally:
            try:
                pool.close()
            finally:
                if owned:
                    ray.shutdown()

    def _connect(self, ray: Any) -> None:
        try:
            ray.init(address=self.options.address, namespace="synesthesia",
                     log_to_driver=False, logging_level="ERROR")
        except (ConnectionError, RuntimeError, ValueError, TimeoutError) as e:
            raise ClusterError(f"cannot reach the Ray cluster at {self.options.address}: "
                               f"{_first_line(e)}") from e

    def _dispatch(self, ray: Any, pool: WorkerPool, todo: deque[Batch]) -> None:
        """Keep the workers busy with ``todo``; save each batch as it comes back."""
        in_flight: dict[Any, tuple[Any, Batch]] = {}
        try:
            while todo or in_flight:
                if self.cancelled():
                    self.report.cancelled = True
                    break
                for actor in pool.with_room():
                    if not todo:
                        break
                    b = todo.popleft()
                    in_flight[actor.embed.remote(b.files, b.hashes)] = (actor, b)
                    pool.queued[actor] += 1
                if not in_flight:  # every worker was lost: start new ones
                    if pool.starts > self.options.retries:
                        raise ClusterError("no worker of the cluster is left")
                    self.report.problems += [f"cluster: {e}" for e in pool.start()]
                    continue
                ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=WAIT_S)
                for ref in ready:
                    actor, b = in_flight.pop(ref)
                    self._collect(ray, pool, actor, ref, b, todo)
        except (ClusterError, ray.exceptions.RayError, ConnectionError) as e:
            left = sum(len(b.files) for b in todo) + sum(len(b.files) for _, b in
                                                          in_flight.values())
            self.report.problems.append(
                f"indexing on the cluster stopped ({_first_line(e)}); {left} files were not "
                "embedded: run the index again to embed them")
        finally:
            for ref in in_flight:  # queued at a worker: not started, or its result unused
                try:
                    ray.cancel(ref, force=False)
                except (ray.exceptions.RayError, ValueError, TypeError):
                    pass  # already finished, or its worker is gone

    def _collect(self, ray: Any, pool: WorkerPool, actor: Any, ref: Any, b: Batch,
                 todo: deque[Batch]) -> None:
        info = pool.actors.get(actor)
        if actor in pool.queued:
            pool.queued[actor] -= 1
        try:
            results: list[Embedded] = ray.get(ref)
        except ray.exceptions.RayError as e:
            if not isinstance(e, ray.exceptions.RayTaskError):
                pool.drop(actor)  # the worker (or its machine) is gone
            b.attempts += 1
            if b.attempts <= self.options.retries:
                todo.appendleft(b)
                self.report.cluster_resent += 1
            else:
                self.report.problems.append(
                    f"{len(b.files)} files could not be embedded on the cluster "
                    f"({_first_line(e)}); the next run tries them again")
            return
        self._save_results(results, info.node if info else "a cluster worker")

    def _save_results(self, results: list[Embedded], node: str) -> None:
        ok, vectors = [], []
        for e in results:
            d = e.decoded
            if e.missing and os.path.exists(d.file.path):
                d.vanished = False
                d.transient = True  # retried by the next run
                d.error = (f"the cluster worker on {node} cannot see this file at this "
                           "path; every worker must reach the library folders at the same "
                           "path (a shared folder, or a NAS mounted at the same place)")
            if self.settle_unread(d):
                continue
            ok.append(d)
            vectors.append(e.vectors)
        if ok:
            self.save(ok, vectors)
