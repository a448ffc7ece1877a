"""Every focusable control has a name a screen reader can speak; shortcuts exist."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QKeySequence
from PySide6.QtWidgets import QApplication, QWidget

from app.gui.dialogs.adapt import AdaptDialog
from app.gui.dialogs.concepts import ConceptsDialog
from app.gui.dialogs.folders import FoldersDialog
from app.gui.dialogs.record import RecordDialog
from app.gui.dialogs.review import ReviewDialog
from app.gui.dialogs.scope import ScopeDialog
from app.gui.dialogs.settings import SettingsDialog
from app.gui.dialogs.teach import TeachDialog
from app.gui.services.tagging import Proposal
from app.gui.widgets.indexing import ProblemsDialog


def spoken_name(widget: QWidget) -> str:
    """What assistive technology reads: the accessible interface's name."""
    iface = QAccessible.queryAccessibleInterface(widget)
    return (iface.text(QAccessible.Text.Name) if iface is not None else "").strip()


def unnamed_focusable(root: QWidget) -> list[str]:
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isEnabled():
            continue
        if widget.window() is not root:
            continue  # a popup or another window: walked on its own
        if not spoken_name(widget):
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_every_focusable_control_has_an_accessible_name(make_window, qtbot):
    window = make_window(start=False)
    assert unnamed_focusable(window) == []
    dialogs = [
        RecordDialog(window.recorder, window.player, 10.0, window.speech, window),
        FoldersDialog([], window),
        SettingsDialog(window.settings, window, library_dir=Path("/x")),
        AdaptDialog(window.settings, Path("/x"), [Path("/x")], window),
        ProblemsDialog([], window),
        ReviewDialog(window.tagging, "Review",
                     [Proposal(1, Path("/x/beach.jpg"), "image", "sea", "zero-shot", 0.8)],
                     window),
        TeachDialog([SimpleNamespace(item_id=1, path=Path("/x/beach.jpg"), kind="image")],
                    window),
        ConceptsDialog(window),
        ScopeDialog(2, [Path("/x")], window),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        assert unnamed_focusable(dialog) == [], type(dialog).__name__


def test_the_walk_finds_an_unnamed_control(make_window):
    # The check above must be able to fail: an anonymous focusable widget is reported.
    window = make_window(start=False)
    anonymous = QWidget(window.centralWidget())
    anonymous.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    assert unnamed_focusable(window) != []


def test_shortcuts(make_window):
    window = make_window(start=False)
    shortcuts = {a.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
                 for a in window.findChildren(type(window.menus.find_action))}
    assert {"Ctrl+F", "Ctrl+R", "Space"} <= shortcuts


def test_follows_the_system_font(make_window):
    app = QApplication.instance()
    font = app.font()
    bigger = type(font)(font)
    bigger.setPointSize(font.pointSize() + 8)
    app.setFont(bigger)
    try:
        window = make_window(start=False)
        assert window.search_bar.field.font().pointSize() == bigger.pointSize()
        assert window.view.gridSize().height() > window.view.iconSize().height() + 24
    finally:
        app.setFont(font)


def test_note_tiles_follow_a_high_contrast_palette(qtbot):
    from PySide6.QtGui import QColor, QPalette

    from app.gui.widgets.results import passage_image

    app = QApplication.instance()
    saved = app.palette()
    contrast = QPalette(saved)
    contrast.setColor(QPalette.ColorRole.Base, QColor("black"))
    contrast.setColor(QPalette.ColorRole.Text, QColor("yellow"))
    app.setPalette(contrast)
    try:
        tile = passage_image("a dog runs on the beach", 96)
        assert tile.pixelColor(48, 90) == QColor("black")  # background: the palette's Base
        assert tile.pixelColor(0, 0) == QColor("yellow")  # frame: the palette's Text
    finally:
        app.setPalette(saved)


def test_a_screen_reader_hears_name_kind_and_tags(make_window, qtbot, tmp_path):
    from tests.media import NOTES, make_library

    window = make_window()
    with qtbot.waitSignal(window.index_panel.finished, timeout=60_000):
        window.service.add_folder(make_library(tmp_path / "media"), [],
                                  lambda folders: window.index_panel.start())
    with qtbot.waitSignal(window.tagging.changed, timeout=60_000):
        window.tagging.call(lambda t, task: t.item_ids([tmp_path / "media" / "beach.txt"]),
                            lambda ids: window.tagging.add(ids[0], "sea", print))
    with qtbot.waitSignal(window.searches.results, timeout=60_000):
        window.search_bar.field.setText(NOTES["beach.txt"])
    names = _item_names(window)
    beach = [n for n in names if n.startswith("beach.txt, note, ")]
    assert beach and beach[0].endswith("; tags: sea") and "match, " in beach[0]
    summary = QAccessible.queryAccessibleInterface(window.count_label)
    shown = window.results_model.rowCount()
    assert summary.text(QAccessible.Text.Name).startswith(f"{shown} good match")
    # The weaker results below the cut-off are one keyboard press away, and read too.
    assert window.summary.button.isVisible() and window.summary.button.accessibleName()
    window.summary.button.click()
    assert window.results_model.rowCount() > shown
    assert any(n.startswith("kitchen.txt, note, ") for n in _item_names(window))


def _item_names(window) -> set[str]:
    """What assistive technology reads: the accessible interfaces of the list's items."""
    iface = QAccessible.queryAccessibleInterface(window.view)
    names = set()
    stack = [iface.child(i) for i in range(iface.childCount())]
    while stack:
        child = stack.pop()
        if child is None:
            continue
        names.add(child.text(QAccessible.Text.Name))
        stack += [child.child(i) for i in range(child.childCount())]
    return names


def test_access_keys_are_unique_in_the_main_window(make_window):
    from PySide6.QtWidgets import QAbstractButton

    window = make_window(start=False)
    texts = [a.text() for a in window.menuBar().actions()]
    texts += [b.text() for b in window.findChildren(QAbstractButton) if b.window() is window]
    keys = []
    for text in texts:
        i = text.replace("&&", "").find("&")
        if i >= 0:
            keys.append(text.replace("&&", "")[i + 1].lower())
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates, (duplicates, texts)


def test_controls_are_named_by_purpose_and_state(make_window, qtbot):
    # Regression: the clear button had no name, the device box was named
    # "auto", the Record dialog's error was always "Microphone problem", and "Resume
    # indexing" kept the description of "Pause indexing".
    from PySide6.QtWidgets import QToolButton

    window = make_window(start=False)
    window.search_bar.field.setText("dog")
    clear = window.search_bar.field.findChildren(QToolButton)
    assert clear and all(spoken_name(b) == "Clear search" for b in clear)

    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    device = dialog.editors["model/device"]
    iface = QAccessible.queryAccessibleInterface(device)
    assert iface.text(QAccessible.Text.Name) == "Compute device"
    assert iface.text(QAccessible.Text.Value) == "auto"
    assert iface.role() == QAccessible.Role.ComboBox
    device.setCurrentText("cpu")
    assert iface.text(QAccessible.Text.Value) == "cpu"
    assert dialog.values()["model/device"] == "cpu"

    record = RecordDialog(window.recorder, window.player, 10.0, window.speech, window)
    qtbot.addWidget(record)
    window.recorder.failed.emit("No microphone was found")
    assert spoken_name(record.error) == "No microphone was found"

    panel = window.index_panel
    panel._set_running(True)
    pause = panel.pause_button.accessibleDescription()
    panel._set_running(False)
    assert spoken_name(panel.pause_button) == "Resume indexing"
    assert panel.pause_button.accessibleDescription() != pause
    assert "resume" in panel.pause_button.accessibleDescription().lower()


def test_note_text_comes_before_its_buttons_in_tab_order(make_window):
    # The note is above the preview's buttons on screen.
    window = make_window(start=False)
    preview = window.preview
    chain, widget = [], window.results.focus_order()[-1]  # the last control of the results
    for _ in range(40):
        widget = widget.nextInFocusChain()
        chain.append(widget)
    assert preview.note in chain
    assert chain.index(preview.note) < chain.index(preview.play_button)
    assert chain.index(preview.note) < chain.index(preview.open_button)
    focusable = [w for w in chain if w.focusPolicy() & Qt.FocusPolicy.TabFocus]
    assert focusable[0] is preview.note  # right after the results


def test_removing_a_folder_asks_first(make_window, qtbot, tmp_path):
    # Regression: one click on Remove dropped a folder from the library.
    from PySide6.QtWidgets import QMessageBox

    window = make_window(start=False)
    removed: list[Path] = []
    dialog = FoldersDialog([tmp_path / "a", tmp_path / "b"], window)
    qtbot.addWidget(dialog)
    dialog.remove_requested.connect(removed.append)
    dialog.show()
    dialog.list.setCurrentRow(1)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert removed == []
    box = dialog.confirm
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert str(tmp_path / "b") in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert removed == []
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    box = dialog.confirm
    remove = next(b for b in box.buttons()
                  if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert removed == [tmp_path / "b"]
