"""The wheel carries everything the app needs at run time.

Builds the wheel from this checkout (sdist, then wheel from the sdist, as a release would),
installs it into a fresh virtual environment outside the checkout and runs the installed
commands there, from another working directory, with no PYTHONPATH: ``--version``, ``demo``,
and an index + search of the demo folder *as installed* (the wheel's own copy).

The heavy dependencies (torch, Qt, ...) are not downloaded again: the new environment sees
this test environment's site-packages through a .pth file, after its own site-packages, so
``app``, ``core`` and ``resources`` come from the installed wheel (checked) and only the
third-party packages are shared.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def uv() -> str | None:
    """uv, as `make` installs it (.venv-tools) or on PATH."""
    found = os.environ.get("SYNESTHESIA_UV") or shutil.which("uv")
    local = REPO / ".venv-tools" / "bin" / "uv"
    return found or (str(local) if local.exists() else None)


def build_wheel(out: Path) -> Path:
    tool = uv()
    if tool:
        subprocess.run([tool, "build", "--offline", "-q", "-o", str(out), str(REPO)], check=True)
    else:  # pip's isolated build fetches setuptools from the index (or its cache)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out),
                        str(REPO)], check=True)
    (wheel,) = out.glob("synesthesia-*.whl")
    return wheel


def install(wheel: Path, venv: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                              "get_paths()['purelib'])"], capture_output=True, text=True,
                             check=True).stdout.strip()
    shared = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "zz_shared_dependencies.pth").write_text("\n".join(sorted(shared)) + "\n")
    tool = uv()
    if tool:
        cmd = [tool, "pip", "install", "--offline", "--no-deps", "--python", str(python)]
    else:
        cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--python",
               str(python)]
    subprocess.run([*cmd, str(wheel)], check=True)
    return venv / "bin"


def test_the_installed_wheel_runs_outside_the_checkout(tmp_path):
    wheel = build_wheel(tmp_path / "dist")
    size = wheel.stat().st_size
    t0 = time.perf_counter()
    bin_dir = install(wheel, tmp_path / "venv")
    print(f"wheel {size / 2**20:.1f} MiB, installed in {time.perf_counter() - t0:.1f} s")
    home = tmp_path / "home"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
           "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}

    def run(*args: str) -> str:
        done = subprocess.run(list(args), cwd=tmp_path, env=env, capture_output=True,
                              text=True)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout

    where = json.loads(run(str(bin_dir / "python"), "-c", (
        "import json, app, core, resources; from core.resources import resource; "
        "print(json.dumps([app.__file__, core.__file__, resources.__file__, "
        "str(resource('demo'))]))")))
    assert all(p.startswith(str(tmp_path / "venv")) for p in where), where
    demo = Path(where[3])
    assert run(str(bin_dir / "synesthesia"), "--version").strip().startswith("synesthesia 0.")
    assert run(str(bin_dir / "synesthesia-gui"), "--version").strip().startswith(
        "synesthesia-gui 0.")
    report = json.loads(run(str(bin_dir / "synesthesia"), "demo", "--json"))
    assert report["model_id"] and len(report["results"]) >= 6
    dog = next(r for r in report["results"] if r["query"] == 'text "a dog"')
    assert "dog.png" in [h["file"] for h in dog["image"]]
    # The default library (no --library): the user data folder's library.
    run(str(bin_dir / "synesthesia"), "index", str(demo), "--exclude", "PROVENANCE.md",
        "--exclude", "demo_ids.txt")
    assert (home / "data" / "synesthesia" / "library" / "library.sqlite").is_file()
    found = json.loads(run(str(bin_dir / "synesthesia"), "search", "a dog", "--kinds",
                           "image", "--json", "--merged"))
    top = [Path(r["path"]).name for r in found["results"][:3]]
    assert "dog.png" in top, top
    assert all(r["path"].startswith(str(demo)) for r in found["results"])
