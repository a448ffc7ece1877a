"""Walks the real accessibility tree of the Synesthesia window over AT-SPI and lists the
interactive nodes a screen reader could not name, and the sections of results by kind it
hears (their role and name). Run by the system's Python (Debian's
python3-pyatspi) inside `dbus-run-session` under an X display:

    xvfb-run -a dbus-run-session -- /usr/bin/python3 tests/gui/atspi/walk.py PYTHON

It starts the accessibility bus, starts the application (tests/gui/atspi/app.py under
PYTHON) with Qt's AT-SPI bridge on, waits for its "ready" line, walks every node below the
application and prints one JSON object: for each of its windows, the nodes seen, the
interactive ones, and those without a name. Exit 0 when every interactive node is named,
1 when not, 2 when the walk could not be made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pyatspi

INTERACTIVE = {
    pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_CHECK_BOX,
    pyatspi.ROLE_RADIO_BUTTON, pyatspi.ROLE_COMBO_BOX, pyatspi.ROLE_ENTRY,
    pyatspi.ROLE_PASSWORD_TEXT, pyatspi.ROLE_SPIN_BUTTON, pyatspi.ROLE_SLIDER,
    pyatspi.ROLE_LIST, pyatspi.ROLE_LIST_ITEM, pyatspi.ROLE_MENU_ITEM, pyatspi.ROLE_MENU,
    pyatspi.ROLE_CHECK_MENU_ITEM, pyatspi.ROLE_RADIO_MENU_ITEM, pyatspi.ROLE_PAGE_TAB,
    pyatspi.ROLE_TABLE, pyatspi.ROLE_TREE, pyatspi.ROLE_LINK, pyatspi.ROLE_TEXT,
    pyatspi.ROLE_PROGRESS_BAR,
}
SECTIONS = ("Photos, ", "Sounds, ", "Notes, ", "Videos, ")
RESULT_LISTS = {"list 'Results'", *(f"list '{s[:-2]}'" for s in SECTIONS)}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def start_bus() -> subprocess.Popen:
    launcher = "/usr/libexec/at-spi-bus-launcher"
    return subprocess.Popen([launcher, "--launch-immediately"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def start_app(python: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": REPO, "QT_QPA_PLATFORM": "xcb",
           "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "QT_ACCESSIBILITY": "1",
           "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([python, "-m", "tests.gui.atspi.app"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, text=True)


def find_app(name: str, wait_s: float) -> object | None:
    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is not None and (app.name or "") == name:
                return app
        time.sleep(0.5)
    return None


def describe(node: object, path: list[str]) -> str:
    return " > ".join(path + [f"{node.getRoleName()} {node.name!r}"])


def walk(window: object) -> dict:
    """The nodes of one window: how many, the interactive ones by role, the unnamed ones,
    and the (name, description) of each item of the results list."""
    seen, interactive, unnamed, items, groups = 0, 0, [], [], []
    roles: dict[str, int] = {}
    stack = [(window, [])]
    while stack:
        node, path = stack.pop()
        if node is None:
            continue
        seen += 1
        role = node.getRole()
        states = node.getState()
        showing = states.contains(pyatspi.STATE_SHOWING)
        focusable = states.contains(pyatspi.STATE_FOCUSABLE)
        if showing and (role in INTERACTIVE or focusable):
            interactive += 1
            roles[node.getRoleName()] = roles.get(node.getRoleName(), 0) + 1
            if not (node.name or "").strip():
                unnamed.append(describe(node, path))
            if role == pyatspi.ROLE_LIST_ITEM and path and path[-1] in RESULT_LISTS:
                items.append([node.name, node.description])  # the results' (not a combo's)
        if showing and (node.name or "").startswith(SECTIONS) and role != pyatspi.ROLE_PUSH_BUTTON:
            groups.append([node.getRoleName(), node.name])  # a section of results by kind
        here = path + [f"{node.getRoleName()} {node.name!r}"]
        for i in range(node.childCount - 1, -1, -1):
            stack.append((node.getChildAtIndex(i), here))
    return {"nodes": seen, "interactive": interactive, "roles": roles, "unnamed": unnamed,
            "items": items, "groups": groups}


def walk_windows(app: object) -> dict[str, dict]:
    """walk() of each top-level window of the application, by window title."""
    out = {}
    for i in range(app.childCount):
        window = app.getChildAtIndex(i)
        if window is not None:
            out[window.name or f"(untitled {i})"] = walk(window)
    return out


def main() -> int:
    python = sys.argv[1]
    bus = start_bus()
    app_proc = None
    try:
        time.sleep(1.0)
        app_proc = start_app(python)
        line = app_proc.stdout.readline()  # "ready N [names]": results on screen
        if not line.startswith("ready"):
            print(json.dumps({"error": f"the application did not start ({line!r})"}))
            return 2
        app = find_app("Synesthesia", 60)
        if app is None:
            print(json.dumps({"error": "the application never appeared on the AT-SPI bus"}))
            return 2
        windows = walk_windows(app)
        _, count, names = line.split(maxsplit=2)
        print(json.dumps({"results": int(count), "sections": json.loads(names),
                          "windows": windows}))
        return 1 if any(w["unnamed"] for w in windows.values()) else 0
    finally:
        for proc in (app_proc, bus):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()


if __name__ == "__main__":
    sys.exit(main())
