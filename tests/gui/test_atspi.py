"""The real accessibility tree over AT-SPI: the main window, with
results on screen, is walked from outside the process as a screen reader sees it (Orca
uses the same bus), under Xvfb in its own D-Bus session. Every interactive node must have
a name, and each result item a description (score, path, tags).

Needs Debian's xvfb, dbus, at-spi2-core and python3-pyatspi (`.ci/run` installs them).
Without them the test is skipped, saying what is missing; under CI it fails instead,
because there they must be installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"
BUS_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
PACKAGES = "xvfb xauth dbus at-spi2-core python3-pyatspi"


def missing_tools() -> list[str]:
    if not sys.platform.startswith("linux"):
        return ["Linux (AT-SPI is the Linux accessibility bus)"]
    missing = [t for t in ("xvfb-run", "Xvfb", "dbus-run-session") if shutil.which(t) is None]
    if not os.path.exists(BUS_LAUNCHER):
        missing.append(f"{BUS_LAUNCHER} (at-spi2-core)")
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True) \
        if os.path.exists(SYSTEM_PYTHON) else None
    if probe is None or probe.returncode != 0:
        missing.append(f"pyatspi for {SYSTEM_PYTHON} (python3-pyatspi)")
    return missing


@pytest.mark.slow
def test_every_interactive_node_of_the_real_tree_has_a_name(tmp_path: Path) -> None:
    missing = missing_tools()
    if missing:
        message = (f"AT-SPI walk not possible: missing {', '.join(missing)}; install with "
                   f"`apt-get install {PACKAGES}`")
        if os.environ.get("CI"):
            pytest.fail(message + " (.ci/run installs them: CI must run this test)")
        pytest.skip(message)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env["SYNESTHESIA_ATSPI_WORK"] = str(tmp_path)  # the application's library and media
    # A guard against a hung bus, not a speed requirement.
    run = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "dbus-run-session", "--",
         SYSTEM_PYTHON, str(REPO / "tests" / "gui" / "atspi" / "walk.py"), sys.executable],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result from the walk (exit {run.returncode}):\n{run.stderr[-3000:]}"
    found = json.loads(lines[-1])
    assert "error" not in found, found
    main = found["windows"]["Synesthesia"]
    assert main["unnamed"] == [], "interactive nodes without a name:\n" + "\n".join(
        main["unnamed"])
    # The walk sees the whole window (buttons, toggles, the field, results)...
    # (one kind toggle per kind: photos, sounds, notes, videos; and each section's header,
    # checked while the section is unfolded)
    assert main["roles"].get("push button", 0) >= 5
    assert main["roles"].get("check box", 0) == 4 + len(found["sections"])
    assert len(main["items"]) == found["results"] > 0
    # Each section of results by kind is a named group, announced with its counts.
    assert found["sections"] and all(", " in n and " good" in n for n in found["sections"])
    groups = {name for role, name in main["groups"] if role in ("grouping", "panel")}
    headers = {name for role, name in main["groups"] if role == "check box"}
    assert set(found["sections"]) <= groups & headers, (found["sections"], main["groups"])
    for name, description in main["items"]:
        assert name and "similarity " in description and "/" in description, (name, description)
    # ...and it does fail on an unnamed node: the planted control window's button.
    planted = found["windows"]["Control window with one unnamed button"]
    assert planted["unnamed"] == [
        "filler 'Control window with one unnamed button' > push button ''"]
    assert run.returncode == 1  # the walk's own verdict, because of the planted button
