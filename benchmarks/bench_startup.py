"""Start-up: from launch to the first answer of a query typed at launch, step by step, each
run in a fresh process (warm file cache: one untimed run first).

    python -m benchmarks.bench_startup [--runs 3]

The window's steps (Qt imported, a QApplication) are timed in the same process as the rest,
in the order the GUI takes them: the window appears, then a worker opens the library (torch,
the towers, the store) and the query is answered. "after the window" is what the person
waits: from the window to the first results.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import save, table

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"

# One fresh process: the GUI's order of work, with a clock after each step. BENCH_MODE:
# "text-first" is what the GUI does (core.model.load_text_first: texts embedded in numpy,
# torch not imported for the first query); "torch" loads the full model first (the code
# before, and what the CLI does); "preload" is "torch" with torch imported in a thread from
# launch.
CHILD = r"""
import json, os, sys, time
t0 = time.perf_counter()
marks = []
def mark(name):
    marks.append((name, time.perf_counter() - t0))
mode = os.environ.get("BENCH_MODE", "torch")
if mode == "preload":
    import threading
    def preload():
        import torch
        from core.model import api
    loader = threading.Thread(target=preload)
    loader.start()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.show(); app.processEvents()
mark("window shown")
if mode == "text-first":
    from core.model import load_text_first
    m = load_text_first()
    mark("text tower and shared layers loaded (numpy, no torch)")
else:
    import torch
    mark("import torch")
    from core.model import load_model
    m = load_model()
    mark("model loaded (text tower, sound tower, shared layers)")
from core.library import Library
lib = Library.open(sys.argv[1], model=m, read_only=True)
from core.search import Query
mark("library opened")
r = lib.search(Query(text="a dog in the snow"), k=10)
mark("first results")
assert r
if mode == "text-first":  # what the GUI loads next, behind the first results
    m.load_full()
    mark("full model loaded (torch), after the first results")
print(json.dumps(marks))
"""


def prepare(lib_dir: Path) -> None:
    """A library of the demo photos, sounds and notes (built once, not timed)."""
    from core.library import Library
    from core.model import load_model

    lib = Library.open(lib_dir, model=load_model())
    for sub in ("photos", "sounds", "notes"):
        lib.add_folder(DEMO / sub)
    lib.index()
    lib.close()


def run_once(lib_dir: Path, mode: str = "text-first", tree: Path = ROOT
             ) -> list[tuple[str, float]]:
    env = {**os.environ, "PYTHONPATH": str(tree), "BENCH_MODE": mode}
    out = subprocess.run([sys.executable, "-c", CHILD, str(lib_dir)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@contextmanager
def _revision(rev: str | None) -> Iterator[Path | None]:
    """An earlier revision checked out into a temporary git worktree (None: no revision)."""
    if rev is None:
        yield None
        return
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
                       check=True, capture_output=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(tree)], capture_output=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--against", help="git revision whose code to time too, interleaved")
    a = ap.parse_args(argv)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        lib_dir = Path(tmp) / "lib"
        prepare(lib_dir)
        run_once(lib_dir)  # the file cache warm, as after a first launch
        runs, full, pre, old = [], [], [], []
        with _revision(a.against) as old_tree:
            if old_tree is not None:
                run_once(lib_dir, "torch", tree=old_tree)
            for _ in range(a.runs):  # interleaved: the machine's load changes
                runs.append(run_once(lib_dir))
                full.append(run_once(lib_dir, "torch"))
                pre.append(run_once(lib_dir, "preload"))
                if old_tree is not None:
                    old.append(run_once(lib_dir, "torch", tree=old_tree))
    print(f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end; best of "
          f"{a.runs} fresh processes each")
    res = {"load_avg_start": load}
    variants = [("as the GUI does it (text-first: numpy text tower, torch after)", runs),
                ("the full model first (torch; what the GUI did before)", full),
                ("variant: the full model first, torch imported in a thread from launch", pre)]
    if old:
        variants.append((f"the code of {a.against} (same library, same run)", old))
    for label, rs in variants:
        best = min(rs, key=lambda r: dict(r)["first results"])  # the earliest first results
        rows, prev = [], 0.0
        for name, t in best:
            rows.append([name, f"{t:.2f}", f"{t - prev:.2f}"])
            prev = t
        after = dict(best)["first results"] - dict(best)["window shown"]
        rows.append(["after the window (what the person waits)", "", f"{after:.2f}"])
        firsts = [round(dict(r)["first results"], 2) for r in rs]
        print(f"\n{label} (all runs: {firsts} s to first results)")
        print(table(["step", "since launch s", "step s"], rows))
        res[label] = {"runs": rs, "after_window_s": after}
    waits = [res[label]["after_window_s"] for label, _ in variants]
    print("\nafter the window, against the first variant: "
          + ", ".join(f"{label.split(' (')[0]} {w:.2f} s ({w / waits[0]:.2f}x)"
                      for (label, _), w in zip(variants, waits, strict=True)))
    print(f"results: {save('startup', res)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
