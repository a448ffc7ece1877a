"""Building the independent set's manifest: the candidates whose names name a concept,
images rendered to RGB PNG, sounds checked, paired by concept."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from training import evalsets
from training.evalsets import concept_pairs, slug, sound_duration, write_manifest
from training.independent.names import concepts_of, name_words
from training.independent.sources import PACKAGES, Candidate, fetch, gcompris_candidates, scratch_candidates

log = logging.getLogger(__name__)

SHORT = {"scratch": "scratch", "gcompris-qt-data": "gcompris"}


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
        dst = out / f"{slug(it['id'])}.png"
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
    done = []
    for it in items:
        duration = sound_duration(it["path"], it["id"])
        if duration is not None:
            done.append({**it, "duration_s": duration})
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
    write_manifest(items, root)
    return items


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """`$SYNESTHESIA_CACHE/independent` or `~/.cache/synesthesia/independent`."""
    return evalsets.cache_dir("independent", explicit)


def load_manifest(path: Path | None = None) -> list[dict]:
    return evalsets.load_manifest(path or cache_dir() / "manifest.jsonl")

