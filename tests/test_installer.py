"""The Linux installer, built from the lock and installed as a user would.

installers/build.sh makes the Linux tarball twice (the same bytes: reproducible); the test
unpacks it, runs its install.sh into a prefix inside tmp_path (a fresh environment with
exactly the locked dependencies, hash-checked; uv takes them from its cache and downloads
only what the cache lacks), checks the
launcher and icon it registers, runs the installed commands from another directory with no
PYTHONPATH, then uninstall.sh, which must keep the library.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from tests.test_wheel import uv

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def build(out: Path, tool: str) -> Path:
    env = {**os.environ, "UV": tool, "UV_OFFLINE": "1"}
    done = subprocess.run([str(REPO / "installers" / "build.sh"), "linux", str(out)], env=env,
                          capture_output=True, text=True, check=True)
    return Path(done.stdout.strip().splitlines()[-1])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_install_run_uninstall(tmp_path):
    tool = uv()
    if tool is None:
        pytest.skip("uv is not installed (make installer installs it into .venv-tools)")
    tarball = build(tmp_path / "dist", tool)
    assert sha256(tarball) == sha256(build(tmp_path / "again", tool))
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    (folder,) = (tmp_path / "unpacked").iterdir()
    assert {p.name for p in folder.iterdir()} >= {
        "install.sh", "uninstall.sh", "register.sh", "requirements.txt", "synesthesia.desktop",
        "synesthesia.metainfo.xml", f"{folder.name.removesuffix('-linux')}-py3-none-any.whl"}

    home, prefix = tmp_path / "home", tmp_path / "prefix"
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "UV": tool, "QT_QPA_PLATFORM": "offscreen",
           "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
           "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv")),
           "OMP_NUM_THREADS": "1",
           # the system's certificates (a proxy's own CA): what pip and curl trust here too
           "UV_NATIVE_TLS": os.environ.get("UV_NATIVE_TLS", "1")}
    python = shutil.which("python3.11") or shutil.which("python3")
    t0 = time.perf_counter()
    subprocess.run([str(folder / "install.sh"), "--prefix", str(prefix), "--python", python],
                   env=env, check=True, cwd=tmp_path)
    print(f"installer {tarball.stat().st_size / 2**20:.1f} MiB, installed in "
          f"{time.perf_counter() - t0:.1f} s")

    def run(*args: str) -> str:
        done = subprocess.run(list(args), env=env, cwd=home.parent, capture_output=True,
                              text=True)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        return done.stdout

    assert run(str(prefix / "bin" / "synesthesia"), "--version").startswith("synesthesia 0.")
    assert run(str(prefix / "bin" / "synesthesia-gui"), "--version").startswith(
        "synesthesia-gui 0.")
    desktop = (prefix / "share" / "applications" / "synesthesia.desktop").read_text()
    exec_line = next(line for line in desktop.splitlines() if line.startswith("Exec="))
    launcher = Path(exec_line.removeprefix("Exec=").split()[0])
    assert launcher.is_file() and os.access(launcher, os.X_OK)
    assert "MimeType=image/jpeg;" in desktop and "Icon=synesthesia" in desktop
    assert (prefix / "share/icons/hicolor/256x256/apps/synesthesia.png").is_file()
    assert (prefix / "share/icons/hicolor/scalable/apps/synesthesia.svg").is_file()
    if shutil.which("desktop-file-validate"):
        run("desktop-file-validate", str(prefix / "share/applications/synesthesia.desktop"))
    report = json.loads(run(str(prefix / "bin" / "synesthesia"), "demo", "--json"))
    assert report["model_id"] and report["results"]

    if shutil.which("xvfb-run"):  # the installed window, on a virtual display
        shot = tmp_path / "installed-window.png"
        top = run("xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
                  str(prefix / "lib/synesthesia/venv/bin/python"),
                  str(REPO / "tests" / "installed_window.py"), str(shot)).split()
        assert "dog.png" in top[:3], top
        assert shot.stat().st_size > 10_000
        assert (home / "data" / "synesthesia" / "demo-library" / "library.sqlite").is_file()
        if os.environ.get("SYNESTHESIA_SAVE_SCREENSHOT"):  # for the README
            shutil.copy(shot, REPO / "docs" / "screenshots" / "installed.png")

    library = home / "data" / "synesthesia" / "library"
    library.mkdir(parents=True)
    (library / "keep.txt").write_text("the person's library")
    run(str(prefix / "lib" / "synesthesia" / "uninstall.sh"), "--prefix", str(prefix))
    assert not (prefix / "bin" / "synesthesia").exists()
    assert not (prefix / "share" / "applications" / "synesthesia.desktop").exists()
    assert not (prefix / "lib" / "synesthesia").exists()
    assert (library / "keep.txt").read_text() == "the person's library"
