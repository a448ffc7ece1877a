"""Run by tests/test_installer.py with the *installed* Python under Xvfb (not collected by
pytest): the window opens the demo library (``synesthesia-gui --demo``), indexes it, searches
"a dog", saves a screenshot of the window with its results to argv[1] and prints the names
of the top results, one a line."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.gui import open_window, parse_args
from app.gui.widgets.menus import app_icon


def wait(app: QApplication, done) -> None:
    while not done():
        app.processEvents()
        time.sleep(0.02)


def main(shot: Path) -> int:
    app = QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    window = open_window(parse_args(["--demo"]))
    wait(app, lambda: window.index_panel.last_report is not None
         and window.index_panel.last_report.added >= 50)
    answers: list = []
    window.searches.results.connect(lambda request, results: answers.append(results))
    window.search_words("a dog")
    wait(app, lambda: bool(answers))
    for _ in range(50):  # let the thumbnails paint
        app.processEvents()
        time.sleep(0.02)
    window.grab().save(str(shot))
    print("\n".join(Path(r.path).name for r in answers[-1][:5]))
    window.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
