"""The archive of the frozen build (installers/frozen_archive.py) and its install.sh /
uninstall.sh, on a small folder shaped like the frozen build: its two "executables" are shell
scripts that print a version. tests/test_bundle.py (slow) packs and installs the real bundle;
this checks, in a second, what the real one is too big to check twice: the same folder gives
the same bytes, and uninstall.sh removes exactly what install.sh wrote."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from installers.frozen_archive import archive_name, pack

REPO = Path(__file__).resolve().parents[1]


def frozen_like(root: Path, mtime: int, mode: int) -> Path:
    """synesthesia and synesthesia-gui, _internal/ with the icons and a library linked to
    from the top of _internal, as PyInstaller links the CUDA libraries."""
    folder = root / "synesthesia"
    (folder / "_internal/nvidia/lib").mkdir(parents=True)
    shutil.copytree(REPO / "resources/icons", folder / "_internal/resources/icons")
    for name in ("synesthesia", "synesthesia-gui"):
        (folder / name).write_text(f'#!/bin/sh\necho "{name} 0.1.0"\n')
        (folder / name).chmod(0o775)
    (folder / "_internal/nvidia/lib/libcublas.so.13").write_bytes(b"\x7fELF" * 100)
    (folder / "_internal/libcublas.so.13").symlink_to("nvidia/lib/libcublas.so.13")
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink() and not os.access(path, os.X_OK):
            path.chmod(mode)
        os.utime(path, (mtime, mtime), follow_symlinks=False)
    return folder


def test_the_same_folder_gives_the_same_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764460800")
    first = pack(frozen_like(tmp_path / "a", 1_000_000_000, 0o644), tmp_path / "out-a")
    second = pack(frozen_like(tmp_path / "b", 1_700_000_000, 0o664), tmp_path / "out-b")
    assert first.name == f"{archive_name()}.tar.gz" and "-linux-" in first.name
    assert first.read_bytes() == second.read_bytes()
    with gzip.open(first) as gz:
        gz.read(1)
        assert gz.mtime == 1764460800
    with tarfile.open(first) as tar:
        members = tar.getmembers()
    top = archive_name()
    assert [m.name for m in members] == sorted(m.name for m in members)
    assert {(m.uid, m.gid, m.uname, m.gname, m.mtime) for m in members} == {
        (0, 0, "", "", 1764460800)}
    by_name = {m.name: m for m in members}
    link = by_name[f"{top}/synesthesia/_internal/libcublas.so.13"]
    assert link.issym() and link.linkname == "nvidia/lib/libcublas.so.13"
    assert by_name[f"{top}/synesthesia/synesthesia-gui"].mode == 0o755
    assert by_name[f"{top}/install.sh"].mode == 0o755
    assert by_name[f"{top}/synesthesia.desktop"].mode == 0o644
    assert {m.name.split("/")[1] for m in members if "/" in m.name} == {
        "synesthesia", "install.sh", "uninstall.sh", "register.sh", "synesthesia.desktop",
        "synesthesia.metainfo.xml"}


def test_a_folder_that_is_not_a_frozen_build_is_refused(tmp_path):
    (tmp_path / "synesthesia").write_text("not a build")
    with pytest.raises(FileNotFoundError, match="make bundle"):
        pack(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def unpacked(tmp_path: Path) -> Path:
    archive = pack(frozen_like(tmp_path / "build", 1_000_000_000, 0o644), tmp_path / "dist")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    return tmp_path / "x" / archive_name()


def tree(home: Path) -> set[str]:
    return {p.relative_to(home).as_posix() for p in home.rglob("*")}


def test_uninstall_removes_exactly_what_install_wrote(tmp_path):
    top = unpacked(tmp_path)
    home = tmp_path / "home"
    library = home / ".local/share/synesthesia/library"
    library.mkdir(parents=True)
    (library / "library.sqlite").write_bytes(b"the user's library")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    before = tree(home)

    done = subprocess.run([str(top / "install.sh")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Installed synesthesia 0.1.0 (frozen)" in done.stdout
    app = home / ".local/lib/synesthesia-frozen"
    assert (home / ".local/bin/synesthesia-gui").resolve() == app / "synesthesia-gui"
    assert (app / "_internal/libcublas.so.13").is_symlink()
    desktop = (home / ".local/share/applications/synesthesia.desktop").read_text()
    assert f"Exec={app}/synesthesia-gui %f" in desktop
    assert (home / ".local/share/icons/hicolor/64x64/apps/synesthesia.png").is_file()
    assert (home / ".local/share/metainfo/synesthesia.metainfo.xml").is_file()
    installed = tree(home)

    again = subprocess.run([str(top / "install.sh")], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert tree(home) == installed  # installing again replaces, adds nothing

    subprocess.run([str(app / "uninstall.sh")], env=env, check=True, capture_output=True)
    assert tree(home) == before
    assert (library / "library.sqlite").read_bytes() == b"the user's library"
    missing = subprocess.run([str(top / "uninstall.sh")], env=env, capture_output=True,
                             text=True)
    assert missing.returncode == 1 and "no frozen Synesthesia installed" in missing.stderr


def test_uninstall_leaves_a_launcher_another_installation_took_over(tmp_path):
    top = unpacked(tmp_path)
    home = tmp_path / "home"
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    home.mkdir()
    subprocess.run([str(top / "install.sh"), "--prefix", str(home / "apps")], env=env,
                   check=True, capture_output=True)
    # The wheel's install.sh, run afterwards, registers its own environment's commands.
    launcher = home / "apps/share/applications/synesthesia.desktop"
    launcher.write_text(launcher.read_text().replace(
        str(home / "apps/lib/synesthesia-frozen"), "/opt/venv/bin"))
    (home / "apps/bin/synesthesia").unlink()
    (home / "apps/bin/synesthesia").symlink_to("/opt/venv/bin/synesthesia")

    done = subprocess.run([str(top / "uninstall.sh"), "--prefix", str(home / "apps")],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "belongs to another installation" in done.stdout
    assert not (home / "apps/lib/synesthesia-frozen").exists()
    assert not (home / "apps/bin/synesthesia-gui").exists()  # still the frozen one's: gone
    assert os.readlink(home / "apps/bin/synesthesia") == "/opt/venv/bin/synesthesia"
    assert "Exec=/opt/venv/bin/synesthesia-gui" in launcher.read_text()
    assert (home / "apps/share/icons/hicolor/scalable/apps/synesthesia.svg").is_file()
