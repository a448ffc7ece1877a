"""The tagging commands end to end on a small real library (tiny checkpoint, real files)."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest

from app.cli import main
from core.tagging.sidecar import read_tags
from tests.media import make_tree


@pytest.fixture()
def cli(tmp_path: Path, capsys, tiny_checkpoint):
    media = make_tree(tmp_path / "media", images=3, sounds=2, notes=1)
    ckpt = tiny_checkpoint
    lib = tmp_path / "lib"

    def run(*argv: str, model: bool = False) -> tuple[int, str, str]:
        extra = ["--model", str(ckpt)] if model else []
        code = main(["--library", str(lib), *argv, *extra])
        out, err = capsys.readouterr()
        return code, out, err

    code, _, _ = run("index", str(tmp_path / "media"), model=True)
    assert code == 0
    return run, media


def test_tag_review_and_export(cli, tmp_path: Path) -> None:
    run, media = cli
    code, out, _ = run("tag", "--all", "--min-score", "0", "--top", "2", "--json", model=True)
    assert code == 0
    report = json.loads(out)
    assert report["items"] == 6 and report["proposed"] == 12
    code, out, _ = run("tag", "--all", "--min-score", "0", "--top", "2", "--json", model=True)
    assert json.loads(out)["items"] == 0   # incremental

    code, out, _ = run("tags", str(media["img0"]), "--json")
    tags = json.loads(out)["tags"]
    assert [t["status"] for t in tags] == ["proposed", "proposed"]
    first, second = tags[0]["name"], tags[1]["name"]
    code, out, _ = run("tags", str(media["img0"]), "--accept", first, "--reject", second,
                       "--add", "holiday")
    assert code == 0
    assert f"accepted: {first}" in out and "holiday" in out and f"rejected: {second}" in out

    code, out, _ = run("export-tags", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["tag"] for r in rows) == sorted([first, "holiday"])

    code, out, err = run("export-tags", "--sidecars", "--style", "file.xmp", "--json")
    assert code == 0
    assert [Path(p).name for p in json.loads(out)["sidecars"]["written"]] == ["img0.xmp"]
    assert sorted(read_tags(media["img0"])) == sorted([first, "holiday"])


def test_tag_a_folder_with_own_vocabulary(cli, tmp_path: Path) -> None:
    run, media = cli
    vocab = tmp_path / "mine.txt"
    vocab.write_text("grandma\nour boat\n", encoding="utf-8")
    code, out, _ = run("tag", str(media["snd0"].parent), "--vocab", str(vocab),
                       "--no-default-vocab", "--min-score", "0", "--top", "5", "--json",
                       model=True)
    assert code == 0
    report = json.loads(out)
    assert report["items"] == 2 and report["vocabulary"] == 2
    assert set(report["by_tag"]) <= {"grandma", "our boat"}
    code, out, _ = run("tag", "--all", "--word", "lighthouse keeper", "--keep-vocab",
                       "--no-default-vocab", "--min-score", "0", "--top", "1", "--json",
                       model=True)
    assert json.loads(out)["vocabulary"] == 1
    code, out, _ = run("tag", "--all", "--no-default-vocab", "--min-score", "0", "--json",
                       model=True)
    assert json.loads(out)["vocabulary"] == 1   # the kept word, without --word this time
    code, _, err = run("tag", str(tmp_path / "elsewhere"), model=True)
    assert code == 1 and "no indexed file" in err
    code, _, err = run("tag", model=True)
    assert code == 2 and "--all" in err   # bad arguments: 2


def test_learn_tag_and_concepts(cli) -> None:
    run, media = cli
    code, out, _ = run("learn-tag", "rainy day", "--positive", str(media["img0"]),
                       str(media["img1"]), "--negative", str(media["img2"]),
                       "--min-score", "0", "--json", model=True)
    assert code == 0
    report = json.loads(out)
    assert report["positives"] == 2 and report["negatives"] == 1
    assert report["proposed"]["sound"] == 2
    code, out, _ = run("tags", str(media["snd1"]), "--json")
    assert [(t["name"], t["source"]) for t in json.loads(out)["tags"]] == [
        ("rainy day", "learned")]
    code, out, _ = run("concepts", "--unit", "2", "--top", "1", "--json", model=True)
    units = json.loads(out)["units"]
    assert [u["unit"] for u in units] == [2]
    assert set(units[0]["top"]) == {"image", "sound"}   # one note only: no distribution
    code, out, _ = run("concepts", "--limit", "3", "--all", model=True)
    assert code == 0 and out.count("unit ") == 3
    code, out, _ = run("concepts", "--json", model=True)
    cross = json.loads(out)["cross_kind_units"]
    code, out, err = run("concepts", model=True)  # only the cross-kind units, or why none
    assert code == 0 and out.count("unit ") == min(cross, 20)
    assert ("None of the network's" in err) == (cross == 0)


def test_export_to_a_read_only_folder_fails_clearly(cli) -> None:
    run, media = cli
    run("tags", str(media["snd0"]), "--add", "engine")
    folder = media["snd0"].parent
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    try:
        code, _, err = run("export-tags", "--sidecars")
    finally:
        os.chmod(folder, stat.S_IRWXU)
    assert code == 1 and "read-only" in err and "snd0.flac.xmp" in err
    code, out, _ = run("export-tags", "--format", "json", "--json")
    assert [t["tag"] for t in json.loads(out)["tags"]] == ["engine"]


def test_export_to_a_missing_folder_is_a_clear_error(cli, tmp_path: Path) -> None:
    """Regression: `export-tags -o /missing/x.csv` gave a traceback."""
    run, media = cli
    run("tags", str(media["img0"]), "--add", "holiday")
    target = tmp_path / "missing" / "x.csv"
    code, _, err = run("export-tags", "--format", "csv", "-o", str(target))
    assert code == 1 and "does not exist" in err and str(target.parent) in err
    assert "Traceback" not in err and not target.parent.exists()


def test_csv_cells_that_look_like_formulas_are_quoted(cli, tmp_path: Path) -> None:
    """Regression: a tag `=HYPERLINK(...)` was written as is, and a spreadsheet
    opening the CSV ran it (formula injection)."""
    run, media = cli
    names = ['=HYPERLINK("http://x","y")', "+1", "-1 dB", "@SUM(A1)", "a=b"]
    for name in names:
        assert run("tags", str(media["img0"]), "--add", name)[0] == 0
    code, out, _ = run("export-tags", "--format", "csv")
    assert code == 0
    assert sorted(r["tag"] for r in csv.DictReader(io.StringIO(out))) == sorted(
        ["'" + n for n in names[:4]] + ["a=b"])
    code, out, _ = run("export-tags", "--format", "json", "--json")   # JSON: as they are
    assert sorted(t["tag"] for t in json.loads(out)["tags"]) == sorted(names)


def test_tags_does_not_print_escape_sequences_raw(cli, tmp_path: Path) -> None:
    """Regression: a tag name holding an ANSI escape (stored before such names were
    refused, or written by another program) went raw to the terminal."""
    from core.library import Library

    run, media = cli
    with Library.open(tmp_path / "lib") as lib:
        item = lib.store.files.item_by_path(media["img0"].absolute())
        lib.store.tags.decide(item.id, "\x1b[2J\x1b[31mred", "accepted", "user")
    code, out, _ = run("tags", str(media["img0"]))
    assert code == 0 and "\x1b" not in out
    assert "accepted: \\x1b[2J\\x1b[31mred" in out


def test_file_xmp_style_does_not_share_one_sidecar_between_files(cli, tmp_path: Path, capsys,
                                                                  tiny_checkpoint) -> None:
    """Regression: with --style file.xmp, a.jpg, a.png, a.wav and a.md all wrote one
    a.xmp, and a fresh library then gave each of them all four files' tags."""
    from tests.media import pattern_image, tone, write_image, write_sound

    run, _ = cli
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    files = {
        "a.jpg": write_image(mixed / "a.jpg", pattern_image(64, 64, seed=20)),
        "a.png": write_image(mixed / "a.png", pattern_image(64, 64, seed=21)),
        "a.wav": write_sound(mixed / "a.wav", tone(1.0, 330.0)),
        "b.jpg": write_image(mixed / "b.jpg", pattern_image(64, 64, seed=22)),
    }
    (mixed / "a.md").write_text("a note about a harbour\n", encoding="utf-8")
    files["a.md"] = mixed / "a.md"
    assert run("index", str(mixed), model=True)[0] == 0
    own = {"a.jpg": "dog", "a.png": "cat", "a.wav": "bell", "a.md": "harbour", "b.jpg": "sky"}
    for name, tag in own.items():
        assert run("tags", str(files[name]), "--add", tag)[0] == 0
    code, _, err = run("export-tags", "--sidecars", "--style", "file.xmp")
    assert code == 0
    assert sorted(p.name for p in mixed.glob("*.xmp")) == [
        "a.jpg.xmp", "a.md.xmp", "a.png.xmp", "a.wav.xmp", "b.xmp"]
    assert "4 files share their name" in err and str(mixed / "a.wav.xmp") in err
    for name, tag in own.items():
        assert read_tags(files[name]) == [tag]
    # A fresh library reads each file's own tags back, and no one else's.
    fresh = tmp_path / "fresh"
    assert main(["--library", str(fresh), "index", str(mixed), "--model",
                 str(tiny_checkpoint)]) == 0
    capsys.readouterr()
    for name, tag in own.items():
        assert main(["--library", str(fresh), "tags", str(files[name]), "--json"]) == 0
        assert [t["name"] for t in json.loads(capsys.readouterr().out)["tags"]] == [tag]

