"""Peak memory and time to index one file, for the largest files a library may hold (a
5 MB note, a 240-megapixel PNG, a 100-megapixel JPEG) against a small file of the same
kind, each in its own `synesthesia index` process (the real command line with the default
checkpoint). Peak memory is the process's maximum resident set (wait4's ru_maxrss); the
"over small" column is what the big file adds to the same run with a small one.

    nice python -m benchmarks.bench_file_memory
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import save, table

REPO = Path(__file__).resolve().parents[1]
DATA = Path.home() / ".cache" / "synesthesia-bench" / "big-files"


def _words(n: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    vocab = ("river light morning stone garden rain window music paper quiet city forest "
             "letter summer engine winter coffee station bridge harbour").split()
    lines = []
    for _ in range(0, n, 12):
        lines.append(" ".join(vocab[i] for i in rng.integers(0, len(vocab), 12)))
    return "\n".join(lines) + "\n"


def _image(h: int, w: int) -> np.ndarray:
    """A smooth colour image (compresses like a scan or a render, not like noise)."""
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :]
    img = np.empty((h, w, 3), np.uint8)
    img[:, :, 0] = (y * 0.7 + x * 0.3).astype(np.uint8)
    img[:, :, 1] = (x * 0.8).astype(np.uint8)
    img[:, :, 2] = ((x + y) * 0.5).astype(np.uint8)
    return img


def make_cases() -> dict[str, Path]:
    import cv2

    DATA.mkdir(parents=True, exist_ok=True)
    cases = {
        "note, 2 KB": ("small.txt", lambda p: p.write_text(_words(300))),
        "note, 5 MB": ("big.txt", lambda p: p.write_text(_words(850_000))),
        "PNG, 1 MP": ("small.png", lambda p: cv2.imwrite(str(p), _image(1000, 1000))),
        "PNG, 240 MP": ("big.png", lambda p: cv2.imwrite(str(p), _image(12000, 20000))),
        "JPEG, 100 MP": ("big.jpg", lambda p: cv2.imwrite(str(p), _image(8000, 12500))),
    }
    out = {}
    for name, (file, make) in cases.items():
        folder = DATA / file.replace(".", "-")
        folder.mkdir(exist_ok=True)
        path = folder / file
        if not path.exists():
            make(path)
        out[name] = folder
    return out


def main() -> None:
    cases = make_cases()
    rows, results = [], {}
    for name, folder in cases.items():
        results[name] = r = _measured(folder)
    for name, r in results.items():
        small = results["note, 2 KB" if name.startswith("note") else "PNG, 1 MP"]
        rows.append([name, f"{r['peak_mb']:.0f}", f"{r['peak_mb'] - small['peak_mb']:+.0f}",
                     f"{r['seconds']:.1f}", r["vectors"], r["failed"]])
    print(table(["file", "peak RSS MB", "over small", "seconds", "vectors", "failed"], rows))
    print(f"\n{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    save("file_memory", {"cases": results})


def _measured(folder: Path) -> dict:
    """One `synesthesia index FOLDER` into a new library, in a child process whose own
    resource usage wait4 returns: peak RSS (MB), seconds, vectors, failed files."""
    with tempfile.TemporaryDirectory() as lib:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child becomes the command line
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 2)
            out = os.open(Path(lib) / "out.json", os.O_WRONLY | os.O_CREAT, 0o600)
            os.dup2(out, 1)
            os.chdir(REPO)
            os.execvpe(sys.executable, [sys.executable, "-m", "app.cli", "--library",
                                        str(Path(lib) / "lib"), "index", str(folder),
                                        "--json"], env)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"index of {folder} failed (status {status})")
        report = json.loads((Path(lib) / "out.json").read_text())
        stats = subprocess.run([sys.executable, "-m", "app.cli", "--library",
                                str(Path(lib) / "lib"), "stats", "--json"], cwd=REPO, env=env,
                               capture_output=True, text=True)
        segments = json.loads(stats.stdout).get("segments")
    return {"seconds": seconds, "failed": report["failed"], "vectors": segments,
            "peak_mb": usage.ru_maxrss / 1024}


if __name__ == "__main__":
    main()
