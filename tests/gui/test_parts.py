"""The GUI's parts that need no library: settings, task runner, formatting, display check."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.gui import EXIT_NO_DISPLAY, has_display
from app.gui.dialogs.folders import parse_exclusions
from app.gui.services.settings import OPTIONS, SETTINGS_VERSION, Settings
from app.gui.services.tasks import TaskRunner
from app.gui.widgets.indexing import describe_progress, describe_report, format_eta
from app.gui.widgets.results import accessible_text, segment_text, tooltip_text

ROOT = Path(__file__).resolve().parents[2]


def test_settings_typed_defaults_and_persisted(tmp_path):
    s = Settings(tmp_path / "s.ini")
    assert s.version == SETTINGS_VERSION
    assert s.get("view/thumbnail_size") == 128
    assert s.get("model/device") == "auto"
    s.set("view/thumbnail_size", 200)
    s.set("model/device", "cpu")
    s.sync()
    again = Settings(tmp_path / "s.ini")
    assert again.get("view/thumbnail_size") == 200  # an int again, not the stored string
    assert again.get("model/device") == "cpu"
    with pytest.raises(ValueError):
        again.set("model/device", "abacus")
    with pytest.raises(ValueError):
        again.set("view/thumbnail_size", "huge")
    assert set(OPTIONS) >= {"library/location", "model/device", "model/checkpoint",
                            "view/thumbnail_size", "tags/vocabulary"}


def test_settings_upgrade_from_unversioned_file(tmp_path):
    path = tmp_path / "old.ini"
    path.write_text("[view]\nthumbnail_size=96\n[legacy]\nthing=1\n")
    s = Settings(path)
    assert s.version == SETTINGS_VERSION
    assert s.get("view/thumbnail_size") == 96


def test_run_task_result_error_progress_and_cancel(qtbot):
    runner = TaskRunner()
    got: dict[str, object] = {}
    gui_thread = threading.current_thread()

    def work(task):
        task.report(1)
        task.report(2)
        return 42

    def done(value):
        got["value"] = value
        got["thread"] = threading.current_thread()

    progress: list[int] = []
    runner.run("index", work, done, on_progress=progress.append)
    qtbot.waitUntil(lambda: "value" in got)
    assert got["value"] == 42 and got["thread"] is gui_thread
    assert progress == [1, 2]

    runner.run("library", lambda t: 1 / 0, lambda v: got.update(bad=v),
               lambda e: got.update(error=e))
    qtbot.waitUntil(lambda: "error" in got)
    assert isinstance(got["error"], ZeroDivisionError) and "bad" not in got

    release = threading.Event()

    def slow(task):
        while not task.is_cancelled():
            release.wait(0.01)
        return "stopped"

    task = runner.run("decode", slow, lambda v: got.update(slow=v))
    task.cancel()
    qtbot.waitUntil(lambda: "slow" in got)
    assert got["slow"] == "stopped"
    runner.shutdown()
    assert not runner.busy()


def test_formatting():
    assert format_eta(None) == "estimating time left"
    assert format_eta(42) == "about 42 s left"
    assert format_eta(125) == "about 2 min 05 s left"
    assert parse_exclusions("*.tmp, Private/**; .git ") == ["*.tmp", "Private/**", ".git"]
    p = SimpleNamespace(done=3, total=10, eta_s=20.0, current=Path("/x/beach.jpg"),
                        phase="indexing")
    assert describe_progress(p) == "Indexing 3/10 \u2014 about 20 s left \u2014 beach.jpg"
    report = SimpleNamespace(added=5, updated=0, moved=1, removed=0, failed=2, cancelled=False)
    assert describe_report(report) == "Library up to date: 5 added, 1 moved, 2 could not be read"


def test_result_texts_speak_name_kind_and_tags():
    photo = SimpleNamespace(path=Path("/p/beach.jpg"), kind="image", score=0.5, segment=None,
                            tags=["sea", "sand", "dog"], item_id=1)
    assert accessible_text(photo) == "beach.jpg, photo, similarity 0.50; tags: sea, sand, dog"
    sound = SimpleNamespace(path=Path("/p/waves.wav"), kind="sound", score=0.25, tags=[],
                            segment=SimpleNamespace(start_s=12.0, end_s=17.0, text=None))
    assert accessible_text(sound) == "waves.wav, sound, similarity 0.25"
    # A search result speaks its relevance in words, comparable across kinds.
    from core.search import SearchResult

    found = SearchResult(3, Path("/p/bark.wav"), "sound", 0.41, None, ("dog",), relevance=3.5,
                         top=0.04)
    assert accessible_text(found) == "bark.wav, sound, good match, top 4% of sounds; tags: dog"
    weak = SearchResult(4, Path("/p/rain.wav"), "sound", 0.2, None, (), relevance=0.4,
                        good=False, top=0.3)
    assert accessible_text(weak) == "rain.wav, sound, weak match, top 30% of sounds"
    assert "weak match, top 30% of sounds (similarity 0.200)" in tooltip_text(weak)
    assert segment_text(sound) == "0:12.0\u20130:17.0"
    assert "best match at 0:12.0" in tooltip_text(sound)


def test_display_detection():
    assert not has_display({"PATH": "/bin"}) or not sys.platform.startswith("linux")
    assert has_display({"DISPLAY": ":0"})
    assert has_display({"QT_QPA_PLATFORM": "offscreen"})


def test_no_display_exits_with_a_clear_message():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "app.gui"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == EXIT_NO_DISPLAY
    assert "no display" in proc.stderr


def test_qt_calls_keep_none_alive(qtbot):
    # PySide6 6.12.0 released a reference to None on every call that returns nothing; on
    # Python 3.11 the application then aborts ("none_dealloc") after some thousands of calls.
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    label, timer = QLabel(), QTimer()
    before = sys.getrefcount(None)
    for _ in range(500):
        QApplication.processEvents()
        label.setText("x")
        timer.start(10)
    timer.stop()
    assert sys.getrefcount(None) > before - 100


def test_settings_dialog_writes_typed_values(make_window, qtbot, settings):
    from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

    from app.gui.dialogs.settings import SettingsDialog

    window = make_window(start=False)
    window.show_settings()
    dialog = window.findChild(SettingsDialog)
    size = dialog.editors["view/thumbnail_size"]
    score = dialog.editors["tags/min_score"]
    assert isinstance(size, QSpinBox) and isinstance(score, QDoubleSpinBox)
    size.setValue(96)
    score.setValue(0.7)
    dialog.editors["model/device"].setCurrentText("cpu")
    dialog.accept()
    assert settings.get("view/thumbnail_size") == 96
    assert settings.get("tags/min_score") == 0.7
    assert settings.get("model/device") == "cpu"
    assert window.view.iconSize().width() == 96  # applied at once
    assert window.tagging.min_score == 0.7


def test_window_geometry_is_stored_as_text_never_pickled(make_window, tmp_path):
    # Regression: PySide pickled the geometry's bytes into the file, and reading a
    # pickle runs code: a hostile settings file ran a payload at start-up.
    from PySide6.QtCore import QSettings

    window = make_window(start=False)
    window.shutdown()
    path = tmp_path / "settings.ini"
    text = path.read_bytes()
    assert b"PyObjectWrapper" not in text and b"geometry=" in text
    stored = Settings(path).get("window/geometry")
    assert stored == bytes(window.saveGeometry().data())

    class Payload:
        def __reduce__(self):
            return (Path.touch, (tmp_path / "ran",))

    hostile = tmp_path / "hostile.ini"
    store = QSettings(str(hostile), QSettings.Format.IniFormat)
    store.setValue("window/geometry", Payload())
    store.setValue("view/thumbnail_size", 96)
    store.sync()
    del store
    assert b"PyObjectWrapper" in hostile.read_bytes()
    s = Settings(hostile)
    assert s.get("window/geometry") == b"" and s.get("view/thumbnail_size") == 96
    assert not (tmp_path / "ran").exists()
    assert b"PyObjectWrapper" not in hostile.read_bytes()


def test_restored_window_is_clamped_to_the_screen(make_window, qtbot, settings):
    # Regression: a geometry saved at another scale or screen put windows off-screen.
    from PySide6.QtCore import QRect

    first = make_window(start=False)
    first.setGeometry(QRect(6000, 5000, 4000, 3000))
    first.shutdown()
    second = make_window(start=False)
    area = second.screen().availableGeometry()
    assert area.contains(second.frameGeometry()), (second.frameGeometry(), area)
