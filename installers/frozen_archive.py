"""Packs the frozen one-folder build (``make bundle``: dist/synesthesia) for users who have no
Python, as ``dist/synesthesia-<version>-linux-<machine>-frozen.tar.gz``:

    python -m installers.frozen_archive dist/synesthesia [OUT_DIR]

The archive holds one folder, ``synesthesia-<version>-linux-<machine>-frozen/``, with

    synesthesia/                 the frozen folder (synesthesia, synesthesia-gui, _internal/)
    install.sh, uninstall.sh     installers/linux/frozen-install.sh and frozen-uninstall.sh
    register.sh, synesthesia.desktop, synesthesia.metainfo.xml
                                 the desktop registration install.sh runs (the same files the
                                 wheel's installer uses)

Reproducible: entries in sorted order, every time stamp SOURCE_DATE_EPOCH (else the last
commit's time), owner and group 0 with no names, modes 755 or 644, a gzip header without a
time or a file name; symbolic links stay links. So the same folder gives the same bytes."""

from __future__ import annotations

import gzip
import os
import platform
import stat
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINUX = REPO / "installers" / "linux"
# archive name -> the file in installers/linux it is made from
SCRIPTS = {"install.sh": "frozen-install.sh", "uninstall.sh": "frozen-uninstall.sh",
           "register.sh": "register.sh", "synesthesia.desktop": "synesthesia.desktop",
           "synesthesia.metainfo.xml": "synesthesia.metainfo.xml"}
EPOCH_1980 = 315532800  # the earliest time a zip or a wheel can hold; used without git


def source_date_epoch() -> int:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    done = subprocess.run(["git", "-C", str(REPO), "log", "-1", "--format=%ct"],
                          capture_output=True, text=True)
    return int(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else EPOCH_1980


def archive_name(version: str | None = None, machine: str | None = None) -> str:
    if version is None:
        with open(REPO / "pyproject.toml", "rb") as f:
            version = tomllib.load(f)["project"]["version"]
    return f"synesthesia-{version}-linux-{machine or platform.machine()}-frozen"


def members(folder: Path, top: str) -> list[tuple[str, Path | None]]:
    """(name in the archive, path on disk), sorted by name: the frozen folder under
    ``top/synesthesia`` and the scripts beside it. Links are listed, never followed."""
    found: list[tuple[str, Path | None]] = [(top, None), (f"{top}/synesthesia", folder)]
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            found.append((f"{top}/synesthesia/{path.relative_to(folder).as_posix()}", path))
    found += [(f"{top}/{name}", LINUX / source) for name, source in SCRIPTS.items()]
    return sorted(found, key=lambda pair: pair[0])


def entry(name: str, path: Path | None, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime, info.uid, info.gid, info.uname, info.gname = mtime, 0, 0, "", ""
    if path is None or (path.is_dir() and not path.is_symlink()):
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        return info
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        info.type, info.linkname, info.mode = tarfile.SYMTYPE, os.readlink(path), 0o777
    elif stat.S_ISREG(st.st_mode):
        info.size = st.st_size
        executable = st.st_mode & 0o111 or name.endswith(".sh")
        info.mode = 0o755 if executable else 0o644
    else:
        raise ValueError(f"{path}: neither a file, a folder nor a link; cannot pack it")
    return info


def pack(folder: Path, out_dir: Path, *, compresslevel: int = 6,
         mtime: int | None = None) -> Path:
    """Writes the archive of ``folder`` into ``out_dir`` and returns its path."""
    folder = Path(folder)
    if not (folder / "synesthesia-gui").is_file() or not (folder / "synesthesia").is_file():
        raise FileNotFoundError(f"{folder} is not a frozen build (no synesthesia and "
                                "synesthesia-gui in it): run `make bundle` first")
    mtime = source_date_epoch() if mtime is None else mtime
    top = archive_name()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{top}.tar.gz"
    partial = target.with_name(target.name + ".partial")
    with open(partial, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=compresslevel,
                          mtime=mtime) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in members(folder, top):
            info = entry(name, path, mtime)
            if info.isreg():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2 or args[0].startswith("-"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        target = pack(Path(args[0]), Path(args[1] if len(args) == 2 else "dist"))
    except (FileNotFoundError, ValueError) as error:
        print(f"frozen_archive: {error}", file=sys.stderr)
        return 2
    print(f"packed in {time.monotonic() - started:.0f} s: {target.stat().st_size / 2**20:.0f} MiB",
          file=sys.stderr)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
