"""Image items: Tux Paint stamps (with their sounds), Open Clip Art, emoji, photos.

Each builder returns manifest items; `_task` holds the conversion the build
runs in worker processes before it writes `path` (dropped when it fails).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from training.corpus.debs import Package
from training.corpus.labels import normalise_label, words

STAMPS = Path("usr/share/tuxpaint/stamps")
# Spoken numbers and letters are speech, not sounds of the thing.
SPOKEN_STAMP_DIRS = ("symbols/math", "symbols/alphabets")
FOLDER_NOISE = frozenset({"cartoon", "photo", "real", "misc", "filled", "outlined", "symbols"})
CLIPART_NOISE = frozenset(
    "clip art clipart media public domain image svg png externalsource unchecked remix "
    "openclipart drawing illustration icon colour color".split()
)


def _item(pkg: Package, id_: str, kind: str, texts: list[str], labels: list[str]) -> dict:
    return {
        "id": id_,
        "kind": kind,
        "path": "",
        "texts": [t for t in dict.fromkeys(t.strip() for t in texts) if t],
        "labels": labels,
        "group": id_,
        "source": pkg.name,
        "version": pkg.version,
        "license": pkg.license,
    }


def _dst(out: Path, source: str, rel: str, suffix: str = ".png") -> Path:
    digest = hashlib.sha1(rel.encode()).hexdigest()[:10]
    stem = re.sub(r"[^A-Za-z0-9]+", "_", rel)[-60:]
    return out / source / f"{stem}_{digest}{suffix}"


def stamp_description(txt: Path) -> str:
    """The English line of a Tux Paint stamp .txt (its first line)."""
    for line in txt.read_text(errors="replace").splitlines():
        if line.strip() and ".utf8=" not in line:
            return line.strip()
    return ""


def tuxpaint(pkg: Package, out: Path, rsvg: str | None) -> tuple[list[dict], list[dict]]:
    """Stamps (PNG, or SVG when no PNG and rsvg is available) and their own sounds."""
    base = pkg.root / STAMPS
    stems: dict[Path, Path] = {}
    for src in sorted(base.rglob("*")):
        if src.suffix == ".png" or (src.suffix == ".svg" and rsvg):
            stems.setdefault(src.with_suffix(""), src)
    images, sounds = [], []
    for stem, src in stems.items():
        rel = stem.relative_to(base).as_posix()
        txt = stem.with_suffix(".txt")
        desc = stamp_description(txt) if txt.exists() else ""
        if not desc and rel.endswith("_mirror"):
            continue  # a mirrored copy of another stamp
        folder = [w for w in normalise_label(stem.parent.name) if w not in FOLDER_NOISE]
        labels = list(dict.fromkeys(normalise_label(desc) + normalise_label(stem.name) + folder))
        item = _item(pkg, f"tuxpaint:{rel}", "image", [desc, " ".join(words(stem.name))], labels)
        kind = "raster" if src.suffix == ".png" else "svg"
        item["origin"] = src.relative_to(pkg.root).as_posix()
        item["_task"] = (kind, str(src), str(_dst(out, "tuxpaint", rel)), rsvg or "")
        images.append(item)
        if rel.startswith(SPOKEN_STAMP_DIRS):
            continue
        for ext in (".ogg", ".wav"):
            snd = stem.with_suffix(ext)
            if snd.exists():
                sound_labels = normalise_label(stem.name)
                s = _item(pkg, f"tuxpaint:{rel}#sound", "sound", [" ".join(sound_labels)],
                          sound_labels)
                s.update(path=str(snd), group=item["id"], image_ids=[item["id"]],
                         origin=snd.relative_to(pkg.root).as_posix())
                sounds.append(s)
                break
    return images, sounds


_SVG_FIELDS = {
    "title": re.compile(r"<dc:title>([^<]*)</dc:title>"),
    "description": re.compile(r"<dc:description>([^<]*)</dc:description>"),
    "subject": re.compile(r"<dc:subject>(.*?)</dc:subject>", re.S),
}


def svg_metadata(text: str) -> dict:
    """Title, description and keywords from an Open Clip Art SVG's RDF block."""
    head = text[:30000]
    meta: dict = {"title": "", "description": "", "keywords": []}
    for key in ("title", "description"):
        m = _SVG_FIELDS[key].search(head)
        if m:
            meta[key] = re.sub(r"\s+", " ", m.group(1)).strip()
    m = _SVG_FIELDS["subject"].search(head)
    if m:
        meta["keywords"] = [k.strip() for k in re.findall(r"<rdf:li>([^<]*)</rdf:li>", m.group(1))]
    return meta


def openclipart(png: Package, svg: Package | None, out: Path) -> list[dict]:
    """Clip art PNGs, described by the title and keywords of the matching SVG."""
    base = png.root / "usr/share/openclipart/png"
    items = []
    for src in sorted(base.rglob("*.png")):
        if src.is_symlink():
            continue  # the same picture filed under a second category
        rel = src.relative_to(base).with_suffix("").as_posix()
        meta = {"title": "", "description": "", "keywords": []}
        if svg is not None:
            svg_file = svg.root / "usr/share/openclipart/svg" / (rel + ".svg")
            if svg_file.exists():
                meta = svg_metadata(svg_file.read_text(errors="replace"))
        title = meta["title"]
        if not title or re.search(r"^clip ?art by|^part of|collection|^untitled", title, re.I):
            title = " ".join(words(re.sub(r"_\d+$", "", src.stem)))
        keywords = [k for k in meta["keywords"] if k.lower() not in CLIPART_NOISE]
        texts = [title]
        if keywords:
            texts.append(", ".join(keywords))
        if meta["description"] and len(meta["description"]) <= 200:
            texts.append(meta["description"])
        folder = [w for w in normalise_label(src.parent.name) if w not in FOLDER_NOISE]
        labels = normalise_label(title)
        for k in keywords:
            labels += [w for w in normalise_label(k) if w not in CLIPART_NOISE]
        labels = list(dict.fromkeys(labels + folder))
        item = _item(png, f"openclipart:{rel}", "image", texts, labels)
        item["origin"] = src.relative_to(png.root).as_posix()
        item["_task"] = ("raster", str(src), str(_dst(out, "openclipart", rel)), "")
        items.append(item)
    return items


# What each mate-backgrounds photo shows (looked at by hand; names alone are vague).
PHOTO_TEXTS = {
    "Aqua": "a drop of water splashing into water",
    "Blinds": "close-up of a green leaf with its veins",
    "Dune": "dune grass by the sea under a blue sky",
    "FreshFlower": "an orange flower in close-up",
    "Garden": "a red and yellow marigold flower in a garden",
    "GreenMeadow": "fresh green grass in a meadow",
    "LadyBird": "a ladybird on a grass stem among small blue flowers",
    "RainDrops": "raindrops on green leaves",
    "Storm": "dark storm clouds over a road",
    "TwoWings": "dandelion seeds in front of orange flowers",
    "Wood": "light wooden planks",
    "YellowFlower": "a yellow flower in close-up",
}


def photos(pkg: Package, out: Path) -> list[dict]:
    """Real photos of mate-backgrounds (nature/), described by hand."""
    base = pkg.root / "usr/share/backgrounds/mate"
    items = []
    for src in sorted((base / "nature").glob("*.jpg")):
        rel = src.relative_to(base).as_posix()
        name = " ".join(words(src.stem))
        text = PHOTO_TEXTS.get(src.stem, f"a photo of {name}")
        labels = list(dict.fromkeys(normalise_label(text) + normalise_label(src.stem)))
        item = _item(pkg, f"photo:{rel}", "image", [text, name], labels)
        item["origin"] = src.relative_to(pkg.root).as_posix()
        item["_task"] = ("raster", str(src), str(_dst(out, "photo", rel, ".jpg")), "")
        items.append(item)
    return items
