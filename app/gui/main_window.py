"""The main window: search bar, results grid, preview pane, indexing status.

It only wires widgets together; the work lives in services, controllers and
widgets of their own.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.gui.controllers.browsing import Browsing
from app.gui.controllers.results import ResultsController
from app.gui.controllers.searching import SearchController
from app.gui.controllers.tagging import TagActions
from app.gui.dialogs.folders import FoldersDialog
from app.gui.dialogs.record import RecordDialog
from app.gui.dialogs.search_file import search_file_dialog
from app.gui.dialogs.settings import SettingsDialog
from app.gui.services.audio import Player, Recorder, StreamFactory, sounddevice_input, sounddevice_output
from app.gui.services.library import LibraryService, ModelFactory, SearchRequest
from app.gui.services.settings import Settings
from app.gui.services.speech import SpeechRecogniser
from app.gui.services.tagging import TaggingService
from app.gui.services.tasks import TaskRunner
from app.gui.services.thumbnails import Thumbnails, default_cache_dir
from app.gui.widgets import preview as preview_actions
from app.gui.widgets.browse import BrowsePanel
from app.gui.widgets.indexing import IndexPanel
from app.gui.widgets.live import LiveUpdates
from app.gui.widgets.menus import build_menus, set_demo
from app.gui.widgets.paste_drop import PasteAndDrop
from app.gui.widgets.placement import fit_to_screen
from app.gui.widgets.preview import PreviewPane
from app.gui.widgets.search_bar import SearchBar
from app.gui.widgets.tags_panel import TagsPanel

WELCOME = ("Add your own folders with \u201cAdd folder\u2026\u201d (Ctrl+O) or by dropping a "
           "folder onto this window.")


class MainWindow(PasteAndDrop, QMainWindow):
    def __init__(
        self,
        settings: Settings,
        model_factory: ModelFactory | None = None,
        input_stream: StreamFactory = sounddevice_input,
        output_stream: StreamFactory = sounddevice_output,
        cache_dir: Path | None = None,
        add_demo: bool = False,
        library_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle("Synesthesia")
        self.setAccessibleName("Synesthesia")
        self.setAcceptDrops(True)
        self.settings = settings
        self._add_demo = add_demo
        self._closing = False
        self.runner = TaskRunner(self)
        self.service = LibraryService(
            self.runner, library_dir or Path(settings.get("library/location")), model_factory,
            checkpoint=settings.get("model/checkpoint"), device=settings.get("model/device"),
            cluster=settings.get("index/cluster"), parent=self)
        size = settings.get("view/thumbnail_size")
        self.thumbnails = Thumbnails(self.runner, cache_dir or default_cache_dir(), size, self)
        self.player = Player(output_stream, self)
        self.recorder = Recorder(input_stream, self)
        self.speech = SpeechRecogniser(self.runner, self, partial(  # the words it may hear
            self.service.speech_words, settings.get("tags/vocabulary")))
        self.folders: list[Path] = []
        self.record_dialog: RecordDialog | None = None
        self.search_file_dialog: QFileDialog | None = None
        self._parts(settings, size)
        self._layout()
        self._connect()
        self.menus = build_menus(self)
        self.resize(1100, 720)
        geometry = settings.get("window/geometry")
        self._fit_on_show = bool(geometry)
        if geometry:
            self.restoreGeometry(geometry)

    def _parts(self, settings: Settings, size: int) -> None:
        """The window's parts, each owning its state; ``_connect`` wires them."""
        self.searches = SearchController(self.service, settings.get("search/results"), self,
                                         by_kind=settings.get("search/by_kind"))
        self.search_bar = SearchBar(self)
        self.record_button = self._button("&Record\u2026", "Record",
                                          "Search by a sound from the microphone (Ctrl+R)")
        self.add_button = self._button("&Add folder\u2026", "Add folder",
                                       "Add a folder of photos, sounds and notes to the library")
        self.results = ResultsController(
            self.thumbnails, size, WELCOME,
            lambda path: self.player.playing and self.player.source == path, self)
        self.summary, self.count_label = self.results.summary, self.results.summary.label
        self.results_model, self.view = self.results.model, self.results.view
        self.sections = self.results.sections
        self.tagging = TaggingService(self.service, settings.get("tags/vocabulary"),
                                      settings.get("tags/min_score"), self)
        self.preview = PreviewPane(self.runner, self.player, TagsPanel(self.tagging), self)
        self.tag_actions = TagActions(self, self.tagging, self.results, self.preview,
                                      self.thumbnails, settings, lambda: self.folders)
        self.index_panel = IndexPanel(self.service, self)
        self.model_status = QLabel("", self)
        self.model_status.setAccessibleName("Model status")
        self.browse = BrowsePanel(self)
        self.browsing = Browsing(self.browse, self.service, self.searches, self.results,
                                 self.preview.details, self)

    def _button(self, text: str, name: str, description: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setAccessibleDescription(description)
        return button

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.search_bar, 1)
        top.addWidget(self.record_button)
        top.addWidget(self.add_button)
        left = self.results.widget
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        for i, (part, stretch) in enumerate(((self.browse, 1), (left, 3), (self.preview, 2))):
            splitter.addWidget(part)
            splitter.setStretchFactor(i, stretch)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.statusBar().addPermanentWidget(self.model_status)
        self.statusBar().addPermanentWidget(self.index_panel)
        tp = self.preview.tags_panel
        order = [self.search_bar.field, *self.search_bar.toggles.values(), self.record_button,
                 self.add_button, *self.results.focus_order(),
                 self.preview.note, self.preview.details,
                 self.preview.play_button, tp.proposed, tp.accept_button, tp.reject_button,
                 tp.new_tag, tp.add_button, self.preview.open_button, self.preview.reveal_button,
                 self.preview.copy_button, self.preview.more_button, self.browse.sort,
                 self.browse.tabs]
        for a, b in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(a, b)

    def _connect(self) -> None:
        self.live = LiveUpdates(self)  # rescan, refresh after indexing, folder watching
        searches, results = self.searches, self.results
        self.search_bar.search_requested.connect(searches.typed)
        self.search_bar.kinds_changed.connect(
            lambda kinds: searches.kinds_changed(kinds, self.search_bar.text()))
        searches.filter_source = self.search_bar.text  # filters of a search by example
        self.record_button.clicked.connect(self.record)
        self.add_button.clicked.connect(self.choose_folder)
        searches.started.connect(self._search_started)
        searches.results.connect(lambda request, found: results.show_results(
            request.describe(), found, words=request.text is not None))
        searches.grouped.connect(lambda request, groups: results.show_groups(
            request.describe(), groups, words=request.text is not None))
        searches.page.connect(lambda request, group: results.add_page(group))
        searches.failed.connect(self._search_failed)
        searches.cleared.connect(lambda: results.clear(WELCOME))
        results.more_requested.connect(searches.more)
        results.current_changed.connect(self.preview.show_result)
        results.activated.connect(lambda result: self.open_selected())
        results.play_clicked.connect(self._play_clicked)
        self.browsing.filter_typed.connect(self.search_words)
        self.browsing.message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.index_panel.finished.connect(lambda *_: self.browsing.refresh())
        self.tagging.changed.connect(lambda *_: self.browsing.refresh_tags())
        self.tag_actions.message.connect(self.statusBar().showMessage)
        self.tag_actions.show_items.connect(self.show_items)
        self.preview.more_like_this.connect(self.more_like)
        self.preview.message.connect(lambda m: self.statusBar().showMessage(m, 10000))
        self.service.status.connect(self.model_status.setText)
        self.service.opened.connect(self._library_opened)
        self.service.open_failed.connect(self._open_failed)
        self.service.folders_changed.connect(self._folders_changed)
        self.player.failed.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.player.playing_changed.connect(lambda _playing: results.repaint_tiles())

    # -- start -------------------------------------------------------------------------
    def start(self) -> None:
        """Open the library in the background (the window is already usable)."""
        self.service.open()

    def _library_opened(self) -> None:
        self.service.call(lambda library, task: list(library.folders()), self._first_folders)

    def _first_folders(self, folders: list[Path]) -> None:
        if folders or not self._add_demo or not set_demo(self, True):  # --demo: adds it
            self.index_panel.start()  # resumes an interrupted indexing; cheap when up to date

    def _open_failed(self, message: str) -> None:
        QMessageBox.warning(self, "Synesthesia", f"The library could not be opened:\n{message}")

    # -- folders -------------------------------------------------------------------------
    def choose_folder(self) -> None:
        self.show_folders().choose_folder()

    def show_folders(self) -> FoldersDialog:
        dialog = FoldersDialog(self.folders, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.add_requested.connect(self.add_folder)
        dialog.remove_requested.connect(self.service.remove_folder)
        self.service.folders_changed.connect(dialog.set_folders)
        dialog.open()
        return dialog

    def add_folder(self, path: Path, exclude: list[str]) -> None:
        self.statusBar().showMessage(f"Adding {path}\u2026")

        def added(folders: list[Path]) -> None:
            self.statusBar().clearMessage()  # the indexing panel takes over
            self.index_panel.start()

        self.service.add_folder(path, exclude, added)

    def _folders_changed(self, folders: list[Path]) -> None:
        self.folders = list(folders)

    def show_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self, library_dir=self.service.library_dir,
                                folders=self.folders)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._settings_changed)
        dialog.open()

    def _settings_changed(self) -> None:
        size = self.settings.get("view/thumbnail_size")
        self.thumbnails.set_size(size)
        self.results.set_thumbnail_size(size)
        self.searches.k = self.settings.get("search/results")
        self.searches.by_kind = self.settings.get("search/by_kind")
        self.tagging.min_score = self.settings.get("tags/min_score")
        self.service.cluster = self.settings.get("index/cluster")  # from the next index
        self.live.apply()
        self.statusBar().showMessage("Settings saved; the library location, model and "
                                     "device take effect at the next start.", 8000)

    # -- searching -----------------------------------------------------------------------
    def search_words(self, words: str) -> None:
        self.search_bar.field.setText(words)
        self.search_bar.search_now()

    def search_file(self, path: Path) -> None:
        self.searches.by_file(Path(path), self.search_bar.kinds())

    def choose_search_file(self) -> QFileDialog:
        """Search by example through a file dialog: drop and paste without the mouse."""
        dialog = search_file_dialog(self, self.folders)
        dialog.fileSelected.connect(lambda path: self.search_file(Path(path)))
        self.search_file_dialog = dialog
        dialog.open()
        return dialog

    def search_recording(self, samples: np.ndarray, rate: int) -> None:
        self.searches.by_recording(samples, rate)

    def more_like(self, result: Any) -> None:
        self.searches.more_like(result, self.search_bar.kinds())

    def show_items(self, label: str, results: list[Any]) -> None:
        """Show items that did not come from a search (a concept unit's) in the grid."""
        self.searches.clear()
        self.results.show_results(label, results, words=False)

    def _search_started(self, request: SearchRequest) -> None:
        if not self.service.is_open:
            self._announce(f"Searching for {request.describe()} once the model has loaded\u2026")

    def _search_failed(self, request: SearchRequest, message: str) -> None:
        self._announce(f"Could not search for {request.describe()}: {message}")

    def _announce(self, text: str) -> None:
        self.results.announce(text)

    # -- the selected result ----------------------------------------------------------------
    def selected(self) -> Any:
        return self.results.selected()

    def _play_clicked(self, result: Any) -> None:
        """The play/stop button of a sound tile (its result is current by then)."""
        if self.player.playing and self.player.source == str(result.path):
            self.player.stop()
        else:
            self.preview.play_when_ready()

    def play_selected(self) -> None:
        if self.preview.result is not None and self.preview.result.kind in ("sound", "video"):
            self.preview.toggle_play()

    def open_selected(self) -> None:
        if (result := self.selected()) is not None:
            preview_actions.open_file(Path(result.path), self.preview.message.emit)

    def reveal_selected(self) -> None:
        if (result := self.selected()) is not None:
            preview_actions.reveal_in_folder(Path(result.path), self.preview.message.emit)

    def copy_selected(self) -> None:
        if (result := self.selected()) is not None:
            preview_actions.copy_path(Path(result.path))

    def more_like_selected(self) -> None:
        if (result := self.selected()) is not None:
            self.more_like(result)

    def focus_search(self) -> None:
        self.search_bar.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_bar.field.selectAll()

    # -- record ----------------------------------------------------------------------------
    def record(self) -> RecordDialog:
        dialog = RecordDialog(self.recorder, self.player,
                              float(self.settings.get("audio/record_seconds")), self.speech, self)
        dialog.search_requested.connect(self.search_recording)
        dialog.words_search_requested.connect(self.search_words)
        dialog.open()
        dialog.toggle_recording()
        old, self.record_dialog = self.record_dialog, dialog
        if old is not None and not old.isVisible():
            old.deleteLater()
        return dialog

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_on_show:  # once, when the frame's size is known
            self._fit_on_show = False
            fit_to_screen(self)

    # -- shutdown -------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop sound, cancel work (indexing resumes next start), wait for every pool."""
        if self._closing:
            return
        self._closing = True
        self.settings.set("window/geometry", bytes(self.saveGeometry().data()))
        self.settings.sync()
        self.recorder.stop()
        self.player.stop()
        self.preview.video.stop()
        self.preview.video.wait()
        self.live.watcher.stop()
        self.runner.shutdown()
        self.service.close()
