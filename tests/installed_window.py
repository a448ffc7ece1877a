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


def wait(app: QApplication, done, what: str, limit_s: float = 900.0) -> None:
    """Spin the event loop until done(); a window that never gets there fails the run
    (exit status 1) instead of hanging the test that started it."""
    end = time.monotonic() + limit_s
    while not done():
        if time.monotonic() > end:
            raise SystemExit(f"the installed window never got to: {what}")
        app.processEvents()
        time.sleep(0.02)


def main(shot: Path) -> int:
    app = QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    window = open_window(parse_args(["--demo"]))
    wait(app, lambda: window.index_panel.last_report is not None
         and window.index_panel.last_report.added >= 50, "the demo library indexed")
    answers: list = []
    # one merged list, or (the default) a page per kind: then every kind's results, most
    # relevant first (relevance is one scale across kinds)
    window.searches.results.connect(lambda request, results: answers.append(results))
    window.searches.grouped.connect(lambda request, groups: answers.append(sorted(
        (r for g in groups for r in g.results),
        key=lambda r: -(r.relevance if r.relevance is not None else 0.0))))
    window.search_words("a dog")
    wait(app, lambda: bool(answers), "results for 'a dog'")
    for _ in range(50):  # let the thumbnails paint
        app.processEvents()
        time.sleep(0.02)
    window.grab().save(str(shot))
    print("\n".join(Path(r.path).name for r in answers[-1][:5]))
    window.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
