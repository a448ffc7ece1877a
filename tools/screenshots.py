"""Render the main window in its main states to PNG files (``make screenshots``).

Runs the real application on the bundled demo library in a throw-away library
folder, under a real (virtual) display: ``xvfb-run -a python -m tools.screenshots
docs/screenshots``. For the microphone state a demo sound file is played into
the recorder as if the microphone heard it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.exit_codes import EXIT_ERROR, EXIT_NO_DISPLAY, EXIT_OK
from core.media import load_audio
from core.media.audio import SAMPLE_RATE

STATES = ("empty", "indexing", "text-results", "dropped-sound", "dropped-photo", "recording",
          "recording-results", "tagging-review", "browse-tags")


class FileMicrophone:
    """A stream that feeds a sound file to the recorder in real time."""

    def __init__(self, samples: np.ndarray, callback: Callable[..., None]) -> None:
        self.samples, self.callback = samples, callback
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pos, block = 0, 800
        while not self._stop.is_set():
            chunk = self.samples[pos:pos + block]
            chunk = np.pad(chunk, (0, block - len(chunk)))
            self.callback(chunk.reshape(-1, 1), block, None, None)
            pos += block
            time.sleep(block / SAMPLE_RATE)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    close = stop


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 600.0) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.01)


def settle(seconds: float = 0.4) -> None:
    """Let thumbnails arrive and the window repaint."""
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


class Shots:
    """Saves PNGs of the window (or of one widget) into ``out``."""

    def __init__(self, window, out: Path) -> None:
        self.window, self.out, self.paths = window, out, []

    def __call__(self, name: str, widget=None) -> None:
        from PySide6.QtWidgets import QApplication

        settle()
        path = self.out / f"{name}.png"
        target = widget or self.window
        pixmap = QApplication.primaryScreen().grabWindow(0, *target.frameGeometry().getRect()) \
            if widget is None else target.grab()
        pixmap.save(str(path))
        self.paths.append(path)
        print(f"wrote {path}")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/screenshots"))
    parser.add_argument("--tiny-model", action="store_true",
                        help="use a small random network (to check the layout before the "
                             "default model is trained; the results are meaningless)")
    return parser.parse_args(argv)


def _model_factory(tiny: bool) -> tuple[Callable[[], object] | None, str | None]:
    """(the factory the window gets, or None for the default checkpoint; why not, or None)."""
    from core.model import default_checkpoint

    if tiny:
        from core.model import ModelConfig, create_model

        return (lambda: create_model(ModelConfig.tiny())), None
    if not default_checkpoint().exists():
        return None, (f"screenshots: the default model {default_checkpoint()} is missing; "
                      "train it first (make model)")
    return None, None


def _window(args: argparse.Namespace, demo: Path, model_factory: Callable[[], object] | None):
    from PySide6.QtWidgets import QApplication

    from app.gui.main_window import MainWindow
    from app.gui.services.settings import Settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Synesthesia")
    work = Path(tempfile.mkdtemp(prefix="synesthesia-shots-"))
    settings = Settings(work / "settings.ini")
    settings.set("library/location", str(work / "library"))
    settings.set("audio/record_seconds", 5)
    if args.tiny_model:  # an uncalibrated network: show each item's best few tags anyway
        settings.set("tags/min_score", 0.0)
    mic_clip = load_audio(demo / "sounds" / "rain.wav", sample_rate=SAMPLE_RATE)
    window = MainWindow(settings, model_factory=model_factory,
                        input_stream=lambda rate, cb: FileMicrophone(mic_clip, cb),
                        cache_dir=work / "thumbnails", add_demo=True)
    window.resize(1200, 760)
    window.show()
    return window


def _index_and_search(window, shot: Shots, demo: Path) -> None:
    """First start, indexing, words typed, a dropped sound."""
    wait_for(window.isVisible, "the window")
    shot("empty")
    window.start()
    wait_for(lambda: window.index_panel.running and window.index_panel.bar.value() > 3,
             "indexing to show progress")
    shot("indexing")
    wait_for(lambda: not window.index_panel.running and window.index_panel.last_report
             is not None and bool(window.folders), "indexing to finish")
    answered: list[object] = []  # the requests answered kind by kind, in order
    window.searches.grouped.connect(lambda request, groups: answered.append(request))
    window.search_bar.field.setText("dog on the beach")
    wait_for(lambda: bool(answered) and getattr(answered[-1], "text", None) == "dog on the beach",
             "text results")
    shot("text-results")
    window.search_bar.field.clear()
    for name, drop in (("dropped-sound", demo / "sounds" / "sea_waves.wav"),
                       ("dropped-photo", demo / "photos" / "dog.png")):
        window.handle_drop([drop])
        wait_for(lambda d=drop: bool(answered) and getattr(answered[-1], "file", None) == d,
                 f"results for the dropped {drop.name}")
        shot(name)


def _record_and_tag(window, shot: Shots, demo: Path) -> None:
    """The recording dialog, then a tag taught from three kinds and its review."""
    from PySide6.QtCore import Qt

    from app.gui.dialogs.review import ReviewDialog

    dialog = window.record()
    geo = window.frameGeometry()
    dialog.move(geo.center() - dialog.rect().center())
    wait_for(lambda: window.recorder.recording and dialog.meter.value() > 10,
             "the microphone level")
    settle(1.2)
    shot("recording")
    answered: list[object] = []
    window.searches.grouped.connect(lambda request, groups: answered.append(request))
    wait_for(lambda: dialog.search_button.isEnabled(), "the end of the recording")
    dialog.search_button.click()
    wait_for(lambda: bool(answered) and answered[-1].waveform is not None,
             "results for the recording")
    shot("recording-results")
    dialog.reject()
    # Teach "seaside" from a sound, a photo and a note; review what else now carries it.
    examples = [demo / "sounds" / "sea_waves.wav", demo / "photos" / "sailboats_in_sunset.png",
                demo / "notes" / "sailing_day.md"]
    window.tagging.call(lambda t, task: t.item_ids(examples),
                        lambda ids: window.tag_actions.run_teach("seaside", ids, []))
    wait_for(lambda: isinstance(window.tag_actions.dialog, ReviewDialog), "proposed tags")
    review = window.tag_actions.dialog
    review.move(geo.center() - review.rect().center())
    for row in review.rows()[:3]:
        row.setCheckState(0, Qt.CheckState.Checked)
    shot("tagging-review")
    review.accept()


def _browse(window, shot: Shots) -> None:
    """The tag browser: the tag just taught, with its count, chosen without typing; the
    preview shows the selected file's details."""
    panel = window.browse
    window.browsing.refresh_tags()
    wait_for(lambda: bool(panel.tags.findItems("seaside", _starts_with())), "the tag list")
    panel.tabs.setCurrentIndex(2)
    item = panel.tags.findItems("seaside", _starts_with())[0]
    panel.tags.setCurrentItem(item)
    answered: list[object] = []
    window.searches.results.connect(lambda request, results: answered.append(request))
    panel.tags.itemActivated.emit(item, 0)
    wait_for(lambda: bool(answered) and window.results_model.rowCount() > 0, "the tag's items")
    wait_for(lambda: bool(window.preview.details.text()), "the selected item's details")
    shot("browse-tags")


def _starts_with():
    from PySide6.QtCore import Qt

    return Qt.MatchFlag.MatchStartsWith


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    from app.gui import NO_DISPLAY, has_display
    from app.gui.services.library import bundled_demo_dir

    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return EXIT_NO_DISPLAY
    demo = bundled_demo_dir()
    model_factory, problem = _model_factory(args.tiny_model)
    if demo is None or problem:
        print(problem or "screenshots: resources/demo is missing", file=sys.stderr)
        return EXIT_ERROR
    args.out.mkdir(parents=True, exist_ok=True)
    window = _window(args, demo, model_factory)
    shot = Shots(window, args.out)
    _index_and_search(window, shot, demo)
    _record_and_tag(window, shot, demo)
    _browse(window, shot)
    window.shutdown()
    print(f"{len(shot.paths)} screenshots in {args.out}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
