"""The frozen one-folder build (PyInstaller) runs with no Python around it.

The test builds the bundle itself with installers/pyinstaller/build.sh and the PyInstaller of
the test environment (the `test` extra pins the version build.sh uses), so `make test` (CI)
builds and smoke-tests it: 6.5 GB and several minutes. $SYNESTHESIA_BUNDLE names an already
built dist/synesthesia to test instead. The one reason to skip: too little free disk for the
build (or, for the archive's test alone, for unpacking and installing it). Every executable
runs from another directory with an empty environment (PATH=/usr/bin:/bin, a fresh HOME):
- the command line: --version on both executables, the demo, an index and a search of the
  bundled demo folder; installers/linux/register.sh puts the frozen window in the
  application menu and takes it out again;
- the window under Xvfb (Qt's offscreen platform where xvfb-run is missing): --demo opens the
  demo library, indexes it, searches "a dog" (--query), saves a screenshot with the results
  (--screenshot) and prints them; then a second start on the indexed library;
- speech recognition: --recognise runs the recogniser in the child process the Record dialog
  uses (multiprocessing spawn: the frozen executable itself, made a worker by freeze_support)
  and must hear what the decoder of the test environment hears;
- the archive users download (installers/frozen_archive.py, packed from the same build):
  unpacked, its install.sh copies the folder to ~/.local/lib/synesthesia-frozen and registers
  the launcher, icon and metainfo where freedesktop looks for them; the installed commands
  run from ~/.local/bin; uninstall.sh removes exactly what install.sh wrote, and a file in the
  user's library stays.
Run with -s to see the timings and the bundle's largest parts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RAIN = REPO / "tests" / "gui" / "data" / "rain_on_a_tin_roof.wav"  # espeak-ng, 16 kHz
# The bundle is 6.5 GB and PyInstaller's work files about 1 GB more; twice that, to be safe.
DISK_NEEDED = 16 * 2**30
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Iterator[Path]:
    if os.environ.get("SYNESTHESIA_BUNDLE"):
        yield Path(os.environ["SYNESTHESIA_BUNDLE"])
        return
    out = tmp_path_factory.mktemp("bundle")
    free = shutil.disk_usage(out).free
    if free < DISK_NEEDED:
        pytest.skip(f"{free / 2**30:.1f} GiB free in {out}; the frozen build needs "
                    f"{DISK_NEEDED / 2**30:.0f} GiB")
    env = {**os.environ, "PYINSTALLER": f"{sys.executable} -m PyInstaller",
           "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    done = subprocess.run([str(REPO / "installers/pyinstaller/build.sh"), str(out / "dist")],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-4000:]
    print(f"\nbundle built in {time.monotonic() - started:.0f} s")
    built = Path(done.stdout.strip().splitlines()[-1])
    report_size(built)
    yield built
    shutil.rmtree(out)  # 6.5 GB: not left for pytest's kept temporary folders


def report_size(built: Path) -> None:
    """The bundle's size and its largest parts (printed; the README has the numbers)."""
    parts = sorted(((size(p), p.name) for p in (built / "_internal").iterdir()), reverse=True)
    print(f"bundle {size(built) / 1e9:.2f} GB; largest parts of _internal:")
    for n, name in parts[:12]:
        print(f"  {n / 1e6:8.0f} MB  {name}")


def size(path: Path) -> int:
    """Bytes in the files under ``path``; a symbolic link counts 0 (PyInstaller links
    libraries at the top of _internal to their copies under nvidia/: counted there)."""
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """No Python environment: nothing but a HOME of its own and the system's PATH."""
    return {"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}


def test_the_frozen_command_line_runs_without_python(folder, env, tmp_path):
    def run(*args: str) -> str:
        done = subprocess.run([str(folder / args[0]), *args[1:]], env=env, cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        return done.stdout

    assert run("synesthesia", "--version").startswith("synesthesia 0.")
    assert run("synesthesia-gui", "--version").startswith("synesthesia-gui 0.")
    started = time.monotonic()
    report = json.loads(run("synesthesia", "demo", "--json"))
    print(f"\nfrozen `synesthesia demo`: {time.monotonic() - started:.1f} s")
    dog = next(r for r in report["results"] if r["query"] == 'text "a dog"')
    assert "dog.png" in [h["file"] for h in dog["image"]]
    demo = folder / "_internal" / "resources" / "demo"
    run("synesthesia", "index", str(demo), "--exclude", "PROVENANCE.md", "--exclude",
        "demo_ids.txt")
    found = json.loads(run("synesthesia", "search", "a dog", "--kinds", "image", "--json",
                          "--merged"))
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


def run_window(folder: Path, env: dict[str, str], cwd: Path, *args: str
               ) -> tuple[list[str], dict[str, float]]:
    """The frozen window with ``args``: its output lines, and when each step's line came
    (seconds after the start)."""
    command = [str(folder / "synesthesia-gui"), *args]
    if shutil.which("xvfb-run"):
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", *command]
    else:
        env = {**env, "QT_QPA_PLATFORM": "offscreen"}
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    lines, times = [], {}
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        times.setdefault(line.split()[0] if line.split() else "", time.monotonic() - started)
    errors = process.stderr.read()
    assert process.wait() == 0, errors[-3000:]
    return lines, times


def test_the_frozen_window_shows_results_without_python(folder, env, tmp_path):
    from PIL import Image

    shot = tmp_path / "window.png"
    lines, times = run_window(folder, env, tmp_path, "--demo", "--query", "a dog",
                              "--screenshot", str(shot))
    assert lines.index("opened") < lines.index("indexed")
    top = [line.removeprefix("result ") for line in lines if line.startswith("result ")]
    assert "dog.png" in top[:3], lines
    assert f"screenshot {shot}" in lines
    with Image.open(shot) as image:
        assert image.width >= 800 and image.height >= 500
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200  # not blank: widgets, text, thumbnails
    library = Path(env["HOME"]) / ".local/share/synesthesia/demo-library"
    assert (library / "library.sqlite").is_file()

    again, warm = run_window(folder, env, tmp_path, "--demo", "--query", "a dog",
                             "--screenshot", str(tmp_path / "again.png"))
    assert "result dog.png" in again
    print(f"\nfrozen window, first start (indexes the demo): opened {times['opened']:.1f} s, "
          f"results {times['results']:.1f} s; second start: opened {warm['opened']:.1f} s, "
          f"results {warm['results']:.1f} s")


def test_the_frozen_window_recognises_speech_in_its_spawned_child(folder, env, tmp_path):
    from app.gui.services.speech import recognise
    from core.media import load_audio
    from core.tagging.vocabulary import load_vocabulary
    from core.text.words import search_words

    done = subprocess.run([str(folder / "synesthesia-gui"), "--recognise", str(RAIN)], env=env,
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    heard = done.stdout.strip()
    expected = recognise(load_audio(RAIN, 16000), words=search_words(load_vocabulary().words))
    assert heard == expected
    assert {"rain", "roof"} <= set(heard.split())


def test_the_packed_frozen_build_installs_and_uninstalls_for_a_user(folder, env, tmp_path):
    """The archive users download (installers/frozen_archive.py, `make bundle`): unpacked,
    its install.sh puts the frozen folder, the two commands, the launcher, icon and metainfo
    where freedesktop looks; the installed commands run; uninstall.sh takes away exactly what
    install.sh wrote and keeps the user's library."""
    from installers.frozen_archive import pack

    bundle = size(folder)
    free = shutil.disk_usage(tmp_path).free
    if free < 2.5 * bundle:  # the archive and the unpacked folder, then it and the install
        pytest.skip(f"{free / 2**30:.1f} GiB free in {tmp_path}; unpacking and installing the "
                    f"{bundle / 2**30:.1f} GiB bundle needs {2.5 * bundle / 2**30:.0f} GiB")
    started = time.monotonic()
    archive = pack(folder, tmp_path / "dist")
    packed = time.monotonic() - started
    unpacked = tmp_path / "unpacked"
    started = time.monotonic()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        content = sum(m.size for m in tar.getmembers() if m.isreg())
        tar.extractall(unpacked, filter="data")
    print(f"\nfrozen archive {archive.name}: {archive.stat().st_size / 2**30:.2f} GiB "
          f"({archive.stat().st_size / 1e9:.2f} GB), {content / 1e9:.2f} GB unpacked, "
          f"packed in {packed:.0f} s, unpacked in {time.monotonic() - started:.0f} s")
    archive.unlink()
    top = unpacked / names[0]
    assert {p.name for p in top.iterdir()} == {
        "synesthesia", "install.sh", "uninstall.sh", "register.sh", "synesthesia.desktop",
        "synesthesia.metainfo.xml"}
    links = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_symlink())
    assert links and links == sorted(p.relative_to(top / "synesthesia")
                                     for p in (top / "synesthesia").rglob("*") if p.is_symlink())

    home = Path(env["HOME"])
    library = home / ".local/share/synesthesia/library"
    library.mkdir(parents=True)
    (library / "mine.txt").write_text("the user's own file")
    before = tree(home)
    started = time.monotonic()
    subprocess.run([str(top / "install.sh")], env=env, cwd=tmp_path, check=True,
                   capture_output=True)
    print(f"install.sh: {time.monotonic() - started:.0f} s")
    shutil.rmtree(unpacked)  # the installation must not need the unpacked archive
    app = home / ".local/lib/synesthesia-frozen"
    check_registered(home, app)

    on_path = {**env, "PATH": f"{home}/.local/bin:/usr/bin:/bin"}

    def run(*args: str) -> str:
        done = subprocess.run(args, env=on_path, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, (args, done.stderr[-2000:])
        return done.stdout

    assert run("synesthesia", "--version").startswith("synesthesia 0.")
    assert run("synesthesia-gui", "--version").startswith("synesthesia-gui 0.")
    stats = json.loads(run("synesthesia", "stats", "--json"))
    assert Path(stats["library"]) == library, stats  # the default library, shared by both
    assert stats["images"] == stats["sounds"] == stats["notes"] == 0, stats

    subprocess.run([str(app / "uninstall.sh")], env=env, cwd=tmp_path, check=True,
                   capture_output=True)
    after = tree(home)
    assert before <= after  # nothing of the user's went
    assert (library / "mine.txt").read_text() == "the user's own file"
    left = {p for p in after - before if not p.startswith(".local/share/synesthesia/library/")}
    assert not left, f"uninstall.sh left {sorted(left)}"


def tree(home: Path) -> set[str]:
    return {p.relative_to(home).as_posix() for p in home.rglob("*")}


def check_registered(home: Path, app: Path) -> None:
    """The launcher, icon and metainfo where the freedesktop specifications look for them,
    pointing at the installed frozen folder."""
    import configparser
    import xml.etree.ElementTree as ET

    share = home / ".local/share"
    for name in ("synesthesia", "synesthesia-gui"):
        assert (home / ".local/bin" / name).resolve() == (app / name).resolve()
    desktop_file = share / "applications/synesthesia.desktop"
    desktop = configparser.ConfigParser(interpolation=None, strict=True)
    desktop.optionxform = str
    desktop.read(desktop_file)
    entry = desktop["Desktop Entry"]
    assert entry["Exec"] == f"{app}/synesthesia-gui %f" and os.access(entry["TryExec"], os.X_OK)
    assert entry["Icon"] == "synesthesia" and "image/png" in entry["MimeType"].split(";")
    for icon in ("48x48/apps/synesthesia.png", "256x256/apps/synesthesia.png",
                 "scalable/apps/synesthesia.svg"):
        assert (share / "icons/hicolor" / icon).is_file(), icon
    metainfo = share / "metainfo/synesthesia.metainfo.xml"
    component = ET.parse(metainfo).getroot()
    assert component.findtext("launchable") == desktop_file.name
    assert component.findtext("id") == "synesthesia"
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(["desktop-file-validate", str(desktop_file)], capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    if shutil.which("appstreamcli"):  # one warning is expected: the id is not reverse-DNS
        done = subprocess.run(["appstreamcli", "validate", "--no-net", str(metainfo)],
                              capture_output=True, text=True)
        assert not [ln for ln in done.stdout.splitlines() if ln.startswith("E:")], done.stdout
