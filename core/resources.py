"""The one place that says where the bundled resources are: the ``resources`` package, found
through ``importlib.resources`` (the ``resources/`` folder in a checkout, the same files inside
the wheel when installed, or inside a frozen bundle). Nothing else in app/, core/ or training/
works out a resource's location from its own ``__file__``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = "resources"


def resources_root() -> Path:
    """The folder holding the bundled resources. They must be plain files on disk (a wheel
    installed by pip or uv, a checkout, a PyInstaller folder): the model and the demo media
    are opened by path, so a zipped install is refused with a clear error."""
    root = files(PACKAGE)
    if not isinstance(root, Path):
        raise RuntimeError(f"Synesthesia's resources are not plain files on disk ({root!r}); "
                           "install the wheel with pip or uv rather than running it zipped")
    return root


def resource(*parts: str) -> Path:
    """A bundled file or folder, e.g. ``resource("vocab", "default.txt")``."""
    return resources_root().joinpath(*parts)


RESOURCES = resources_root()
