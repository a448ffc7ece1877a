"""Drum-kit clips mixed from the hits of Debian's `hydrogen-drumkits`.

Hydrogen kits are FLAC/WAV/AIFF hits with instrument names and a license per kit. Per kit
this writes a beat (when the kit has kick, snare and hi-hat) and rhythms of single drums,
labelled like the General MIDI percussion of `training.corpus.instruments`.
"""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.corpus import midi
from training.corpus.audio import RATE, decode, finish, write_wav
from training.corpus.debs import Package
from training.corpus.instruments import (
    DRUM_KIT,
    ELECTRONIC_KIT,
    GM_PERCUSSION,
    Instrument,
    clip_item,
    clip_seed,
    clip_text,
    named,
)

KITS = Path("usr/share/hydrogen/data/drumkits")
# Licenses per kit, from the package's copyright file (drumkit.xml often says only "GPL").
KIT_LICENSES = {
    "ElectricEmpireKit": "GPL-2+", "HardElectro1": "GPL-2+", "VariBreaks": "GPL-2+",
    "Millo-Drums_v.1": "GPL-2", "Millo_MultiLayered2": "GPL-2", "Millo_MultiLayered3": "GPL-2",
    "ColomboAcousticDrumkit": "GPL-2+ with composition exception",
    "circAfrique v4": "CC-BY-SA-3.0", "BJA_Pacific": "CC-BY-SA-3.0-us",
    "Gimme A Hand 1.0": "GPL-2", "The Black Pearl 1.0": "GPL-2", "ForzeeStereo": "GPL-2",
    "rumpf_kit_z01_h2": "CC-BY-3.0", "Audiophob": "CC0",
}
ELECTRONIC_KITS = frozenset({"ElectricEmpireKit", "HardElectro1", "VariBreaks"})
# Hydrogen instrument names -> concept, first match wins; unmatched names are skipped.
KIT_RULES: tuple[tuple[str, str], ...] = (
    (r"kick|bass ?drum|bassdrum", "kick"),
    (r"snare(?!.*(rim|stick))", "snare"),
    (r"\bh(i|igh)[- ]?hat|\bhh\b|\bhat\b", "hihat"),
    (r"crash|splash|china", "crash"),
    (r"ride(?!.*bell)", "ride"),
    (r"\btom", "tom"),
    (r"clap", "clap"),
    (r"cowbell", "cowbell"),
    (r"tambourine", "tambourine"),
    (r"maraca", "maraca"),
    (r"bongo", "bongo"),
    (r"conga", "conga"),
    (r"djembe.*(slap|tone)", "djembe"),
)
KIT_CONCEPTS = {
    "kick": GM_PERCUSSION[36], "snare": GM_PERCUSSION[38], "hihat": GM_PERCUSSION[42],
    "crash": GM_PERCUSSION[49], "ride": GM_PERCUSSION[51], "tom": GM_PERCUSSION[45],
    "clap": GM_PERCUSSION[39], "cowbell": GM_PERCUSSION[56], "tambourine": GM_PERCUSSION[54],
    "maraca": GM_PERCUSSION[70], "bongo": GM_PERCUSSION[60], "conga": GM_PERCUSSION[63],
    "djembe": named("djembe", "drum djembe", "djembe, drum"),
}
# Per kit: at most this many single-drum rhythms besides the beat, most telling first.
KIT_CLIPS = 4
KIT_ORDER = ("djembe", "bongo", "conga", "maraca", "tambourine", "snare", "tom", "crash",
             "clap", "hihat", "cowbell", "ride", "kick")


@dataclass
class KitInstrument:
    """A named instrument of a Hydrogen kit and its velocity layers `(min, max, file)`."""

    name: str
    layers: list[tuple[float, float, Path]]

    def layer(self, velocity: float) -> Path:
        for low, high, path in self.layers:
            if low <= velocity <= high:
                return path
        return self.layers[-1][2]


def _strip_ns(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_drumkit(xml_path: Path) -> tuple[str, list[KitInstrument]]:
    """Name and instruments of a Hydrogen `drumkit.xml` (old and layered formats)."""
    root = ET.parse(xml_path).getroot()
    for el in root.iter():
        el.tag = _strip_ns(el.tag)
    instruments = []
    for inst in root.iter("instrument"):
        name = (inst.findtext("name") or "").strip()
        layers = []
        for layer in inst.findall("layer"):
            file = (layer.findtext("filename") or "").strip()
            if file:
                layers.append((float(layer.findtext("min") or 0), float(layer.findtext("max") or 1),
                               xml_path.parent / file))
        file = (inst.findtext("filename") or "").strip()
        if not layers and file:
            layers.append((0.0, 1.0, xml_path.parent / file))
        layers = [layer for layer in layers if layer[2].exists()]
        if name and layers:
            instruments.append(KitInstrument(name, sorted(layers, key=lambda x: x[0])))
    return (root.findtext("name") or xml_path.parent.name).strip(), instruments


def kit_concept(name: str) -> str | None:
    """The concept of a Hydrogen instrument name: 'Hi Hat Closed' -> 'hihat'."""
    lowered = name.lower()
    for pattern, concept in KIT_RULES:
        if re.search(pattern, lowered):
            return concept
    return None


def mix(notes: list[midi.Note], sounds: dict[int, KitInstrument],
        cache: dict[Path, np.ndarray]) -> np.ndarray:
    """Place each note's hit (layer by velocity, gain by velocity) on a timeline."""
    hits = []
    for start, _, key, velocity in notes:
        if key not in sounds:
            continue
        v = velocity / 127
        hits.append((int(start * RATE), decode(sounds[key].layer(v), cache) * (0.4 + 0.6 * v)))
    length = max((s + len(h) for s, h in hits), default=0)
    out = np.zeros(length, np.float32)
    for start, hit in hits:
        out[start:start + len(hit)] += hit
    return out


def hydrogen_clips(pkg: Package, out: Path) -> list[dict]:
    """Per kit: a beat (when it has kick, snare and hi-hat) and rhythms of single drums."""
    base = pkg.root / KITS
    items: list[dict] = []
    cache: dict[Path, np.ndarray] = {}
    for xml_path in sorted(base.glob("*/drumkit.xml")):
        folder = xml_path.parent.name
        license_ = KIT_LICENSES.get(folder, pkg.license)
        try:
            kit_name, instruments = read_drumkit(xml_path)
        except ET.ParseError as exc:
            print(f"  hydrogen-drumkits: {folder}: {exc}", flush=True)
            continue
        by_concept: dict[str, KitInstrument] = {}
        for inst in instruments:
            concept = kit_concept(inst.name)
            if concept and concept not in by_concept:
                by_concept[concept] = inst
        slug = re.sub(r"\W+", "_", folder)
        clips: list[tuple[str, Instrument, list[midi.Note], dict[int, KitInstrument], str]] = []
        if {"kick", "snare", "hihat"} <= set(by_concept):
            kit = {k: v for k, v in midi.KIT.items() if k in by_concept or k == "open_hihat"}
            sounds = {midi.KIT[c]: by_concept[c] for c in ("kick", "snare", "hihat", "crash")
                      if c in by_concept}
            if "open_hihat" in kit:  # no separate open hi-hat: play the closed one
                sounds[midi.KIT["open_hihat"]] = by_concept["hihat"]
            instrument = ELECTRONIC_KIT if folder in ELECTRONIC_KITS else DRUM_KIT
            notes = midi.beat(random.Random(clip_seed(folder, "beat")), kit, bars=3)
            used = ", ".join(sorted({by_concept[c].name for c in ("kick", "snare", "hihat",
                                                                   "crash") if c in by_concept}))
            clips.append(("beat", instrument, notes, sounds, used))
        if folder not in ELECTRONIC_KITS:
            singles = [c for c in KIT_ORDER if c in by_concept][:KIT_CLIPS]
            for concept in singles:
                notes = midi.hits(60, random.Random(clip_seed(folder, concept)))
                clips.append((concept, KIT_CONCEPTS[concept], notes, {60: by_concept[concept]},
                              by_concept[concept].name))
        for shape, instrument, notes, sounds, used in clips:
            dst = out / "hydrogen" / f"{slug}_{shape}.wav"
            if not dst.exists():
                try:
                    done = finish(mix(notes, sounds, cache))
                except (OSError, ValueError) as exc:
                    print(f"  hydrogen-drumkits: {folder} {shape}: {exc}", flush=True)
                    continue
                if done is None:
                    continue
                write_wav(dst, done)
            text = (clip_text(instrument, "beat") if shape == "beat"
                    else clip_text(instrument, "hits"))
            items.append(clip_item(
                pkg, f"hydrogen:{folder}/{shape}", dst, text, instrument,
                f"{pkg.name}:{folder}",
                f"{(base / folder).relative_to(pkg.root).as_posix()} ({kit_name}): {used}",
                license_))
    return items
