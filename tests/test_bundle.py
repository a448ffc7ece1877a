"""Issue 11 item 4: the frozen one-folder build (PyInstaller) runs with no Python around it.

The bundle takes minutes to build and is 6.5 GB, so this test uses the folder named by
$SYNESTHESIA_BUNDLE when it is set (installers/pyinstaller/build.sh prints it), else builds one
when PyInstaller is importable, else is skipped with that reason (PyInstaller is not part of
the lock: `make bundle` brings it in for the build only). It runs the bundled command line
from another directory with an empty environment: --version on both executables, the demo,
and an index and a search of the bundled demo folder; then installers/linux/register.sh puts
the frozen folder's window in the application menu and takes it out again.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def bundle(tmp_path: Path) -> Path:
    if os.environ.get("SYNESTHESIA_BUNDLE"):
        return Path(os.environ["SYNESTHESIA_BUNDLE"])
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (make bundle builds with it; or set "
                    "SYNESTHESIA_BUNDLE to a built dist/synesthesia)")
    env = {**os.environ, "PYINSTALLER": "python -m PyInstaller", "PYTHONPATH": str(REPO)}
    done = subprocess.run([str(REPO / "installers/pyinstaller/build.sh"), str(tmp_path / "dist")],
                          env=env, capture_output=True, text=True, check=True)
    return Path(done.stdout.strip().splitlines()[-1])


def test_the_frozen_build_runs_without_python(tmp_path):
    folder = bundle(tmp_path)
    home = tmp_path / "home"
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}

    def run(*args: str) -> str:
        done = subprocess.run([str(folder / args[0]), *args[1:]], env=env, cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        return done.stdout

    assert run("synesthesia", "--version").startswith("synesthesia 0.")
    assert run("synesthesia-gui", "--version").startswith("synesthesia-gui 0.")
    report = json.loads(run("synesthesia", "demo", "--json"))
    dog = next(r for r in report["results"] if r["query"] == 'text "a dog"')
    assert "dog.png" in [h["file"] for h in dog["image"]]
    demo = folder / "_internal" / "resources" / "demo"
    run("synesthesia", "index", str(demo), "--exclude", "PROVENANCE.md", "--exclude",
        "demo_ids.txt")
    found = json.loads(run("synesthesia", "search", "a dog", "--kinds", "image", "--json"))
    assert "dog.png" in [Path(r["path"]).name for r in found["results"][:3]]

    prefix = tmp_path / "prefix"
    register = [str(REPO / "installers/linux/register.sh"), str(folder), "--prefix", str(prefix)]
    subprocess.run(register, env=env, check=True)
    desktop = (prefix / "share/applications/synesthesia.desktop").read_text()
    assert f"Exec={folder.resolve()}/synesthesia-gui %f" in desktop
    assert (prefix / "share/icons/hicolor/48x48/apps/synesthesia.png").is_file()
    assert (prefix / "bin/synesthesia").resolve() == (folder / "synesthesia").resolve()
    subprocess.run([*register, "--remove"], env=env, check=True)
    assert not (prefix / "share/applications/synesthesia.desktop").exists()
    assert not (prefix / "bin/synesthesia-gui").exists()
