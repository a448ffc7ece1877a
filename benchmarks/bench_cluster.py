"""Indexing on a Ray cluster against the plain local pipeline, in one run: the same
folder indexed into fresh libraries on this machine, then through a local Ray cluster
(tests/ray_cluster.py: loopback, a head without CPUs, worker nodes of one CPU each) with
1 and 2 workers; and the Ray overhead per batch: one batch embedded by a worker through
Ray (submit -> vectors back here) against the same batch embedded by the same worker code
in this process, and an empty batch's round trip.

On one 2-core machine the cluster cannot be faster than the local pipeline (its workers
share the same two cores): what this measures is the overhead, and the per-worker rate
the scaling model in docs/benchmarks.md starts from.

    nice python -m benchmarks.bench_cluster [--photos 192] [--notes 512]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.bench_index import make_data
from benchmarks.common import model_for_bench, save, table


def index_rate(model, folder: Path, cluster=None) -> dict:
    from core.library import Library

    with tempfile.TemporaryDirectory() as tmp:
        with Library.open(Path(tmp) / "lib", model=model) as lib:
            lib.add_folder(folder)
            t = time.perf_counter()
            r = lib.index(cluster=cluster)
            dt = time.perf_counter() - t
            saves = time.perf_counter()
            lib.index()  # nothing to do: the re-scan alone, for the writer's share
            rescan = time.perf_counter() - saves
    assert r.failed == 0 and not r.problems, r
    # the steady rate leaves out connecting and the workers' loading of the network
    return {"files": r.added, "seconds": dt, "files_per_s": r.added / dt,
            "start_s": r.cluster_start_s,
            "steady_files_per_s": r.added / (dt - r.cluster_start_s),
            "workers": r.cluster_workers, "rescan_s": rescan}


def batch_overhead(address: str, folder: Path, repeat: int = 7) -> dict:
    """Median seconds of one batch through Ray against the same batch in this process."""
    import os

    import ray

    from core.cluster.embedder import BATCH_FILES
    from core.cluster.worker import EmbedWorker
    from core.library.scan import ScannedFile

    names = sorted(os.listdir(folder))[:BATCH_FILES["image"]]
    files = [ScannedFile(str(folder / n), (folder / n).stat().st_size, 0, "image", 1)
             for n in names]
    hashes = [None] * len(files)
    here = EmbedWorker(None, cores=1)
    here.embed(files, hashes)
    ray.init(address=address, log_to_driver=False, logging_level="ERROR")
    try:
        actor = ray.remote(EmbedWorker).options(num_cpus=1).remote(None, 1)
        ray.get(actor.info.remote())
        ray.get(actor.embed.remote(files, hashes))
        local, remote, empty = [], [], []
        for _ in range(repeat):  # interleaved: a burst of other work hits both alike
            t = time.perf_counter()
            here.embed(files, hashes)
            local.append(time.perf_counter() - t)
            t = time.perf_counter()
            ray.get(actor.embed.remote(files, hashes))
            remote.append(time.perf_counter() - t)
            t = time.perf_counter()
            ray.get(actor.embed.remote([], []))
            empty.append(time.perf_counter() - t)
        ray.kill(actor)
    finally:
        ray.shutdown()
    med = statistics.median
    return {"batch_files": len(files), "in_process_s": med(local), "through_ray_s": med(remote),
            "overhead_s": med(remote) - med(local), "empty_round_trip_s": med(empty)}


def writer_rate(n: int = 5000, dim: int = 384, batch: int = 32) -> float:
    """Files per second the library process saves (one vector each, a transaction per
    batch, as the embed phase saves what workers send back)."""
    import numpy as np

    from core.store import SegmentRow, Store

    vec = np.random.default_rng(0).standard_normal((n, dim)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "lib.sqlite")
        store.files.add_folder(Path(tmp), [])
        fid = store.files.folders()[0][0]
        t = time.perf_counter()
        for start in range(0, n, batch):
            with store.transaction() as c:
                for i in range(start, min(n, start + batch)):
                    store.files.save_embedded(Path(tmp) / f"f{i}.jpg", fid, "image", 1000, i,
                                              f"h{i}", None, "bench", [SegmentRow(0)],
                                              vec[i:i + 1], c)
        dt = time.perf_counter() - t
        store.close()
    return n / dt


def main() -> None:
    from core.cluster import ClusterOptions
    from tests.ray_cluster import LocalRayCluster

    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=192)
    ap.add_argument("--notes", type=int, default=512)
    a = ap.parse_args()
    model, which = model_for_bench()
    sets = make_data(a.photos, 0, a.notes, only="photos 0.3,notes")
    rows, out = [], {}
    with LocalRayCluster(workers=2, cpus=1) as cluster:
        for name, folder in sets.items():
            res = {"local": index_rate(model, folder)}
            for w in (1, 2):
                res[f"ray {w}"] = index_rate(model, folder,
                                             ClusterOptions(cluster.address, workers=w))
            local = res["local"]["files_per_s"]
            rows.append([name, res["local"]["files"], round(local, 1)]
                        + [f"{res[f'ray {w}']['files_per_s']:.1f} "
                           f"({res[f'ray {w}']['files_per_s'] / local:.2f}x); steady "
                           f"{res[f'ray {w}']['steady_files_per_s']:.1f} after "
                           f"{res[f'ray {w}']['start_s']:.1f} s start" for w in (1, 2)])
            out[name] = res
        overhead = batch_overhead(cluster.address, sets["photos 0.3 MP"])
    print(table(["set", "files", "local files/s", "Ray 1 worker", "Ray 2 workers"], rows))
    print(f"per batch of {overhead['batch_files']} photos: {overhead['in_process_s']:.3f} s "
          f"in process, {overhead['through_ray_s']:.3f} s through Ray (overhead "
          f"{overhead['overhead_s'] * 1000:.0f} ms; empty batch round trip "
          f"{overhead['empty_round_trip_s'] * 1000:.1f} ms)")
    saves = writer_rate()
    print(f"the writer saves {saves:.0f} files/s (one vector each, SQLite)")
    print(save("cluster", {"model": which, "sets": out, "batch_overhead": overhead,
                           "writer_files_per_s": saves}))


if __name__ == "__main__":
    main()
