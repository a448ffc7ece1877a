"""Building the corpus manifest from the Debian packages, top to bottom."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

from core.resources import resource
from training.corpus.debs import Package, Tool, cache_dir, tool, unpack
from training.corpus.drumkits import hydrogen_clips
from training.corpus.emoji import emoji
from training.corpus.human import MUSIC, hedgewars_voices, music_clips, stamp_speech, zeroad_voices
from training.corpus.images import openclipart, photos, tuxpaint
from training.corpus.instruments import freepats_clips, soundfont_clips
from training.corpus.pairing import build_index, match_any, match_images
from training.corpus.render import convert, find_rsvg
from training.corpus.sounds import GAME_SOUND_PACKAGES, game_sounds

LONG_SOUND_S = 30.0
DEMO_IDS = resource("demo", "demo_ids.txt")


def _log(message: str) -> None:
    print(message, flush=True)


def _convert_all(items: list[dict], workers: int = 2) -> list[dict]:
    """Run the pending image conversions (at most `workers` processes, niced)."""
    tasks = [item.pop("_task") for item in items]
    with Pool(workers, initializer=os.nice, initargs=(10,)) as pool:
        ok = pool.map(convert, tasks, chunksize=32)
    kept = []
    for item, task, good in zip(items, tasks, ok, strict=True):
        if good:
            item["path"] = task[2]
            kept.append(item)
    return kept


def sound_duration(path: str) -> float | None:
    """Duration in seconds as PyAV decodes it, or None when PyAV cannot read the file."""
    import av

    try:
        with av.open(path) as container:
            stream = container.streams.audio[0]
            if container.duration:
                return container.duration / 1_000_000
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
            samples = sum(frame.samples for frame in container.decode(stream))
            return samples / (stream.rate or 1)
    except (av.FFmpegError, IndexError, OSError, ValueError):
        return None


def _check_sounds(sounds: list[dict]) -> list[dict]:
    kept = []
    for sound in sounds:
        duration = sound_duration(sound["path"])
        if duration is None or duration <= 0.05:
            _log(f"  dropped unreadable or empty sound {sound['path']}")
            continue
        sound["duration_s"] = round(duration, 2)
        if duration > LONG_SOUND_S:
            sound["long"] = True  # kept; the trainer crops
        kept.append(sound)
    return kept


def _tool(name: str, corpus: Path) -> Tool | None:
    try:
        found = tool(name, corpus)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        _log(f"  no {name}, its clips are skipped: {exc}")
        return None
    _log(f"  {name} {found.version} unpacked")
    return found


def new_sounds(corpus: Path, packages: dict[str, Package], out: Path) -> list[dict]:
    """Instruments, music and voices (see instruments.py and human.py)."""
    def package(name: str) -> Package:
        return packages[name] if name in packages else unpack(name, corpus)

    cache: dict = {}
    steps = [
        ("fluid-soundfont-gm", lambda p: soundfont_clips(p, _tool("fluidsynth", corpus), out)),
        ("freepats", lambda p: freepats_clips(p, _tool("timidity", corpus), out)),
        ("hydrogen-drumkits", lambda p: hydrogen_clips(p, out)),
        *[(name, lambda p: music_clips(p, out, cache)) for name in MUSIC],
        ("tuxpaint-stamps-default", lambda p: stamp_speech(p, out, cache)),
        ("0ad-data", lambda p: zeroad_voices(p, out, cache)),
        ("hedgewars-data", lambda p: hedgewars_voices(p, out, cache)),
    ]
    found: list[dict] = []
    for name, make in steps:
        try:
            items = make(package(name))
        except RuntimeError as exc:
            _log(f"  skipped {name}: {exc}")
            continue
        cache.clear()
        kinds = Counter(i["category"] for i in items)
        _log(f"  {name}: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
        found += items
    return found


def collect(corpus: Path) -> tuple[list[dict], list[dict]]:
    """All image and sound items, unpaired, with images converted into the cache."""
    out_images, out_sounds = corpus / "images", corpus / "sounds"
    rsvg = None
    try:
        unpack("librsvg2-bin", corpus)
        rsvg = find_rsvg(corpus / "extracted")
    except RuntimeError as exc:
        _log(f"  no rsvg-convert, SVG-only stamps skipped: {exc}")
    images, sounds = [], []
    packages: dict[str, Package] = {}
    packages["tuxpaint-stamps-default"] = unpack("tuxpaint-stamps-default", corpus)
    stamps, stamp_sounds = tuxpaint(packages["tuxpaint-stamps-default"], out_images, rsvg)
    images += stamps
    sounds += stamp_sounds
    svg: Package | None = unpack("openclipart-svg", corpus)
    images += openclipart(unpack("openclipart-png", corpus), svg, out_images)
    images += photos(unpack("mate-backgrounds", corpus), out_images)
    _log(f"converting {len(images)} images ...")
    images = _convert_all(images)
    _log("rendering emoji ...")
    images += emoji(unpack("fonts-noto-color-emoji", corpus),
                    unpack("unicode-cldr-core", corpus), out_images)
    for name in GAME_SOUND_PACKAGES:
        try:
            packages[name] = unpack(name, corpus)
            found = game_sounds(packages[name], out_sounds)
        except RuntimeError as exc:
            _log(f"  skipped {name}: {exc}")
            continue
        _log(f"  {name}: {len(found)} sounds")
        sounds += found
    _log("instruments, music and voices ...")
    sounds += new_sounds(corpus, packages, out_sounds)
    for sound in sounds:
        sound.setdefault("category", "effect")
    _log(f"checking {len(sounds)} sounds with PyAV ...")
    return images, _check_sounds(sounds)


def pair(images: list[dict], sounds: list[dict]) -> None:
    """Fill each sound's `image_ids`: its own stamp first, then word matches.

    A sound's `pair_labels`, where it has them, are the phrases its pictures are found by,
    best first (a bass drum looks like a drum, not like a bass guitar or a fish).
    """
    index = build_index(images)
    for sound in sounds:
        own = sound.get("image_ids", [])
        if sound.get("pair_labels"):
            found = match_any(sound["pair_labels"], images, index)
        else:
            found = match_images(sound["labels"], images, index)
        matches = [i for i in found if i not in own]
        sound["image_ids"] = (own + matches)[:20]


def summarise(items: list[dict]) -> dict:
    """Counts per source and kind, paired sounds and distinct sound concepts."""
    sounds = [i for i in items if i["kind"] == "sound"]
    per_source: dict[str, Counter] = {}
    for item in items:
        per_source.setdefault(item["source"], Counter())[item["kind"]] += 1
    for sound in sounds:
        if sound["image_ids"]:
            per_source[sound["source"]]["paired_sounds"] += 1
    categories: dict[str, Counter] = {}
    for sound in sounds:
        categories.setdefault(sound.get("category", "effect"), Counter())[sound["labels"][0]] += 1
    paired = {c: sum(1 for s in sounds if s.get("category", "effect") == c and s["image_ids"])
              for c in categories}
    return {
        "per_source": {s: dict(c) for s, c in sorted(per_source.items())},
        "per_category": {c: {"sounds": sum(n.values()), "paired": paired[c],
                             "concepts": dict(n.most_common())}
                         for c, n in sorted(categories.items())},
        "per_kind": dict(Counter(i["kind"] for i in items)),
        "sounds_with_images": sum(1 for s in sounds if s["image_ids"]),
        "sound_concepts": len({" ".join(s["labels"]) for s in sounds}),
        "sound_label_words": len({w for s in sounds for w in s["labels"]}),
        "long_sounds": sum(1 for s in sounds if s.get("long")),
        "groups": len({i["group"] for i in items}),
    }


def print_summary(summary: dict) -> None:
    """The summary as a plain table."""
    print(f"{'source':28} {'images':>7} {'sounds':>7} {'paired':>7}")
    for source, counts in summary["per_source"].items():
        print(f"{source:28} {counts.get('image', 0):7} {counts.get('sound', 0):7} "
              f"{counts.get('paired_sounds', 0):7}")
    kinds = summary["per_kind"]
    print(f"{'total':28} {kinds.get('image', 0):7} {kinds.get('sound', 0):7} "
          f"{summary['sounds_with_images']:7}")
    for category, entry in summary.get("per_category", {}).items():
        concepts = ", ".join(f"{k} {n}" for k, n in entry["concepts"].items())
        print(f"{category}: {entry['sounds']} sounds, {entry['paired']} paired"
              + (f" ({concepts})" if category != "effect" else ""))
    print(f"sound concepts (distinct label sets): {summary['sound_concepts']}, "
          f"label words: {summary['sound_label_words']}, "
          f"sounds over {LONG_SOUND_S:.0f} s: {summary['long_sounds']}")


def build(cache: str | os.PathLike | None = None) -> Path:
    """Build `manifest.jsonl` and `summary.json` in the corpus cache; return the manifest."""
    corpus = cache_dir(cache)
    corpus.mkdir(parents=True, exist_ok=True)
    images, sounds = collect(corpus)
    pair(images, sounds)
    items = images + sounds
    demo = set(DEMO_IDS.read_text().splitlines()) if DEMO_IDS.exists() else set()
    for item in items:
        if item["id"] in demo:
            item["demo"] = True
    ids = Counter(i["id"] for i in items)
    duplicates = [i for i, n in ids.items() if n > 1]
    if duplicates:
        raise RuntimeError(f"duplicate ids in the manifest: {duplicates[:5]}")
    manifest = corpus / "manifest.jsonl"
    tmp = manifest.with_suffix(".jsonl.tmp")
    with tmp.open("w") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    tmp.replace(manifest)
    summary = summarise(items)
    (corpus / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print_summary(summary)
    print(f"manifest: {manifest}")
    return manifest
