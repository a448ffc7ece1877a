"""Adapt to my library: fine-tunes the network's sound tower on the library's own videos
(``synesthesia adapt``, training/adapt.py) with progress and Stop, then offers the result.

The work runs as a process of its own: the window never imports ``training`` (nor torch),
the process is stopped cleanly at any point, and a stopped run has written nothing (the
checkpoint is written only at the end, and only when it measured better). "Use it" sets
the Model checkpoint setting; the library is re-embedded with it at the next start, and
the previous checkpoint stays to go back to (Settings, Model checkpoint)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from PySide6.QtCore import QProcess, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.gui.services.settings import Settings

_STEP = re.compile(r"adapting: step (\d+)/(\d+)")
INTRO = ("Your videos pair what things look like with what they sound like: the data the "
         "network learned from. Adapting fine-tunes how it hears, on pairs from your videos, "
         "measures it on videos it did not learn from, and keeps it only when it is better. "
         "The network you use now is kept; nothing changes until you choose to use the "
         "adapted one.")


def available() -> bool:
    """Whether `synesthesia adapt` can run here: the training package is installed (the
    frozen build leaves it out), torch is (training needs it; the base install runs the
    networks on ONNX Runtime without it), and this Python can start it."""
    import importlib.util

    return (not getattr(sys, "frozen", False) and importlib.util.find_spec("training") is not None
            and importlib.util.find_spec("torch") is not None)


def _button(text: str, name: str, description: str, parent: QWidget) -> QPushButton:
    b = QPushButton(text, parent)
    b.setAccessibleName(name)
    b.setAccessibleDescription(description)
    return b


def summary(report: dict) -> str:
    """The report of `synesthesia adapt --json` in a few plain lines."""
    lines = [f"{report.get('videos', 0)} videos: {report.get('train_pairs', 0)} pairs learned "
             f"from, {report.get('held_out_pairs', 0)} held out to measure on."]
    for d, before in (report.get("before") or {}).items():
        after = (report.get("after") or {}).get(d)
        if after:
            lines.append(f"{d.replace('snd', 'sound').replace('img', 'picture')}: found in the "
                         f"top 5 {before['R@5']:.0%} before, {after['R@5']:.0%} after.")
    lines.append(report.get("reason") or "")
    return "\n".join(x for x in lines if x)


class AdaptDialog(QDialog):
    """Start, watch, stop and use an adaptation of the network to the library."""

    finished_run = Signal(dict)  # the report (tests and the window listen)

    def __init__(self, settings: Settings, library_dir: Path, folders: list[Path],
                 parent: QWidget | None = None, extra_args: tuple[str, ...] = ()) -> None:
        super().__init__(parent)
        self.setWindowTitle("Adapt to my library")
        self.setAccessibleName("Adapt to my library")
        self.settings = settings
        self.library_dir = Path(library_dir)
        self.folders = [Path(f) for f in folders]
        self.extra_args = extra_args
        self.report: dict | None = None
        self._stopping = False
        self.process = QProcess(self)
        self.process.readyReadStandardError.connect(self._progress)
        self.process.finished.connect(self._finished)
        self.intro = QLabel(INTRO, self)
        self.intro.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Adapting progress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.result = QLabel("", self)
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Adapting result")
        self.start_button = _button("&Start", "Start adapting",
                                    "Fine-tune the network on the library's videos", self)
        self.stop_button = _button("S&top", "Stop adapting", "Stop; nothing is written", self)
        self.use_button = _button("&Use it", "Use the adapted network",
                                  "Use the adapted network from the next start (the library "
                                  "is re-embedded then)", self)
        self.close_button = _button("&Close", "Close", "Close this window", self)
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.use_button.clicked.connect(self.use)
        self.close_button.clicked.connect(self.close)
        self._layout()
        self._buttons(running=False)

    def _layout(self) -> None:
        row = QHBoxLayout()
        for b in (self.start_button, self.stop_button, self.use_button, self.close_button):
            row.addWidget(b)
        layout = QVBoxLayout(self)
        for w in (self.intro, self.progress, self.result):
            layout.addWidget(w)
        layout.addLayout(row)

    def _buttons(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.use_button.setEnabled(not running and bool((self.report or {}).get("checkpoint")))

    def command(self) -> list[str]:
        """`synesthesia adapt` over the library's folders (the window holds the library
        itself: the process reads the videos, and writes only into its models folder)."""
        args = ["-m", "app.cli", "--library", str(self.library_dir), "adapt", "--json",
                "--videos", *map(str, self.folders)]
        if checkpoint := self.settings.get("model/checkpoint"):
            args += ["--model", str(checkpoint)]
        return [sys.executable, *args, *self.extra_args]

    def start(self) -> None:
        if not self.folders:
            self.result.setText("The library has no folders yet: add a folder with videos.")
            return
        self.report, self._stopping = None, False
        self.result.setText("Adapting\u2026 (this takes minutes)")
        self.progress.setRange(0, 0)  # busy until the first step is reported
        cmd = self.command()
        self.process.start(cmd[0], cmd[1:])
        self._buttons(running=True)

    def stop(self) -> None:
        if self.process.state() != QProcess.ProcessState.NotRunning:
            self._stopping = True
            self.process.terminate()

    def _progress(self) -> None:
        text = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
        for done, total in _STEP.findall(text):
            self.progress.setRange(0, int(total))
            self.progress.setValue(int(done))

    def _finished(self, code: int, _status: object) -> None:
        out = bytes(self.process.readAllStandardOutput().data()).decode("utf-8", "replace")
        try:
            self.report = json.loads(out) if out.strip() else None
        except ValueError:
            self.report = None
        if self.report is None:
            self.report = {"cancelled": self._stopping,
                           "reason": "stopped: nothing was written" if self._stopping else
                           f"adapting failed (exit {code}); run `synesthesia adapt` to see why"}
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if self.report.get("checkpoint") else 0)
        self.result.setText(summary(self.report))
        self._buttons(running=False)
        self.finished_run.emit(self.report)

    def use(self) -> None:
        path = (self.report or {}).get("checkpoint")
        if path:
            self.settings.set("model/checkpoint", str(path))
            self.settings.sync()
            self.result.setText(self.result.text() + "\nThe adapted network is used from the "
                                "next start; the library is re-embedded then. To go back, set "
                                "Settings > Model checkpoint back (empty: the bundled one).")

    def closeEvent(self, event) -> None:  # noqa: ANN001 (Qt's event)
        self.stop()
        self.process.waitForFinished(10_000)
        super().closeEvent(event)
