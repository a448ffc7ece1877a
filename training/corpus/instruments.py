"""Labelled instrument notes and drums rendered from Debian's sampled-instrument packages
(the drum kits of `hydrogen-drumkits` are mixed in `training.corpus.drumkits`).

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
import zlib
from dataclasses import dataclass
from pathlib import Path

from training.corpus import midi
from training.corpus.audio import RATE, finish, read_wav, write_wav
from training.corpus.debs import Package, Tool


@dataclass(frozen=True)
class Instrument:
    """What a sound is called: a phrase for texts, concept words, and picture words."""

    name: str
    labels: tuple[str, ...]
    pair: tuple[str, ...]
    verb: str = "playing"


def named(name: str, labels: str, pair: str | None = None, verb: str = "playing") -> Instrument:
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
    0: (named("grand piano", "piano"), 60, KEYS),
    6: (named("harpsichord", "harpsichord", "harpsichord, piano"), 60, ("scale", "melody")),
    9: (named("glockenspiel", "glockenspiel", "glockenspiel, xylophone"), 79, ("scale", "melody")),
    11: (named("vibraphone", "vibraphone", "vibraphone, xylophone"), 65, ("scale", "melody")),
    12: (named("marimba", "marimba", "marimba, xylophone"), 60, ("scale", "melody")),
    13: (named("xylophone", "xylophone"), 72, ("scale", "melody")),
    14: (named("tubular bells", "chime bell", "chime, bell"), 67, ("held", "melody")),
    15: (named("dulcimer", "dulcimer"), 62, ("scale", "melody")),
    19: (named("church organ", "organ church", "church organ, church"), 55, ("held", "chords")),
    21: (named("accordion", "accordion"), 60, ("melody", "chords")),
    24: (named("classical guitar", "guitar acoustic classical",
         "classical guitar, acoustic guitar, guitar"), 52,
         ("scale", "strum", "melody")),
    25: (named("acoustic guitar", "guitar acoustic", "acoustic guitar, guitar"), 52, ("strum", "melody")),
    27: (named("electric guitar", "guitar electric", "electric guitar, guitar"), 52, ("strum", "melody")),
    30: (named("distorted electric guitar", "guitar electric", "electric guitar, guitar"), 40, ("strum",)),
    32: (named("double bass", "bass double", "double bass, cello"), 36, ("scale", "melody")),
    33: (named("electric bass guitar", "bass guitar electric", "bass guitar"), 36,
         ("scale", "melody")),
    40: (named("violin", "violin"), 67, BOWED),
    41: (named("viola", "viola", "viola, violin"), 60, ("held", "melody")),
    42: (named("cello", "cello"), 48, BOWED),
    46: (named("harp", "harp"), 60, ("scale", "chords")),
    47: (named("timpani", "timpani drum", "drum"), 43, ("held", "scale")),
    48: (named("string orchestra", "orchestra string violin", "orchestra"), 60,
         ("held", "chords")),
    52: (named("choir", "choir singing", "choir, singing, singer", "singing"), 60,
         ("held", "chords")),
    53: (named("voice", "singing voice", "singing, singer", "singing"), 60, ("held", "melody")),
    56: (named("trumpet", "trumpet"), 65, WIND),
    57: (named("trombone", "trombone", "trombone, trumpet"), 53, WIND),
    58: (named("tuba", "tuba", "tuba, trombone, trumpet"), 41, ("held", "melody")),
    60: (named("french horn", "horn french", "french horn"), 55, WIND),
    65: (named("alto saxophone", "saxophone alto", "saxophone"), 61, WIND),
    66: (named("tenor saxophone", "saxophone tenor", "saxophone"), 54, ("melody",)),
    68: (named("oboe", "oboe"), 67, WIND),
    70: (named("bassoon", "bassoon"), 48, ("held", "melody")),
    71: (named("clarinet", "clarinet", "clarinet, oboe"), 60, WIND),
    72: (named("piccolo", "flute piccolo", "piccolo, flute"), 84, ("scale", "melody")),
    73: (named("flute", "flute"), 72, WIND),
    75: (named("pan flute", "panpipe flute", "panpipe, flute"), 72, ("melody",)),
    105: (named("banjo", "banjo"), 60, ("scale", "melody")),
    110: (named("fiddle", "violin fiddle", "violin"), 67, ("melody",)),
    114: (named("steel drums", "drum steel", "steel drum, drum"), 65, ("melody",)),
    # The sound-effect programs of General MIDI are recordings, played as one long note.
    122: (named("waves on the seashore", "wave sea", "water wave"), 60, FX),
    123: (named("birds chirping", "bird chirp", "bird"), 60, FX),
    124: (named("telephone ringing", "telephone ring", "telephone"), 60, FX),
    125: (named("helicopter", "helicopter"), 60, FX),
    126: (named("applause", "applause clapping crowd", "applause, clap, audience"), 60, FX),
}

# General MIDI percussion keys (channel 10) played as a rhythm of one sound.
GM_PERCUSSION: dict[int, Instrument] = {
    36: named("bass drum", "drum bass kick", "bass drum, drum"),
    38: named("snare drum", "drum snare", "snare drum, drum"),
    42: named("hi-hat", "hihat cymbal", "cymbal, drum kit"),
    49: named("crash cymbal", "cymbal crash", "cymbal"),
    51: named("ride cymbal", "cymbal ride", "cymbal"),
    45: named("tom-tom drum", "drum tom", "tom drum, drum"),
    39: named("hand clapping", "clap hand clapping", "clap, applause"),
    54: named("tambourine", "tambourine", "tambourine, drum"),
    56: named("cowbell", "cowbell bell", "cowbell, bell"),
    60: named("bongo drums", "bongo drum", "bongo, drum"),
    63: named("conga drum", "conga drum", "conga, drum"),
    70: named("maracas", "maraca", "maraca"),
}
DRUM_KIT = named("drum kit", "drum kit", "drum kit, drum")
ELECTRONIC_KIT = named("electronic drum machine", "drum electronic machine", "drum")


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


def clip_item(pkg: Package, id_: str, path: Path, text: str, instrument: Instrument,
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


def clip_seed(*parts: object) -> int:
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
            rng = random.Random(clip_seed(pkg.name, program, shape))
            notes = clip_score(shape, base, rng)
            if program >= 120:  # a sound effect: one note held for five seconds
                notes = [(0.0, 5.0, base, 100)]
            slug = re.sub(r"\W+", "_", instrument.name)
            dst = out / prefix / f"{program:03d}_{slug}_{shape}.wav"
            if not _render_clip(synth, patches, notes, program, 0, dst):
                print(f"  {pkg.name}: could not render program {program} {shape}", flush=True)
                continue
            items.append(clip_item(
                pkg, f"{prefix}:{program:03d}-{slug}/{shape}", dst,
                clip_text(instrument, shape, program), instrument,
                f"{pkg.name}:program-{program:03d}",
                f"{patch_rel} GM program {program + 1} ({instrument.name}), {shape}",
                pkg.license, rendered_with=rendered_with,
                category="effect" if program >= 120 else "instrument"))
    for key, instrument in percussion.items():
        rng = random.Random(clip_seed(pkg.name, "perc", key))
        slug = re.sub(r"\W+", "_", instrument.name)
        dst = out / prefix / f"drum_{key}_{slug}.wav"
        if not _render_clip(synth, patches, midi.hits(key, rng), 0, midi.DRUM_CHANNEL, dst):
            print(f"  {pkg.name}: could not render percussion key {key}", flush=True)
            continue
        items.append(clip_item(pkg, f"{prefix}:drum-{key}-{slug}", dst,
                           clip_text(instrument, "hits"), instrument,
                           f"{pkg.name}:drums",
                           f"{patch_rel} GM percussion key {key} ({instrument.name})",
                           pkg.license, rendered_with=rendered_with))
    for n in range(beats):
        rng = random.Random(clip_seed(pkg.name, "beat", n))
        dst = out / prefix / f"drum_kit_beat_{n}.wav"
        if not _render_clip(synth, patches, midi.beat(rng), 0, midi.DRUM_CHANNEL, dst):
            continue
        items.append(clip_item(pkg, f"{prefix}:drum-kit/beat-{n}", dst,
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
