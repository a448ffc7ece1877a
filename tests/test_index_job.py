"""The indexing job's phases, its thread budget, and the search indexes' locking."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from core.library import IndexProgress, Library, ThreadBudget
from core.library.threads import torch_threads
from core.search import Query
from core.store import ReadWriteLock


def _cancel_at(phase: str) -> tuple[threading.Event, object]:
    event = threading.Event()

    def progress(p: IndexProgress) -> None:
        if p.phase == phase:
            event.set()

    return event, progress


def _indexed_paths(lib: Library) -> set[str]:
    return {p for _, p in lib.store.files.indexed_paths()}


def test_cancelled_scan_changes_nothing(lib: Library, tree) -> None:
    media, _ = tree
    lib.add_folder(media)
    cancel, progress = _cancel_at("scanning")
    report = lib.index(progress=progress, cancel=cancel)
    assert report.cancelled and report.added == 0
    assert _indexed_paths(lib) == set()
    assert lib.index().added == len(list(p for p in media.rglob("*") if p.is_file()))


def test_cancelled_reconcile_changes_nothing(lib: Library, tree) -> None:
    media, files = tree
    lib.add_folder(media)
    lib.index()
    before = _indexed_paths(lib)
    moved = media / "photos" / "moved.jpg"
    os.rename(files["img0"], moved)
    (media / "more").mkdir()
    for i in range(2):
        (media / "more" / f"new{i}.txt").write_text(f"a new note, number {i}")
    cancel, progress = _cancel_at("checking")
    report = lib.index(progress=progress, cancel=cancel)
    assert report.cancelled and (report.moved, report.removed, report.added) == (0, 0, 0)
    assert _indexed_paths(lib) == before  # the moved file is still known at its old path
    again = lib.index()
    assert again.moved == 1 and again.added == 2 and str(moved) in _indexed_paths(lib)


def test_cancelled_embed_keeps_what_was_decoded_and_resumes(lib: Library, tree) -> None:
    media, _ = tree
    lib.add_folder(media)
    cancel, progress = _cancel_at("embedding")
    first = lib.index(progress=progress, cancel=cancel)
    assert first.cancelled
    second = lib.index()
    assert not second.cancelled
    assert first.added + second.added == 8 and len(_indexed_paths(lib)) == 8


def test_cancelled_save_leaves_searches_correct(lib: Library, tree, tiny_model) -> None:
    media, files = tree
    lib.add_folder(media)
    cancel, progress = _cancel_at("saving")
    report = lib.index(progress=progress, cancel=cancel)
    assert report.cancelled and report.added == 8
    hits = lib.search(Query(file=files["img2"], kinds={"image"}), k=1)
    assert hits[0].path == files["img2"]  # the index not refreshed is loaded afresh


def test_search_only_reads(lib: Library, tmp_path: Path) -> None:
    """Searches never write the graph files, even when the store moved on since they were
    saved (a folder removed): they catch up in memory."""
    lib.exact_max = 0
    for folder in ("a", "b"):
        d = tmp_path / folder
        d.mkdir()
        for i in range(30):
            (d / f"{i}.txt").write_text(f"{folder} note {i} about topic {i % 5}")
        lib.add_folder(d)
    lib.index()
    graph = lib.directory / "note.hnsw"
    stamp = graph.stat().st_mtime_ns, graph.stat().st_size
    lib.remove_folder(tmp_path / "b")
    lib.indexes.forget()
    hits = lib.search(Query(text="note about topic 3", kinds={"note"}), k=60)
    assert len(hits) == 30 and all(h.path.parent.name == "a" for h in hits)
    assert (graph.stat().st_mtime_ns, graph.stat().st_size) == stamp
    assert lib.vector_index("note").count == 30  # the writer's call catches the file up
    assert graph.stat().st_mtime_ns != stamp[0]


def test_searches_go_on_while_the_job_refreshes(lib: Library, tmp_path: Path) -> None:
    """A search holds the read side; the index job builds beside it and only the swap waits."""
    lib.exact_max = 0
    d = tmp_path / "n"
    d.mkdir()
    for i in range(40):
        (d / f"{i}.txt").write_text(f"note {i} on topic {i % 7}")
    lib.add_folder(d)
    lib.index()
    old = lib.vector_index("note")
    (d / "new.txt").write_text("a brand new note on topic 3")
    lib.index()
    with lib.indexes.reading(["note"]) as found:
        assert found["note"].count == 41
        assert found["note"] is not old and old.count == 40  # the old index was not changed


def test_read_write_lock() -> None:
    lock = ReadWriteLock()
    order: list[str] = []
    reading = threading.Event()
    release = threading.Event()

    def reader() -> None:
        with lock.reading():
            reading.set()
            release.wait(5)
            order.append("read done")

    def writer() -> None:
        with lock.writing():
            order.append("written")

    r = threading.Thread(target=reader)
    r.start()
    reading.wait(5)
    with lock.reading():  # readers share
        order.append("second reader")
    w = threading.Thread(target=writer)
    w.start()
    time.sleep(0.1)
    assert "written" not in order  # the writer waits for the reader in flight
    release.set()
    r.join(5)
    w.join(5)
    assert order == ["second reader", "read done", "written"]


def test_thread_budget_stays_in_the_jobs_thread() -> None:
    torch = pytest.importorskip("torch")
    default = torch.get_num_threads()
    seen: dict[str, int] = {}
    if default < 2:
        pytest.skip("one core: nothing to limit")

    def other() -> None:
        seen["other thread"] = torch.get_num_threads()

    def job() -> None:
        with torch_threads(1):
            seen["job"] = torch.get_num_threads()
            t = threading.Thread(target=other)
            t.start()
            t.join()
        seen["job after"] = torch.get_num_threads()

    t = threading.Thread(target=job)
    t.start()
    t.join()
    assert seen == {"job": 1, "other thread": default, "job after": default}
    assert torch.get_num_threads() == default


def test_budget_for_the_machine() -> None:
    class Cpu:
        device = "cpu"

    class Gpu:
        device = "cuda:0"

    # the network on every core for a batch while other programs leave them free
    assert ThreadBudget.for_machine(Cpu(), cores=2) == ThreadBudget(decoders=2, model=1, graph=2,
                                                                    model_idle=2)
    assert ThreadBudget.for_machine(Cpu(), cores=16).decoders == 4
    assert ThreadBudget.for_machine(Cpu(), cores=16).model_idle is None  # measured on 2 only
    assert ThreadBudget.for_machine(Cpu(), cores=1).model_idle is None
    assert ThreadBudget.for_machine(Gpu(), cores=8).model is None
    assert ThreadBudget.for_machine(Gpu(), cores=8).model_idle is None
