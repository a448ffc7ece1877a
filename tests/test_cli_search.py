"""`synesthesia search`: a block per kind, `--json` groups, `--kinds`, `--merged`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.media import make_tree


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_checkpoint) -> tuple[list[str], dict[str, Path]]:
    root = tmp_path_factory.mktemp("cli_search")
    files = make_tree(root / "media", images=5, sounds=4, notes=3)
    args = ["--library", str(root / "lib")]
    assert main([*args, "index", str(root / "media"), "--model", str(tiny_checkpoint)]) == 0
    return [*args, "search", "--model", str(tiny_checkpoint)], files


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_gives_a_group_per_kind_with_ranks_within_it(indexed, capsys) -> None:
    base, _ = indexed
    code, out, err = _run(capsys, *base, "river", "-k", "3", "--json")
    assert code == 0, err
    got = json.loads(out)
    assert got["query"]["text"] == "river" and got["query"]["k"] == 3
    assert [g["kind"] for g in got["groups"]] == ["image", "sound", "note", "video"]
    for g in got["groups"]:
        assert set(g) == {"kind", "results", "good", "more"}
        assert [r["rank"] for r in g["results"]] == list(range(1, len(g["results"]) + 1))
        assert {r["kind"] for r in g["results"]} <= {g["kind"]}
        assert g["good"] == sum(r["good"] for r in g["results"])
    sizes = {g["kind"]: len(g["results"]) for g in got["groups"]}
    assert sizes == {"image": 3, "sound": 3, "note": 3, "video": 0}
    assert [g["more"] for g in got["groups"]] == [True, True, False, False]
    # the notes holding the word are good matches, found by their words
    notes = got["groups"][2]
    assert notes["good"] == 3 and all(r["found_by"] != "network" for r in notes["results"])


def test_kinds_filter_the_groups_and_merged_gives_the_flat_list(indexed, capsys) -> None:
    base, _ = indexed
    code, out, _ = _run(capsys, *base, "river", "--kinds", "sound,photos", "--json")
    assert code == 0 and [g["kind"] for g in json.loads(out)["groups"]] == ["image", "sound"]
    code, out, _ = _run(capsys, *base, "river", "-k", "4", "--json", "--merged")
    flat = json.loads(out)
    assert "groups" not in flat and [r["rank"] for r in flat["results"]] == [1, 2, 3, 4]
    assert len({r["kind"] for r in flat["results"]}) >= 1


def test_text_prints_a_block_per_kind(indexed, capsys) -> None:
    base, _ = indexed
    code, out, err = _run(capsys, *base, "river", "-k", "3")
    assert code == 0, err
    blocks = out.strip().split("\n\n")
    heads = [b.splitlines()[0] for b in blocks]
    assert heads[2] == "Notes: 3 results, 3 good"
    # photos and sounds have no good match for "river" under the tiny random network:
    # each says so and still shows its closest 3, marked weak
    assert heads[:2] == ["Photos: no photo matches 'river' well; closest:",
                         "Sounds: no sound matches 'river' well; closest:"]
    for block in blocks[:2]:
        rows = block.splitlines()[1:]
        assert len(rows) == 3 and all(" weak " in row for row in rows)
    assert "Videos" not in out  # the library holds none
    # -k is per kind
    code, out, _ = _run(capsys, *base, "river", "-k", "2", "--all")
    assert [len(b.splitlines()) - 1 for b in out.strip().split("\n\n")] == [2, 2, 2]


def test_by_example_and_filters_alone(indexed, capsys) -> None:
    base, files = indexed
    code, out, _ = _run(capsys, *base, "--file", str(files["snd1"]), "-k", "2", "--json")
    groups = {g["kind"]: g for g in json.loads(out)["groups"]}
    assert groups["sound"]["results"][0]["path"] == str(files["snd1"])
    assert groups["sound"]["results"][0]["good"]
    code, out, _ = _run(capsys, *base, "kind:note", "-k", "10")
    assert code == 0 and out.splitlines()[0] == "Notes: 3 items"
    code, out, err = _run(capsys, *base, "river tag:nothing-has-this", "--json")
    assert code == 0 and all(g["results"] == [] for g in json.loads(out)["groups"])
    code, out, err = _run(capsys, *base, "river tag:nothing-has-this")
    assert code == 0 and out == "" and "no item passes the filters" in err
