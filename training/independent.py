"""Independent evaluation on the Debian packages reserved for it: `scratch` and `gcompris-qt-data`.

Neither package is used by the training corpus (see `training.corpus.debs.RESERVED`), so
the numbers measured here are free of any training or tuning on the same media.

    python -m training.independent build            # fetch, unpack, convert, write the manifest
    python -m training.independent eval [--checkpoint PATH] [--json] [--no-baseline]

The builder fetches both packages with `apt-get download` into
`~/.cache/synesthesia/independent/debs`, unpacks them with `dpkg-deb -x` (no root install),
reads GCompris's Qt resource bundles (`.rcc`), renders SVG/SVGZ with `rsvg-convert`,
flattens transparent images onto white and writes `independent/manifest.jsonl` in the format
of the training manifest. Only real-world concepts are kept (animals, vehicles, weather,
instruments, tools, food, everyday objects, places); people's names, letters, numbers,
colours, fantasy creatures, user-interface sounds, speech and music are dropped. An item's
concepts come from its file name through a fixed concept vocabulary (`CONCEPTS`).

The evaluator embeds every item with the model and reports retrieval in six directions
(relevant = sharing a concept) with chance levels, plus zero-shot classification of images
and sounds against the concept words.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import os
import re
import struct
import subprocess
import sys
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

PACKAGES = ("scratch", "gcompris-qt-data")
IMAGE_EXT = (".png", ".gif", ".jpg", ".jpeg", ".webp", ".svg", ".svgz")
SOUND_EXT = (".wav", ".mp3", ".ogg")

# ---------------------------------------------------------------------------------------------
# Concept vocabulary: canonical concept -> other names (words or two-word phrases) that mean it
# in file names, from the data file beside this module (independent_concepts.tsv).
# ---------------------------------------------------------------------------------------------


def _load_concepts() -> dict[str, tuple[str, ...]]:
    rows = (Path(__file__).with_name("independent_concepts.tsv")
            .read_text(encoding="utf-8").splitlines())
    rows = [r for r in rows if r and not r.startswith("#")][1:]
    return {c: tuple(a for a in aliases.split(";") if a)
            for c, aliases, _group in (r.split("\t") for r in rows)}


CONCEPTS: dict[str, tuple[str, ...]] = _load_concepts()

# Words that, in a name, mark something that is not a real-world concept (a drawing of a
# mascot, a user-interface part, a map, a letter...). Such names are dropped.
REJECT_WORDS = frozenset({
    "tux", "tuxhelico", "tuxplane", "background", "bg", "icon", "button", "score", "arrow",
    "dragon", "unicorn", "ghost", "ghoul", "monster", "wizard", "witch", "fairy", "troll",
    "robot", "alien", "laser", "hit", "broken", "off", "on", "selected", "frame", "mask",
    "silhouette", "outline", "shadow", "target", "sound", "question", "flag", "windflag",
    "muncher", "gobo", "fantasy", "rape", "raquette", "carnaval", "epouvantail", "bolle",
    "mauve", "color", "colour", "cheesy", "carpet", "magiccarpet", "partyhat", "wizardhat",
    "hat", "cleaner", "manhole", "marble", "monkeyking", "roundman", "squaregirl", "squareguy",
    "wild", "cub", "insect", "nature", "dots", "hands", "disc", "support", "tube", "brush",
    "flashlight", "light", "wire", "transformer", "mast", "blade", "pole", "stone", "ring",
    "rings", "teeth", "chart", "statue", "tangram", "pattern", "box", "girl", "boy", "run",
    "stand", "tracks", "field", "court",
})

# Folders (scratch) or activities (GCompris) whose media are real-world material.
SCRATCH_IMAGE_DIRS = ("Costumes/Animals", "Costumes/Transportation", "Costumes/Things",
                      "Costumes/People", "Costumes/Fantasy", "Backgrounds/Nature",
                      "Backgrounds/Outdoors", "Backgrounds/Indoors")
SCRATCH_SOUND_DIRS = ("Sounds/Animal", "Sounds/Effects", "Sounds/Human", "Sounds/Instruments",
                      "Sounds/Percussion")  # not Music Loops, Vocals, Electronic
GCOMPRIS_SKIP = frozenset({
    # maps, paintings, landmarks, letters, numbers, money, board games, music, UI
    "geo-country", "geography", "paintings", "details", "explore_monuments", "menu", "core",
    "advanced_colors", "digital_electricity", "analog_electricity", "piano_composition",
    "photo_hunter", "explore_world_music", "money", "money_back", "money_cents",
    "money_back_cents", "chess", "checkers", "drawletters", "drawnumbers", "crane", "family",
    "learn_digits", "leftright", "chronos", "gnumch-equality", "sudoku", "graph-coloring",
    "color_mix", "color_mix_light", "redraw", "learn_decimals", "louis-braille",
    "braille_alphabets", "renewable_energy", "baby_tangram", "click_on_letter", "tangram",
    "number_sequence", "watercycle", "melody", "play_rhythm", "morse_code", "ballcatch",
    "clockgame", "scalesboard", "bargame", "simplepaint", "left_right_click", "reversecount",
    "share", "positions", "penalty", "football", "balancebox", "binary_bulb",
})
GCOMPRIS_SKIP_DIRS = ("/alphabets/", "/numbers/", "/monuments/",
                      "/babyshapes/resource/dog")  # puzzle pieces of one photo
SCRATCH_LICENSE = "CC-BY-SA-3.0"  # debian/copyright: Files: Help/* Media/* Projects

COLOUR_WORDS = frozenset({"orange", "lemon", "cherry", "chocolate", "peach", "plum"})
_SPLIT = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
# Packaging words in names: GCompris's memory-sound clips are named like LRBark_3_LA_cut.
NAME_NOISE = frozenset({"lr", "la", "cut", "son", "new", "fin"})
_PHRASES: dict[str, str] = {}
for _c, _aliases in CONCEPTS.items():
    for _a in (_c, *_aliases):
        _PHRASES[_a] = _c


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """`$SYNESTHESIA_CACHE/independent` or `~/.cache/synesthesia/independent`."""
    if explicit is not None:
        return Path(explicit)
    root = os.environ.get("SYNESTHESIA_CACHE") or Path.home() / ".cache" / "synesthesia"
    return Path(root) / "independent"


# ---------------------------------------------------------------------------------------------
# Names -> words -> concepts
# ---------------------------------------------------------------------------------------------
def name_words(stem: str) -> list[str]:
    """Lower-case words of a file name: camelCase, `_`, `-` and digits split; digits, single
    letters (variant suffixes like `-a`) and packaging words dropped.

    `'LRStartAndStopCarEngine1LACut'` -> `['start', 'and', 'stop', 'car', 'engine']`,
    `'dog2-b'` -> `['dog']`, `'polar_bear'` -> `['polar', 'bear']`.
    """
    out = []
    for part in _SPLIT.findall(stem):
        w = part.lower()
        if w.isdigit() or len(w) < 2 or w in NAME_NOISE:
            continue
        out.append(w)
    return out


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _lookup(phrase: str) -> str | None:
    if phrase in _PHRASES:
        return _PHRASES[phrase]
    parts = phrase.split(" ")
    parts[-1] = _singular(parts[-1])
    return _PHRASES.get(" ".join(parts))


def concepts_of(words: list[str]) -> list[str]:
    """Concepts named by `words`, in order, two-word phrases before single words:
    `['polar', 'bear']` -> `['polar bear']`, `['car', 'cow']` -> `['car', 'cow']`,
    `['frogs', 'in', 'pond', 'during', 'storm']` -> `['frog', 'rain']`. Empty when the
    name contains a word of `REJECT_WORDS` or no concept at all."""
    if any(w in REJECT_WORDS for w in words):
        return []
    found: list[str] = []
    i = 0
    while i < len(words):
        hit = _lookup(" ".join(words[i : i + 2])) if i + 1 < len(words) else None
        step = 2
        if hit is None:
            hit, step = _lookup(words[i]), 1
            # a colour word before another concept is an adjective: "orange duck"
            if words[i] in COLOUR_WORDS and i + 1 < len(words) and _lookup(words[i + 1]):
                hit = None
        if hit is not None and hit not in found:
            found.append(hit)
        i += step
    return found


def concept_pairs(items: list[dict]) -> None:
    """Fill `image_ids` of every sound: the images sharing one of its concepts."""
    by_concept: dict[str, list[str]] = {}
    for it in items:
        if it["kind"] == "image":
            for c in it["labels"]:
                by_concept.setdefault(c, []).append(it["id"])
    for it in items:
        if it["kind"] == "sound":
            ids: list[str] = []
            for c in it["labels"]:
                ids += [i for i in by_concept.get(c, []) if i not in ids]
            it["image_ids"] = ids


# ---------------------------------------------------------------------------------------------
# Qt resource bundles (GCompris keeps its media in .rcc files)
# ---------------------------------------------------------------------------------------------
def rcc_entries(data: bytes) -> Iterator[tuple[str, bytes]]:
    """`(path, content)` of every file in a Qt binary resource bundle (`rcc` format 1-3)."""
    if data[:4] != b"qres":
        raise ValueError("not a Qt resource bundle")
    version, tree, payload, names = struct.unpack(">IIII", data[4:20])
    node = 14 if version == 1 else 22

    def name(off: int) -> str:
        (n,) = struct.unpack(">H", data[names + off : names + off + 2])
        return data[names + off + 6 : names + off + 6 + 2 * n].decode("utf-16-be")

    stack = [(0, "")]
    while stack:
        idx, prefix = stack.pop()
        p = tree + idx * node
        name_off, flags = struct.unpack(">IH", data[p : p + 6])
        here = name(name_off) if idx else ""
        if flags & 2:  # directory
            count, first = struct.unpack(">II", data[p + 6 : p + 14])
            sub = f"{prefix}{here}/" if idx else ""
            stack += [(first + k, sub) for k in range(count)]
            continue
        (off,) = struct.unpack(">I", data[p + 10 : p + 14])
        (length,) = struct.unpack(">I", data[payload + off : payload + off + 4])
        raw = data[payload + off + 4 : payload + off + 4 + length]
        if flags & 1:  # zlib, after a 4-byte uncompressed length
            raw = zlib.decompress(raw[4:])
        elif flags & 4:  # zstd (Qt 6); not used by the Debian build, skipped if met
            log.warning("skipping zstd-compressed %s%s", prefix, here)
            continue
        yield prefix + here, raw


# ---------------------------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------------------------
@dataclass
class Unpacked:
    name: str
    version: str
    root: Path
    copyright: str = ""
    licenses: list[tuple[list[str], str]] = field(default_factory=list)

    def license_of(self, rel: str, default: str) -> str:
        """License of a source file from the package's DEP-5 copyright (last match wins)."""
        found = default
        for patterns, lic in self.licenses:
            if any(fnmatch.fnmatch(rel, pat) for pat in patterns):
                found = lic
        return found


def parse_copyright(text: str) -> list[tuple[list[str], str]]:
    """DEP-5 `Files:`/`License:` paragraphs -> [(patterns, short license)]."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        files = re.search(r"^Files:(.*(?:\n[ \t]+.*)*)", para, re.M)
        lic = re.search(r"^License:[ \t]*(\S[^\n]*)", para, re.M)
        if files and lic:
            out.append((files.group(1).split(), lic.group(1).strip()))
    return out


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def fetch(name: str, root: Path) -> Unpacked:
    """`apt-get download` (after `apt-get update` if needed) and `dpkg-deb -x` one package."""
    debs = root / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{name}_*.deb"))
    if not found:
        res = _run(["apt-get", "download", name], cwd=debs)
        if res.returncode != 0:
            _run(["apt-get", "update"])
            res = _run(["apt-get", "download", name], cwd=debs)
        found = sorted(debs.glob(f"{name}_*.deb"))
        if res.returncode != 0 or not found:
            raise RuntimeError(f"apt-get download {name} failed: {res.stderr.strip()[-400:]}")
    deb = found[-1]
    dest = root / "extracted" / name
    if not (dest / ".done").exists():
        dest.mkdir(parents=True, exist_ok=True)
        res = _run(["nice", "-n", "10", "dpkg-deb", "-x", str(deb), str(dest)])
        if res.returncode != 0:
            raise RuntimeError(f"dpkg-deb -x {deb} failed: {res.stderr.strip()[-400:]}")
        (dest / ".done").touch()
    version = _run(["dpkg-deb", "-f", str(deb), "Version"]).stdout.strip()
    cfile = dest / "usr" / "share" / "doc" / name / "copyright"
    text = cfile.read_text(errors="replace") if cfile.exists() else ""
    return Unpacked(name, version, dest, text, parse_copyright(text))


# ---------------------------------------------------------------------------------------------
# Candidates: media files with a name, a folder and a license
# ---------------------------------------------------------------------------------------------
@dataclass
class Candidate:
    source: str  # package name
    kind: str  # "image" | "sound"
    file: Path  # file on disk (extracted)
    origin: str  # path inside the package (or inside its resource bundle)
    key: str  # stable id part: folder/name
    license: str


def scratch_candidates(pkg: Unpacked) -> list[Candidate]:
    media = pkg.root / "usr" / "share" / "scratch" / "Media"
    out = []
    for dirs, kind, exts in ((SCRATCH_IMAGE_DIRS, "image", IMAGE_EXT),
                             (SCRATCH_SOUND_DIRS, "sound", SOUND_EXT)):
        for d in dirs:
            for f in sorted((media / d).glob("*")):
                if f.suffix.lower() in exts and f.is_file():
                    rel = f.relative_to(pkg.root).as_posix()
                    out.append(Candidate(pkg.name, kind, f, rel, f"{d}/{f.stem}", SCRATCH_LICENSE))
    return out


def gcompris_candidates(pkg: Unpacked) -> list[Candidate]:
    """Media of the GCompris activities, written out of the resource bundles once."""
    rcc_dir = pkg.root / "usr" / "share" / "gcompris-qt" / "rcc"
    files = pkg.root.parent / f"{pkg.name}-files"
    default = pkg.license_of("*", "GPL-3+")
    out = []
    for rcc in sorted(rcc_dir.glob("*.rcc")):
        if rcc.stem in GCOMPRIS_SKIP:
            continue
        for rel, content in rcc_entries(rcc.read_bytes()):
            ext = Path(rel).suffix.lower()
            kind = "image" if ext in IMAGE_EXT else "sound" if ext in SOUND_EXT else None
            parts = rel.split("/")
            # gcompris/src/activities/<activity>/... ; the activity's own icon is skipped
            if kind is None or len(parts) < 5 or parts[2] != "activities":
                continue
            activity = parts[3]
            if activity in GCOMPRIS_SKIP or any(d in f"/{rel}" for d in GCOMPRIS_SKIP_DIRS):
                continue
            if len(parts) == 5 and Path(parts[4]).stem == activity:
                continue
            if Path(rel).stem.startswith("T_"):  # shape targets of babyshapes
                continue
            dst = files / rel
            if not dst.exists() or dst.stat().st_size != len(content):
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(content)
            src_rel = "/".join(parts[1:])  # path in the GCompris source tree
            out.append(Candidate(pkg.name, kind, dst, f"{rcc.name}:{rel}",
                                 f"{activity}/{'/'.join(parts[4:-1] + [Path(rel).stem])}",
                                 pkg.license_of(src_rel, default)))
    return out


# ---------------------------------------------------------------------------------------------
# Building the manifest
# ---------------------------------------------------------------------------------------------
SHORT = {"scratch": "scratch", "gcompris-qt-data": "gcompris"}
MIN_SOUND_S = 0.05


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def select(cands: Iterable[Candidate], version: dict[str, str]) -> list[dict]:
    """Manifest items (paths still pointing at the source files) of the candidates whose names
    name a real-world concept; byte-identical files are kept once."""
    import hashlib

    items, seen_hash, seen_id = [], set(), set()
    for c in cands:
        words = name_words(c.file.stem)
        labels = concepts_of(words)
        if not labels:
            continue
        digest = hashlib.sha1(c.file.read_bytes()).hexdigest()
        if digest in seen_hash:
            continue
        seen_hash.add(digest)
        ext = c.file.suffix.lower().lstrip(".")
        suffix = "#sound" if c.kind == "sound" else ""
        iid = f"{SHORT.get(c.source, c.source)}:{c.key}"
        if iid + suffix in seen_id:  # the same drawing as SVG and as WebP
            iid = f"{iid}.{ext}"
        iid += suffix
        seen_id.add(iid)
        phrase = " ".join(words)
        texts = [phrase] + [lab for lab in labels if lab != phrase]
        folder = c.key.rsplit("/", 1)[0]
        item = {"id": iid, "kind": c.kind,
                "path": str(c.file), "texts": texts, "labels": labels,
                "group": f"{SHORT.get(c.source, c.source)}:{folder}/{phrase}",
                "source": c.source, "version": version.get(c.source, ""), "license": c.license,
                "origin": c.origin}
        if c.kind == "sound":
            item["image_ids"] = []
        items.append(item)
    concept_pairs(items)
    return items


def _convert_images(items: list[dict], out: Path, rsvg: str | None, workers: int = 2) -> list[dict]:
    """Render/flatten every image to an RGB PNG under `out`; items that fail are dropped."""
    from concurrent.futures import ProcessPoolExecutor

    from training.corpus.render import convert

    tasks, keep = [], []
    for it in items:
        src = Path(it["path"])
        is_svg = src.suffix.lower() in (".svg", ".svgz")
        if is_svg and rsvg is None:
            continue
        dst = out / f"{_slug(it['id'])}.png"
        tasks.append(("svg" if is_svg else "raster", str(src), str(dst), rsvg or ""))
        keep.append((it, dst))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        ok = list(pool.map(convert, tasks, chunksize=8))
    done = []
    for (it, dst), good in zip(keep, ok, strict=True):
        if good:
            done.append({**it, "path": str(dst)})
        else:
            log.warning("dropping image %s: cannot convert %s", it["id"], it["origin"])
    return done


def _check_sounds(items: list[dict]) -> list[dict]:
    """Sounds that decode, last at least MIN_SOUND_S and are not silent, with their duration."""
    from core.errors import UnreadableMedia
    from core.media import load_audio

    done = []
    for it in items:
        try:
            w = load_audio(it["path"], sample_rate=16000)
        except UnreadableMedia as e:
            log.warning("dropping sound %s: %s", it["id"], e)
            continue
        if len(w) < MIN_SOUND_S * 16000 or float(np.abs(w).max(initial=0.0)) < 1e-3:
            log.warning("dropping sound %s: too short or silent", it["id"])
            continue
        done.append({**it, "duration_s": round(len(w) / 16000, 2)})
    return done


def find_rsvg() -> str | None:
    import shutil

    from training.corpus.debs import cache_dir as corpus_cache
    from training.corpus.render import find_rsvg as corpus_rsvg

    return corpus_rsvg(corpus_cache() / "extracted") or shutil.which("rsvg-convert")


def build(root: Path | None = None, workers: int = 2) -> list[dict]:
    """Fetch, unpack and convert both packages; write `root/manifest.jsonl`; return the items."""
    root = root or cache_dir()
    cands: list[Candidate] = []
    version = {}
    for name in PACKAGES:
        pkg = fetch(name, root)
        version[name] = pkg.version
        cands += scratch_candidates(pkg) if name == "scratch" else gcompris_candidates(pkg)
    items = select(cands, version)
    rsvg = find_rsvg()
    if rsvg is None:
        log.warning("rsvg-convert not found: SVG images are skipped")
    images = _convert_images([i for i in items if i["kind"] == "image"], root / "images", rsvg,
                             workers)
    sounds = _check_sounds([i for i in items if i["kind"] == "sound"])
    items = images + sounds
    concept_pairs(items)  # again: some images may have been dropped
    tmp = root / "manifest.jsonl.tmp"
    with open(tmp, "w") as f:
        for it in items:
            f.write(json.dumps(it) + "\n")
    tmp.replace(root / "manifest.jsonl")
    return items


def summary(items: list[dict]) -> dict:
    """Counts of a manifest: items and concepts per kind and per source."""
    img = [i for i in items if i["kind"] == "image"]
    snd = [i for i in items if i["kind"] == "sound"]
    ci = {c for i in img for c in i["labels"]}
    cs = {c for i in snd for c in i["labels"]}
    return {"images": len(img), "sounds": len(snd), "image_concepts": len(ci),
            "sound_concepts": len(cs), "concepts": len(ci | cs), "shared_concepts": len(ci & cs),
            "sounds_with_images": sum(1 for s in snd if s["image_ids"]),
            "by_source": dict(Counter(f"{i['source']} {i['kind']}" for i in items)),
            "licenses": dict(Counter(i["license"] for i in items))}


def load_manifest(path: Path | None = None) -> list[dict]:
    path = path or cache_dir() / "manifest.jsonl"
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------
DIRECTIONS = ("img->txt", "txt->img", "img->snd", "snd->img", "txt->snd", "snd->txt")


def text_queries(items: list[dict]) -> tuple[list[str], list[set[str]]]:
    """The distinct first texts of all items, each with the concepts of the items it names."""
    concepts: dict[str, set[str]] = {}
    for it in items:
        concepts.setdefault(it["texts"][0], set()).update(it["labels"])
    texts = sorted(concepts)
    return texts, [concepts[t] for t in texts]


def relevance(queries: list[set[str]], candidates: list[set[str]]) -> np.ndarray:
    """(q, c) bool: query and candidate share a concept."""
    return np.array([[bool(q & c) for c in candidates] for q in queries], dtype=bool).reshape(
        len(queries), len(candidates))


def directional(scores: np.ndarray, rel: np.ndarray, trials: int = 20) -> dict | None:
    """Retrieval metrics over the queries that have a relevant candidate, chance beside."""
    from training.metrics import chance_metrics, retrieval_metrics

    keep = rel.any(axis=1)
    if keep.sum() == 0:
        return None
    out = retrieval_metrics(scores[keep], rel[keep])
    out["chance"] = chance_metrics(rel[keep], trials=trials)
    return out


def zero_shot(emb: np.ndarray, labels: list[set[str]], classes: list[str],
              class_emb: np.ndarray) -> dict:
    """Top-1 accuracy of items against class-word embeddings (hit: any of the item's concepts)."""
    pred = (emb @ class_emb.T).argmax(axis=1)
    hits = [classes[p] in lab for p, lab in zip(pred, labels, strict=True)]
    chance = float(np.mean([len(lab & set(classes)) / len(classes) for lab in labels]))
    return {"accuracy": float(np.mean(hits)), "n": len(labels), "classes": len(classes),
            "chance": chance}


def evaluate(model, items: list[dict], baseline: bool = True) -> dict:
    """All metrics of `model` on manifest `items`."""
    images = [i for i in items if i["kind"] == "image"]
    sounds = [i for i in items if i["kind"] == "sound"]
    texts, text_labels = text_queries(items)
    img_labels = [set(i["labels"]) for i in images]
    snd_labels = [set(i["labels"]) for i in sounds]

    feats, logits = model.image_teacher_outputs([i["path"] for i in images])
    emb = {"img": model.embed_image_logits(logits),
           "snd": model.encode_sounds([i["path"] for i in sounds]),
           "txt": model.encode_texts(texts)}
    labels = {"img": img_labels, "snd": snd_labels, "txt": text_labels}

    out: dict = {"model_id": model.model_id, "counts": summary(items), "texts": len(texts),
                 "retrieval": {}, "zero_shot": {}}
    for d in DIRECTIONS:
        q, c = d.split("->")
        if len(emb[q]) and len(emb[c]):
            m = directional(emb[q] @ emb[c].T, relevance(labels[q], labels[c]))
            if m is not None:
                out["retrieval"][d] = m
    for kind in ("img", "snd"):
        classes = sorted({c for lab in labels[kind] for c in lab})
        if len(classes) >= 2:
            zs = zero_shot(emb[kind], labels[kind], classes, model.encode_texts(classes))
            out["zero_shot"]["images" if kind == "img" else "sounds"] = zs
    if baseline and len(images) and len(texts):
        out["baseline"] = baseline_img_txt(feats, logits, labels["img"], texts, labels["txt"])
    return out


def baseline_img_txt(feats: np.ndarray, logits: np.ndarray, img_labels: list[set[str]],
                     texts: list[str], text_labels: list[set[str]]) -> dict:
    """The naive baseline of `training.evaluate` (teacher class distribution vs word-vector
    similarity of a text to the class names) for img->txt and txt->img."""
    from training.baselines import BaselineEncoder
    from training.features import ImageFeatures

    imgs = ImageFeatures([str(k) for k in range(len(feats))], feats.astype(np.float16),
                         logits.astype(np.float16))
    enc = BaselineEncoder(imgs, None)
    ei, et = enc.images(list(range(len(feats)))), enc.texts(texts)
    rel = relevance(img_labels, text_labels)
    out = {}
    for d, s, r in (("img->txt", ei @ et.T, rel), ("txt->img", et @ ei.T, rel.T)):
        m = directional(s, r)
        if m is not None:
            out[d] = m
    return out


def format_report(res: dict) -> str:
    """Markdown: retrieval table (model, chance, baseline where measured), then zero-shot."""
    c = res["counts"]
    lines = [f"Independent evaluation (scratch + gcompris-qt-data): {c['images']} images, "
             f"{c['sounds']} sounds, {res['texts']} texts, {c['concepts']} concepts "
             f"({c['shared_concepts']} with both images and sounds); model {res['model_id']}",
             "",
             "| direction | R@1 | R@5 | R@10 | median rank | chance R@1 / R@5 / R@10 / med. rank "
             "| composition R@1 / R@10 / med. rank | naive baseline R@1 / R@10 / med. rank "
             "| queries x candidates |",
             "|---|---|---|---|---|---|---|---|---|"]
    for d in DIRECTIONS:
        m = res["retrieval"].get(d)
        if m is None:
            continue
        ch = m["chance"]
        cells = []
        for b in (res.get("composition", {}).get("retrieval", {}).get(d),
                  res.get("baseline", {}).get(d)):
            cells.append(f"{b['R@1']:.3f} / {b['R@10']:.3f} / {b['median_rank']:.0f}" if b else "-")
        lines.append(f"| {d} | {m['R@1']:.3f} | {m['R@5']:.3f} | {m['R@10']:.3f} | "
                     f"{m['median_rank']:.0f} | {ch['R@1']:.3f} / {ch['R@5']:.3f} / "
                     f"{ch['R@10']:.3f} / {ch['median_rank']:.0f} | {' | '.join(cells)} | "
                     f"{m['queries']} x {m['candidates']} |")
    lines.append("")
    lines.append("| zero-shot | accuracy | composition | chance | items | classes |")
    lines.append("|---|---|---|---|---|---|")
    for kind, z in res["zero_shot"].items():
        comp = res.get("composition", {}).get("zero_shot", {}).get(kind)
        lines.append(f"| {kind} | {z['accuracy']:.3f} | "
                     f"{comp['accuracy'] if comp else float('nan'):.3f} | {z['chance']:.3f} | "
                     f"{z['n']} | {z['classes']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.independent",
                                description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="fetch both packages and write the evaluation manifest")
    b.add_argument("--cache", default=None, help="default: ~/.cache/synesthesia/independent")
    b.add_argument("--workers", type=int, default=2)
    b.add_argument("--json", action="store_true")
    e = sub.add_parser("eval", help="evaluate a checkpoint on the independent set")
    e.add_argument("--checkpoint", default=None, help="default: the bundled default checkpoint")
    e.add_argument("--manifest", default=None)
    e.add_argument("--json", action="store_true")
    e.add_argument("--no-baseline", action="store_true")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    if a.cmd == "build":
        items = build(cache_dir(a.cache), workers=a.workers)
        s = summary(items)
        if a.json:
            print(json.dumps(s, indent=1))
        else:
            print(f"{s['images']} images ({s['image_concepts']} concepts), {s['sounds']} sounds "
                  f"({s['sound_concepts']} concepts); {s['concepts']} concepts in all, "
                  f"{s['shared_concepts']} with both; {s['sounds_with_images']} sounds have "
                  f"images of their concept -> {cache_dir(a.cache) / 'manifest.jsonl'}")
        return 0

    from core.model import load_model
    from training.baselines import composition

    path = Path(a.manifest) if a.manifest else cache_dir() / "manifest.jsonl"
    if not path.exists():
        print(f"no manifest at {path}: run `python -m training.independent build` first",
              file=sys.stderr)
        return 2
    model = load_model(a.checkpoint)
    items = load_manifest(path)
    res = evaluate(model, items, baseline=not a.no_baseline)
    if not a.no_baseline:  # the training-free composition: the untrained network
        res["composition"] = evaluate(composition(), items, baseline=False)
    res["checkpoint"] = str(a.checkpoint) if a.checkpoint else "default"
    if a.json:
        print(json.dumps(res, indent=1))
    else:
        print(format_report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
