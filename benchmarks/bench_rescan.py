"""Incremental re-scan of an unchanged tree of 100k tiny files: `synesthesia index` with
nothing to do, against a plain os.walk + stat of the same tree.

    nice python -m benchmarks.bench_rescan [--files 100000]
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


def best_of(f, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=100_000)
    args = ap.parse_args()
    from core.library import Library
    from core.model import ModelConfig, create_model

    model = create_model(ModelConfig.tiny())  # the re-scan does not depend on the model
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        t = time.perf_counter()
        make_tree(root, args.files)
        print(f"{args.files} files written in {time.perf_counter() - t:.1f} s")
        lib = Library.open(Path(tmp) / "lib", model=model)
        lib.add_folder(root)
        t = time.perf_counter()
        r = lib.index()
        first = time.perf_counter() - t
        assert r.added == args.files, r
        print(f"first index: {first:.1f} s ({args.files / first:.0f} notes/s)")
        walk = best_of(lambda: walk_stat(root))
        rescan = best_of(lambda: lib.index())
        r = lib.index()
        assert r.unchanged == args.files and r.added == r.updated == 0, r
        lib.close()
        print("(removing the tree takes a while)", flush=True)
    rows = [[f"{args.files:,}", f"{walk:.2f}", f"{rescan:.2f}", f"{rescan / walk:.2f}x"]]
    print(table(["files", "os.walk + stat s", "re-scan (index, nothing changed) s",
                 "ratio"], rows))
    out = save("rescan", {"files": args.files, "walk_stat_s": walk, "rescan_s": rescan,
                          "first_index_s": first})
    print(f"results: {out}")


if __name__ == "__main__":
    main()
