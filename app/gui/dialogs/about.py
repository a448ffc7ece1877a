"""Help > About: what this is, which version and model, where the person's things live, the
license and where the bundled files come from."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

LICENSE = "GPL-3.0-or-later"
LOADING = "loading\u2026"


def about_rows(library_dir: Path, settings_file: str, model_id: str) -> list[tuple[str, str]]:
    """(label, value) of the About box, in order."""
    from app.locations import app_version
    from core.resources import resource

    return [("Version", app_version()), ("Model", model_id),
            ("Library", str(library_dir)), ("Settings", settings_file),
            ("License", f"{LICENSE} (the bundled models, data and demo media: their own "
                        "licenses, listed in the provenance file)"),
            ("Provenance", str(resource("PROVENANCE.md"))),
            ("Python", sys.version.split()[0])]


class AboutDialog(QDialog):
    """Read-only; the model id is filled in when the library has loaded it (``set_model``)."""

    def __init__(self, library_dir: Path, settings_file: str, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Synesthesia")
        self.setAccessibleName("About Synesthesia")
        self._library_dir, self._settings_file = library_dir, settings_file
        layout = QVBoxLayout(self)
        title = QLabel("<h2>Synesthesia</h2><p>Search your photos, sounds and notes across the "
                       "senses, on this computer only.</p>", self)
        title.setAccessibleName("Synesthesia")
        layout.addWidget(title)
        self.details = QLabel(self)
        self.details.setAccessibleName("About details")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.details.setOpenExternalLinks(True)
        self.details.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches the text and link
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.set_model(LOADING)

    def set_model(self, model_id: str) -> None:
        rows = about_rows(self._library_dir, self._settings_file, model_id)
        self.rows = dict(rows)
        body = "".join(f"<tr><td><b>{k}</b></td><td>{_escape(v)}</td></tr>" for k, v in rows)
        link = QUrl.fromLocalFile(self.rows["Provenance"]).toString()
        self.details.setText(f"<table>{body}</table><p><a href=\"{link}\">Licenses and "
                             "provenance of the bundled files</a></p>")
        self.details.setAccessibleDescription("; ".join(f"{k}: {v}" for k, v in rows))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
