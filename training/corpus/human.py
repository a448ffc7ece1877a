"""Music, speech, laughter and screams from the game and stamp packages.

The game-sound reader (`sounds.py`) drops speech and music as not being sound effects;
users' recordings are full of both, so they come back here, bounded and labelled:

- music: a `MUSIC_EXCERPT_S` excerpt from a third of the way into at most
  `MUSIC_PER_PACKAGE` soundtrack pieces per game package;
- speech: Tux Paint's spoken stamp descriptions (volunteers reading them in a dozen
  languages), 0 A.D.'s unit voices (Greek, Latin, Persian, Meroitic actors) and
  Hedgewars' voice packs (short English and other phrases), a few lines of one speaker
  or language joined into one clip;
- laughter (Hedgewars' voice packs) and screams (0 A.D.'s death cries).

Every clip is mono 22,050 Hz WAV under the corpus's `sounds/` folder, with the license of
its own file where the package's copyright file says more than one (`debs.file_license`).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np

from training.corpus.audio import RATE, decode, finish, write_wav
from training.corpus.debs import Package, file_license
from training.corpus.sound_rules import VOICE_PAIR

SPEECH_PAIR = VOICE_PAIR["speech"]

AUDIO = (".ogg", ".wav", ".flac", ".mp3")
ZIP_0AD = "usr/share/games/0ad/mods/public/public.zip"

MUSIC_PER_PACKAGE = 12
MUSIC_EXCERPT_S = 10.0
# Soundtrack folders per package (0 A.D.'s are members of its public.zip).
MUSIC = {
    "0ad-data": r"^audio/music/",
    "supertuxkart-data": r"/data/music/",
    "widelands-data": r"/data/music/",
    "megaglest-data": r"/music/",
    "lincity-ng-data": r"/music/",
    "hedgewars-data": r"/Data/Music/",
}
# A faster copy of another piece, or a jingle of a few seconds.
MUSIC_SKIP = re.compile(r"_fast\.|_theme\.|race_summary|/(win|lose)_", re.I)

LANGUAGES = {
    "be": "Belarusian", "bg": "Bulgarian", "ca": "Catalan", "da": "Danish", "el": "Greek",
    "es": "Spanish", "fr": "French", "lt": "Lithuanian", "nl": "Dutch", "ro": "Romanian",
    "ru": "Russian", "ml": "Malayalam",
}
STAMP_SPEECH_PER_LANGUAGE = 6
LINES_PER_CLIP = 4
GAP_S = 0.35

# 0 A.D. unit voices: folder -> language spoken.
CIV_LANGUAGES = {"greek": "Ancient Greek", "latin": "Latin", "persian": "Old Persian",
                 "napatan": "Meroitic"}
CIV_CLIPS_PER_VOICE = 3
SCREAMS_PER_VOICE = 10
# Hedgewars voice packs that are not a plain human voice.
HEDGEWARS_SKIP = frozenset({"Robot"})
HEDGEWARS_VOICES = Path("usr/share/games/hedgewars/Data/Sounds/voices")
HEDGEWARS_LINES = ("Hello", "Incoming", "Takecover", "Illgetyou", "Comeonthen", "Byebye",
                   "Watchit", "Hurry", "Missed", "Oops")


def _item(pkg: Package, id_: str, path: Path, texts: list[str], labels: list[str],
          pair: list[str], group: str, origin: str, license_: str, category: str) -> dict:
    return {
        "id": id_, "kind": "sound", "path": str(path),
        "texts": list(dict.fromkeys(t for t in texts if t)),
        "labels": labels, "pair_labels": pair, "image_ids": [], "group": group,
        "source": pkg.name, "version": pkg.version, "license": license_, "origin": origin,
        "category": category,
    }


def spaced(items: list, n: int) -> list:
    """At most `n` items spread evenly over the (sorted) list, first one included."""
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def join_lines(clips: list[np.ndarray], gap_s: float = GAP_S) -> np.ndarray:
    """Clips one after another with a short pause between them."""
    gap = np.zeros(int(gap_s * RATE), np.float32)
    parts: list[np.ndarray] = []
    for clip in clips:
        parts += [clip, gap]
    return np.concatenate(parts[:-1]) if parts else np.zeros(0, np.float32)


def _zip_member(pkg: Package, name: str, out: Path) -> Path:
    dst = out / "0ad" / name
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(pkg.root / ZIP_0AD) as zf:
            dst.write_bytes(zf.read(name))
    return dst


def _zip_names(pkg: Package, pattern: str) -> list[str]:
    archive = pkg.root / ZIP_0AD
    if not archive.exists():
        return []
    with zipfile.ZipFile(archive) as zf:
        return sorted(n for n in zf.namelist() if n.endswith(AUDIO) and re.search(pattern, n))


def _write(dst: Path, samples: np.ndarray, min_s: float = 0.0) -> bool:
    if dst.exists():
        return True
    done = finish(samples, RATE, min_s=min_s)
    if done is None:
        return False
    write_wav(dst, done)
    return True


def _spoken_clip(pkg: Package, dst: Path, lines: list, read) -> bool:
    """`dst` holds the `lines` (read with `read(line) -> samples`) joined with pauses: True
    when it already did or now does; a line that cannot be decoded is reported, False."""
    if dst.exists():
        return True
    try:
        audio = join_lines([read(line) for line in lines])
    except (OSError, ValueError) as exc:
        print(f"  {pkg.name}: {exc}", flush=True)
        return False
    return _write(dst, audio)


def music_clips(pkg: Package, out: Path, cache: dict | None = None) -> list[dict]:
    """Excerpts of a game package's soundtrack, labelled 'music'."""
    cache = {} if cache is None else cache
    pattern = MUSIC.get(pkg.name)
    if pattern is None:
        return []
    if pkg.name == "0ad-data":
        files = [(n, f"{ZIP_0AD}!{n}") for n in _zip_names(pkg, pattern)]
    else:
        files = [(p.relative_to(pkg.root).as_posix(),) * 2 for p in sorted(pkg.root.rglob("*"))
                 if p.suffix.lower() in AUDIO and re.search(pattern, "/" + p.relative_to(
                     pkg.root).as_posix())]
    files = [f for f in files if not MUSIC_SKIP.search(f[0])]
    items = []
    for rel, origin in spaced(files, MUSIC_PER_PACKAGE):
        stem = Path(rel).stem
        dst = out / "music" / pkg.name / f"{re.sub(r'[^A-Za-z0-9]+', '_', stem)}.wav"
        if not dst.exists():
            src = _zip_member(pkg, rel, out) if pkg.name == "0ad-data" else pkg.root / rel
            try:
                track = decode(src, cache)
            except (OSError, ValueError) as exc:
                print(f"  {pkg.name}: cannot decode {rel}: {exc}", flush=True)
                continue
            cache.pop(src, None)
            start = len(track) // 3
            excerpt = track[start:start + int(MUSIC_EXCERPT_S * RATE)]
            if len(excerpt) < 3 * RATE or not _write(dst, excerpt):
                continue
        title = " ".join(re.sub(r"^\d+\s*-\s*", "", stem).replace("_", " ").split())
        license_ = file_license(pkg, ZIP_0AD if pkg.name == "0ad-data" else rel)
        items.append(_item(pkg, f"music:{pkg.name}/{stem}", dst, ["music", f"music: {title}"],
                           ["music"], ["music"], f"{pkg.name}:music-{stem}",
                           f"{origin}, {MUSIC_EXCERPT_S:.0f} s from a third of the way in",
                           license_, "music"))
    return items


def stamp_speech(pkg: Package, out: Path, cache: dict | None = None) -> list[dict]:
    """Tux Paint's spoken stamp descriptions, a few lines of one language per clip."""
    cache = {} if cache is None else cache
    base = pkg.root / "usr/share/tuxpaint/stamps"
    by_language: dict[str, list[Path]] = {}
    for path in sorted(base.rglob("*_desc_*.ogg")):
        m = re.search(r"_desc_([a-z]{2})\.ogg$", path.name)
        if m and m.group(1) in LANGUAGES:
            by_language.setdefault(m.group(1), []).append(path)
    items = []
    for code, paths in sorted(by_language.items()):
        language = LANGUAGES[code]
        groups = spaced(paths, STAMP_SPEECH_PER_LANGUAGE * LINES_PER_CLIP)
        for n in range(0, len(groups) - LINES_PER_CLIP + 1, LINES_PER_CLIP):
            lines = groups[n:n + LINES_PER_CLIP]
            dst = out / "speech" / "tuxpaint" / f"{code}_{n // LINES_PER_CLIP}.wav"
            if not _spoken_clip(pkg, dst, lines, lambda p: decode(p, cache)):
                continue
            rels = [p.relative_to(pkg.root).as_posix() for p in lines]
            items.append(_item(
                pkg, f"tuxpaint:speech/{code}/{n // LINES_PER_CLIP}", dst,
                [f"a person speaking {language}", "speech"], ["speech", language.lower()],
                SPEECH_PAIR, f"{pkg.name}:speech-{code}", " + ".join(rels),
                file_license(pkg, rels[0]), "voice"))
    return items


def zeroad_voices(pkg: Package, out: Path, cache: dict | None = None) -> list[dict]:
    """0 A.D.'s unit voices (three lines of one voice per clip) and death screams."""
    cache = {} if cache is None else cache
    license_ = file_license(pkg, ZIP_0AD)
    items = []
    for civ, language in CIV_LANGUAGES.items():
        for gender, who in (("male", "man"), ("female", "woman")):
            names = _zip_names(pkg, rf"^audio/voice/{civ}/civ/civ_{gender}_")
            # one line per kind of order ('attack', 'build', ...), then spread over them
            firsts = list({re.sub(r"_\d+\.ogg$", "", n): n for n in reversed(names)}.values())
            chosen = spaced(sorted(firsts), CIV_CLIPS_PER_VOICE * 3)
            for n in range(0, len(chosen) - 2, 3):
                lines = chosen[n:n + 3]
                dst = out / "speech" / "0ad" / f"{civ}_{gender}_{n // 3}.wav"
                if not _spoken_clip(pkg, dst, lines,
                                    lambda x: decode(_zip_member(pkg, x, out), cache)):
                    continue
                items.append(_item(
                    pkg, f"0ad:speech/{civ}/{gender}/{n // 3}", dst,
                    [f"a {who} speaking {language}", f"a {who} speaking"], ["speech", who],
                    SPEECH_PAIR, f"{pkg.name}:speech-{civ}-{gender}",
                    " + ".join(f"{ZIP_0AD}!{x}" for x in lines), license_, "voice"))
    for gender, who in (("male", "man"), ("female", "woman")):
        names = _zip_names(pkg, rf"^audio/actor/human/death/{gender}_death_")
        for name in spaced(names, SCREAMS_PER_VOICE):
            src = _zip_member(pkg, name, out)
            items.append(_item(pkg, f"0ad:scream/{Path(name).stem}", src,
                               [f"a {who} screaming", "a scream"], ["scream", who],
                               VOICE_PAIR["scream"], f"{pkg.name}:scream-{gender}",
                               f"{ZIP_0AD}!{name}", license_, "voice"))
    return items


def hedgewars_voices(pkg: Package, out: Path, cache: dict | None = None) -> list[dict]:
    """Per Hedgewars voice pack: its laugh, and a few of its shouted phrases in one clip."""
    cache = {} if cache is None else cache
    base = pkg.root / HEDGEWARS_VOICES
    items = []
    for pack in sorted(p for p in base.iterdir() if p.is_dir()) if base.exists() else []:
        if pack.name in HEDGEWARS_SKIP:
            continue
        laugh = pack / "Laugh.ogg"
        rel = laugh.relative_to(pkg.root).as_posix()
        if laugh.exists():
            items.append(_item(pkg, f"hedgewars:laugh/{pack.name}", laugh,
                               ["laughing", "a person laughing"], ["laugh", "laughing"],
                               VOICE_PAIR["laugh"], f"{pkg.name}:voice-{pack.name}", rel,
                               file_license(pkg, rel), "voice"))
        lines = [pack / f"{x}.ogg" for x in HEDGEWARS_LINES if (pack / f"{x}.ogg").exists()]
        lines = lines[:LINES_PER_CLIP]
        if len(lines) < 2:
            continue
        dst = out / "speech" / "hedgewars" / f"{re.sub(r'[^A-Za-z0-9]+', '_', pack.name)}.wav"
        if not _spoken_clip(pkg, dst, lines, lambda p: decode(p, cache)):
            continue
        rels = [p.relative_to(pkg.root).as_posix() for p in lines]
        items.append(_item(pkg, f"hedgewars:speech/{pack.name}", dst,
                           ["a person shouting short phrases", "speech"], ["speech", "shout"],
                           SPEECH_PAIR, f"{pkg.name}:voice-{pack.name}", " + ".join(rels),
                           file_license(pkg, rels[0]), "voice"))
    return items
