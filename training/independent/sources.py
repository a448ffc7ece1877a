"""The media of the two Debian packages of the independent set: fetching and unpacking them,
reading GCompris's Qt resource bundles, and listing candidate images and sounds with their
names, folders and licenses."""

from __future__ import annotations

import fnmatch
import logging
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from training.corpus.debs import apt_download
from training.evalsets import run

log = logging.getLogger(__name__)

PACKAGES = ("scratch", "gcompris-qt-data")
IMAGE_EXT = (".png", ".gif", ".jpg", ".jpeg", ".webp", ".svg", ".svgz")
SOUND_EXT = (".wav", ".mp3", ".ogg")

SCRATCH_IMAGE_DIRS = ("Costumes/Animals", "Costumes/Transportation", "Costumes/Things",
                      "Costumes/People", "Costumes/Fantasy", "Backgrounds/Nature",
                      "Backgrounds/Outdoors", "Backgrounds/Indoors")
SCRATCH_SOUND_DIRS = ("Sounds/Animal", "Sounds/Effects", "Sounds/Human", "Sounds/Instruments",
                      "Sounds/Percussion")  # not Music Loops, Vocals, Electronic
GCOMPRIS_SKIP = frozenset({
    # maps, paintings, landmarks, letters, numbers, money, board games, music, UI
    "geo-country", "geography", "paintings", "details", "explore_monuments", "menu", "core",
    "advanced_colors", "digital_electricity", "analog_electricity", "piano_composition",
    "photo_hunter", "explore_world_music", "money", "money_back", "money_cents",
    "money_back_cents", "chess", "checkers", "drawletters", "drawnumbers", "crane", "family",
    "learn_digits", "leftright", "chronos", "gnumch-equality", "sudoku", "graph-coloring",
    "color_mix", "color_mix_light", "redraw", "learn_decimals", "louis-braille",
    "braille_alphabets", "renewable_energy", "baby_tangram", "click_on_letter", "tangram",
    "number_sequence", "watercycle", "melody", "play_rhythm", "morse_code", "ballcatch",
    "clockgame", "scalesboard", "bargame", "simplepaint", "left_right_click", "reversecount",
    "share", "positions", "penalty", "football", "balancebox", "binary_bulb",
})
GCOMPRIS_SKIP_DIRS = ("/alphabets/", "/numbers/", "/monuments/",
                      "/babyshapes/resource/dog")  # puzzle pieces of one photo
SCRATCH_LICENSE = "CC-BY-SA-3.0"  # debian/copyright: Files: Help/* Media/* Projects


# ---------------------------------------------------------------------------------------------
# Qt resource bundles (GCompris keeps its media in .rcc files)
# ---------------------------------------------------------------------------------------------
def rcc_entries(data: bytes) -> Iterator[tuple[str, bytes]]:
    """`(path, content)` of every file in a Qt binary resource bundle (`rcc` format 1-3)."""
    if data[:4] != b"qres":
        raise ValueError("not a Qt resource bundle")
    version, tree, payload, names = struct.unpack(">IIII", data[4:20])
    node = 14 if version == 1 else 22

    def name(off: int) -> str:
        (n,) = struct.unpack(">H", data[names + off : names + off + 2])
        return data[names + off + 6 : names + off + 6 + 2 * n].decode("utf-16-be")

    stack = [(0, "")]
    while stack:
        idx, prefix = stack.pop()
        p = tree + idx * node
        name_off, flags = struct.unpack(">IH", data[p : p + 6])
        here = name(name_off) if idx else ""
        if flags & 2:  # directory
            count, first = struct.unpack(">II", data[p + 6 : p + 14])
            sub = f"{prefix}{here}/" if idx else ""
            stack += [(first + k, sub) for k in range(count)]
            continue
        (off,) = struct.unpack(">I", data[p + 10 : p + 14])
        (length,) = struct.unpack(">I", data[payload + off : payload + off + 4])
        raw = data[payload + off + 4 : payload + off + 4 + length]
        if flags & 1:  # zlib, after a 4-byte uncompressed length
            raw = zlib.decompress(raw[4:])
        elif flags & 4:  # zstd (Qt 6); not used by the Debian build, skipped if met
            log.warning("skipping zstd-compressed %s%s", prefix, here)
            continue
        yield prefix + here, raw


# ---------------------------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------------------------
@dataclass
class Unpacked:
    name: str
    version: str
    root: Path
    copyright: str = ""
    licenses: list[tuple[list[str], str]] = field(default_factory=list)

    def license_of(self, rel: str, default: str) -> str:
        """License of a source file from the package's DEP-5 copyright (last match wins)."""
        found = default
        for patterns, lic in self.licenses:
            if any(fnmatch.fnmatch(rel, pat) for pat in patterns):
                found = lic
        return found


def parse_copyright(text: str) -> list[tuple[list[str], str]]:
    """DEP-5 `Files:`/`License:` paragraphs -> [(patterns, short license)]."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        files = re.search(r"^Files:(.*(?:\n[ \t]+.*)*)", para, re.M)
        lic = re.search(r"^License:[ \t]*(\S[^\n]*)", para, re.M)
        if files and lic:
            out.append((files.group(1).split(), lic.group(1).strip()))
    return out



def fetch(name: str, root: Path) -> Unpacked:
    """`apt-get download` (after `apt-get update` if needed) and `dpkg-deb -x` one package."""
    deb = apt_download(name, root / "debs")
    dest = root / "extracted" / name
    if not (dest / ".done").exists():
        dest.mkdir(parents=True, exist_ok=True)
        res = run(["nice", "-n", "10", "dpkg-deb", "-x", str(deb), str(dest)])
        if res.returncode != 0:
            raise RuntimeError(f"dpkg-deb -x {deb} failed: {res.stderr.strip()[-400:]}")
        (dest / ".done").touch()
    version = run(["dpkg-deb", "-f", str(deb), "Version"]).stdout.strip()
    cfile = dest / "usr" / "share" / "doc" / name / "copyright"
    text = cfile.read_text(errors="replace") if cfile.exists() else ""
    return Unpacked(name, version, dest, text, parse_copyright(text))


# ---------------------------------------------------------------------------------------------
# Candidates: media files with a name, a folder and a license
# ---------------------------------------------------------------------------------------------
@dataclass
class Candidate:
    source: str  # package name
    kind: str  # "image" | "sound"
    file: Path  # file on disk (extracted)
    origin: str  # path inside the package (or inside its resource bundle)
    key: str  # stable id part: folder/name
    license: str


def scratch_candidates(pkg: Unpacked) -> list[Candidate]:
    media = pkg.root / "usr" / "share" / "scratch" / "Media"
    out = []
    for dirs, kind, exts in ((SCRATCH_IMAGE_DIRS, "image", IMAGE_EXT),
                             (SCRATCH_SOUND_DIRS, "sound", SOUND_EXT)):
        for d in dirs:
            for f in sorted((media / d).glob("*")):
                if f.suffix.lower() in exts and f.is_file():
                    rel = f.relative_to(pkg.root).as_posix()
                    out.append(Candidate(pkg.name, kind, f, rel, f"{d}/{f.stem}", SCRATCH_LICENSE))
    return out


def gcompris_candidates(pkg: Unpacked) -> list[Candidate]:
    """Media of the GCompris activities, written out of the resource bundles once."""
    rcc_dir = pkg.root / "usr" / "share" / "gcompris-qt" / "rcc"
    files = pkg.root.parent / f"{pkg.name}-files"
    default = pkg.license_of("*", "GPL-3+")
    out = []
    for rcc in sorted(rcc_dir.glob("*.rcc")):
        if rcc.stem in GCOMPRIS_SKIP:
            continue
        for rel, content in rcc_entries(rcc.read_bytes()):
            ext = Path(rel).suffix.lower()
            kind = "image" if ext in IMAGE_EXT else "sound" if ext in SOUND_EXT else None
            parts = rel.split("/")
            # gcompris/src/activities/<activity>/... ; the activity's own icon is skipped
            if kind is None or len(parts) < 5 or parts[2] != "activities":
                continue
            activity = parts[3]
            if activity in GCOMPRIS_SKIP or any(d in f"/{rel}" for d in GCOMPRIS_SKIP_DIRS):
                continue
            if len(parts) == 5 and Path(parts[4]).stem == activity:
                continue
            if Path(rel).stem.startswith("T_"):  # shape targets of babyshapes
                continue
            dst = files / rel
            if not dst.exists() or dst.stat().st_size != len(content):
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(content)
            src_rel = "/".join(parts[1:])  # path in the GCompris source tree
            out.append(Candidate(pkg.name, kind, dst, f"{rcc.name}:{rel}",
                                 f"{activity}/{'/'.join(parts[4:-1] + [Path(rel).stem])}",
                                 pkg.license_of(src_rel, default)))
    return out

