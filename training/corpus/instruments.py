"""Labelled instrument notes and drums rendered from Debian's sampled-instrument packages.

- `fluid-soundfont-gm` (FluidR3 General MIDI SoundFont, MIT): short scores per General
  MIDI instrument and percussion key, rendered with FluidSynth.
- `freepats` (Gravis Ultrasound patches, GPL-2+ with a composition exception): the same
  scores for the instruments it has, rendered with TiMidity++.
- `hydrogen-drumkits` (Hydrogen drum kits: FLAC/WAV/AIFF hits with instrument names, a
  license per kit): drum-kit beats and rhythms of single drums, mixed here from the hits.

The renderers (`fluidsynth`, `timidity`) come from Debian too, unpacked without root
(`debs.tool`); when one cannot be had, its clips are skipped with a message. Every clip
is mono 22,050 Hz 16-bit WAV of `MIN_S` to `MAX_S` seconds, and carries the concept
words of its instrument (`labels`, most specific concept first) and the words used to
find pictures of it (`pair_labels`, phrases: "bass drum" looks like a drum, not like a
bass guitar or a fish).
"""

from __future__ import annotations

import random
import re
import subprocess
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.corpus import midi
from training.corpus.audio import RATE, decode, finish, read_wav, write_wav
from training.corpus.debs import Package, Tool


@dataclass(frozen=True)
class Instrument:
    """What a sound is called: a phrase for texts, concept words, and picture words."""

    name: str
    labels: tuple[str, ...]
    pair: tuple[str, ...]
    verb: str = "playing"


def _i(name: str, labels: str, pair: str | None = None, verb: str = "playing") -> Instrument:
    """`labels`: concept words, most specific concept first; `pair`: comma-separated phrases
    pictures are found by, best first (default: the first label)."""
    words = tuple(labels.split())
    phrases = tuple(p.strip() for p in pair.split(",")) if pair else words[:1]
    return Instrument(name, words, phrases, verb)


# General MIDI programs rendered (0-based), with the key note their scores are built on
# and the clip shapes that suit them. Instruments without any picture in the corpus's
# image packages are left out unless a close relative stands in (`pair`).
KEYS, BOWED, WIND, FX = ("scale", "melody", "chords"), ("held", "scale", "melody"), \
    ("held", "scale", "melody"), ("held",)
GM_PROGRAMS: dict[int, tuple[Instrument, int, tuple[str, ...]]] = {
    0: (_i("grand piano", "piano"), 60, KEYS),
    6: (_i("harpsichord", "harpsichord", "harpsichord, piano"), 60, ("scale", "melody")),
    9: (_i("glockenspiel", "glockenspiel", "glockenspiel, xylophone"), 79, ("scale", "melody")),
    11: (_i("vibraphone", "vibraphone", "vibraphone, xylophone"), 65, ("scale", "melody")),
    12: (_i("marimba", "marimba", "marimba, xylophone"), 60, ("scale", "melody")),
    13: (_i("xylophone", "xylophone"), 72, ("scale", "melody")),
    14: (_i("tubular bells", "chime bell", "chime, bell"), 67, ("held", "melody")),
    15: (_i("dulcimer", "dulcimer"), 62, ("scale", "melody")),
    19: (_i("church organ", "organ church", "church organ, church"), 55, ("held", "chords")),
    21: (_i("accordion", "accordion"), 60, ("melody", "chords")),
    24: (_i("classical guitar", "guitar acoustic classical",
         "classical guitar, acoustic guitar, guitar"), 52,
         ("scale", "strum", "melody")),
    25: (_i("acoustic guitar", "guitar acoustic", "acoustic guitar, guitar"), 52, ("strum", "melody")),
    27: (_i("electric guitar", "guitar electric", "electric guitar, guitar"), 52, ("strum", "melody")),
    30: (_i("distorted electric guitar", "guitar electric", "electric guitar, guitar"), 40, ("strum",)),
    32: (_i("double bass", "bass double", "double bass, cello"), 36, ("scale", "melody")),
    33: (_i("electric bass guitar", "bass guitar electric", "bass guitar"), 36,
         ("scale", "melody")),
    40: (_i("violin", "violin"), 67, BOWED),
    41: (_i("viola", "viola", "viola, violin"), 60, ("held", "melody")),
    42: (_i("cello", "cello"), 48, BOWED),
    46: (_i("harp", "harp"), 60, ("scale", "chords")),
    47: (_i("timpani", "timpani drum", "drum"), 43, ("held", "scale")),
    48: (_i("string orchestra", "orchestra string violin", "orchestra"), 60,
         ("held", "chords")),
    52: (_i("choir", "choir singing", "choir, singing, singer", "singing"), 60,
         ("held", "chords")),
    53: (_i("voice", "singing voice", "singing, singer", "singing"), 60, ("held", "melody")),
    56: (_i("trumpet", "trumpet"), 65, WIND),
    57: (_i("trombone", "trombone", "trombone, trumpet"), 53, WIND),
    58: (_i("tuba", "tuba", "tuba, trombone, trumpet"), 41, ("held", "melody")),
    60: (_i("french horn", "horn french", "french horn"), 55, WIND),
    65: (_i("alto saxophone", "saxophone alto", "saxophone"), 61, WIND),
    66: (_i("tenor saxophone", "saxophone tenor", "saxophone"), 54, ("melody",)),
    68: (_i("oboe", "oboe"), 67, WIND),
    70: (_i("bassoon", "bassoon"), 48, ("held", "melody")),
    71: (_i("clarinet", "clarinet", "clarinet, oboe"), 60, WIND),
    72: (_i("piccolo", "flute piccolo", "piccolo, flute"), 84, ("scale", "melody")),
    73: (_i("flute", "flute"), 72, WIND),
    75: (_i("pan flute", "panpipe flute", "panpipe, flute"), 72, ("melody",)),
    105: (_i("banjo", "banjo"), 60, ("scale", "melody")),
    110: (_i("fiddle", "violin fiddle", "violin"), 67, ("melody",)),
    114: (_i("steel drums", "drum steel", "steel drum, drum"), 65, ("melody",)),
    # The sound-effect programs of General MIDI are recordings, played as one long note.
    122: (_i("waves on the seashore", "wave sea", "water wave"), 60, FX),
    123: (_i("birds chirping", "bird chirp", "bird"), 60, FX),
    124: (_i("telephone ringing", "telephone ring", "telephone"), 60, FX),
    125: (_i("helicopter", "helicopter"), 60, FX),
    126: (_i("applause", "applause clapping crowd", "applause, clap, audience"), 60, FX),
}

# General MIDI percussion keys (channel 10) played as a rhythm of one sound.
GM_PERCUSSION: dict[int, Instrument] = {
    36: _i("bass drum", "drum bass kick", "bass drum, drum"),
    38: _i("snare drum", "drum snare", "snare drum, drum"),
    42: _i("hi-hat", "hihat cymbal", "cymbal, drum kit"),
    49: _i("crash cymbal", "cymbal crash", "cymbal"),
    51: _i("ride cymbal", "cymbal ride", "cymbal"),
    45: _i("tom-tom drum", "drum tom", "tom drum, drum"),
    39: _i("hand clapping", "clap hand clapping", "clap, applause"),
    54: _i("tambourine", "tambourine", "tambourine, drum"),
    56: _i("cowbell", "cowbell bell", "cowbell, bell"),
    60: _i("bongo drums", "bongo drum", "bongo, drum"),
    63: _i("conga drum", "conga drum", "conga, drum"),
    70: _i("maracas", "maraca", "maraca"),
}
DRUM_KIT = _i("drum kit", "drum kit", "drum kit, drum")
ELECTRONIC_KIT = _i("electronic drum machine", "drum electronic machine", "drum")


def clip_score(shape: str, base: int, rng: random.Random) -> list[midi.Note]:
    """The notes of one clip shape on key note `base`."""
    if shape == "held":
        return midi.held_note(base, rng)
    if shape == "scale":
        return midi.scale(base, rng)
    if shape == "melody":
        return midi.melody(base, rng)
    if shape in ("chords", "strum"):
        return midi.chords(base, rng, strum=shape == "strum")
    raise ValueError(shape)


SHAPE_TEXT = {
    "held": "{name} {verb} long notes",
    "scale": "{name} {verb} a scale",
    "melody": "{name} {verb} a melody",
    "chords": "{name} {verb} chords",
    "strum": "{name} strumming chords",
    "hits": "{name} played in a rhythm",
    "beat": "{name} playing a beat",
}
PLURALS = frozenset({"timpani", "maracas"})


def with_article(name: str) -> str:
    """'violin' -> 'a violin', 'oboe' -> 'an oboe', 'tubular bells' -> 'tubular bells'."""
    if name in PLURALS or name.endswith("s"):
        return name
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def clip_text(instrument: Instrument, shape: str, program: int | None = None) -> str:
    """An English description of a clip: 'a violin playing a scale'."""
    if program is not None and program >= 120:
        return instrument.name  # a recording, not an instrument
    name = instrument.name if shape == "hits" else with_article(instrument.name)
    text = SHAPE_TEXT[shape].format(name=name, verb=instrument.verb)
    return text[0].upper() + text[1:] if shape == "hits" else text


def _item(pkg: Package, id_: str, path: Path, text: str, instrument: Instrument,
          group: str, origin: str, license_: str, **extra) -> dict:
    return {
        "id": id_,
        "kind": "sound",
        "path": str(path),
        "texts": list(dict.fromkeys([text, instrument.name])),
        "labels": list(instrument.labels),
        "pair_labels": list(instrument.pair),
        "image_ids": [],
        "group": group,
        "source": pkg.name,
        "version": pkg.version,
        "license": license_,
        "origin": origin,
        "category": "instrument",
        **extra,
    }


def _seed(*parts: object) -> int:
    return zlib.crc32(":".join(map(str, parts)).encode())


# ---------------------------------------------------------------------------------------
# MIDI synthesizers: FluidSynth on the SoundFont, TiMidity++ on freepats
# ---------------------------------------------------------------------------------------

def render_midi(synth: Tool, patches: Path, mid: Path, wav: Path) -> bool:
    """Render `mid` to `wav` with FluidSynth (a SoundFont) or TiMidity++ (a config)."""
    if synth.name == "fluidsynth":
        cmd = [str(synth.binary), "-ni", "-q", "-g", "0.6", "-r", str(RATE), "-F", str(wav),
               str(patches), str(mid)]
    else:
        cmd = [str(synth.binary), "-c", str(patches), "-Ow", "--output-mono",
               "-s", str(RATE), "-o", str(wav), str(mid)]
    try:
        result = subprocess.run(["nice", "-n", "10", *cmd], env=synth.env, capture_output=True,
                                text=True, check=False, timeout=120)
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0 and wav.exists() and wav.stat().st_size > 1000


def _render_clip(synth: Tool, patches: Path, notes: list[midi.Note], program: int,
                 channel: int, dst: Path) -> bool:
    """Render a score into `dst` (finished clip); True when `dst` holds a clip."""
    if dst.exists():
        return True
    work = dst.parent / ".work"
    work.mkdir(parents=True, exist_ok=True)
    mid, raw = work / (dst.stem + ".mid"), work / (dst.stem + ".raw.wav")
    mid.write_bytes(midi.midi_file(notes, program, channel))
    if not render_midi(synth, patches, mid, raw):
        return False
    samples, rate = read_wav(raw)
    raw.unlink()
    mid.unlink()
    if rate != RATE:
        return False
    done = finish(samples, rate)
    if done is None:
        return False
    write_wav(dst, done)
    return True


def _synth_clips(pkg: Package, synth: Tool, patches: Path, out: Path, prefix: str,
                 programs: dict[int, tuple[Instrument, int, tuple[str, ...]]],
                 percussion: dict[int, Instrument], shapes_limit: int | None = None,
                 beats: int = 3) -> list[dict]:
    items = []
    rendered_with = f"{synth.name} {synth.version}"
    patch_rel = patches.relative_to(pkg.root).as_posix() if patches.is_relative_to(pkg.root) \
        else patches.name
    for program, (instrument, base, shapes) in programs.items():
        for shape in shapes[:shapes_limit]:
            rng = random.Random(_seed(pkg.name, program, shape))
            notes = clip_score(shape, base, rng)
            if program >= 120:  # a sound effect: one note held for five seconds
                notes = [(0.0, 5.0, base, 100)]
            slug = re.sub(r"\W+", "_", instrument.name)
            dst = out / prefix / f"{program:03d}_{slug}_{shape}.wav"
            if not _render_clip(synth, patches, notes, program, 0, dst):
                print(f"  {pkg.name}: could not render program {program} {shape}", flush=True)
                continue
            items.append(_item(
                pkg, f"{prefix}:{program:03d}-{slug}/{shape}", dst,
                clip_text(instrument, shape, program), instrument,
                f"{pkg.name}:program-{program:03d}",
                f"{patch_rel} GM program {program + 1} ({instrument.name}), {shape}",
                pkg.license, rendered_with=rendered_with,
                category="effect" if program >= 120 else "instrument"))
    for key, instrument in percussion.items():
        rng = random.Random(_seed(pkg.name, "perc", key))
        slug = re.sub(r"\W+", "_", instrument.name)
        dst = out / prefix / f"drum_{key}_{slug}.wav"
        if not _render_clip(synth, patches, midi.hits(key, rng), 0, midi.DRUM_CHANNEL, dst):
            print(f"  {pkg.name}: could not render percussion key {key}", flush=True)
            continue
        items.append(_item(pkg, f"{prefix}:drum-{key}-{slug}", dst,
                           clip_text(instrument, "hits"), instrument,
                           f"{pkg.name}:drums",
                           f"{patch_rel} GM percussion key {key} ({instrument.name})",
                           pkg.license, rendered_with=rendered_with))
    for n in range(beats):
        rng = random.Random(_seed(pkg.name, "beat", n))
        dst = out / prefix / f"drum_kit_beat_{n}.wav"
        if not _render_clip(synth, patches, midi.beat(rng), 0, midi.DRUM_CHANNEL, dst):
            continue
        items.append(_item(pkg, f"{prefix}:drum-kit/beat-{n}", dst,
                           clip_text(DRUM_KIT, "beat"), DRUM_KIT,
                           f"{pkg.name}:drums", f"{patch_rel} GM drum kit, beat {n}",
                           pkg.license, rendered_with=rendered_with))
    return items


SF2 = Path("usr/share/sounds/sf2/FluidR3_GM.sf2")


def soundfont_clips(pkg: Package, synth: Tool | None, out: Path) -> list[dict]:
    """Clips of the FluidR3 GM SoundFont, rendered with FluidSynth."""
    sf2 = pkg.root / SF2
    if synth is None or not sf2.exists():
        return []
    return _synth_clips(pkg, synth, sf2, out, "fluidr3", GM_PROGRAMS, GM_PERCUSSION)


FREEPATS = Path("usr/share/midi/freepats")


def freepats_config(pkg: Package, dst: Path) -> Path:
    """A TiMidity++ config for the unpacked freepats (its own, with the folder moved)."""
    cfg = (pkg.root / "etc/timidity/freepats.cfg").read_text()
    body = "\n".join(line for line in cfg.splitlines() if not line.startswith("dir "))
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(f"dir {pkg.root / FREEPATS}\n{body}\n")
    return dst


def freepats_programs(pkg: Package) -> tuple[set[int], set[int]]:
    """General MIDI programs (0-based) and percussion keys that freepats has patches for."""
    def numbers(folder: str) -> set[int]:
        return {int(p.name[:3]) for p in (pkg.root / FREEPATS / folder).glob("[0-9][0-9][0-9]_*.pat")}
    return numbers("Tone_000"), numbers("Drum_000")


def freepats_clips(pkg: Package, synth: Tool | None, out: Path) -> list[dict]:
    """Clips of freepats (two shapes per instrument), rendered with TiMidity++."""
    if synth is None or not (pkg.root / FREEPATS).exists():
        return []
    tones, drums = freepats_programs(pkg)
    cfg = freepats_config(pkg, out / "freepats" / ".work" / "freepats.cfg")
    programs = {p: spec for p, spec in GM_PROGRAMS.items() if p in tones and p < 120}
    percussion = {k: v for k, v in GM_PERCUSSION.items() if k in drums}
    return _synth_clips(pkg, synth, cfg, out, "freepats", programs, percussion,
                        shapes_limit=2, beats=2)


# ---------------------------------------------------------------------------------------
# Hydrogen drum kits: hits mixed into rhythms here
# ---------------------------------------------------------------------------------------

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
    "djembe": _i("djembe", "drum djembe", "djembe, drum"),
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
            notes = midi.beat(random.Random(_seed(folder, "beat")), kit, bars=3)
            used = ", ".join(sorted({by_concept[c].name for c in ("kick", "snare", "hihat",
                                                                   "crash") if c in by_concept}))
            clips.append(("beat", instrument, notes, sounds, used))
        if folder not in ELECTRONIC_KITS:
            singles = [c for c in KIT_ORDER if c in by_concept][:KIT_CLIPS]
            for concept in singles:
                notes = midi.hits(60, random.Random(_seed(folder, concept)))
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
            items.append(_item(
                pkg, f"hydrogen:{folder}/{shape}", dst, text, instrument,
                f"{pkg.name}:{folder}",
                f"{(base / folder).relative_to(pkg.root).as_posix()} ({kit_name}): {used}",
                license_))
    return items
