"""The real main window, for the AT-SPI walk (test_atspi.py): a library of the test media
indexed with the tiny network, a search with its results on screen by kind and one
selected. Prints "ready N [section names]" on stdout, then runs until it is terminated
(SIGTERM). Run by the project's Python under a real X display (Xvfb) with Qt's AT-SPI
bridge on."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget

from app.gui.main_window import MainWindow
from app.gui.services.settings import Settings
from tests.conftest import _tiny_model
from tests.media import NOTES, make_library

CONTROL_TITLE = "Control window with one unnamed button"


def planted_control() -> QWidget:
    """A second window holding a button with neither text nor accessible name: the walk
    must report it (the test's proof that an unnamed node fails it)."""
    control = QWidget()
    control.setWindowTitle(CONTROL_TITLE)
    control.setAccessibleName(CONTROL_TITLE)
    layout = QVBoxLayout(control)
    layout.addWidget(QPushButton(control))
    control.show()
    return control


def main() -> int:
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Synesthesia")
    # The test's own temporary folder (pytest removes it even when this process is
    # killed); a new one when run by hand.
    given = os.environ.get("SYNESTHESIA_ATSPI_WORK")
    work = Path(given) if given else Path(tempfile.mkdtemp(prefix="synesthesia-atspi-"))
    settings = Settings(work / "settings.ini")
    settings.set("library/watch", False)
    model = _tiny_model()
    window = MainWindow(settings, model_factory=lambda: model, cache_dir=work / "thumbs",
                        add_demo=False, library_dir=work / "library")
    window.resize(1100, 720)
    window.show()
    folder = make_library(work / "media")
    state = {"searched": False}

    def indexed(report: object) -> None:
        if not state["searched"]:
            state["searched"] = True
            window.search_words(NOTES["beach.txt"])

    def shown(request: object, groups: list) -> None:
        # the results on screen, section by section, and each section's accessible name
        def ready() -> None:
            names = [s.accessibleName() for s in window.sections.visible()]
            print("ready", len(window.results.results()), json.dumps(names), flush=True)

        QTimer.singleShot(500, ready)

    window.index_panel.finished.connect(indexed)
    window.searches.grouped.connect(shown)
    window.service.opened.connect(lambda: window.add_folder(folder, []))
    window.start()
    control = planted_control()
    # Terminated by the walk: leave the event loop, then clean up (a timer lets Python run
    # its signal handler while Qt waits for events).
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    tick = QTimer()
    tick.start(200)
    code = app.exec()
    control.close()
    window.shutdown()
    shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
