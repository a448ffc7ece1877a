"""Faults across processes: SIGKILL mid-indexing, two processes on one library,
folders and files that cannot be read. Each runs the real `synesthesia` CLI."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.library import Library, LibraryBusy
from core.search import Query
from tests.media import make_tree, pattern_image, tone, write_image, write_sound

REPO = Path(__file__).resolve().parents[1]


def cli(*args: str, env: dict | None = None, prefix: list[str] | None = None,
        **kw) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([*(prefix or []), sys.executable, "-m", "app.cli", *args],
                          cwd=REPO, env=full_env, capture_output=True, text=True, **kw)


def popen_cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=REPO, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sigkill_at_random_points_then_resume(tmp_path: Path, tiny_model, tiny_checkpoint) -> None:
    media = tmp_path / "media"
    media.mkdir()
    for i in range(48):
        write_image(media / f"p{i:02}.png", pattern_image(96, 128, seed=i))
    for i in range(12):
        write_sound(media / f"s{i:02}.flac", tone(1.0 + (i % 3) * 8.0, 200.0 + 40 * i))
    for i in range(40):
        (media / f"n{i:02}.txt").write_text(f"note {i}: " + "words about things " * (i % 9 + 1))
    ckpt = tiny_checkpoint
    lib_dir = tmp_path / "lib"
    env = {"SYNESTHESIA_EXACT_MAX": "0"}  # keep HNSW graphs on disk, the fragile part
    args = ("--library", str(lib_dir), "index", str(media), "--model", str(ckpt), "--json")
    rng = random.Random(1234)
    db = lib_dir / "library.sqlite"

    def rows() -> int:
        import sqlite3

        if not db.exists():
            return 0
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        except sqlite3.OperationalError:  # schema not created yet
            return 0
        finally:
            con.close()

    # Kill before anything is written, at random points while files are embedded, and
    # once every file is in SQLite (while the HNSW graphs are being written).
    targets = [0, rng.randint(5, 30), rng.randint(35, 70), rng.randint(71, 95), 100]
    seen = []
    for target in targets:
        proc = popen_cli(*args, env=env)
        while proc.poll() is None and rows() < target:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3) if target else rng.uniform(0.5, 2.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        seen.append(rows())
    assert seen[0] < 100 and any(0 < n < 100 for n in seen), seen
    done = cli(*args, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["failed"] == 0 and not report["cancelled"]

    os.environ["SYNESTHESIA_EXACT_MAX"] = "0"
    try:
        lib = Library.open(lib_dir, model=tiny_model)
        lib.exact_max = 0
        paths = [r[0] for r in lib.store.query("SELECT path FROM files")]
        assert sorted(Path(p).name for p in paths) == sorted(p.name for p in media.iterdir())
        assert lib.store.query("SELECT COUNT(*) FROM segments WHERE file_id NOT IN "
                               "(SELECT id FROM files)")[0][0] == 0
        assert lib.store.query("SELECT COUNT(*) FROM files WHERE id NOT IN "
                               "(SELECT file_id FROM segments)")[0][0] == 0
        assert lib.doctor() == []  # includes each HNSW graph against SQLite
        for kind in ("image", "sound", "note"):
            idx = lib.vector_index(kind)
            assert idx.mode == "hnsw"
            assert idx.count == lib.store.query(
                "SELECT COUNT(*) FROM segments WHERE kind=?", (kind,))[0][0]
        hit = lib.search(Query(file=media / "p07.png", kinds={"image"}), k=1)[0]
        assert hit.path.name == "p07.png"
        lib.close()
    finally:
        del os.environ["SYNESTHESIA_EXACT_MAX"]


def test_two_processes_one_library(tmp_path: Path, tiny_model) -> None:
    lib_dir = tmp_path / "lib"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from core.library import Library; "
         f"lib = Library.open({str(lib_dir)!r}); print('ready', flush=True); "
         "sys.stdin.readline(); lib.close()"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(LibraryBusy, match=f"pid {holder.pid}"):
            Library.open(lib_dir, model=tiny_model)
        with pytest.raises(LibraryBusy):
            Library.open(lib_dir, read_only=True)
        r = cli("--library", str(lib_dir), "stats")
        assert r.returncode == 3 and "in use by another Synesthesia process" in r.stderr
        # A waiting process gets the library once the holder lets go.
        waiter = popen_cli("--library", str(lib_dir), "stats", "--json", "--wait", "60")
        time.sleep(1.0)
        assert waiter.poll() is None
        holder.stdin.write("\n")
        holder.stdin.flush()
        out, err = waiter.communicate()
        assert waiter.returncode == 0, err
        assert json.loads(out)["images"] == 0
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()
    # Readers share; a writer waits for readers.
    a = Library.open(lib_dir, read_only=True)
    b = Library.open(lib_dir, read_only=True)
    with pytest.raises(LibraryBusy):
        Library.open(lib_dir)
    a.close()
    b.close()
    Library.open(lib_dir).close()


def _without_root_powers() -> list[str]:
    """A command prefix under which permission bits apply (root ignores them)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, "--bounding-set", caps, "--inh-caps", caps, "--"]


def test_unreadable_folder_and_file(tmp_path: Path, tiny_model, tiny_checkpoint) -> None:
    prefix = _without_root_powers()
    media = tmp_path / "media"
    files = make_tree(media, images=2, sounds=1, notes=1)
    ckpt = tiny_checkpoint
    lib_dir = tmp_path / "lib"
    with Library.open(lib_dir, model=tiny_model) as lib:
        lib.add_folder(media)
        assert lib.index().added == 4
    locked_dir = media / "sounds"
    locked_file = write_image(media / "private.png", pattern_image(20, 20))
    locked_dir.chmod(0)
    locked_file.chmod(0)
    try:
        r = cli("--library", str(lib_dir), "index", "--model", str(ckpt), "--json",
                prefix=prefix)
        assert r.returncode == 0, r.stderr
        rep = json.loads(r.stdout)
        assert rep["removed"] == 0 and rep["failed"] == 1
        assert any("sounds" in p and "cannot be read" in p for p in rep["problems"])
    finally:
        locked_dir.chmod(0o755)
        locked_file.chmod(0o644)
    with Library.open(lib_dir, model=tiny_model) as lib:
        assert lib.stats()["sounds"] == 1  # kept while its folder could not be read
        reasons = {e.path.name: e.reason for e in lib.errors()}
        assert "permission denied" in reasons["private.png"]
        assert "cannot be read" in reasons["sounds"]
        rep = lib.index()  # readable again: retried, though its size and mtime are the same
        assert rep.updated == 1 and rep.problems == []
        s = lib.stats()
        assert s["errors"] == 0 and s["images"] == 3 and files["snd0"].exists()


def test_folder_gone_keeps_items_until_back(tmp_path: Path, tiny_model) -> None:
    """An unmounted drive is not a deletion."""
    media = tmp_path / "drive"
    make_tree(media, images=2, sounds=0, notes=1)
    lib = Library.open(tmp_path / "lib", model=tiny_model)
    try:
        lib.add_folder(media)
        assert lib.index().added == 3
        media.rename(tmp_path / "unplugged")
        r = lib.index()
        assert r.removed == 0 and "not reachable" in r.problems[0]
        assert len(lib.search(Query(text="river"), k=10)) == 3
        (tmp_path / "unplugged").rename(media)
        r = lib.index()
        assert (r.unchanged, r.problems) == (3, [])
    finally:
        lib.close()


def test_decompression_bomb_on_disk_is_refused_quickly(tmp_path: Path, tiny_model) -> None:
    """A real bomb: a 16000x16000 grey PNG of zeros is 250 KB on disk, 256 MB decoded."""
    import zlib

    w = h = 16000
    row = b"\x00" * (w + 1)
    comp = zlib.compressobj(6)
    body = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()
    import struct

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(
            ">I", zlib.crc32(tag + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    media = tmp_path / "m"
    media.mkdir()
    (media / "bomb.png").write_bytes(png)
    write_image(media / "fine.png", pattern_image(10, 10))
    lib = Library.open(tmp_path / "lib", model=tiny_model)
    try:
        lib.add_folder(media)
        r = lib.index()
        assert (r.added, r.failed) == (1, 1)
        assert "too large" in lib.errors()[0].reason
    finally:
        lib.close()
    assert np.prod([w, h]) > 250e6
