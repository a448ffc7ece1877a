"""The Synesthesia desktop application (PySide6): ``python -m app.gui`` or ``app.gui.main()``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.exit_codes import EXIT_NO_DISPLAY

NO_DISPLAY = (
    "synesthesia: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the "
    "window cannot open.\nRun it from a desktop session, use `xvfb-run make run` for a "
    "virtual display, or use the command line: `synesthesia --help`."
)


def has_display(environ: os._Environ[str] | dict[str, str] = os.environ) -> bool:
    """Whether Qt can open a window here (Linux/BSD need an X11 or Wayland display)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    if environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="synesthesia-gui", description=__doc__)
    parser.add_argument("--library", type=Path, help="library folder (default: from settings)")
    parser.add_argument("--settings", type=Path, help="settings file (default: the user's)")
    parser.add_argument("--no-demo", action="store_true",
                        help="do not add the bundled demo library on first start")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return EXIT_NO_DISPLAY
    from PySide6.QtWidgets import QApplication

    from app.gui.main_window import MainWindow
    from app.gui.services.settings import Settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Synesthesia")
    app.setOrganizationName("synesthesia")
    app.setDesktopFileName("synesthesia")
    settings = Settings(args.settings)
    window = MainWindow(settings, add_demo=not args.no_demo, library_dir=args.library)
    window.show()
    window.start()
    code = app.exec()
    window.shutdown()
    return int(code)
