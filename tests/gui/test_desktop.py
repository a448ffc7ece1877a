"""The window as a desktop application: icon, Help > About, the demo switch."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.gui.services.library import bundled_demo_dir
from app.locations import app_version

TIMEOUT = 60_000


def test_icon_and_about_from_the_keyboard(make_window, qtbot, tiny_model):
    from app.gui.widgets.menus import app_icon

    icon = app_icon()
    assert not icon.isNull() and {16, 48, 256} <= {s.width() for s in icon.availableSizes()}
    window = make_window()
    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert "Help" in menus and window.menus.about_action in menus["Help"].actions()
    qtbot.keyClick(window, Qt.Key.Key_F1)  # Help > About's shortcut
    dialog = window.menus.about_dialog
    assert dialog.isVisible() and dialog.accessibleName() == "About Synesthesia"
    qtbot.waitUntil(lambda: dialog.rows["Model"] == tiny_model.model_id, timeout=TIMEOUT)
    assert dialog.rows["Version"] == app_version()
    assert dialog.rows["Library"] == str(window.service.library_dir)
    assert dialog.rows["Settings"] == window.settings.location()
    assert "GPL-3.0-or-later" in dialog.rows["License"]
    described = dialog.details.accessibleDescription()
    assert tiny_model.model_id in described and "PROVENANCE.md" in dialog.details.text()
    from tests.gui.test_accessibility import unnamed_focusable

    assert unnamed_focusable(dialog) == []
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_the_demo_is_opt_in_and_removed_in_one_click(make_window, qtbot):
    window = make_window()
    assert window.folders == [] and not window.menus.demo_action.isChecked()  # not added by itself
    with qtbot.waitSignal(window.service.folders_changed, timeout=TIMEOUT):
        window.menus.demo_action.trigger()
    assert window.folders == [bundled_demo_dir()] and window.menus.demo_action.isChecked()
    qtbot.waitUntil(lambda: window.index_panel.last_report is not None
                    and window.index_panel.last_report.added >= 50, timeout=TIMEOUT)
    with qtbot.waitSignal(window.service.folders_changed, timeout=TIMEOUT):
        window.menus.demo_action.trigger()
    assert window.folders == [] and not window.menus.demo_action.isChecked()
    assert bundled_demo_dir().joinpath("photos", "dog.png").is_file()  # files untouched


def test_open_with_synesthesia_searches_by_the_file(qtbot, tmp_path, tiny_model, audio):
    """The .desktop file's `synesthesia-gui %F`: the window opens the library and searches
    by the file it was given."""
    from app.gui import open_window, parse_args

    rain = bundled_demo_dir() / "sounds" / "rain.wav"
    args = parse_args([str(rain),
                       "--library", str(tmp_path / "library"),
                       "--settings", str(tmp_path / "settings.ini")])
    window = open_window(args, model_factory=lambda: tiny_model, input_stream=audio.input,
                         output_stream=audio.output, cache_dir=tmp_path / "thumbnails")
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(window.searches.grouped, timeout=TIMEOUT,
                              check_params_cb=lambda request, groups: request.file == rain.resolve()):
            pass
        assert window.service.library_dir == tmp_path / "library"
        assert window.folders == []  # the demo was not added to this library
    finally:
        qtbot.waitUntil(lambda: window.index_panel.last_report is not None, timeout=TIMEOUT)
        window.shutdown()


def test_query_and_screenshot_options_drive_the_window(qtbot, tmp_path, tiny_model, audio,
                                                       capsys):
    """What the frozen bundle's test runs (tests/test_bundle.py): --query searches once the
    library is open and indexed, --screenshot saves the window with the results and prints them."""
    from app.gui import open_window, parse_args
    from app.gui.automation import automate

    shot = tmp_path / "window.png"
    args = parse_args(["--demo", "--library", str(tmp_path / "library"), "--settings",
                       str(tmp_path / "settings.ini"), "--query", "a dog",
                       "--screenshot", str(shot)])
    window = open_window(args, model_factory=lambda: tiny_model, input_stream=audio.input,
                         output_stream=audio.output, cache_dir=tmp_path / "thumbnails")
    qtbot.addWidget(window)
    status: list[int] = []  # what QApplication.exit would have been given
    try:
        with qtbot.waitSignal(window.searches.grouped, timeout=TIMEOUT) as got:
            automate(window, args, status.append)
        assert got.args[0].text == "a dog" and window.index_panel.last_report.added >= 50
        shown = window.results.results()  # section by section
        qtbot.waitUntil(lambda: status == [0], timeout=TIMEOUT)
        assert shot.is_file()
    finally:
        window.shutdown()
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["opened", "indexed", f"results {len(shown)}"]
    names = [line.removeprefix("result ") for line in out if line.startswith("result ")]
    assert names == [r.path.name for r in shown[:10]]
    assert [g.kind for g in got.args[1] if g.results][0] == "image"
    assert out[-1] == f"screenshot {shot}"


def test_screenshot_needs_a_query(capsys):
    import pytest

    from app.gui import parse_args

    with pytest.raises(SystemExit):
        parse_args(["--screenshot", "x.png"])
    assert "--screenshot needs --query" in capsys.readouterr().err


def test_recognise_option_hears_a_recording_in_the_spawned_child(capsys):
    """--recognise WAV: the recogniser in its spawned child, with the words a search can use."""
    from app.gui import main
    from app.gui.services.speech import recognise
    from core.media import load_audio
    from core.tagging.vocabulary import load_vocabulary
    from core.text.words import search_words
    from tests.gui.test_speech import RAIN

    assert main(["--recognise", str(RAIN)]) == 0
    heard = capsys.readouterr().out.strip()
    assert heard == recognise(load_audio(RAIN, 16000), words=search_words(load_vocabulary().words))
    assert {"rain", "roof"} <= set(heard.split())
    assert main(["--recognise", str(bundled_demo_dir() / "PROVENANCE.md")]) == 1
