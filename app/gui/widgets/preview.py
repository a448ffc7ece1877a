"""The preview pane: the larger photo, the sound with play/stop and position, the note text,
the video's picture at the matching moment, played from there."""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QPixmap, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.gui.services.audio import PLAY_RATE, Player
from app.gui.services.tasks import Task, TaskRunner
from app.gui.services.thumbnails import (
    format_seconds,
    image_thumbnail,
    video_thumbnail,
    waveform_image,
)
from app.gui.services.video import VideoPlayback
from app.gui.widgets.details import DetailsLabel
from app.gui.widgets.results import (
    KIND_WORDS,
    copies_text,
    moment_seconds,
    segment_text,
    video_moment,
)
from app.gui.widgets.tags_panel import TagsPanel

PREVIEW_SIZE = 480


Failed = Callable[[str], None]
NO_OPENER = "no program to open it is installed (xdg-open or a desktop portal)"


def open_file(path: Path, failed: Failed | None = None) -> bool:
    """Open ``path`` in its usual program; ``failed(message)`` says why not."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return True
    if failed is not None:
        failed(f"Could not open {Path(path).name}: {NO_OPENER}.")
    return False


def reveal_in_folder(path: Path, failed: Failed | None = None) -> None:
    """Show the file selected in the file manager (freedesktop FileManager1 over D-Bus, as
    Nautilus, Dolphin, Nemo and Thunar offer), else open its folder; ``failed(message)``
    when neither works. The D-Bus call is asynchronous: a file manager that is slow to
    start does not freeze the window."""

    def open_folder() -> None:
        folder = Path(path).parent
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))) and failed is not None:
            failed(f"Could not show the folder {folder}: {NO_OPENER}.")

    if not sys.platform.startswith("linux"):
        open_folder()
        return
    from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusPendingCallWatcher

    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        open_folder()
        return
    message = QDBusMessage.createMethodCall(
        "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
        "org.freedesktop.FileManager1", "ShowItems")
    message.setArguments([[Path(path).resolve().as_uri()], ""])
    watcher = QDBusPendingCallWatcher(bus.asyncCall(message), QGuiApplication.instance())

    def finished(w: QDBusPendingCallWatcher) -> None:
        if w.isError():
            open_folder()
        w.deleteLater()

    watcher.finished.connect(finished)


def copy_path(path: Path) -> None:
    QGuiApplication.clipboard().setText(str(path))


def _button(text: str, name: str, description: str, parent: QWidget) -> QPushButton:
    button = QPushButton(text, parent)
    button.setAccessibleName(name)
    button.setAccessibleDescription(description)
    return button


class PreviewPane(QWidget):
    more_like_this = Signal(object)  # the result
    message = Signal(str)

    def __init__(self, runner: TaskRunner, player: Player, tags_panel: TagsPanel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Preview")
        self._runner = runner
        self._player = player
        self.result: Any = None
        self._samples: np.ndarray | None = None
        self._duration = 0.0
        self._loading: Task | None = None
        self._autoplay = False

        self.title = QLabel("Select a result to see it here.", self)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.picture = QLabel(self)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumHeight(120)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.details = DetailsLabel(self)  # filled by the window (app/gui/services/browsing)
        self.note = QTextBrowser(self)
        self.note.setAccessibleName("Note text")
        self.note.setAccessibleDescription("The full text of the selected note")
        self.note.hide()
        self.play_button = _button("&Play", "Play", "Play or stop the selected sound or video "
                                   "(Space); a video plays from the moment that matched", self)
        self.play_button.clicked.connect(self.toggle_play)
        self.position = QProgressBar(self)
        self.position.setAccessibleName("Playback position")
        self.position.setTextVisible(True)
        self.position.setFormat("")
        self.tags_panel = tags_panel
        tags_panel.setParent(self)
        self._file_buttons()
        self._layout()
        player.position.connect(self._position_changed)
        player.playing_changed.connect(self._sound_playing_changed)
        self.video = VideoPlayback(player, self)
        self.video.frame.connect(self._video_frame)
        self.video.position.connect(self._video_position)
        self.video.playing_changed.connect(self._playing_changed)
        self.video.failed.connect(self.message)
        self.show_result(None)

    def _file_buttons(self) -> None:
        """Open, show in folder, copy path, more like this: what to do with the result."""
        self.open_button = _button("&Open", "Open file", "Open the file in its usual program", self)
        self.reveal_button = _button("Show in &folder", "Show in folder",
                                     "Open the folder that holds the file", self)
        self.copy_button = _button("&Copy path", "Copy path", "Copy the file's path", self)
        self.more_button = _button("&More like this", "More like this",
                                   "Search for photos, sounds and notes like this one", self)
        self.open_button.clicked.connect(
            lambda: self.result and open_file(Path(self.result.path), self.message.emit))
        self.reveal_button.clicked.connect(
            lambda: self.result and reveal_in_folder(Path(self.result.path), self.message.emit))
        self.copy_button.clicked.connect(self._copy)
        self.more_button.clicked.connect(lambda: self.result and self.more_like_this.emit(self.result))

    def _layout(self) -> None:
        sound_row = QHBoxLayout()
        sound_row.addWidget(self.play_button)
        sound_row.addWidget(self.position, 1)
        actions = QHBoxLayout()
        for b in (self.open_button, self.reveal_button, self.copy_button, self.more_button):
            actions.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.note, 1)
        layout.addLayout(sound_row)
        layout.addWidget(self.tags_panel)
        layout.addLayout(actions)

    def _copy(self) -> None:
        if self.result is not None:
            copy_path(Path(self.result.path))
            self.message.emit(f"Copied {self.result.path}")

    # -- showing ------------------------------------------------------------------------
    def show_result(self, result: Any) -> None:
        if self._loading is not None:
            self._loading.cancel()
        if self._player.playing and self.result is not None and result is not self.result:
            self._player.stop()
        if result is not self.result:
            self.video.stop()
        self.result = result
        self._samples = None
        self._autoplay = False
        has = result is not None
        for b in (self.open_button, self.reveal_button, self.copy_button, self.more_button):
            b.setEnabled(has)
        playable = has and result.kind in ("sound", "video")
        self.play_button.setVisible(playable)
        self.play_button.setEnabled(False)
        self.position.setVisible(playable)
        self.note.setVisible(has and result.kind == "note")
        self.picture.setVisible(not (has and result.kind == "note"))
        self.picture.clear()
        self.tags_panel.show_item(int(result.item_id) if has else None)
        if not has:
            self.title.setText("Select a result to see it here.")
            return
        path = Path(result.path)
        kind = KIND_WORDS.get(result.kind, result.kind)
        moment = segment_text(result)
        found = getattr(result, "found_by", "network")
        heading = f"<b>{html.escape(path.name)}</b> \u2014 {kind}"
        if found != "filter":
            heading += f", score {result.score:.3f}"
        if found in ("words", "both"):
            heading += " (holds the words searched)"
        if moment and result.kind == "sound":
            heading += f"<br>Best match at {moment}"
        elif at := video_moment(result):
            heading += f"<br>Best match {html.escape(at)}"
        if copies := copies_text(result, most=5):
            heading += f"<br>{html.escape(copies[0].upper() + copies[1:])}"
        self.title.setText(heading)
        self.title.setAccessibleName(f"{path.name}, {kind}")
        self._load(result)

    def _load(self, result: Any) -> None:
        path, kind = Path(result.path), result.kind

        def work(task: Task) -> Any:
            if kind == "image":
                return image_thumbnail(path, PREVIEW_SIZE)
            if kind == "video":
                from core.media.video import video_duration

                return (video_thumbnail(path, PREVIEW_SIZE, moment_seconds(result)),
                        video_duration(path))
            if kind == "sound":
                from core.media import load_audio

                return load_audio(path, sample_rate=PLAY_RATE)
            from core.media import load_note

            return load_note(path)

        def done(value: Any) -> None:
            if self.result is not result:
                return
            if kind == "image":
                self.picture.setPixmap(QPixmap.fromImage(value))
            elif kind == "video":
                self._show_poster(*value)
            elif kind == "sound":
                self._samples = value
                self._duration = len(value) / PLAY_RATE
                self.picture.setPixmap(QPixmap.fromImage(waveform_image(value, 400, 120)))
                self.play_button.setEnabled(True)
                self.position.setRange(0, max(1, int(self._duration * 10)))
                self.position.setValue(0)
                self.position.setFormat(f"0:00.0 / {format_seconds(self._duration)}")
                if self._autoplay:
                    self._autoplay = False
                    self.toggle_play()
            else:
                self.note.setPlainText(value)
                self._select_passage(result, len(value))

        def failed(exc: Exception) -> None:
            if self.result is result:
                self.picture.setText(f"Cannot show this file: {exc}")

        self._loading = self._runner.run("decode", work, done, failed)

    def _select_passage(self, result: Any, length: int) -> None:
        """Select the passage that matched, when it is a part of a longer note."""
        segment = getattr(result, "segment", None)
        start = getattr(segment, "char_start", None)
        end = getattr(segment, "char_end", None)
        if start is None or end is None or (start <= 0 and end >= length):
            return
        cursor = self.note.textCursor()
        cursor.setPosition(max(0, start))
        cursor.setPosition(min(end, length), QTextCursor.MoveMode.KeepAnchor)
        self.note.setTextCursor(cursor)
        self.note.ensureCursorVisible()

    # -- video -----------------------------------------------------------------------
    def _show_poster(self, poster: Any, duration: float | None) -> None:
        """The picture at the matching moment, and the controls to play from there."""
        self.picture.setPixmap(QPixmap.fromImage(poster))
        self._duration = duration or 0.0
        self.play_button.setEnabled(True)
        self.position.setRange(0, max(1, int(self._duration * 10)))
        self._video_position(moment_seconds(self.result) or 0.0)
        if self._autoplay:
            self._autoplay = False
            self.toggle_play()

    def _video_frame(self, image: Any) -> None:
        if self.result is not None and self.result.kind == "video":
            self.picture.setPixmap(QPixmap.fromImage(image).scaled(
                self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))

    def _video_position(self, seconds: float) -> None:
        self.position.setValue(int(seconds * 10))
        self.position.setFormat(f"{format_seconds(seconds)} / {format_seconds(self._duration)}")

    # -- sound -----------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.result is not None and self.result.kind == "video":
            if self.video.playing:
                self.video.stop()
            elif self.play_button.isEnabled():
                self.video.play(Path(self.result.path), moment_seconds(self.result) or 0.0)
            return
        if self._player.playing:
            self._player.stop()
        elif self._samples is not None and self.result is not None:
            # A long recording starts at the moment that matched; it plays to the end.
            start = getattr(self.result.segment, "start_s", None) or 0.0
            self._player.play(self._samples, PLAY_RATE, source=str(self.result.path),
                              start_s=start)

    def play_when_ready(self) -> None:
        """Play the shown sound or video now, or as soon as it is decoded."""
        if self.result is not None and self.result.kind == "video":
            if self.video.playing or self.play_button.isEnabled():
                self.toggle_play()
            else:
                self._autoplay = True
            return
        if self._player.playing:
            self._player.stop()
        elif self._samples is not None:
            self.toggle_play()
        else:
            self._autoplay = True

    def _position_changed(self, seconds: float) -> None:
        if self.result is None or self._player.source != str(self.result.path) \
                or self.result.kind == "video":  # a video's position is its pictures'
            return
        self.position.setValue(int(seconds * 10))
        self.position.setFormat(f"{format_seconds(seconds)} / {format_seconds(self._duration)}")

    def _sound_playing_changed(self, playing: bool) -> None:
        if self.result is None or self.result.kind != "video":
            self._playing_changed(playing)

    def _playing_changed(self, playing: bool) -> None:
        self.play_button.setText("&Stop" if playing else "&Play")
        self.play_button.setAccessibleName("Stop" if playing else "Play")
