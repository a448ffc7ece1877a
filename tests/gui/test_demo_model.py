"""The first start as a person meets it: the trained default network over the bundled demo
library (skipped only while the default checkpoint file does not exist yet)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.gui.services.library import bundled_demo_dir
from core.model import default_checkpoint

pytestmark = [pytest.mark.slow,  # loads the bundled checkpoint
              pytest.mark.skipif(not default_checkpoint().exists(),
                                  reason="the default checkpoint is not built yet")]
TIMEOUT = 300_000


def only(qtbot, window, kind: str) -> None:
    for k, box in window.search_bar.toggles.items():
        if box.isChecked() != (k == kind):
            qtbot.mouseClick(box, Qt.MouseButton.LeftButton)


def type_and_wait(qtbot, window, text: str) -> None:
    """Type ``text`` and wait for its results (not those of a half-typed prefix)."""
    window.search_bar.field.clear()
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT,
                          check_params_cb=lambda request, results: request.text == text):
        qtbot.keyClicks(window.search_bar.field, text)


def top_names(window, n: int) -> list[str]:
    return [Path(r.path).name for r in window.results_model.results()[:n]]


def test_first_start_demo_library_words_and_a_dropped_file(make_window, qtbot):
    window = make_window(start=False, model=None, add_demo=True)
    window.start()
    assert "Loading" in window.model_status.text()  # the window is up before the model
    qtbot.waitUntil(lambda: window.index_panel.last_report is not None
                    and window.index_panel.last_report.added >= 50, timeout=TIMEOUT)
    assert window.folders == [bundled_demo_dir()]

    only(qtbot, window, "note")
    type_and_wait(qtbot, window, "a journey by train")
    assert "train_journey.md" in top_names(window, 2), top_names(window, 10)

    only(qtbot, window, "image")
    type_and_wait(qtbot, window, "a steam locomotive")
    assert "locomotive.png" in top_names(window, 3), top_names(window, 10)

    # A dropped file is searched by example: the library's own copy comes first.
    window.search_bar.field.clear()
    only(qtbot, window, "sound")
    with qtbot.waitSignal(window.searches.results, timeout=TIMEOUT,
                          check_params_cb=lambda request, results: request.file is not None):
        window.handle_drop([bundled_demo_dir() / "sounds" / "sea_waves.wav"])
    assert top_names(window, 1) == ["sea_waves.wav"]
