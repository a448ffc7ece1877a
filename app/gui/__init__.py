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
    from app.gui.automation import add_options, check
    from app.locations import app_version

    parser = argparse.ArgumentParser(prog="synesthesia-gui", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    parser.add_argument("--library", type=Path,
                        help="library folder (default: $SYNESTHESIA_LIBRARY, else the Library "
                             "location setting, else the user data folder's library, the same "
                             "one the synesthesia command opens)")
    parser.add_argument("--settings", type=Path, help="settings file (default: the user's)")
    parser.add_argument("file", nargs="?", type=Path,
                        help="search the library by this photo, sound or note once it is open "
                             "(the desktop's \"Open with Synesthesia\")")
    parser.add_argument("--demo", action="store_true",
                        help="open the demo library: the bundled demo media in a library of "
                             "their own (<user data folder>/demo-library unless --library "
                             "says), never your own library")
    add_options(parser)
    args = parser.parse_args(argv)
    check(parser, args)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.recognise is not None:  # no window: the speech recogniser on a recording
        from app.gui.automation import recognise_file

        return recognise_file(args.recognise)
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return EXIT_NO_DISPLAY
    from PySide6.QtWidgets import QApplication

    from app.gui.widgets.menus import app_icon

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Synesthesia")
    app.setOrganizationName("synesthesia")
    app.setDesktopFileName("synesthesia")
    app.setWindowIcon(app_icon())
    window = open_window(args)
    from app.gui.automation import automate

    automate(window, args, app.exit)
    code = app.exec()
    window.shutdown()
    return int(code)


def open_window(args: argparse.Namespace, **window_options: object):
    """The main window for ``args``, shown and opening its library; ``window_options`` go to
    MainWindow (tests pass their model and audio)."""
    from app.gui.main_window import MainWindow
    from app.gui.services.settings import Settings
    from app.locations import ENV, data_dir

    settings = Settings(args.settings)
    library = args.library
    if library is None and args.demo:
        library = data_dir() / "demo-library"
    elif library is None and os.environ.get(ENV):
        library = Path(os.environ[ENV]).expanduser()
    window = MainWindow(settings, add_demo=args.demo, library_dir=library, **window_options)
    window.show()
    if args.file is not None:  # Open with Synesthesia: search by it when the library is open
        example = args.file.expanduser().resolve()
        window.service.opened.connect(lambda: window.search_file(example))
    window.start()
    return window
