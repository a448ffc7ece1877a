"""Indexing on a Ray cluster (core.cluster): a real local cluster on the loopback address
(a head and two worker nodes, started and stopped here, tests/ray_cluster.py) embeds the
same vectors as this machine; a worker node killed in the middle of a job loses nothing;
a file a worker cannot see gets its own error and the job goes on. Without Ray, nothing
of it is imported."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from core.cluster import ClusterOptions
from core.cluster.embedder import BATCH_FILES, batches
from core.library import Library
from core.library.scan import ScannedFile
from core.resources import resource
from tests.media import pattern_image, write_image
from tests.ray_cluster import LocalRayCluster, can_hide_folders, ray_available

ROOT = Path(__file__).parents[1]
needs_ray = pytest.mark.skipif(not ray_available(), reason="the cluster extra is not installed")


def _vectors(lib: Library) -> dict[str, np.ndarray]:
    return {p: lib.store.segments.of_item(i)[2] for i, p in lib.store.files.indexed_paths()}


def _errors(lib: Library) -> dict[str, str]:
    return {str(e.path): e.reason for e in lib.errors()}


def test_batches_are_of_one_kind_and_bounded() -> None:
    work = [ScannedFile(f"/m/{i}.{'jpg' if i % 3 else 'txt'}", 1, 1,
                        "image" if i % 3 else "note", 1) for i in range(200)]
    out = batches(work, {"/m/1.jpg": "abc"})
    assert sorted(f.path for b in out for f in b.files) == sorted(f.path for f in work)
    for b in out:
        kinds = {f.kind for f in b.files}
        assert len(kinds) == 1 and len(b.files) <= BATCH_FILES[kinds.pop()]
        assert len(b.hashes) == len(b.files)
    # the reconcile phase's hashes travel with the files
    assert {h for b in out for f, h in zip(b.files, b.hashes, strict=True)
            if f.path == "/m/1.jpg"} == {"abc"}


def test_index_without_a_cluster_never_imports_ray(tmp_path: Path, tiny_checkpoint) -> None:
    """The plain command line indexes as before, and Ray stays out of the process."""
    media = tmp_path / "media"
    shutil.copytree(resource("demo") / "notes", media)
    code = ("import sys; from app.cli import main; rc = main(sys.argv[1:]); "
            "assert 'ray' not in sys.modules, 'ray was imported'; sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code, "--library", str(tmp_path / "lib"), "index",
                        str(media), "--model", str(tiny_checkpoint), "--json"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr


def test_cluster_without_ray_says_what_to_install(tmp_path: Path, tiny_checkpoint) -> None:
    media = tmp_path / "media"
    shutil.copytree(resource("demo") / "notes", media)
    code = ("import sys; sys.modules['ray'] = None; from app.cli import main; "
            "sys.exit(main(sys.argv[1:]))")  # None in sys.modules: `import ray` fails
    r = subprocess.run([sys.executable, "-c", code, "--library", str(tmp_path / "lib"), "index",
                        str(media), "--model", str(tiny_checkpoint), "--cluster", "auto"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode != 0
    assert "cluster" in r.stderr and "synesthesia[cluster]" in r.stderr


def test_worker_embeds_what_this_machine_embeds(tmp_path: Path, tiny_checkpoint) -> None:
    """The worker's code without Ray: the same vectors and records as the local job."""
    from core.cluster.worker import EmbedWorker
    from core.model import load_model

    media = tmp_path / "media"
    shutil.copytree(resource("demo"), media)
    (media / "broken.jpg").write_bytes(b"not a jpeg")
    model = load_model(tiny_checkpoint)
    with Library.open(tmp_path / "lib", model=model) as lib:
        lib.add_folder(media)
        lib.index()
        local, errors = _vectors(lib), _errors(lib)
        files = [f for f in lib.store.files.states()]
    worker = EmbedWorker(tiny_checkpoint.read_bytes(), cores=1)
    assert worker.info().model_id == model.model_id
    paths = sorted(files)
    kinds = {p: ("image" if p.endswith((".jpg", ".png")) else None) for p in paths}
    images = [ScannedFile(p, os.path.getsize(p), 0, "image", 1) for p in paths if kinds[p]]
    out = worker.embed(images, [None] * len(images))
    assert [e.decoded.file.path for e in out] == [f.path for f in images]
    for e in out:
        if e.decoded.file.path in errors:
            assert e.vectors is None and e.decoded.error
        else:
            np.testing.assert_allclose(e.vectors, local[e.decoded.file.path], atol=1e-5)
        assert e.decoded.pieces == [] and not e.missing  # no pixels travel back


# -- a real cluster ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not ray_available():
        pytest.skip("the cluster extra is not installed")
    hidden = tmp_path_factory.mktemp("cluster") / "hidden"
    hidden.mkdir()
    with LocalRayCluster(workers=2, cpus=1,
                         hidden=hidden if can_hide_folders() else None) as c:
        yield c


@pytest.fixture
def model(tiny_checkpoint):
    from core.model import load_model

    return load_model(tiny_checkpoint)


def _index_both(tmp_path: Path, model, media: Path, options: ClusterOptions, **kw):
    with Library.open(tmp_path / "here", model=model) as lib:
        lib.add_folder(media)
        lib.index()
        local, local_errors = _vectors(lib), _errors(lib)
    with Library.open(tmp_path / "cluster", model=model) as lib:
        lib.add_folder(media)
        report = lib.index(cluster=options, **kw)
        return report, local, local_errors, _vectors(lib), _errors(lib)


@pytest.mark.slow
@needs_ray
def test_cluster_indexes_the_demo_library_with_the_same_vectors(
        tmp_path: Path, cluster: LocalRayCluster, model, tiny_checkpoint) -> None:
    media = tmp_path / "media"
    shutil.copytree(resource("demo"), media)
    (media / "broken.png").write_bytes(b"\x89PNG not really")
    options = ClusterOptions(cluster.address, checkpoint=tiny_checkpoint)
    report, local, local_errors, remote, remote_errors = _index_both(tmp_path, model, media,
                                                                     options)
    assert report.cluster_workers == 2 and not report.problems
    assert report.added == len(local) > 20 and report.failed == 1
    assert remote.keys() == local.keys() and remote_errors == local_errors
    for p, v in local.items():
        np.testing.assert_allclose(remote[p], v, atol=1e-5, err_msg=p)


@pytest.mark.slow
@needs_ray
def test_a_worker_killed_mid_job_loses_nothing(tmp_path: Path, cluster: LocalRayCluster,
                                               model, tiny_checkpoint) -> None:
    media = tmp_path / "media"
    media.mkdir()
    for i in range(600):
        write_image(media / f"p{i:04d}.png", pattern_image(48, 64, seed=i))
    killed = threading.Event()

    def progress(p) -> None:
        if p.phase == "embedding" and p.done >= 64 and not killed.is_set():
            killed.set()
            cluster.kill_worker(0)

    options = ClusterOptions(cluster.address, checkpoint=tiny_checkpoint)
    try:
        report, local, _, remote, errors = _index_both(tmp_path, model, media, options,
                                                       progress=progress)
    finally:
        cluster.add_worker()
    # The node may be killed while it holds a batch (sent again: cluster_resent >= 1) or
    # between two of its batches (nothing to send again); either way nothing is lost.
    assert killed.is_set()
    assert (report.added, report.failed, errors) == (600, 0, {})
    assert remote.keys() == local.keys()
    for p, v in local.items():
        np.testing.assert_allclose(remote[p], v, atol=1e-5, err_msg=p)


@pytest.mark.slow
@needs_ray
def test_a_file_missing_on_the_workers_gets_its_own_error(
        tmp_path: Path, cluster: LocalRayCluster, model, tiny_checkpoint) -> None:
    if cluster.hidden is None:
        pytest.skip("no private mount namespace here: cannot hide a folder from workers")
    media = cluster.hidden.parent
    (media / "notes").mkdir(exist_ok=True)
    for i in range(5):
        (media / "notes" / f"n{i}.txt").write_text(f"note {i} about a harbour at dusk")
    unseen = cluster.hidden / "unseen.txt"
    unseen.write_text("only the library's machine has this one")
    options = ClusterOptions(cluster.address, checkpoint=tiny_checkpoint)
    with Library.open(tmp_path / "lib", model=model) as lib:
        lib.add_folder(media)
        report = lib.index(cluster=options)
        assert report.added == 5 and report.failed == 1 and not report.cancelled
        reason = _errors(lib)[str(unseen)]
        assert "cannot see this file" in reason and "same path" in reason
        again = lib.index()  # on this machine, which sees it: retried and indexed
        assert again.updated + again.added == 1 and _errors(lib) == {}


@pytest.mark.slow
@needs_ray
def test_cancel_on_the_cluster_keeps_what_came_back(tmp_path: Path, cluster: LocalRayCluster,
                                                    model, tiny_checkpoint) -> None:
    media = tmp_path / "media"
    media.mkdir()
    for i in range(400):
        (media / f"n{i:04d}.txt").write_text(f"note number {i}: a fox crosses the snow")
    cancel = threading.Event()

    def progress(p) -> None:
        if p.phase == "embedding" and p.done >= 64:
            cancel.set()

    options = ClusterOptions(cluster.address, checkpoint=tiny_checkpoint)
    with Library.open(tmp_path / "lib", model=model) as lib:
        lib.add_folder(media)
        first = lib.index(cluster=options, progress=progress, cancel=cancel)
        assert first.cancelled and 64 <= first.added < 400
        rest = lib.index(cluster=options)
        assert first.added + rest.added == 400 and len(_vectors(lib)) == 400


@pytest.mark.slow
@needs_ray
def test_library_process_killed_on_the_cluster_resumes(tmp_path: Path, cluster: LocalRayCluster,
                                                       model, tiny_checkpoint) -> None:
    """SIGKILL to the `synesthesia index --cluster` process while batches come back: what
    was saved stays, the next run embeds the rest, no file twice, nothing lost."""
    import signal
    import sqlite3
    import time

    from tests.test_library_faults import popen_cli

    media = tmp_path / "media"
    media.mkdir()
    for i in range(300):
        (media / f"n{i:03d}.txt").write_text(f"note {i}: the tide comes in over the flats")
    lib_dir = tmp_path / "lib"
    args = ("--library", str(lib_dir), "index", str(media), "--model", str(tiny_checkpoint),
            "--cluster", cluster.address, "--json")
    db = lib_dir / "library.sqlite"

    def rows() -> int:
        if not db.exists():
            return 0
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        except sqlite3.OperationalError:
            return 0
        finally:
            con.close()

    proc = popen_cli(*args)
    deadline = time.monotonic() + 300
    while proc.poll() is None and rows() < 64 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = rows()
    assert 64 <= kept < 300, "the job was not killed in the middle"
    with Library.open(lib_dir, model=model, wait_s=30) as lib:
        report = lib.index(cluster=ClusterOptions(cluster.address, checkpoint=tiny_checkpoint))
        assert report.added == 300 - kept and report.failed == 0
        assert len(_vectors(lib)) == 300 and lib.doctor() == []


@pytest.mark.slow
@needs_ray
def test_cluster_indexes_five_thousand_files_like_this_machine(
        tmp_path: Path, cluster: LocalRayCluster, model, tiny_checkpoint) -> None:
    media = tmp_path / "media"
    for i in range(2500):
        d = media / f"photos{i // 500}"
        d.mkdir(parents=True, exist_ok=True)
        write_image(d / f"p{i:04d}.png", pattern_image(24, 32, seed=i, cells=4))
    (media / "notes").mkdir()
    for i in range(2500):
        (media / "notes" / f"n{i:04d}.txt").write_text(f"note {i}: {'a gull over the pier ' * (i % 5 + 1)}")
    options = ClusterOptions(cluster.address, checkpoint=tiny_checkpoint)
    report, local, local_errors, remote, remote_errors = _index_both(tmp_path, model, media,
                                                                     options)
    assert report.added == 5000 and report.failed == 0 and not report.problems
    assert remote.keys() == local.keys() and remote_errors == local_errors == {}
    for p, v in local.items():
        np.testing.assert_allclose(remote[p], v, atol=1e-5, err_msg=p)
