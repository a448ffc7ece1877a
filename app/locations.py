"""Where Synesthesia keeps a person's things, the same for the command line and the window.

The library (its database and search indexes; the media stay where they are) is, first found:

1. ``--library DIR`` on either command;
2. ``$SYNESTHESIA_LIBRARY``;
3. the window's Settings > Library location, when the person has set one;
4. ``<user data folder>/library`` (``~/.local/share/synesthesia/library`` on Linux), except
   when only the command line's old default, the user data folder itself, holds a library:
   then that one, so nobody loses a library built before the two were made one.

The window's settings live in Qt's native place for ("synesthesia", "synesthesia"):
``~/.config/synesthesia/synesthesia.conf`` on Linux (``settings_location()`` says where).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

APP = "synesthesia"
ENV = "SYNESTHESIA_LIBRARY"
DB_NAME = "library.sqlite"  # core.library.Library.DB_NAME (not imported: it loads the engine)
SETTINGS_KEY = "library/location"


def app_version() -> str:
    """The installed distribution's version ("unknown" in a checkout that was never installed)."""
    try:
        return version(APP)
    except PackageNotFoundError:
        return "unknown (not installed)"


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def default_library_dir(data: Path | None = None) -> Path:
    """``<data>/library``, or ``<data>`` itself when only that holds a library (the command
    line's default before 0.1.0)."""
    data = data_dir() if data is None else data
    new = data / "library"
    if not (new / DB_NAME).exists() and (data / DB_NAME).exists():
        return data
    return new


def stored_library_dir(settings_file: Path | None = None) -> Path | None:
    """The library location set in the window's settings, if one was set."""
    from PySide6.QtCore import QSettings  # QtCore only: no display needed

    store = (QSettings(APP, APP) if settings_file is None
             else QSettings(str(settings_file), QSettings.Format.IniFormat))
    value = store.value(SETTINGS_KEY)
    return Path(str(value)).expanduser() if value else None


def library_dir(explicit: Path | None = None, environ: Mapping[str, str] = os.environ,
                settings_file: Path | None = None, data: Path | None = None) -> Path:
    """The library both front ends open (the order is in the module's docstring)."""
    if explicit is not None:
        return Path(explicit).expanduser()
    if environ.get(ENV):
        return Path(environ[ENV]).expanduser()
    return stored_library_dir(settings_file) or default_library_dir(data)


def settings_location() -> str:
    """Where the window keeps its settings (a file on Linux and macOS, the registry on
    Windows)."""
    from PySide6.QtCore import QSettings

    return QSettings(APP, APP).fileName()
