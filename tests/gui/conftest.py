"""GUI tests: offscreen Qt, one QApplication (pytest-qt), a fresh library per test (the
tiny network is tests/conftest.py's)."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.gui.fakes import FakeAudio  # noqa: E402


@pytest.fixture
def settings(tmp_path: Path):
    from app.gui.services.settings import Settings

    s = Settings(tmp_path / "settings.ini")
    s.set("library/location", str(tmp_path / "library"))
    # Folder watching starts indexing runs of its own when a test writes files; the tests
    # of watching (test_live.py) turn it on.
    s.set("library/watch", False)
    # The tests written against one merged list of results keep it; the tests of results
    # by kind (the application's default, test_sections.py) turn it back on.
    s.set("search/by_kind", False)
    return s


@pytest.fixture
def audio() -> FakeAudio:
    return FakeAudio()


@pytest.fixture
def make_window(qtbot, settings, tiny_model, audio, tmp_path: Path):
    """Builds the real main window over a fresh library; teardown waits for every worker."""
    from app.gui.main_window import MainWindow

    windows = []

    def make(start: bool = True, model=tiny_model, add_demo: bool = False):
        """``model=None``: the application loads the default checkpoint itself."""
        window = MainWindow(settings, model_factory=None if model is None else lambda: model,
                            input_stream=audio.input, output_stream=audio.output,
                            cache_dir=tmp_path / "thumbnails", add_demo=add_demo)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        if start:
            with qtbot.waitSignal(window.service.opened, timeout=60_000):
                window.start()
            # The first indexing run (a check of the library) finishes before the test acts.
            qtbot.waitUntil(lambda: window.index_panel.last_report is not None, timeout=60_000)
        return window

    yield make
    for window in windows:
        window.shutdown()
