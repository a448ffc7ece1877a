"""The main window's menus: every command with its shortcut, in one place; the application
icon; the Library menu's demo switch and Help > About."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMainWindow
from shiboken6 import isValid

from app.gui.widgets.panes import install_pane_keys


def _action(window: QMainWindow, text: str, shortcut: QKeySequence | str | None, slot: Any,
            menu: Any, context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut
            ) -> QAction:
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.setShortcutContext(context)
    # Qt passes ``checked`` to a slot that takes an argument; commands take none of it.
    action.triggered.connect(lambda _checked=False: slot())
    menu.addAction(action)
    return action


class Menus:
    """The menu bar's actions that other parts and tests trigger, and the last About
    dialog opened."""

    find_action: QAction
    record_action: QAction
    search_file_action: QAction
    paste_action: QAction
    more_action: QAction
    play_action: QAction
    tag_action: QAction
    review_action: QAction
    rescan_action: QAction
    demo_action: QAction
    about_action: QAction
    about_dialog: Any = None
    pane_shortcuts: list[Any]


def build_menus(window: Any) -> Menus:
    """The menu bar of the main window; returns its actions."""
    w, m = window, Menus()
    bar = w.menuBar()
    library = bar.addMenu("&Library")
    _action(w, "&Add folder\u2026", "Ctrl+O", w.choose_folder, library)
    _action(w, "&Folders\u2026", None, w.show_folders, library)
    m.rescan_action = _action(w, "&Rescan folders", QKeySequence.StandardKey.Refresh,
                              w.live.rescan, library)
    m.demo_action = _demo_action(w, library)
    _action(w, "&Settings\u2026", "Ctrl+,", w.show_settings, library)
    _action(w, "&Quit", QKeySequence.StandardKey.Quit, w.close, library)
    search = bar.addMenu("&Search")
    m.find_action = _action(w, "&Find", "Ctrl+F", w.focus_search, search)
    m.record_action = _action(w, "&Record\u2026", "Ctrl+R", w.record, search)
    m.search_file_action = _action(w, "Search by f&ile\u2026", "Ctrl+Shift+F",
                                   w.choose_search_file, search)
    m.paste_action = _action(w, "&Paste image or file", "Ctrl+V", w.paste, search)
    m.more_action = _action(w, "&More like this", "Ctrl+M", w.more_like_selected, search)
    _action(w, "&Browse folders, dates, tags", "Ctrl+B", w.browse.focus_list, search)
    result = bar.addMenu("R&esult")
    m.play_action = _action(w, "&Play / stop", "Space", w.play_selected, result,
                            Qt.ShortcutContext.WidgetShortcut)
    w.results.add_view_action(m.play_action)
    _action(w, "&Open", "Ctrl+Return", w.open_selected, result)
    _action(w, "Show in &folder", None, w.reveal_selected, result)
    _action(w, "&Copy path", "Ctrl+Shift+C", w.copy_selected, result)
    m.pane_shortcuts = install_pane_keys(w)  # F6 / Ctrl+Tab: the next pane
    tags = bar.addMenu("&Tags")
    m.tag_action = _action(w, "&Tag\u2026", "Ctrl+T", w.tag_actions.tag_selected, tags)
    _action(w, "T&each tag\u2026", "Ctrl+Shift+T", w.tag_actions.teach, tags)
    _action(w, "&Auto-tag\u2026", None, w.tag_actions.auto_tag, tags)
    m.review_action = _action(w, "&Review proposed tags\u2026", None, w.tag_actions.review, tags)
    _action(w, "&Concepts\u2026", None, w.tag_actions.concepts, tags)
    # No access key: H, e, l and p are all taken in the main window; F1 opens About, F10 the
    # menu bar.
    help_menu = bar.addMenu("Help")
    m.about_action = _action(w, "&About Synesthesia", QKeySequence.StandardKey.HelpContents,
                             lambda: show_about(w, m), help_menu)
    return m


def app_icon() -> QIcon:
    """The application's icon: the PNG sizes rendered from resources/icons/synesthesia.svg."""
    from core.resources import resource

    icon = QIcon()
    for png in sorted(resource("icons", "hicolor").glob("*/apps/synesthesia.png")):
        icon.addFile(str(png))
    return icon


def _demo_action(window: Any, menu: Any) -> QAction:
    """Library > Demo media: checked while the bundled demo folder is one of the library's
    folders; one click adds it or removes it (removing forgets its items, the files are part
    of the installation and are never touched)."""
    from app.gui.services.library import bundled_demo_dir

    demo = bundled_demo_dir()
    action = QAction("&Demo media in the library", window)
    action.setCheckable(True)
    action.setEnabled(demo is not None)
    action.setStatusTip("Add the bundled demo photos, sounds and notes to this library, or "
                        "remove them")
    action.triggered.connect(lambda checked: set_demo(window, bool(checked)))
    window.service.folders_changed.connect(
        lambda folders: action.setChecked(demo is not None and Path(demo) in map(Path, folders)))
    menu.addAction(action)
    return action


def set_demo(window: Any, on: bool) -> bool:
    """Add the bundled demo folder to the window's library, or remove it; False when this
    installation has no demo folder."""
    from app.gui.services.library import DEMO_EXCLUDE, bundled_demo_dir

    demo = bundled_demo_dir()
    if demo is None:
        return False
    if on:
        window.add_folder(demo, list(DEMO_EXCLUDE))
    else:
        window.service.remove_folder(demo)
    return True


def show_about(window: Any, menus: Menus) -> Any:
    """Help > About, non-modal; the model id is asked of the open library."""
    from app.gui.dialogs.about import AboutDialog

    dialog = AboutDialog(window.service.library_dir, window.settings.location(), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if window.service.is_open:
        window.service.call(lambda library, task: library.model.model_id,
                            lambda model_id: isValid(dialog) and dialog.set_model(model_id))
    menus.about_dialog = dialog
    dialog.open()
    return dialog
