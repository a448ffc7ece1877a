"""One library for both front ends, resources found through one module, versions."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from app.locations import DB_NAME, ENV, app_version, default_library_dir, library_dir

REPO = Path(__file__).resolve().parents[1]


def test_the_library_is_found_in_one_order(tmp_path):
    data = tmp_path / "data"
    settings = tmp_path / "settings.ini"
    assert library_dir(environ={}, settings_file=settings, data=data) == data / "library"
    from PySide6.QtCore import QSettings

    store = QSettings(str(settings), QSettings.Format.IniFormat)
    store.setValue("library/location", str(tmp_path / "chosen"))
    store.sync()
    assert library_dir(environ={}, settings_file=settings, data=data) == tmp_path / "chosen"
    env = {ENV: str(tmp_path / "env")}
    assert library_dir(environ=env, settings_file=settings, data=data) == tmp_path / "env"
    assert library_dir(tmp_path / "flag", environ=env, settings_file=settings,
                       data=data) == tmp_path / "flag"


def test_a_library_at_the_command_lines_old_default_is_kept(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"")  # the old CLI default held a library
    assert default_library_dir(data) == data
    (data / "library").mkdir()
    (data / "library" / DB_NAME).write_bytes(b"")  # once the new place has one, it wins
    assert default_library_dir(data) == data / "library"


def test_the_database_name_is_the_engines():
    from core.library import Library

    assert Library.DB_NAME == DB_NAME


def test_the_window_and_the_command_line_share_the_default(monkeypatch, tmp_path):
    from app.cli import default_library_dir as cli_default
    from app.gui.services.settings import OPTIONS

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no stored location
    monkeypatch.delenv(ENV, raising=False)
    assert cli_default() == tmp_path / "xdg" / "synesthesia" / "library"
    assert OPTIONS["library/location"].default_value() == str(cli_default())


def test_version_on_both_commands():
    expected = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert app_version() == expected
    for module in ("app.cli", "app.gui"):
        done = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True,
                              text=True, check=True, env={"PYTHONPATH": str(REPO),
                                                          "PATH": "/usr/bin:/bin"})
        assert re.fullmatch(rf"synesthesia(-gui)? {re.escape(expected)}\n", done.stdout)


def test_entry_points_are_declared():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["synesthesia"] == "app.cli:main"
    assert project["gui-scripts"]["synesthesia-gui"] == "app.gui:main"


@pytest.mark.parametrize("name", ["models/default.pt", "vocab/default.txt",
                                  "vocab/calibration.json", "emoji/cldr-en.tsv",
                                  "imagenet/classes.tsv", "demo/photos/dog.png",
                                  "icons/synesthesia.svg", "PROVENANCE.md"])
def test_resources_are_found_through_the_resources_package(name):
    from core.resources import resource, resources_root

    assert resource(*name.split("/")).is_file()
    import resources

    assert resources_root() == Path(resources.__file__).parent


def test_no_module_walks_up_from_its_own_file_to_find_resources():
    found = []
    for folder in ("app", "core", "training"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"parents\[\d\]|Path\(__file__\)", text):
                found.append(str(path.relative_to(REPO)))
    assert found == []


def test_library_after_the_command_is_explained(capsys):
    from app.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["search", "--library", "/tmp/elsewhere", "dog"])
    assert exit_info.value.code == 2
    assert "--library goes before the command: synesthesia --library DIR search" in (
        capsys.readouterr().err)


def test_settings_forget_whether_the_demo_was_once_added(tmp_path):
    """The demo is opt-in now: the old 'demo added' flag is removed by the settings upgrade."""
    from PySide6.QtCore import QSettings

    from app.gui.services.settings import SETTINGS_VERSION, Settings

    path = tmp_path / "old.ini"
    old = QSettings(str(path), QSettings.Format.IniFormat)
    old.setValue("meta/version", 1)
    old.setValue("library/demo_added", True)
    old.sync()
    settings = Settings(path)
    settings.sync()
    assert settings.version == SETTINGS_VERSION == 2
    assert "demo_added" not in path.read_text()
