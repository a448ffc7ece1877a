"""Typed options declared once, stored in QSettings, versioned with upgrade hooks.

Like Picard's option registry: each option has a key, a type and a default;
reading converts the stored value back to that type (QSettings hands back
strings on some platforms). The file carries a version; ``UPGRADES`` are run
in order to bring an older file up to date.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

SETTINGS_VERSION = 2
DEVICES = ("auto", "cpu", "cuda")


def default_library_dir() -> str:
    """The same default as the command line's (``app.locations``)."""
    from app.locations import default_library_dir as shared

    return str(shared())


@dataclass(frozen=True)
class Option:
    key: str
    type: type
    default: Any
    label: str
    choices: tuple[str, ...] = ()

    def convert(self, raw: object) -> Any:
        if raw is None:
            return self.default_value()
        try:
            if self.type is bytes:
                value = _to_bytes(raw)
            elif self.type is bool:
                value: Any = raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true")
            elif self.type is list:
                value = list(raw) if isinstance(raw, list | tuple) else [s for s in str(raw).split("\n") if s]
            else:
                value = self.type(raw)
        except (TypeError, ValueError):
            return self.default_value()
        if self.choices and value not in self.choices:
            return self.default_value()
        return value

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default


def _to_bytes(raw: object) -> bytes:
    """Bytes are stored as base64 text (never as a pickled Python object)."""
    if isinstance(raw, bytes | bytearray):
        return bytes(raw)
    if hasattr(raw, "data"):  # QByteArray
        return bytes(raw.data())  # type: ignore[attr-defined]
    try:
        return base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(exc)) from exc


# PySide writes a Python object it cannot map to a Qt type as a pickle; reading it back
# unpickles it. Older versions stored the window geometry (bytes) that way.
PICKLED = b"PySide::PyObjectWrapper"


def drop_pickled_values(path: str | Path) -> bool:
    """Remove every pickled value from an INI settings file before QSettings reads it (a
    hostile file must not run code); True if there were any."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return False
    if PICKLED not in data:
        return False
    kept = b"".join(line for line in data.splitlines(keepends=True) if PICKLED not in line)
    tmp = Path(f"{path}.tmp")
    tmp.write_bytes(kept)
    os.replace(tmp, path)
    return True


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("library/location", str, default_library_dir, "Library location"),
        Option("library/watch", bool, True, "Watch library folders for changes"),
        Option("model/device", str, "auto", "Compute device", DEVICES),
        Option("model/checkpoint", str, "", "Model checkpoint (empty: the bundled one)"),
        Option("index/cluster", str, "",
               "Ray cluster that indexes (HOST:PORT; empty: this computer)"),
        Option("view/thumbnail_size", int, 128, "Thumbnail size (pixels)"),
        Option("search/results", int, 48, "Results per search"),
        Option("search/by_kind", bool, True, "Results side by side by kind"),
        Option("tags/vocabulary", str, "", "Tag vocabulary file (empty: the bundled one)"),
        Option("tags/min_score", float, 0.5, "Lowest probability of a proposed tag"),
        Option("audio/record_seconds", int, 10, "Longest recording (seconds)"),
        Option("window/geometry", bytes, b"", "Window geometry"),
    )
}


def _upgrade_to_1(store: QSettings) -> None:
    # Version 0 had no version key; nothing to move yet, the hook marks the pattern.
    store.remove("legacy")


def _upgrade_to_2(store: QSettings) -> None:
    # 0.1.0: the demo is no longer added to a person's library by itself (it is opt-in:
    # --demo, or Library > Demo media), so whether it was once added means nothing now.
    store.remove("library/demo_added")


UPGRADES: list[tuple[int, Callable[[QSettings], None]]] = [(1, _upgrade_to_1), (2, _upgrade_to_2)]


class Settings:
    """The application's options; pass a path for an isolated file (tests)."""

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            probe = QSettings("synesthesia", "synesthesia")  # only for its file name
            native = probe.fileName()
            del probe
            drop_pickled_values(native)
            self._store = QSettings("synesthesia", "synesthesia")
        else:
            drop_pickled_values(path)
            self._store = QSettings(str(path), QSettings.Format.IniFormat)
        self._upgrade()

    def _upgrade(self) -> None:
        version = int(self._store.value("meta/version", 0) or 0)
        for target, hook in UPGRADES:
            if version < target:
                hook(self._store)
                version = target
        self._store.setValue("meta/version", version)

    @property
    def version(self) -> int:
        return int(self._store.value("meta/version", 0))

    def get(self, key: str) -> Any:
        option = OPTIONS[key]
        return option.convert(self._store.value(key))

    def set(self, key: str, value: Any) -> None:
        option = OPTIONS[key]
        converted = option.convert(value)
        if converted != value and not (option.type is str and str(value) == converted):
            raise ValueError(f"{key}: {value!r} is not a valid {option.label.lower()}")
        if option.type is bytes:  # as text: QSettings would pickle Python bytes
            converted = base64.b64encode(converted).decode("ascii")
        self._store.setValue(key, converted)

    def reset(self, key: str) -> None:
        self._store.remove(key)

    def sync(self) -> None:
        self._store.sync()

    def location(self) -> str:
        """Where the settings are kept (a file, or the registry on Windows)."""
        return self._store.fileName()
