"""Copies of library files: a folder of copies is counted as such,
and a search shows each content once, with the other places it is at."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from core.library import Library
from core.search import Query


def _library_with_copies(lib: Library, tree, tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    media, files = tree
    lib.add_folder(media)
    lib.index()
    backup = tmp_path / "backup"
    backup.mkdir()
    for name in ("img0", "img1", "note0", "snd0"):
        shutil.copy2(files[name], backup / files[name].name)
    shutil.copy2(files["img0"], backup / "img0 (2).jpg")
    lib.add_folder(backup)
    return backup, files


def test_a_folder_of_copies_is_counted_and_grouped(lib: Library, tree, tmp_path: Path) -> None:
    backup, files = _library_with_copies(lib, tree, tmp_path)
    report = lib.index()
    assert (report.added, report.copied) == (0, 5)
    hits = lib.search(Query(file=files["img0"], kinds={"image"}), k=4)
    paths = [h.path for h in hits]
    assert len(paths) == len(set(paths)) == 4  # four different pictures, not copies of one
    top = hits[0]
    assert top.path == files["img0"]
    assert sorted(top.copies) == sorted([backup / "img0.jpg", backup / "img0 (2).jpg"])
    every = {h.path for h in hits} | {c for h in hits for c in h.copies}
    assert files["img1"] in every and backup / "img1.jpg" in every
    assert not [c for h in hits for c in h.copies if c in paths]  # each place shown once
    # All kinds: every content appears once.
    allk = lib.search(Query(text="the river runs past the mill"), k=30)
    assert len(allk) == len(files)
    # More like this leaves out the item and its copies.
    item = next(h for h in hits if h.path == files["img0"]).item_id
    like = lib.search(Query(item_id=item, kinds={"image"}), k=10)
    assert files["img0"] not in [h.path for h in like]
    assert not {backup / "img0.jpg", backup / "img0 (2).jpg"} & {h.path for h in like}


def test_cli_shows_copies_under_their_result(lib: Library, tree, tmp_path: Path,
                                             tiny_checkpoint, capsys) -> None:
    from app.cli import main

    backup, files = _library_with_copies(lib, tree, tmp_path)
    lib.index()
    lib.close()
    try:
        base = ["--library", str(tmp_path / "lib")]
        assert main([*base, "search", "--file", str(files["note0"]), "--kinds", "note",
                     "-k", "1", "--merged", "--model", str(tiny_checkpoint)]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].endswith(str(files["note0"]))
        assert out[1].strip() == f"also at {backup / 'note0.md'}"
        assert main([*base, "search", "--file", str(files["note0"]), "--kinds", "note",
                     "-k", "1", "--json", "--merged", "--model", str(tiny_checkpoint)]) == 0
        got = json.loads(capsys.readouterr().out)["results"][0]
        assert got["copies"] == [str(backup / "note0.md")]
    finally:
        lib.__init__(tmp_path / "lib", model=lib.model)
