"""`synesthesia` commands end to end, in-process through app.cli.main."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import EXIT_BUSY, EXIT_PROBLEMS, build_parser, main
from app.commands.registry import BUILTIN
from tests.media import make_tree

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def setup(tmp_path: Path, tiny_checkpoint):
    media = tmp_path / "media"
    files = make_tree(media)
    (media / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    ckpt = tiny_checkpoint
    return tmp_path / "lib", media, files, ckpt


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_index_search_stats_doctor(setup, capsys) -> None:
    lib, media, files, ckpt = setup
    L = ("--library", str(lib))
    code, out, err = run(capsys, *L, "index", str(media), "--exclude", "2024", "--model",
                         str(ckpt), "--json")
    assert code == 0, err
    rep = json.loads(out)
    assert (rep["added"], rep["failed"]) == (6, 1)  # 2 images in photos/2024 left out

    code, out, _ = run(capsys, *L, "search", "river", "--kinds", "notes,image", "-k", "3",
                       "--model", str(ckpt), "--json", "--merged")
    res = json.loads(out)
    assert code == 0 and len(res["results"]) == 3
    assert set(res["results"][0]) == {"rank", "item_id", "path", "kind", "score", "segment",
                                      "tags", "copies", "found_by", "relevance", "top", "good"}
    assert all(0 < r["top"] <= 1 for r in res["results"] if r["top"] is not None)
    assert {r["kind"] for r in res["results"]} <= {"note", "image"}

    code, out, _ = run(capsys, *L, "search", "--file", str(files["snd0"]), "--model", str(ckpt),
                       "-k", "1", "--json", "--merged")
    top = json.loads(out)["results"][0]
    assert top["path"] == str(files["snd0"]) and top["segment"]["start_s"] == 0.0

    code, out, _ = run(capsys, *L, "search", "--item", str(top["item_id"]), "--model",
                       str(ckpt), "-k", "2", "--all", "--merged")
    assert code == 0 and str(files["snd0"]) not in out and out.count("\n") == 2
    # Without --all only the good matches are printed, and stderr says what was left out.
    code, out, err = run(capsys, *L, "search", "--item", str(top["item_id"]), "--model",
                         str(ckpt), "-k", "5", "--json", "--merged")
    found = json.loads(out)["results"]
    good = sum(r["good"] for r in found)
    code, out, err = run(capsys, *L, "search", "--item", str(top["item_id"]), "--model",
                         str(ckpt), "-k", "5", "--merged")
    assert code == 0 and out.count("\n") == good
    assert (f"{len(found) - good} weaker" in err) == (good < len(found))

    code, out, _ = run(capsys, *L, "stats", "--json")
    st = json.loads(out)
    assert (st["images"], st["sounds"], st["notes"], st["errors"]) == (2, 2, 2, 1)
    assert st["error_files"][0]["path"].endswith("broken.png")
    code, out, _ = run(capsys, *L, "stats")
    assert "broken.png" in out and "2 images, 2 sounds, 2 notes" in out

    code, out, _ = run(capsys, *L, "doctor", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["ok"] and len(doc["unindexable_files"]) == 1
    assert doc["network"]["runtime"] in ("onnx", "torch") and doc["network"]["device"]

    # Damage: a file vanishes behind the library's back, vectors lose their file.
    files["note0"].unlink()
    import sqlite3

    con = sqlite3.connect(lib / "library.sqlite")
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("INSERT INTO segments(file_id, kind, model_id, vector) "
                "VALUES (9999, 'note', 'x', x'00')")
    con.commit()
    con.close()
    code, out, _ = run(capsys, *L, "doctor")
    assert code == EXIT_PROBLEMS and "1 vectors belong to no file" in out
    assert "1 indexed files no longer exist on disk" in out
    code, out, _ = run(capsys, *L, "doctor", "--repair")
    assert code == 0 and "(removed)" in out
    code, out, _ = run(capsys, *L, "doctor", "--json")
    assert json.loads(out)["problems"] == []


def test_errors_and_exit_codes(setup, capsys) -> None:
    lib, media, files, ckpt = setup
    L = ("--library", str(lib))
    code, _, err = run(capsys, *L, "index", str(media / "nope"), "--model", str(ckpt))
    assert code == 1 and "is not a folder" in err
    code, _, err = run(capsys, *L, "index", "--model", str(ckpt))
    assert code == 1 and "no folders" in err
    code, _, err = run(capsys, *L, "search", "--model", str(ckpt))
    assert code == 2 and "exactly one of" in err   # bad arguments: 2
    code, _, err = run(capsys, *L, "search", "x", "--kinds", "chairs", "--model", str(ckpt))
    assert code == 2 and "unknown kind 'chairs'" in err
    code, _, err = run(capsys, *L, "search", "x", "--model", str(lib / "missing.pt"))
    assert code == 1
    code, _, err = run(capsys, *L, "search", "--file", str(media / "broken.png"), "--model",
                       str(ckpt))
    assert code == 1 and "broken.png" in err
    code, _, err = run(capsys, *L, "folders", "--remove", str(media))
    assert code == 1 and "not a library folder" in err
    with pytest.raises(SystemExit) as e:
        main(["--library", str(lib), "frobnicate"])
    assert e.value.code == 2
    capsys.readouterr()

    from core.library import Library

    holder = Library.open(lib)
    try:
        code, _, err = run(capsys, *L, "stats")
        assert code == EXIT_BUSY and "in use" in err
    finally:
        holder.close()


def test_library_dir_from_environment(setup, capsys, monkeypatch) -> None:
    lib, media, _, _ = setup
    monkeypatch.setenv("SYNESTHESIA_LIBRARY", str(lib / "from-env"))
    code, out, _ = run(capsys, "stats", "--json")
    assert code == 0 and json.loads(out)["library"] == str(lib / "from-env")
    code, out, _ = run(capsys, "--library", str(lib / "flag"), "stats", "--json")
    assert json.loads(out)["library"] == str(lib / "flag")


def test_parser_has_registered_commands() -> None:
    assert "app.commands.library" in BUILTIN
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert {"index", "search", "stats", "doctor", "folders"} <= set(sub.choices)


def test_training_registers_its_commands_through_the_registry() -> None:
    """train and eval come from the entry-point group, not from an import in app."""
    from app.commands.registry import ENTRY_POINT_GROUP, plugin_registrars

    assert "training" in dict(plugin_registrars()), f"pip install -e . registers {ENTRY_POINT_GROUP}"
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert {"train", "eval", "demo"} <= set(sub.choices)


def test_start_up_imports_neither_torch_nor_qt() -> None:
    code = ("import sys, app.cli; app.cli.build_parser(); "
            "print(sorted(m for m in ('torch', 'PySide6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"


def test_damaged_or_newer_database(tmp_path: Path, capsys) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "library.sqlite").write_bytes(b"this is not a database" * 100)
    code, _, err = run(capsys, "--library", str(lib), "stats")
    assert code == 1 and "cannot be opened" in err and "move it away" in err
    import sqlite3

    (lib / "library.sqlite").unlink()
    con = sqlite3.connect(lib / "library.sqlite")
    con.execute("PRAGMA user_version = 999")
    con.close()
    code, _, err = run(capsys, "--library", str(lib), "stats")
    assert code == 1 and "newer Synesthesia" in err


@pytest.mark.parametrize("argv", [
    ["search", "dog", "-k", "0"],
    ["search", "dog", "--kinds", "bogus"],
    ["search", "dog", "--item", "1"],
    ["search"],
    ["tag", "--all", "--min-score", "2"],
    ["tag"],
    ["export-tags"],
    ["export-tags", "--format", "csv", "--status", "bogus"],
])
def test_bad_argument_values_exit_2(tmp_path: Path, capsys, argv: list[str]) -> None:
    """Regression: bad argument values exited 1; the README promises 2 (as argparse
    gives for the arguments it checks itself). Nothing is opened or created."""
    lib = tmp_path / "lib"
    code, out, err = run(capsys, "--library", str(lib), *argv)
    assert code == 2 and out == ""
    assert err.startswith(f"synesthesia {argv[0]}: error: ") and "Traceback" not in err
    assert not lib.exists()


@pytest.fixture
def read_only_fs(tmp_path: Path):
    """A tmpfs mounted at tmp_path/"ro" (root only; skipped where mounting is not allowed);
    call the yielded function to remount it read-only."""
    import os

    mnt = tmp_path / "ro"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "none", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs to mount a tmpfs (root)")

    def remount_read_only() -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)

    try:
        yield mnt, remount_read_only
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_library_on_a_read_only_file_system(setup, capsys, read_only_fs) -> None:
    """Regression: every command died with a traceback at the lock file. Reading
    commands work; writing ones say the library is read-only (exit 1)."""
    _, media, files, ckpt = setup
    mnt, remount_read_only = read_only_fs
    L = ("--library", str(mnt / "lib"))
    M = ("--model", str(ckpt))
    assert run(capsys, *L, "index", str(media), *M)[0] == 0
    assert run(capsys, *L, "tags", str(files["img0"]), "--add", "holiday")[0] == 0
    remount_read_only()
    code, out, err = run(capsys, *L, "search", "red", "-k", "2", "--json", "--merged", *M)
    assert code == 0 and len(json.loads(out)["results"]) == 2, err
    code, out, err = run(capsys, *L, "stats", "--json")
    assert code == 0 and json.loads(out)["images"] >= 1, err
    code, out, err = run(capsys, *L, "doctor")
    assert code in (0, 4) and "Traceback" not in err, err
    code, out, err = run(capsys, *L, "export-tags", "--format", "csv")
    assert code == 0 and "holiday" in out, err
    code, out, err = run(capsys, *L, "tags", str(files["img0"]))
    assert code == 0 and "holiday" in out, err
    for argv in (["index", *M], ["tag", "--all", *M], ["doctor", "--repair"],
                 ["tags", str(files["img0"]), "--add", "x"], ["export-tags", "--sidecars"],
                 ["folders", "--remove", str(media)]):
        code, out, err = run(capsys, *L, *argv)
        assert code == 1 and "read-only" in err and "Traceback" not in err, (argv, err)


def test_a_full_disk_is_one_clear_message(setup, capsys, tmp_path: Path) -> None:
    """Regression: a full disk gave two raw tracebacks ("database or disk is full",
    then "cannot rollback - no transaction is active"). One message naming the library's
    folder, exit 1; the library stays consistent and the next run after freeing space
    indexes everything."""
    import os

    _, media, _, ckpt = setup
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "none",
                                            str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("needs to mount a tmpfs (root)")
    try:
        L = ("--library", str(mnt / "lib"))
        assert run(capsys, *L, "stats")[0] == 0   # the library exists, empty
        free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
        (mnt / "filler").write_bytes(b"\0" * (free - 40_000))
        code, out, err = run(capsys, *L, "index", str(media), "--model", str(ckpt))
        assert code == 1 and "Traceback" not in err and "cannot rollback" not in err
        assert err.count("error:") == 1 and f"({mnt / 'lib'}) is full" in err
        (mnt / "filler").unlink()
        code, out, err = run(capsys, *L, "doctor")
        assert code == 0 and "consistent" in out + err
        code, out, err = run(capsys, *L, "index", str(media), "--model", str(ckpt), "--json")
        assert code == 0 and json.loads(out)["failed"] == 1   # broken.png
        assert run(capsys, *L, "doctor")[0] == 0
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_no_space_left_anywhere_else_is_one_clear_message(tmp_path: Path, capsys,
                                                          monkeypatch) -> None:
    """Regression: ENOSPC outside SQLite (an index file, a table written with -o) is
    one message naming the file, exit 1, not a traceback."""
    import errno
    import os

    import app.commands.library as library_commands

    def full(args, rest):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "image.hnsw"))

    monkeypatch.setattr(library_commands, "_stats", full)
    code, out, err = run(capsys, "--library", str(tmp_path / "lib"), "stats")
    assert code == 1 and err.count("error:") == 1
    assert f"the disk holding {tmp_path / 'image.hnsw'} is full" in err


def test_training_commands_say_what_to_install_without_torch(monkeypatch, capsys) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))
    from app.cli import main

    for argv in (["adapt"], ["train"], ["eval"]):
        assert main(argv) == 1
        assert "needs torch" in capsys.readouterr().err
    from app.gui.dialogs.adapt import available

    assert not available()
