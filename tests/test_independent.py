"""The independent evaluation set (scratch + gcompris-qt-data): name normaliser, concept
pairing, Qt resource reader, license lookup, and the evaluator on a tiny generated library."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.media import concept_sound as sound
from tests.media import picture, write_image, write_sound
from training import independent as ind


# -- names and concepts --------------------------------------------------------------------------
@pytest.mark.parametrize("stem, words", [
    ("LRStartAndStopCarEngine1LACut", ["start", "and", "stop", "car", "engine"]),
    ("dog2-b", ["dog"]),
    ("polar_bear", ["polar", "bear"]),
    ("screwDriver2", ["screw", "driver"]),
    ("HorseGallop", ["horse", "gallop"]),
    ("QueenAngel", ["queen", "angel"]),
    ("17_lion", ["lion"]),
])
def test_name_words(stem, words):
    assert ind.name_words(stem) == words


@pytest.mark.parametrize("stem, concepts", [
    ("polar_bear", ["polar bear"]),          # a two-word concept wins over "bear"
    ("kodiak-bear", ["bear"]),
    ("car-cow", ["car", "cow"]),
    ("LRFrogsInPondDuringStormLACut", ["frog", "lake", "rain"]),
    ("orange_duck", ["duck"]),               # a colour word before a concept is an adjective
    ("orange", ["orange"]),
    ("kitten", ["cat"]),
    ("Meow", ["cat"]),
    ("camels", ["camel"]),
    ("cherries", ["cherry"]),
    ("screwDriver3", ["screwdriver"]),
    ("LRBark_3_LA_cut", ["dog"]),
    ("flute_traversiere", ["flute"]),
    ("fire-hydrant", ["fire hydrant"]),
    ("tuxhelico", []),                       # mascot drawings are not real-world concepts
    ("dragon1-a", []),
    ("background", []),
    ("Laser1", []),
    ("cassy-dancing-1", []),
])
def test_concepts_of(stem, concepts):
    assert ind.concepts_of(ind.name_words(stem)) == concepts


def test_vocabulary_has_no_ambiguous_alias():
    seen: dict[str, str] = {}
    for concept, aliases in ind.CONCEPTS.items():
        for a in (concept, *aliases):
            assert a not in seen or seen[a] == concept, f"{a!r}: {seen.get(a)} and {concept}"
            seen[a] = concept
            assert a == a.lower() and a.strip() == a


def _library(root: Path) -> list[ind.Candidate]:
    """A handful of real PNG/WAV files named like the packages' media."""
    def img(name, colour, seed):
        return write_image(root / "img" / f"{name}.png", picture(colour, seed))

    def snd(name, kind, seed):
        return write_sound(root / "snd" / f"{name}.wav", sound(kind, seed))

    files = [
        ("image", img("dog1-a", (200, 150, 60), 1)), ("image", img("dog2", (190, 140, 50), 2)),
        ("image", img("cat2", (90, 90, 90), 3)), ("image", img("kitten", (100, 100, 100), 4)),
        ("image", img("sail-boat", (30, 60, 220), 5)), ("image", img("tree", (30, 200, 40), 6)),
        ("image", img("dragon1-a", (220, 30, 30), 7)),
        ("sound", snd("Dog1", "clicks", 1)), ("sound", snd("LRBark_1_LA_cut", "clicks", 2)),
        ("sound", snd("Meow", "high", 3)), ("sound", snd("Kitten", "high", 4)),
        ("sound", snd("HorseGallop", "low", 5)), ("sound", snd("Laser1", "noise", 6)),
    ]
    # a byte-identical copy under another name is kept once
    dup = root / "snd" / "Dog1copy.wav"
    dup.write_bytes((root / "snd" / "Dog1.wav").read_bytes())
    files.append(("sound", dup))
    return [ind.Candidate("scratch", kind, f, f"Media/{f.name}", f"Media/{f.stem}", "CC0")
            for kind, f in files]


def test_select_pairs_sounds_with_images_of_their_concept(tmp_path):
    items = ind.select(_library(tmp_path), {"scratch": "1.0"})
    by_id = {i["id"]: i for i in items}
    assert "scratch:Media/dragon1-a" not in by_id and "scratch:Media/Laser1#sound" not in by_id
    assert "scratch:Media/Dog1copy#sound" not in by_id  # duplicate bytes
    assert by_id["scratch:Media/kitten"]["labels"] == ["cat"]
    assert by_id["scratch:Media/sail-boat"]["texts"] == ["sail boat", "boat"]
    assert sorted(by_id["scratch:Media/Meow#sound"]["image_ids"]) == [
        "scratch:Media/cat2", "scratch:Media/kitten"]
    assert sorted(by_id["scratch:Media/LRBark_1_LA_cut#sound"]["image_ids"]) == [
        "scratch:Media/dog1-a", "scratch:Media/dog2"]
    assert by_id["scratch:Media/HorseGallop#sound"]["image_ids"] == []
    for it in items:
        assert {"id", "kind", "path", "texts", "labels", "group", "source", "version",
                "license"} <= set(it)
        assert it["version"] == "1.0" and it["license"] == "CC0"
        assert ("image_ids" in it) == (it["kind"] == "sound")
    s = ind.summary(items)
    assert (s["images"], s["sounds"]) == (6, 5)
    assert s["shared_concepts"] == 2 and s["sounds_with_images"] == 4  # dog x2, cat x2


# -- Qt resource bundles and licenses ------------------------------------------------------------
def make_rcc(files: dict[str, bytes], compress: set[str] = frozenset()) -> bytes:
    """A Qt binary resource bundle (format 2) holding `files`, written independently of the
    reader: directory nodes list their children contiguously, breadth first."""
    tree_nodes: list[dict] = [{"name": "", "dir": True, "children": {}}]

    def node_for(parts):
        cur = tree_nodes[0]
        for p in parts:
            if p not in cur["children"]:
                tree_nodes.append({"name": p, "dir": True, "children": {}})
                cur["children"][p] = tree_nodes[-1]
            cur = cur["children"][p]
        return cur

    for path, content in files.items():
        *dirs, leaf = path.split("/")
        node_for(dirs)["children"][leaf] = {"name": leaf, "dir": False, "content": content,
                                            "zip": path in compress}
    order, queue = [], [tree_nodes[0]]
    while queue:  # breadth first; children of one directory are contiguous
        n = queue.pop(0)
        order.append(n)
        if n["dir"]:
            queue += list(n["children"].values())
    index = {id(n): k for k, n in enumerate(order)}
    names, name_off, data = b"", {}, b""
    for n in order[1:]:
        if n["name"] not in name_off:
            name_off[n["name"]] = len(names)
            raw = n["name"].encode("utf-16-be")
            names += struct.pack(">HI", len(n["name"]), 0) + raw
    tree = b""
    for n in order:
        noff = name_off.get(n["name"], 0)
        if n["dir"]:
            kids = list(n["children"].values())
            first = index[id(kids[0])] if kids else 0
            tree += struct.pack(">IHIIQ", noff, 2, len(kids), first, 0)
        else:
            body = n["content"]
            if n["zip"]:
                body = struct.pack(">I", len(body)) + zlib.compress(body)
            tree += struct.pack(">IHHHIQ", noff, 1 if n["zip"] else 0, 0, 0, len(data), 0)
            data += struct.pack(">I", len(body)) + body
    head = 20
    return (b"qres" + struct.pack(">IIII", 2, head, head + len(tree),
                                  head + len(tree) + len(data)) + tree + data + names)


def test_rcc_entries_reads_plain_and_compressed_files():
    files = {
        "gcompris/src/activities/instruments/resource/violin.svg": b"<svg>violin</svg>" * 20,
        "gcompris/src/activities/instruments/resource/violin.ogg": bytes(range(256)) * 4,
        "gcompris/src/activities/erase/resource/horse.webp": b"RIFF....WEBP",
        "gcompris/src/core/qmldir": b"module core",
    }
    blob = make_rcc(files, compress={"gcompris/src/activities/instruments/resource/violin.svg"})
    assert dict(ind.rcc_entries(blob)) == files
    with pytest.raises(ValueError):
        list(ind.rcc_entries(b"not a bundle" + blob))


def test_license_of_follows_the_last_matching_paragraph():
    text = ("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
            "Files: *\nCopyright: x\nLicense: GPL-3+\n\n"
            "Files: src/activities/erase/resource/*\n src/activities/clickgame/resource/*.webp\n"
            "Copyright: y\nLicense: CC-BY-SA-4.0\n\n"
            "Files: src/activities/clickgame/resource/shark1.webp\nCopyright: z\n"
            "License: public-domain\n\nLicense: GPL-3+\n full text...\n")
    pkg = ind.Unpacked("gcompris-qt-data", "3.1-2", Path("/nonexistent"), text,
                       ind.parse_copyright(text))
    assert pkg.license_of("src/activities/erase/resource/horse.webp", "?") == "CC-BY-SA-4.0"
    assert pkg.license_of("src/activities/clickgame/resource/manta.webp", "?") == "CC-BY-SA-4.0"
    assert pkg.license_of("src/activities/clickgame/resource/shark1.webp", "?") == "public-domain"
    assert pkg.license_of("src/activities/memory/resource/01_cat.svg", "?") == "GPL-3+"


# -- the evaluator -------------------------------------------------------------------------------
class OracleModel:
    """Embeds every item as the one-hot vector of its first concept word: a perfect model."""

    model_id = "oracle"

    def __init__(self, concept_of_path: dict[str, str], vocab: list[str]):
        self.of, self.vocab = concept_of_path, vocab

    def _onehot(self, concepts):
        out = np.zeros((len(concepts), len(self.vocab)), np.float32)
        for k, c in enumerate(concepts):
            out[k, self.vocab.index(c)] = 1
        return out

    def image_teacher_outputs(self, paths):
        f = self._onehot([self.of[p] for p in paths])
        return np.zeros((len(paths), 1280), np.float32), f

    def embed_image_logits(self, logits):
        return logits

    def encode_sounds(self, paths):
        return self._onehot([self.of[p] for p in paths])

    def encode_texts(self, texts):
        return self._onehot([ind.concepts_of(t.split())[0] for t in texts])


def test_evaluator_gives_perfect_scores_to_a_perfect_model(tmp_path):
    items = ind.select(_library(tmp_path), {"scratch": "1"})
    vocab = sorted({c for i in items for c in i["labels"]})
    oracle = OracleModel({i["path"]: i["labels"][0] for i in items}, vocab)
    res = ind.evaluate(oracle, items, baseline=False)
    assert set(res["retrieval"]) == set(ind.DIRECTIONS)
    for d, m in res["retrieval"].items():
        assert m["R@1"] == 1.0 and m["median_rank"] == 1.0, d
        assert m["chance"]["R@1"] < 1.0
    # queries are the items with a relevant candidate: dog/cat images have sounds, boat/tree not
    assert res["retrieval"]["img->snd"]["queries"] == 4
    assert res["retrieval"]["snd->img"]["queries"] == 4  # the horse sound has no image
    assert res["retrieval"]["img->snd"]["candidates"] == 5
    assert res["zero_shot"]["images"]["accuracy"] == 1.0
    assert res["zero_shot"]["sounds"] == {"accuracy": 1.0, "n": 5, "classes": 3,
                                          "chance": pytest.approx(1 / 3)}


def test_evaluator_table_with_a_real_tiny_model(tmp_path, monkeypatch, capsys):
    """`eval --checkpoint --manifest --json` with a real (random, small) network, then the
    markdown table of its result."""
    import core.model
    from core.model import ModelConfig, create_model

    items = ind.select(_library(tmp_path / "lib"), {"scratch": "1"})
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(i) + "\n" for i in items))
    model = create_model(ModelConfig.tiny())
    ckpt = tmp_path / "tiny.pt"
    loaded = []  # the network is handed over as if loaded from --checkpoint
    monkeypatch.setattr(core.model, "load_model", lambda path=None: loaded.append(path) or model)
    assert ind.main(["eval", "--checkpoint", str(ckpt), "--manifest", str(manifest), "--json",
                     "--no-baseline"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert loaded == [str(ckpt)] and res["checkpoint"] == str(ckpt)
    assert res["model_id"] == model.model_id and res["counts"]["images"] == 6

    texts, _ = ind.text_queries(items)
    assert res["texts"] == len(texts) == len({i["texts"][0] for i in items})
    assert set(res["retrieval"]) == set(ind.DIRECTIONS)
    assert res["retrieval"]["img->txt"]["candidates"] == len(texts)
    for m in res["retrieval"].values():
        assert 0.0 <= m["R@1"] <= m["R@5"] <= m["R@10"] <= 1.0
        assert 1 <= m["median_rank"] <= m["candidates"]
        assert 0.0 < m["chance"]["R@10"] <= 1.0
    assert {"images", "sounds"} == set(res["zero_shot"])

    table = ind.format_report(res)
    rows = [ln for ln in table.splitlines() if ln.startswith("| ")]
    assert [r.split(" | ")[0][2:] for r in rows[1:7]] == list(ind.DIRECTIONS)
    r = res["retrieval"]["snd->img"]
    assert f"| snd->img | {r['R@1']:.3f} | {r['R@5']:.3f} | {r['R@10']:.3f} |" in table
    assert f"{r['queries']} x {r['candidates']} |" in table
    assert "| images |" in table and "| sounds |" in table


def test_eval_without_manifest_says_how_to_build_it(tmp_path, capsys):
    assert ind.main(["eval", "--manifest", str(tmp_path / "none.jsonl")]) == 2
    assert "training.independent build" in capsys.readouterr().err
