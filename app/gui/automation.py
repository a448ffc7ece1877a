"""Options of ``synesthesia-gui`` for scripts and for checking a build (tests/test_bundle.py
runs them in the frozen bundle, where no Python is around to drive the window):

- ``--query WORDS``: search by these words once the library is open and the indexing it starts
  with has finished.
- ``--screenshot PNG`` (hidden; needs ``--query``): when the query's results are in the grid,
  save the window to PNG, print ``result <file name>`` for the top results and quit.
- ``--recognise WAV`` (hidden): print the words the speech recogniser hears in a recording and
  quit, without a window. It runs the recogniser the way the Record dialog does, in a child
  process started by multiprocessing's *spawn* (in the frozen build: the executable itself,
  turned into the worker by ``freeze_support``), with the words a search can use (the bundled
  tag vocabulary and the small words joining them).

Every line is flushed as it is printed, so a caller can time the steps.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

SETTLE_MS = 1500  # after the results arrive: thumbnails load and the window repaints


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--query", metavar="WORDS",
                        help="search by these words once the library is open and indexed")
    parser.add_argument("--screenshot", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--recognise", type=Path, help=argparse.SUPPRESS)


def check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.screenshot is not None and not args.query:
        parser.error("--screenshot needs --query (the window is saved with its results)")


def say(text: str) -> None:
    print(text, flush=True)


def recognise_file(path: Path) -> int:
    """``--recognise WAV``: the words heard, on one line ("" when none); 1 on a bad file."""
    from app.gui.services.recognise import SPEECH_RATE
    from app.gui.services.speech import recognise_in_child
    from core.media import load_audio
    from core.tagging.vocabulary import load_vocabulary
    from core.text.words import search_words

    try:
        samples = load_audio(path, sample_rate=SPEECH_RATE)
    except Exception as exc:  # noqa: BLE001 - any unreadable file: say why, no traceback
        print(f"synesthesia-gui: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    say(recognise_in_child(samples, SPEECH_RATE, search_words(load_vocabulary().words)))
    return 0


def automate(window: Any, args: argparse.Namespace, finish: Callable[[int], None]) -> None:
    """Wire ``--query`` (and ``--screenshot``) to the window's signals; ``finish(status)`` ends
    the application (``QApplication.exit``) once the screenshot is saved or a step failed."""
    if not args.query:
        return
    state = {"searched": False, "shot": False}

    def indexed(_report: Any) -> None:
        if not state["searched"]:
            state["searched"] = True
            say("indexed")
            window.search_words(args.query)

    window.service.opened.connect(lambda: say("opened"))
    window.index_panel.finished.connect(indexed)
    if args.screenshot is None:
        return

    def shown(_request: Any, results: list[Any]) -> None:
        if state["shot"]:
            return
        state["shot"] = True
        say(f"results {len(results)}")
        for result in results[:10]:
            say(f"result {Path(result.path).name}")
        from PySide6.QtCore import QTimer

        QTimer.singleShot(SETTLE_MS, lambda: shoot(window, args.screenshot, finish))

    def failed(message: str) -> None:
        print(f"synesthesia-gui: {message}", file=sys.stderr, flush=True)
        finish(1)

    window.searches.results.connect(shown)
    # kind by kind: what the sections list, section by section (they are filled by then)
    window.searches.grouped.connect(
        lambda request, _groups: shown(request, window.results.results()))
    window.searches.failed.connect(lambda _request, message: failed(message))
    window.service.open_failed.connect(failed)


def shoot(window: Any, path: Path, finish: Callable[[int], None]) -> None:
    saved = window.grab().save(str(path))
    if saved:
        say(f"screenshot {path}")
    else:
        print(f"synesthesia-gui: could not save {path}", file=sys.stderr, flush=True)
    finish(0 if saved else 1)
