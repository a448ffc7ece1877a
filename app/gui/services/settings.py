"""Typed options declared once, stored in QSettings, versioned with upgrade hooks.

Like Picard's option registry: each option has a key, a type and a default;
reading converts the stored value back to that type (QSettings hands back
strings on some platforms). The file carries a version; ``UPGRADES`` are run
in order to bring an older file up to date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

SETTINGS_VERSION = 1
DEVICES = ("auto", "cpu", "cuda")


def default_library_dir() -> str:
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("synesthesia", appauthor=False)) / "library")


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
            if self.type is bool:
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


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("library/location", str, default_library_dir, "Library location"),
        Option("library/demo_added", bool, False, "Demo library added"),
        Option("model/device", str, "auto", "Compute device", DEVICES),
        Option("model/checkpoint", str, "", "Model checkpoint (empty: the bundled one)"),
        Option("view/thumbnail_size", int, 128, "Thumbnail size (pixels)"),
        Option("search/results", int, 48, "Results per search"),
        Option("tags/vocabulary", str, "", "Tag vocabulary file (empty: the bundled one)"),
        Option("tags/min_score", float, 0.5, "Lowest probability of a proposed tag"),
        Option("audio/record_seconds", int, 10, "Longest recording (seconds)"),
        Option("window/geometry", bytes, b"", "Window geometry"),
    )
}


def _upgrade_to_1(store: QSettings) -> None:
    # Version 0 had no version key; nothing to move yet, the hook marks the pattern.
    store.remove("legacy")


UPGRADES: list[tuple[int, Callable[[QSettings], None]]] = [(1, _upgrade_to_1)]


class Settings:
    """The application's options; pass a path for an isolated file (tests)."""

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self._store = QSettings("synesthesia", "synesthesia")
        else:
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
        self._store.setValue(key, converted)

    def reset(self, key: str) -> None:
        self._store.remove(key)

    def sync(self) -> None:
        self._store.sync()
