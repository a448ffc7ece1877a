"""Relevance: results of different kinds on one scale, and the good-match cut-off."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.search.relevance import (
    ITEM_KINDS,
    QUERY_KINDS,
    KindReference,
    Relevance,
    load_relevance,
    relevance_path,
    save_relevance,
)

SHIPPED = "synesthesia-8cfb0df7f349"


def _ref(scores, total=None) -> KindReference:
    scores = np.asarray(scores, np.float64)
    return KindReference(scores, total or len(scores))


def test_reference_reads_a_score_against_its_kind():
    ref = _ref([0.1, 0.2, 0.3, 0.4])
    assert ref.z(np.array([0.25]))[0] == pytest.approx(0.0)
    assert ref.z(np.array([0.4]))[0] == pytest.approx(0.15 / np.std([0.1, 0.2, 0.3, 0.4]))
    assert ref.rank(np.array([0.45, 0.35, 0.05])).tolist() == [0, 1, 4]
    # A sample of 4 standing for 400 items: ranks scale with it.
    assert _ref([0.1, 0.2, 0.3, 0.4], total=400).rank(np.array([0.35]))[0] == 100


def test_reference_of_segments_takes_each_items_best_segment():
    q = np.array([1.0, 0.0], np.float32)
    owners = np.array([7, 7, 9])
    vectors = np.array([[0.2, 0.98], [0.9, 0.44], [0.5, 0.87]], np.float32)
    ref = KindReference.of(q, owners, vectors, total=2)
    assert sorted(ref.scores.round(3).tolist()) == [0.5, 0.9]


def test_shipped_model_has_fitted_weights_for_every_direction():
    rel = load_relevance(SHIPPED)
    assert rel.fitted and "independent" in rel.fitted_on
    assert set(rel.directions) == {f"{q}->{i}" for q in QUERY_KINDS for i in ITEM_KINDS}
    assert all(0 < rel.threshold(q) < 1 for q in QUERY_KINDS)
    assert rel.threshold("note") == rel.threshold("text")  # a note searches as its text


def test_a_result_that_stands_out_in_its_kind_beats_a_typical_one_of_another_kind():
    # Word query: every note scores around 0.5 (text against text), photos around 0.1. The
    # note at 0.55 is ordinary among notes; the photo at 0.4 is far above the other photos.
    # Raw cosine would put the note first; relevance puts the photo first.
    rng = np.random.default_rng(0)
    notes = _ref(rng.normal(0.5, 0.05, 200))
    photos = _ref(rng.normal(0.1, 0.05, 200))
    rel = load_relevance(SHIPPED)
    p_note = rel.probability("text", "note", np.array([0.55]), notes)[0]
    p_photo = rel.probability("text", "image", np.array([0.4]), photos)[0]
    assert p_photo > p_note
    # And the note that stands out among notes is a good match.
    p_best_note = rel.probability("text", "note", np.array([0.85]), notes)[0]
    assert p_best_note >= rel.threshold("text") > p_note


def test_unfitted_model_merges_by_cosine():
    rel = load_relevance("no-such-model")
    assert not rel.fitted
    p = rel.probability("image", "sound", np.array([0.9, 0.6, 0.3]), _ref([0.0, 0.1]))
    assert p[0] > p[1] > p[2] and p[1] >= rel.threshold("image") > p[2]


def test_weights_round_trip_and_bad_files_are_refused(tmp_path):
    path = tmp_path / "relevance.json"
    rel = load_relevance(SHIPPED)
    save_relevance("m1", rel, path)
    again = load_relevance("m1", path)
    assert again.directions == rel.directions and again.thresholds == rel.thresholds
    data = json.loads(path.read_text())
    data["m2"] = dict(data["m1"], thresholds={q: 1.5 for q in QUERY_KINDS})
    data["m3"] = dict(data["m1"], features=["cosine"])
    bad = dict(data["m1"]["directions"])
    bad["text->image"] = {"w": [1, "nan", 0], "b": 0}
    data["m4"] = dict(data["m1"], directions=bad)
    path.write_text(json.dumps(data))
    for model_id in ("m2", "m3", "m4"):
        with pytest.raises(ValueError):
            load_relevance(model_id, path)


def test_the_shipped_file_is_plain_json_for_the_shipped_model():
    data = json.loads(relevance_path().read_text(encoding="utf-8"))
    assert SHIPPED in data
    Relevance.from_dict(data[SHIPPED])


def test_ndcg_of_the_evaluator():
    from training.relevance import ndcg

    assert ndcg(np.array([1, 1, 0, 0]), 2) == pytest.approx(1.0)
    assert ndcg(np.array([0, 0, 0, 0]), 2) == 0.0
    assert 0 < ndcg(np.array([0, 1, 0, 1]), 2) < 1
