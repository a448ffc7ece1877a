"""Fetching and unpacking the Debian packages the corpus is built from.

Nothing is installed: packages are fetched with `apt-get download` into the
cache and unpacked with `dpkg-deb -x`, so no root rights are needed.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
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
    "fluid-soundfont-gm": "MIT",  # "I hereby release Fluid under the MIT license"
    "freepats": "GPL-2+ with composition exception",
}

# Never read by corpus building, training or recipe choice: reserved for evaluation by
# others. `scratch` and `gcompris-qt-data` are the independent set (`training.independent`);
# the rest are held back for evaluations of real photos and recordings made outside this
# repository, so that those evaluations measure media the model has never met.
RESERVED = frozenset({
    "scratch", "gcompris-qt-data", "openttd-opensfx", "qabcs-data",
    "gnome-control-center-data", "marble-qt-data", "scorched3d-data", "opencv-doc",
    "kphotoalbum", "mate-screensaver-common", "triplea", "lugaru-data", "flare-game",
    "flare-data", "cinnamon-common", "palapeli-data", "labelme-examples", "brainparty-data",
    "searchandrescue-data", "crossfire-client", "gnome-taquin", "etw-data",
    "sound-theme-freedesktop",
})


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
    """Return the .deb of `name` in `debs`, fetching it with apt-get if missing; a package
    reserved for evaluation is refused."""
    if name in RESERVED:
        raise ValueError(f"{name} is reserved for evaluation and must not be used")
    return apt_download(name, debs)


def apt_download(name: str, debs: Path) -> Path:
    """Return the .deb of `name` in `debs`, fetching it with `apt-get download` if missing
    (after `apt-get update` when the first try fails). Also used by the evaluation sets."""
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


def _missing_libraries(name: str) -> list[str]:
    """Library packages `name` needs that this system lacks (apt's own resolution, simulated)."""
    result = _run(["apt-get", "-s", "-qq", "install", "--no-install-recommends", name])
    if result.returncode != 0:
        raise RuntimeError(f"apt-get -s install {name} failed: {result.stderr.strip()[-400:]}")
    wanted = re.findall(r"^Inst (\S+)", result.stdout, re.M)
    return [p for p in wanted if p.startswith("lib") and p != name]


@dataclass(frozen=True)
class Tool:
    """A command line program unpacked (with the libraries it lacks) from Debian packages."""

    name: str
    version: str
    binary: Path
    env: dict


def tool(name: str, corpus: Path, binary: str | None = None) -> Tool:
    """Unpack program `name` and its missing libraries under `corpus/extracted/`; no root.

    The returned `env` points `LD_LIBRARY_PATH` at the unpacked libraries. Raises
    RuntimeError when the program cannot be fetched or does not run here.
    """
    if shutil.which("apt-get") is None:
        raise RuntimeError("apt-get is not available")
    main = unpack(name, corpus)
    roots = [main.root] + [unpack(lib, corpus).root for lib in _missing_libraries(name)]
    libdirs = []
    for root in roots:
        for libdir in sorted(root.glob("usr/lib/*-linux-gnu")) + sorted(root.glob("lib/*-linux-gnu")):
            libdirs += [str(libdir)] + [str(d) for d in sorted(libdir.iterdir()) if d.is_dir()
                                        and any(d.glob("*.so*"))]
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = ":".join(libdirs + [p for p in [env.get("LD_LIBRARY_PATH")] if p])
    path = main.root / "usr" / "bin" / (binary or name)
    try:
        check = subprocess.run([str(path), "--version"], env=env, capture_output=True, text=True,
                               check=False, timeout=60)
    except OSError as exc:
        raise RuntimeError(f"{path} does not run: {exc}") from exc
    if check.returncode != 0:
        raise RuntimeError(f"{path} --version failed: {(check.stderr or check.stdout)[-400:]}")
    return Tool(name=name, version=main.version, binary=path, env=env)


def _pattern_matches(pattern: str, rel: str) -> bool:
    """Whether a DEP-5 `Files:` pattern (a path in the source tree) names installed file `rel`.

    Installed paths differ from source paths by a prefix (`data/music/x.ogg` is installed
    as `usr/share/games/widelands/data/music/x.ogg`): the pattern matches `rel` whole, or
    it or a tail of it with at least two named path parts matches the end of `rel`.
    """
    parts = pattern.strip("/").split("/")
    for k in range(len(parts)):
        tail = parts[k:]
        if len([p for p in tail if p.strip("*?")]) < 2:
            break  # 'hedgewars/*' (a source folder) must not match '.../hedgewars/Data/x'
        if fnmatch.fnmatchcase(rel, "*/" + "/".join(tail)):
            return True
    return fnmatch.fnmatchcase(rel, pattern)


def copyright_license(copyright_text: str, rel: str) -> str | None:
    """The `License:` of the last DEP-5 `Files:` paragraph naming `rel` (DEP-5's rule), or None."""
    found = None
    for paragraph in re.split(r"\n[ \t]*\n", copyright_text):
        files = re.search(r"^Files:[ \t]*(.*(?:\n[ \t]+.*)*)", paragraph, re.M)
        license_ = re.search(r"^License:[ \t]*(\S[^\n]*)", paragraph, re.M)
        if files and license_ and any(_pattern_matches(p, rel) for p in files.group(1).split()):
            found = license_.group(1).strip()
    return found


def file_license(pkg: Package, rel: str) -> str:
    """License of one installed file of `pkg`: an override, its DEP-5 paragraph, or the package's."""
    if pkg.name in LICENSE_OVERRIDES:
        return LICENSE_OVERRIDES[pkg.name]
    copyright_file = pkg.root / "usr" / "share" / "doc" / pkg.name / "copyright"
    text = copyright_file.read_text(errors="replace") if copyright_file.exists() else ""
    return copyright_license(text, rel) or pkg.license
