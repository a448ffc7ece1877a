"""Shared set-up of the whole suite: offscreen Qt, the ``slow`` marker, and the fixtures
most tests use: a small real network, its checkpoint file, a media tree, a library.

Run everything with ``make test``; while developing, ``make test-fast`` (or
``pytest -m "not slow"``) leaves out the tests marked slow: those that train, kill
processes at random points, or load the bundled checkpoint (seconds to minutes each).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]

# Slow tests in modules other teams own are marked here rather than in their files
# (node id prefixes); our own carry @pytest.mark.slow.
SLOW = (
    "tests/test_training.py::test_smoke",  # the module fixture trains
    "tests/test_search_quality.py",  # the bundled checkpoint
    "tests/test_independent.py::test_evaluator_table_with_a_real_tiny_model",
    "tests/test_pretrained.py",
    "tests/test_realmedia.py",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes seconds to minutes (training, killing "
                                       "processes, the bundled checkpoint); "
                                       "`make test-fast` leaves these out")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)


@functools.cache
def _tiny_model():
    from core.model import ModelConfig, create_model

    return create_model(ModelConfig.tiny(), seed=0)


@pytest.fixture(scope="session")
def tiny_model():
    """core.model's tiny configuration, random-initialised (seed 0): real code, fast; the
    same object for the whole session. Searches by identical content still match."""
    return _tiny_model()


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_model) -> Path:
    """The tiny model saved as a checkpoint file (for the command line's --model)."""
    from core.model import save_checkpoint

    path = tmp_path_factory.mktemp("checkpoint") / "tiny.pt"
    save_checkpoint(tiny_model, path)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    """A small media tree (tests/media.make_tree): its folder and name -> path."""
    from tests.media import make_tree

    media = tmp_path / "media"
    return media, make_tree(media)


@pytest.fixture
def lib(tmp_path: Path, tiny_model):
    """A fresh library over the tiny model, closed after the test."""
    from core.library import Library

    library = Library.open(tmp_path / "lib", model=tiny_model)
    yield library
    library.close()
