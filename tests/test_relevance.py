"""Relevance: results of different kinds on one scale, and the good-match cut-off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.search import SearchResult
from core.search.relevance import (
    GOOD_Z,
    MIN_REFERENCE,
    KindReference,
    describe,
    references,
    standing,
)


def _ref(scores, total=None) -> KindReference:
    scores = np.asarray(scores, np.float64)
    return KindReference(scores, total or len(scores))


def test_reference_reads_a_score_against_its_kind():
    ref = _ref([0.1, 0.2, 0.3, 0.4])
    assert ref.z(np.array([0.25]))[0] == pytest.approx(0.0)
    # A score of an item in the reference is read against the others (leave-one-out).
    others = [0.1, 0.2, 0.3]
    assert ref.z(np.array([0.4]))[0] == pytest.approx((0.4 - np.mean(others)) / np.std(others))
    assert ref.z(np.array([0.45]))[0] == pytest.approx(0.2 / np.std([0.1, 0.2, 0.3, 0.4]))
    assert ref.top(np.array([0.45, 0.35, 0.05])).tolist() == [0.25, 0.5, 1.0]
    # Items that all score alike: a tiny difference is not a huge z.
    flat = _ref([0.5] * 20)
    assert flat.z(np.array([0.51]))[0] == pytest.approx(0.5)
    # In a small library an item that stands out is a good match (without leave-one-out,
    # the best of ten items could never reach z = 3).
    small = _ref([0.1, 0.12, 0.11, 0.09, 0.1, 0.13, 0.08, 0.1, 0.11, 0.6])
    assert small.z(np.array([0.6]))[0] >= GOOD_Z


def test_reference_of_segments_takes_each_items_best_segment():
    q = np.array([1.0, 0.0], np.float32)
    owners = np.array([7, 7, 9])
    vectors = np.array([[0.2, 0.98], [0.9, 0.44], [0.5, 0.87]], np.float32)
    ref = KindReference.of(q, owners, vectors, total=2)
    assert sorted(ref.scores.round(3).tolist()) == [0.5, 0.9]


def test_a_result_that_stands_out_in_its_kind_beats_a_typical_one_of_another_kind():
    # Word query: every note scores around 0.5 (text against text), photos around 0.1. The
    # note at 0.55 is ordinary among notes; the photo at 0.4 is far above the other photos.
    # Raw cosine would put the note first; relevance puts the photo first, as a good match.
    rng = np.random.default_rng(0)
    notes = _ref(rng.normal(0.5, 0.05, 200))
    photos = _ref(rng.normal(0.1, 0.05, 200))
    note_z, photo_z = notes.z(np.array([0.55]))[0], photos.z(np.array([0.4]))[0]
    assert photo_z > note_z and photo_z >= GOOD_Z > note_z


def test_a_kind_with_few_items_is_read_against_all_kinds():
    big = _ref(np.linspace(0.0, 0.4, 50))
    few = _ref([0.9, 0.1])
    got = references({"image": big, "sound": few})
    assert got["image"] is big and len(got["sound"].scores) == 52 > MIN_REFERENCE


def test_relevance_in_words():
    assert describe(4.5) == "strong match" and describe(3.2) == "good match"
    assert describe(2.1) == "possible match" and describe(0.3) == "weak match"
    assert standing(0.018, "photos") == "top 2% of photos"
    assert standing(0.001, "sounds") == "top 1% of sounds"
    r = SearchResult(1, Path("/m/bark.wav"), "sound", 0.41, None, relevance=3.4, top=0.02)
    assert r.relevance_text == "good match, top 2% of sounds"
    words = SearchResult(2, Path("/m/a.txt"), "note", 0.2, None, found_by="words")
    assert words.relevance_text == "its words match"


def test_ndcg_of_the_evaluator():
    from training.relevance import ndcg

    assert ndcg(np.array([1, 1, 0, 0]), 2) == pytest.approx(1.0)
    assert ndcg(np.array([0, 0, 0, 0]), 2) == 0.0
    assert 0 < ndcg(np.array([0, 1, 0, 1]), 2) < 1


def test_relevance_without_the_real_media_set_says_how_to_build_it(tmp_path, monkeypatch, capsys):
    from training.relevance import main

    monkeypatch.setenv("SYNESTHESIA_CACHE", str(tmp_path))
    assert main([]) == 2
    assert "python -m training.realmedia build" in capsys.readouterr().err
