"""Labelled real-world sound effects from game data packages."""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

from training.corpus.debs import Package
from training.corpus.labels import normalise_label
from training.corpus.sound_rules import (
    ANIMALS,
    DROP_WORDS,
    EXCLUDE,
    FOLDER_LABEL,
    GENERIC,
    INCLUDE,
    NOISE_WORDS,
    REWRITES,
    VOICE_PAIR,
    base_name,
    human_labels,
)

AUDIO = (".ogg", ".wav", ".flac", ".mp3")
ZIP_0AD = "usr/share/games/0ad/mods/public/public.zip"
GAME_SOUND_PACKAGES = (
    "0ad-data", "megaglest-data", "lincity-ng-data", "wesnoth-1.16-data", "widelands-data",
    "minetest-data", "supertuxkart-data", "sonic-pi-samples", "lmms-common",
)  # not openttd-opensfx: held out for `training.realmedia` (see debs.RESERVED)


def sound_labels(rel: str, use_folder: bool = False) -> list[str] | None:
    """Concept words of a clip from its path, or None when it is speech/music/UI/fantasy."""
    path = Path(rel)
    name = base_name(path.stem)
    raw = re.split(r"[_\-\s]+", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower())
    if use_folder or all(len(w) <= 2 for w in raw):
        raw = re.split(r"[_\-\s]+", path.parent.name.lower()) + raw
    human = human_labels(raw)
    if human:
        return human
    is_animal = any(w in ANIMALS for w in raw)
    if any(w in DROP_WORDS and not (is_animal and w in ("select", "ack")) for w in raw):
        return None
    joined = " ".join(REWRITES.get(w, w) for w in raw if w not in NOISE_WORDS)
    labels = [w for w in normalise_label(joined) if w not in NOISE_WORDS]
    if all(w in GENERIC for w in labels):
        return None
    return labels


def phrase(labels: list[str]) -> str:
    """A short English phrase for a sound: ['footstep', 'gravel'] -> 'footsteps on gravel'."""
    if labels and labels[0] == "footstep" and len(labels) > 1:
        rest = [w for w in labels[1:] if w not in ("walking", "running")]
        gait = "running " if "running" in labels else ""
        return f"{gait}footsteps on {' '.join(rest)}".strip() if rest else "footsteps"
    return " ".join(labels)


def _files(pkg: Package, out: Path, origins: dict[str, str]) -> list[tuple[Path, str, str]]:
    """`(file, relative name, license)` of every candidate clip of a package.

    Clips taken out of an archive are written under `out`; `origins` records
    where in the package each of those came from.
    """
    if pkg.name == "0ad-data":
        archive = pkg.root / ZIP_0AD
        if not archive.exists():
            return []
        found = []
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                name = info.filename
                if not name.endswith(AUDIO) or not re.search(INCLUDE[pkg.name], name):
                    continue
                dst = out / "0ad" / name
                if not dst.exists():
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    dst.write_bytes(zf.read(info))
                found.append((dst, name, pkg.license))
                origins[str(dst)] = f"{ZIP_0AD}!{name}"
        return found
    files = sorted(p for p in pkg.root.rglob("*") if p.suffix.lower() in AUDIO and p.is_file())
    return [(p, p.relative_to(pkg.root).as_posix(), pkg.license) for p in files]


def game_sounds(pkg: Package, out: Path) -> list[dict]:
    """Sound items of one game data package, one per distinct file content."""
    include = re.compile(INCLUDE.get(pkg.name, ""))
    exclude = re.compile(EXCLUDE[pkg.name]) if pkg.name in EXCLUDE else None
    items, seen = [], set()
    origins: dict[str, str] = {}
    for src, rel, license_ in _files(pkg, out, origins):
        if not include.search(rel):
            continue
        if exclude and exclude.search(rel):
            continue
        labels = sound_labels(rel, pkg.name in FOLDER_LABEL)
        if not labels:
            continue
        digest = hashlib.sha1(src.read_bytes()).hexdigest()
        if digest in seen:
            continue  # the same clip shipped under several units
        seen.add(digest)
        short = re.sub(r"^usr/share/(games/)?", "", rel)
        items.append({
            "id": f"{pkg.name.split('-')[0]}:{short}",
            "kind": "sound",
            "path": str(src),
            "texts": [phrase(labels)],
            "labels": labels,
            "image_ids": [],
            "group": f"{pkg.name}:{'-'.join(labels)}",
            "source": pkg.name,
            "version": pkg.version,
            "license": license_,
            "origin": origins.get(str(src), rel),
            "category": "voice" if labels[0] in VOICE_PAIR else "effect",
        })
        if labels[0] in VOICE_PAIR:
            items[-1]["pair_labels"] = VOICE_PAIR[labels[0]]
    return items
