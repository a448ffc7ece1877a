"""Opening a 100,000-item library's timeline, against listing the folder that holds it.

The library's rows are written straight into SQLite (files and details as the indexer
writes them, dates spread over ten years; no vectors: browsing never reads them), over
100,000 real (empty) files in one folder. Baseline: listing that folder with ``os.scandir``
and a ``stat`` of each entry, what a file manager does to show it. Measured, each the best
of five runs: the months of the timeline with their counts, the first page (100 items,
newest first), the tree of folders, and the tag counts.

    python -m benchmarks.bench_browse [--items 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from benchmarks.common import save, table


def build(root: Path, n: int) -> tuple[Path, Path]:
    from core.library import Library

    media = root / "media"
    media.mkdir()
    for i in range(n):
        (media / f"IMG_{i:06}.jpg").touch()
    lib_dir = root / "lib"
    with Library.open(lib_dir, model=None) as lib:
        lib.add_folder(media)
        folder_id = lib.store.files.folders()[0][0]
        rng = random.Random(0)
        start = time.mktime((2015, 1, 1, 0, 0, 0, 0, 0, -1))
        with lib.store.transaction() as c:
            for i in range(n):
                path = str(media / f"IMG_{i:06}.jpg")
                c.execute("INSERT INTO files(id, path, folder_id, kind, size, mtime_ns, model_id, "
                          "indexed_at) VALUES (?, ?, ?, 'image', 0, 0, 'bench', 0)",
                          (i + 1, path, folder_id))
                lib.store.details.save(i + 1, path, 0, {"date_s": start + rng.random() * 3.15e8,
                                                        "date_source": "taken"},
                                       {"name": os.path.basename(path)}, c)
                if i % 50 == 0:
                    c.execute("INSERT INTO tags(item_id, name, source, status, created) VALUES "
                              "(?, ?, 'user', 'accepted', 0)", (i + 1, f"tag{i % 20}"))
    return media, lib_dir


def best_of(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main() -> None:
    from core.library import Library

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        media, lib_dir = build(Path(tmp), args.items)
        built_s = time.perf_counter() - t

        def listing() -> None:
            with os.scandir(media) as it:
                entries = sorted(it, key=lambda e: e.name)
            for e in entries:
                e.stat()

        base = best_of(listing)
        rows = [["list the folder (scandir + stat)", f"{base:.0f}", "1.00"]]
        with Library.open(lib_dir, model=None, read_only=True) as lib:
            months = lib.timeline()
            assert sum(n for _, n in months) == args.items
            steps = {"timeline: months and counts": lib.timeline,
                     "first page, newest first (100)": lambda: lib.browse("", k=100),
                     "a month's first page (100)": lambda: lib.browse("date:2020-06", k=100),
                     "folder tree counts": lib.folder_counts,
                     "tag counts": lib.tag_counts}
            for label, fn in steps.items():
                ms = best_of(fn)
                rows.append([label, f"{ms:.0f}", f"{ms / base:.2f}"])
        t = time.perf_counter()  # open + timeline + first page, as the window does
        with Library.open(lib_dir, model=None, read_only=True) as lib:
            lib.timeline()
            lib.browse("", k=100)
        cold = (time.perf_counter() - t) * 1000
        rows.append(["open library + timeline + first page", f"{cold:.0f}", f"{cold / base:.2f}"])
    print(f"Browsing a {args.items:,}-item library (built in {built_s:.0f} s); ms, best of 5")
    print(table(["step", "ms", "x listing the folder"], rows))
    save("browse", {"items": args.items, "rows": rows})


if __name__ == "__main__":
    main()
