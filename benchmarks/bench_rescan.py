"""Incremental re-scan of an unchanged tree of 100k tiny files: `synesthesia index` with
nothing to do, against a plain os.walk + stat of the same tree, alternated in one run.

Two re-scans are timed: the usual one (the scan's digest matches the one recorded when the
store was last found in step with the disk) and one with that record removed first (the
store's keys read and compared with the scan as one set, as after any other change).

    nice python -m benchmarks.bench_rescan [--files 100000] [--keep DIR]

``--keep DIR`` builds the tree and the library in DIR once and reuses them (the first
index of 100k notes takes minutes).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import save, table


def make_tree(root: Path, n: int) -> None:
    for i in range(n):
        d = root / f"d{i // 1000:03}" / f"e{(i // 100) % 10}"
        if i % 100 == 0:
            d.mkdir(parents=True, exist_ok=True)
        (d / f"n{i:06}.txt").write_text(f"note {i}")


def walk_stat(root: Path) -> int:
    n = 0
    for dirpath, _, files in os.walk(root):
        for f in files:
            os.stat(os.path.join(dirpath, f))
            n += 1
    return n


def best_of(fs: list, repeats: int = 5) -> list[float]:
    """Each of ``fs`` timed ``repeats`` times, alternated (the machine's load changes)."""
    times: list[list[float]] = [[] for _ in fs]
    for _ in range(repeats):
        for f, ts in zip(fs, times, strict=True):
            t = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t)
    return [min(ts) for ts in times]


def build(base: Path, files: int, model) -> tuple[Path, object, float]:
    from core.library import Library

    root = base / "tree"
    if not root.exists():
        t = time.perf_counter()
        make_tree(root, files)
        print(f"{files} files written in {time.perf_counter() - t:.1f} s")
    lib = Library.open(base / "lib", model=model)
    lib.add_folder(root)
    t = time.perf_counter()
    r = lib.index()
    first = time.perf_counter() - t
    print(f"first index: {first:.1f} s ({r.added} added, {r.unchanged} already there)")
    return root, lib, first


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="build in (or reuse) this folder")
    args = ap.parse_args()
    from core.model import ModelConfig, create_model

    model = create_model(ModelConfig.tiny())  # the re-scan does not depend on the model
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        root, lib, first = build(base, args.files, model)

        def checked() -> None:  # as after any change: the store's keys against the scan
            lib.store.meta.set("scan.in_step", "")
            lib.index()

        load = os.getloadavg()[0]
        walk, rescan, full = best_of([lambda: walk_stat(root), lambda: lib.index(), checked])
        r = lib.index()
        assert r.unchanged == args.files and r.added == r.updated == 0, r
        lib.close()
        if args.keep is None:
            print("(removing the tree takes a while)", flush=True)
    rows = [[f"{args.files:,}", "os.walk + stat (baseline)", f"{walk:.3f}", "1.00x"],
            [f"{args.files:,}", "re-scan, nothing changed", f"{rescan:.3f}", f"{rescan / walk:.2f}x"],
            [f"{args.files:,}", "re-scan, the store's keys compared", f"{full:.3f}",
             f"{full / walk:.2f}x"]]
    print(f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end; best of 5, "
          "alternated")
    print(table(["files", "what", "s", "ratio"], rows))
    out = save("rescan", {"files": args.files, "walk_stat_s": walk, "rescan_s": rescan,
                          "rescan_keys_compared_s": full, "first_index_s": first,
                          "load_avg_start": load})
    print(f"results: {out}")


if __name__ == "__main__":
    main()
