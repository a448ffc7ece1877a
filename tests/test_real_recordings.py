"""The bundled model on real recordings under neutral file names, as a new user meets them:
the real-media set's recordings (hand-labelled, from Debian packages that neither training
nor the reserved evaluations read) copied under hash names into a fresh library, then each
word that names a recording there typed with only sounds shown."""

from __future__ import annotations

from collections import Counter
from math import comb
from pathlib import Path

import pytest

from training import realmedia as rm
from training import realsearch

pytestmark = pytest.mark.slow


def _current_set(tmp_path: Path) -> list[dict]:
    """The built set when it matches labels.tsv, else one built now under tmp_path (it
    downloads the listed packages with apt-get)."""
    path = rm.cache_dir() / "manifest.jsonl"
    want = {f"{lab.source}:{lab.path}" for lab in rm.load_labels()}
    if path.exists():
        items = rm.load_manifest(path)
        if {i["id"] for i in items} == want and all(Path(i["path"]).exists() for i in items):
            return items
    return rm.build(tmp_path / "realmedia")


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> dict:
    items = _current_set(tmp_path_factory.mktemp("realmedia"))
    sounds = [i for i in items if i["kind"] == "sound"]
    return {**realsearch.measure(None, sounds), "chance": chance(sounds)}


def chance(sounds: list[dict], k: int = realsearch.K) -> list[float]:
    """For each word, the probability that a random ranking finds it: a word naming m of
    the n recordings has one in a random top k with probability 1 - C(n - m, k) / C(n, k)."""
    n = len(sounds)
    counts = Counter(c for s in sounds for c in set(s["labels"]))
    return [1 - comb(n - m, k) / comb(n, k) for m in counts.values()]


def test_the_folder_is_real_recordings_under_names_that_say_nothing(result) -> None:
    assert result["recordings"] >= 60 and result["words"] >= 40
    # hash names: the file name alone cannot find anything
    assert result["top"] == 10


def test_typed_words_find_recordings_well_above_chance(result) -> None:
    # The number of words a random ranking finds has mean sum(p) and variance
    # sum(p (1 - p)); the model must beat it at the 1% level (normal approximation).
    p = result["chance"]
    bar = sum(p) + 2.326 * sum(q * (1 - q) for q in p) ** 0.5
    assert result["found"] > bar, (result["found"], result["words"], bar)


@pytest.mark.xfail(strict=True, reason="the aiSFX tower finds a recording of the typed word in "
                   "the top 10 of sounds for 20 of 45 words (44%), the target is 60%: "
                   "docs/quality.md, Recordings: the aiSFX sound tower")
def test_typed_words_find_a_recording_of_them_for_most_words(result) -> None:
    assert result["share"] >= 0.60, (result["found"], result["words"])
