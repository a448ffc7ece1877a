"""Fetching and unpacking the Debian packages the corpus is built from.

Nothing is installed: packages are fetched with `apt-get download` into the
cache and unpacked with `dpkg-deb -x`, so no root rights are needed.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Short license strings where the copyright file does not give a usable one.
LICENSE_OVERRIDES = {
    "openclipart-png": "public-domain (Open Clip Art Library)",
    "openclipart-svg": "public-domain (Open Clip Art Library)",
    "wesnoth-1.16-data": "GPL-2+",
    "tuxpaint-stamps-default": "GPL-2",
    "fonts-noto-color-emoji": "OFL-1.1",
    "unicode-cldr-core": "Unicode-DFS-2016",
}

# Never used: reserved for independent evaluation of the model. `scratch` and
# `gcompris-qt-data` are the independent set (`training.independent`);
# `openttd-opensfx` (freesound-derived real recordings) is held out for the real-media
# evaluation set `training.realmedia`, which reads it with `training.corpus.opensfx`.
RESERVED = frozenset({"scratch", "gcompris-qt-data", "openttd-opensfx"})


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Corpus cache: `$SYNESTHESIA_CACHE/corpus` or `~/.cache/synesthesia/corpus`."""
    if explicit is not None:
        return Path(explicit)
    root = os.environ.get("SYNESTHESIA_CACHE") or Path.home() / ".cache" / "synesthesia"
    return Path(root) / "corpus"


@dataclass(frozen=True)
class Package:
    """An unpacked Debian package: its name, version, license and file root."""

    name: str
    version: str
    license: str
    root: Path


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def download(name: str, debs: Path) -> Path:
    """Return the .deb of `name` in `debs`, fetching it with apt-get if missing."""
    if name in RESERVED:
        raise ValueError(f"{name} is reserved for evaluation and must not be used")
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{name}_*.deb"))
    if found:
        return found[-1]
    result = _run(["apt-get", "download", name], cwd=debs)
    if result.returncode != 0:
        # A fresh machine often has no package lists yet.
        _run(["apt-get", "update"])
        result = _run(["apt-get", "download", name], cwd=debs)
    found = sorted(debs.glob(f"{name}_*.deb"))
    if result.returncode != 0 or not found:
        raise RuntimeError(f"apt-get download {name} failed: {result.stderr.strip()[-400:]}")
    return found[-1]


def short_license(copyright_text: str) -> str:
    """The most frequent `License:` name of a Debian copyright file, or 'unknown'."""
    names = [m.strip() for m in re.findall(r"^License:[ \t]*(\S[^\n]*)$", copyright_text, re.M)]
    if not names:
        return "unknown"
    return Counter(names).most_common(1)[0][0]


def unpack(name: str, corpus: Path) -> Package:
    """Download (if needed) and unpack `name` under `corpus/extracted/<name>/`."""
    deb = download(name, corpus / "debs")
    root = corpus / "extracted" / name
    done = root / ".done"
    if not done.exists():
        root.mkdir(parents=True, exist_ok=True)
        result = _run(["nice", "-n", "19", "dpkg-deb", "-x", str(deb), str(root)])
        if result.returncode != 0:
            raise RuntimeError(f"dpkg-deb -x {deb} failed: {result.stderr.strip()[-400:]}")
        done.touch()
    version = _run(["dpkg-deb", "-f", str(deb), "Version"]).stdout.strip()
    license_ = LICENSE_OVERRIDES.get(name)
    if license_ is None:
        copyright_file = root / "usr" / "share" / "doc" / name / "copyright"
        text = copyright_file.read_text(errors="replace") if copyright_file.exists() else ""
        license_ = short_license(text)
    return Package(name=name, version=version, license=license_, root=root)
