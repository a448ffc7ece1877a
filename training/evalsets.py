"""What the two evaluation sets (`training.independent`, `training.realmedia`) share: their
cache folders, the manifest file, checking a recording, relevance by shared concepts,
zero-shot top-1, and the skeleton of their `build` / `eval` command lines.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DIRECTIONS = ("img->txt", "txt->img", "img->snd", "snd->img", "txt->snd", "snd->txt")
MIN_SOUND_S = 0.05
RATE = 16000


def cache_dir(name: str, explicit: str | os.PathLike | None = None) -> Path:
    """`explicit`, else `$SYNESTHESIA_CACHE/<name>` or `~/.cache/synesthesia/<name>`."""
    if explicit is not None:
        return Path(explicit)
    root = os.environ.get("SYNESTHESIA_CACHE") or Path.home() / ".cache" / "synesthesia"
    return Path(root) / name


def run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`cmd`'s exit status and text output; never raises for a failing command."""
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def sound_duration(path: str | Path, name: str) -> float | None:
    """Seconds of a recording that decodes, lasts at least MIN_SOUND_S and is not silent;
    else None, with a warning naming `name`."""
    from core.errors import UnreadableMedia
    from core.media import load_audio

    try:
        w = load_audio(path, sample_rate=RATE)
    except UnreadableMedia as e:
        log.warning("dropping sound %s: %s", name, e)
        return None
    if len(w) < MIN_SOUND_S * RATE or float(np.abs(w).max(initial=0.0)) < 1e-3:
        log.warning("dropping sound %s: too short or silent", name)
        return None
    return round(len(w) / RATE, 2)


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


def write_manifest(items: list[dict], root: Path) -> None:
    """`root/manifest.jsonl`, one item a line, replaced atomically."""
    tmp = root / "manifest.jsonl.tmp"
    with open(tmp, "w") as f:
        for it in items:
            f.write(json.dumps(it) + "\n")
    tmp.replace(root / "manifest.jsonl")


def load_manifest(path: Path) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


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


def relevance(queries: list[set[str]], candidates: list[set[str]]) -> np.ndarray:
    """(q, c) bool: query and candidate share a concept."""
    return np.array([[bool(q & c) for c in candidates] for q in queries], dtype=bool).reshape(
        len(queries), len(candidates))


def zero_shot(emb: np.ndarray, labels: list[set[str]], classes: list[str],
              class_emb: np.ndarray) -> dict:
    """Top-1 accuracy of items against class-word embeddings (hit: any of the item's concepts)."""
    pred = (emb @ class_emb.T).argmax(axis=1)
    hits = [classes[p] in lab for p, lab in zip(pred, labels, strict=True)]
    chance = float(np.mean([len(lab & set(classes)) / len(classes) for lab in labels]))
    return {"accuracy": float(np.mean(hits)), "n": len(labels), "classes": len(classes),
            "chance": chance}


# ---------------------------------------------------------------------------------------------
# The command line both sets share: `build [--cache DIR] [--json]`, `eval [--manifest] [--json]`
# ---------------------------------------------------------------------------------------------
def parser(module: str, doc: str, cache: str, eval_help: str
           ) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser, argparse.ArgumentParser]:
    """(the parser, its `build` and its `eval` subparser) of `python -m <module>`; each
    caller adds its own options."""
    p = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="fetch the media and write the evaluation manifest")
    b.add_argument("--cache", default=None, help=f"default: ~/.cache/synesthesia/{cache}")
    b.add_argument("--json", action="store_true")
    e = sub.add_parser("eval", help=eval_help)
    e.add_argument("--manifest", default=None)
    e.add_argument("--json", action="store_true")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    return p, b, e


def manifest_or_none(module: str, explicit: str | None, default: Path) -> Path | None:
    """The manifest to evaluate; None (with the command that builds it on stderr) when it
    does not exist."""
    path = Path(explicit) if explicit else default
    if not path.exists():
        print(f"no manifest at {path}: run `python -m {module} build` first", file=sys.stderr)
        return None
    return path


def built_line(s: dict, manifest: Path, images: str = "images", sounds: str = "sounds",
               both: str = "") -> str:
    """One line on a built set from its `summary`: counts of each kind and of concepts."""
    return (f"{s['images']} {images} ({s['image_concepts']} concepts), {s['sounds']} {sounds} "
            f"({s['sound_concepts']} concepts); {s['concepts']} concepts in all, "
            f"{s['shared_concepts']} with both{both} -> {manifest}")


def emit(res: dict, as_json: bool, report) -> None:
    """Print `res` as JSON or as `report(res)`."""
    print(json.dumps(res, indent=1) if as_json else report(res))
