"""The main window's menus: every command with its shortcut, in one place."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

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


def build_menus(window: Any) -> None:
    """The menu bar of the main window. The actions other parts and tests trigger are kept
    on the window: ``find_action``, ``record_action``, ``paste_action``, ``more_action``,
    ``play_action``, ``tag_action``, ``search_file_action``."""
    w = window
    bar = w.menuBar()
    library = bar.addMenu("&Library")
    _action(w, "&Add folder\u2026", "Ctrl+O", w.choose_folder, library)
    _action(w, "&Folders\u2026", None, w.show_folders, library)
    w.rescan_action = _action(w, "&Rescan folders", QKeySequence.StandardKey.Refresh,
                              w.live.rescan, library)
    _action(w, "&Settings\u2026", "Ctrl+,", w.show_settings, library)
    _action(w, "&Quit", QKeySequence.StandardKey.Quit, w.close, library)
    search = bar.addMenu("&Search")
    w.find_action = _action(w, "&Find", "Ctrl+F", w.focus_search, search)
    w.record_action = _action(w, "&Record\u2026", "Ctrl+R", w.record, search)
    w.search_file_action = _action(w, "Search by f&ile\u2026", "Ctrl+Shift+F",
                                   w.choose_search_file, search)
    w.paste_action = _action(w, "&Paste image or file", "Ctrl+V", w.paste, search)
    w.more_action = _action(w, "&More like this", "Ctrl+M", w.more_like_selected, search)
    _action(w, "&Browse folders, dates, tags", "Ctrl+B", w.browse.focus_list, search)
    result = bar.addMenu("R&esult")
    w.play_action = _action(w, "&Play / stop", "Space", w.play_selected, result,
                            Qt.ShortcutContext.WidgetShortcut)
    w.view.addAction(w.play_action)
    _action(w, "&Open", "Ctrl+Return", w.open_selected, result)
    _action(w, "Show in &folder", None, w.reveal_selected, result)
    _action(w, "&Copy path", "Ctrl+Shift+C", w.copy_selected, result)
    w.pane_shortcuts = install_pane_keys(w)  # F6 / Ctrl+Tab: the next pane
    tags = bar.addMenu("&Tags")
    w.tag_action = _action(w, "&Tag\u2026", "Ctrl+T", w.tag_actions.tag_selected, tags)
    _action(w, "T&each tag\u2026", "Ctrl+Shift+T", w.tag_actions.teach, tags)
    _action(w, "&Auto-tag\u2026", None, w.tag_actions.auto_tag, tags)
    w.review_action = _action(w, "&Review proposed tags\u2026", None, w.tag_actions.review, tags)
    _action(w, "&Concepts\u2026", None, w.tag_actions.concepts, tags)
