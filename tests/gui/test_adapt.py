"""Adapt to my library from Settings: the dialog runs `synesthesia adapt` as a process of
its own over the window's library (indexed with the tiny network), shows its progress,
reports what it measured, and "Use it" sets the checkpoint for the next start; Stop
writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.gui.dialogs.adapt import AdaptDialog
from app.gui.dialogs.settings import SettingsDialog
from tests.gui.test_flows import index_folder
from tests.test_adapt import make_videos

TIMEOUT = 300_000


@pytest.mark.slow
def test_adapt_from_settings_then_use_it(make_window, qtbot, tmp_path, settings,
                                         tiny_checkpoint):
    settings.set("model/checkpoint", str(tiny_checkpoint))
    window = make_window()
    make_videos(tmp_path / "media")
    index_folder(qtbot, window, tmp_path / "media")
    window.show_settings()
    dialog = window.findChild(SettingsDialog)
    assert dialog.adapt_button.accessibleName() == "Adapt to my library"
    dialog.adapt_button.click()
    assert isinstance(dialog.adapt_dialog, AdaptDialog)
    dialog.adapt_dialog.close()
    adapt = AdaptDialog(settings, window.service.library_dir, window.folders, window,
                        extra_args=("--no-realmedia", "--lr", "3e-4", "--wise", "1"))
    qtbot.addWidget(adapt)
    with qtbot.waitSignal(adapt.finished_run, timeout=TIMEOUT) as done:
        adapt.start_button.click()
        qtbot.waitUntil(lambda: adapt.progress.maximum() > 1, timeout=TIMEOUT)
    report = done.args[0]
    assert report["offered"] and Path(report["checkpoint"]).is_file()
    assert "top 5" in adapt.result.text() and adapt.use_button.isEnabled()
    adapt.use_button.click()
    assert settings.get("model/checkpoint") == report["checkpoint"]


@pytest.mark.slow
def test_stopping_writes_nothing(make_window, qtbot, tmp_path, settings, tiny_checkpoint):
    settings.set("model/checkpoint", str(tiny_checkpoint))
    window = make_window()
    make_videos(tmp_path / "media")
    index_folder(qtbot, window, tmp_path / "media")
    adapt = AdaptDialog(settings, window.service.library_dir, window.folders, window,
                        extra_args=("--no-realmedia", "--steps", "100000"))
    qtbot.addWidget(adapt)
    with qtbot.waitSignal(adapt.finished_run, timeout=TIMEOUT) as done:
        adapt.start_button.click()
        qtbot.waitUntil(lambda: adapt.progress.value() >= 10, timeout=TIMEOUT)
        adapt.stop_button.click()
    assert done.args[0]["cancelled"] and not adapt.use_button.isEnabled()
    assert not (window.service.library_dir / "models").exists()
