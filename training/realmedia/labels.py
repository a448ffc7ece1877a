"""The real-media set's hand-made labels (`resources/realmedia/labels.tsv`), its concept
vocabulary and the fixed zero-shot prompts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.resources import resource

LABELS = resource("realmedia", "labels.tsv")
COLUMNS = ("kind", "source", "path", "concepts", "description", "license")
ITEM_KINDS = ("image", "sound")  # what a row of labels.tsv may hold: photos and recordings
# PyPI projects whose wheels hold listed files; everything else is a Debian package.
WHEELS = {"scikit-image": "0.26.0"}

# Concept -> the noun phrase that prompts use ("a photo of {phrase}"). Every concept of
# labels.tsv is here; the plain concept word is itself a text query.
VOCABULARY: dict[str, str] = {
    # animals
    "bird": "a bird", "cat": "a cat", "dog": "a dog", "dragonfly": "a dragonfly",
    "duck": "a duck", "horse": "a horse",
    # people and their sounds
    "applause": "applause", "astronaut": "an astronaut", "crowd": "a crowd",
    "laugh": "laughter", "person": "a person", "punch": "a punch",
    "speech": "a person speaking",
    # vehicles and machines
    "airplane": "an airplane", "boat": "a boat", "bus": "a bus", "car": "a car",
    "motorcycle": "a motorcycle", "rocket": "a rocket", "train": "a train",
    "truck": "a truck", "chainsaw": "a chainsaw", "jackhammer": "a jackhammer",
    "machine": "a machine", "saw": "a saw", "fan": "a fan", "explosion": "an explosion",
    "horn": "a horn", "whistle": "a whistle", "siren": "a siren", "bell": "a bell",
    "cash register": "a cash register", "typewriter": "a typewriter", "whip": "a whip",
    # instruments
    "drum": "a drum", "harp": "a harp",
    # nature, weather, landscape
    "canyon": "a canyon", "cloud": "clouds", "flower": "a flower", "fog": "fog",
    "forest": "a forest", "galaxy": "a galaxy", "grass": "grass", "lake": "a lake",
    "leaf": "leaves", "moon": "the moon", "mountain": "a mountain", "plant": "a plant",
    "rain": "rain", "river": "a river", "sea": "the sea", "sky": "the sky", "snow": "snow",
    "ice": "ice", "bubble": "bubbles", "stone": "stones", "sun": "the sun",
    "sunset": "a sunset", "thunder": "thunder", "tree": "a tree", "water": "water",
    "wind": "wind",
    # places and buildings
    "bridge": "a bridge", "building": "a building", "city": "a city", "path": "a path",
    "pier": "a pier", "street": "a street", "temple": "a temple", "brick": "a brick wall",
    # objects and food
    "ball": "a ball", "bottle": "a bottle", "camera": "a camera",
    "clock": "a clock", "coin": "coins", "cup": "a cup",
    "kite": "a kite", "paintbrush": "a paintbrush", "coffee": "coffee",
    "fruit": "fruit", "pizza": "a pizza",
}

# Zero-shot prompts, fixed once (never tuned on this set).
PROMPTS = {"images": "a photo of {}", "sounds": "the sound of {}"}


@dataclass(frozen=True)
class Label:
    kind: str  # "image" | "sound"
    source: str  # Debian package or PyPI project (WHEELS)
    path: str  # path inside the package (or the wheel)
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
        if kind not in ITEM_KINDS:
            raise ValueError(f"{path}:{n}: kind {kind!r} is not one of {ITEM_KINDS}")
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

