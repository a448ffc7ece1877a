"""Calibration, classifier transfer and unit discovery on synthetic but honest data.

The data are clusters in an embedding space: each concept has a direction,
each kind of item (image, sound, note) an offset (the modality gap), and
every item is its concept's direction plus its kind's offset plus noise. No
function under test sees the labels except where a real user would give them.
"""

from __future__ import annotations

import numpy as np
import pytest

from core.tagging.calibration import (
    Calibration,
    fit_calibration,
    item_z,
    load_calibrations,
    reference_from_scores,
    save_calibrations,
)
from core.tagging.classifier import LearnedTag, kind_centres, learn_tag
from core.tagging.linear import fit_logistic, sigmoid
from core.tagging.units import discover_units, name_units
from core.tagging.vocabulary import (
    PROMPTS,
    TagVocabulary,
    VocabularyError,
    default_vocabulary_path,
    load_vocabulary,
    parse_vocabulary,
)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _world(seed: int = 0, d: int = 32, concepts: int = 6, per: int = 30, gap: float = 1.2,
           noise: float = 0.35):
    """Items of three kinds over shared concepts: (embeddings (n, d), kinds, labels, dirs)."""
    rng = np.random.default_rng(seed)
    dirs = _unit(rng.normal(size=(concepts, d)))
    offsets = {k: gap * _unit(rng.normal(size=d)) for k in ("image", "sound", "note")}
    emb, kinds, labels = [], [], []
    for k, off in offsets.items():
        for c in range(concepts):
            x = dirs[c] + off + noise * rng.normal(size=(per, d)) / np.sqrt(d) * 3
            emb.append(_unit(x))
            kinds += [k] * per
            labels += [c] * per
    return np.concatenate(emb).astype(np.float32), np.array(kinds), np.array(labels), dirs


# -- vocabulary -------------------------------------------------------------------------------


def test_default_vocabulary_has_hundreds_of_everyday_and_sound_words() -> None:
    v = load_vocabulary()
    assert 600 <= len(v) <= 1000
    for w in ("rain", "applause", "engine", "church bell", "birdsong", "baby crying", "music",
              "wind", "water", "traffic", "beach", "dog"):
        assert v.index(w) >= 0
    assert len({w.casefold() for w in v.words}) == len(v)
    assert "places" in v.groups and "weather" in v.groups
    assert (default_vocabulary_path().parent / "PROVENANCE.md").exists()


def test_sound_vocabulary_is_for_recordings_only() -> None:
    from core.tagging.vocabulary import sound_vocabulary_path

    v = load_vocabulary()
    events = load_vocabulary(files=[sound_vocabulary_path()], include_default=False)
    assert len(events) >= 300 and all(events.description(i) for i in range(len(events)))
    assert all(g.startswith("sounds:") for g in events.groups)
    assert v.description(v.index("applause"))  # described, though the general file has it
    photo = v.for_kind("image")
    assert "owl hooting" not in photo.words and "dog" in photo.words
    assert photo.words == load_vocabulary().for_kind("note").words
    assert "owl hooting" in v.for_kind("sound").words and "owl hooting" in v.for_kind("video").words
    # a photo's vocabulary is the general one alone, as before the sound events were added
    general = load_vocabulary(files=[default_vocabulary_path()], include_default=False)
    assert photo.words == general.words
    prompts = v.for_kind("sound").prompts("sound")[v.for_kind("sound").index("dog barking")]
    assert "a dog barks" in prompts and "the sound of dog barking" in prompts


def test_user_vocabulary_files_and_words(tmp_path) -> None:
    f = tmp_path / "mine.txt"
    f.write_text("# my words\n## family\nGrandma's house\n  rain \nrain\n\nour  boat\n",
                 encoding="utf-8")
    v = load_vocabulary([f], extra_words=["Rain", "lighthouse"], include_default=False)
    assert v.words == ("Grandma's house", "rain", "our boat", "lighthouse")
    assert v.groups == ("family", "family", "family", "user")
    both = load_vocabulary([f])
    assert both.index("our boat") > both.index("beach")
    assert v.prompts("sound")[1][: len(PROMPTS["sound"])] == [
        t.format("rain") for t in PROMPTS["sound"]
    ]
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="no tags"):
        load_vocabulary([empty])
    with pytest.raises(VocabularyError, match="cannot read"):
        load_vocabulary([tmp_path / "missing.txt"])
    assert parse_vocabulary("## a\nx\n## b\ny") == [("x", "a", ""), ("y", "b", "")]
    assert parse_vocabulary("## sounds: x\ndog barking | a dog barks") == [
        ("dog barking", "sounds: x", "a dog barks")]


# -- logistic regression ----------------------------------------------------------------------


def test_fit_logistic_recovers_a_known_model() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4000, 3))
    w_true, b_true = np.array([2.0, -1.0, 0.5]), -0.7
    y = rng.random(4000) < sigmoid(x @ w_true + b_true)
    w, b = fit_logistic(x, y, l2=0.0)
    assert np.allclose(w, w_true, atol=0.2) and abs(b - b_true) < 0.15
    assert np.allclose(sigmoid(np.array([-800.0, 0.0, 800.0])), [0.0, 0.5, 1.0])


# -- calibration ------------------------------------------------------------------------------


def _scores(seed: int, n: int = 600, t: int = 40):
    """Zero-shot-like scores: per-tag hub bias, per-item bias, a boost for the true tag."""
    rng = np.random.default_rng(seed)
    hub = rng.normal(0.0, 0.08, size=t)           # some tags score high with everything
    spread = rng.uniform(0.02, 0.06, size=t)       # and tags differ in spread
    truth = rng.integers(0, t, size=n)
    labels = np.zeros((n, t), bool)
    labels[np.arange(n), truth] = True
    s = 0.2 + hub + rng.normal(0, 0.03, size=(n, 1)) + rng.normal(size=(n, t)) * spread
    s[labels] += rng.uniform(0.0, 0.25, size=n)   # some true tags are clear, some are not
    return s, labels


def test_reference_shrinks_to_pooled_statistics_for_small_libraries() -> None:
    s, _ = _scores(0)
    one = reference_from_scores(s[:1])
    assert np.allclose(one.std, one.std[0])   # no per-tag spread can be learnt from one item
    big = reference_from_scores(s, prior_strength=20.0)
    per_tag = s.std(axis=0)
    assert np.corrcoef(big.std, per_tag)[0, 1] > 0.99
    with pytest.raises(ValueError):
        reference_from_scores(s[:0])


def test_calibrated_probabilities_match_observed_rates_on_held_out_items() -> None:
    s_fit, y_fit = _scores(1)
    s_test, y_test = _scores(2)
    cal = fit_calibration(s_fit, y_fit, reference_from_scores(s_fit), fitted_on="synthetic")
    p = cal.probability(s_test, reference_from_scores(s_test))
    # Reliability: the share of true tags rises with p and is near p where p is low
    # (most candidates); the top bin is at least as precise as its p says.
    observed = []
    for lo, hi in [(0.0, 0.1), (0.1, 0.5), (0.5, 1.01)]:
        sel = (p >= lo) & (p < hi)
        assert sel.sum() > 20
        observed.append(y_test[sel].mean())
        if hi <= 0.5:
            assert abs(y_test[sel].mean() - p[sel].mean()) < 0.1
        else:
            assert y_test[sel].mean() >= p[sel].mean() - 0.05
    assert observed == sorted(observed)
    proposed = p >= 0.5
    precision = y_test[proposed].mean()
    assert precision > 0.5                     # "proposed only when likely"
    assert y_test[proposed].sum() / y_test.sum() > 0.3


def test_calibration_beats_a_raw_cosine_threshold_on_hub_tags() -> None:
    s, y = _scores(3)
    ref = reference_from_scores(s)
    cal = fit_calibration(s, y, ref)
    p = cal.probability(s, ref)
    k = int((p >= 0.5).sum())
    # Same number of proposals from the highest raw cosines: hubs crowd them out.
    raw_top = np.zeros_like(y)
    raw_top.flat[np.argsort(-s, axis=None)[:k]] = True
    assert y[p >= 0.5].mean() > y[raw_top].mean() + 0.15


def test_fallback_proposes_almost_nothing_on_noise() -> None:
    rng = np.random.default_rng(4)
    s = 0.2 + rng.normal(0, 0.05, size=(500, 300))
    p = Calibration.fallback(n_tags=300).probability(s, reference_from_scores(s))
    assert (p >= 0.5).any(axis=1).mean() < 0.08   # designed for 5% of items
    # A tag that clearly stands out is proposed.
    s[7, 42] += 0.3
    p = Calibration.fallback(n_tags=300).probability(s, reference_from_scores(s))
    assert p[7, 42] > 0.9
    assert np.allclose(item_z(s).mean(axis=1), 0.0, atol=1e-9)


def test_calibrations_are_saved_per_model(tmp_path) -> None:
    path = tmp_path / "calibration.json"
    a = Calibration(1.5, 0.5, -4.0, "held-out A")
    save_calibrations(path, "model-a", {"image": a})
    save_calibrations(path, "model-b", {"sound": Calibration.fallback(10)})
    assert load_calibrations(path, "model-a") == {"image": a}
    assert load_calibrations(path, "model-c") == {}
    with pytest.raises(ValueError):
        fit_calibration(np.zeros((3, 2)), np.zeros((3, 2), bool), reference_from_scores(
            np.zeros((3, 2))))


# -- classifier transfer ----------------------------------------------------------------------


def test_a_tag_taught_with_images_alone_tags_the_matching_sounds() -> None:
    emb, kinds, labels, _ = _world(seed=5)
    rng = np.random.default_rng(5)
    img = np.flatnonzero(kinds == "image")
    pos = rng.choice(img[labels[img] == 2], size=5, replace=False)   # five "rainy day" photos
    background = np.setdiff1d(img, pos)
    clf = learn_tag(
        "rainy day", emb[pos], kinds[pos], background=emb[background],
        background_kinds=kinds[background], centres=kind_centres(emb, kinds),
    )
    for kind in ("sound", "note"):
        rows = np.flatnonzero(kinds == kind)
        p = clf.probability(emb[rows], kinds[rows])
        truth = labels[rows] == 2
        accuracy = ((p >= 0.5) == truth).mean()
        balanced = 0.5 * ((p[truth] >= 0.5).mean() + (p[~truth] < 0.5).mean())
        assert balanced > 0.8, (kind, accuracy, balanced)   # chance is 0.5
        top = rows[np.argsort(-p)[:10]]
        assert (labels[top] == 2).mean() >= 0.9


def test_modality_centring_keeps_negatives_of_another_kind_from_teaching_the_kind() -> None:
    # Positives are photos; the user's negatives happen to be sounds. Without centring the
    # classifier learns "photo versus sound" and no sound is ever tagged.
    emb, kinds, labels, _ = _world(seed=6, gap=1.5)
    img = np.flatnonzero(kinds == "image")
    snd = np.flatnonzero(kinds == "sound")
    pos = img[labels[img] == 1][:6]
    neg = snd[labels[snd] != 1][:12]
    test = np.setdiff1d(snd, neg)

    def sound_recall(centres) -> float:
        clf = learn_tag("x", emb[pos], kinds[pos], emb[neg], kinds[neg], centres=centres)
        p = clf.probability(emb[test], kinds[test]) >= 0.5
        return float(p[labels[test] == 1].mean())

    assert sound_recall(None) < 0.2
    assert sound_recall(kind_centres(emb, kinds)) > 0.8


def test_learned_tag_round_trips_and_uses_explicit_negatives() -> None:
    emb, kinds, labels, _ = _world(seed=7)
    pos = np.flatnonzero(labels == 0)[:4]
    neg = np.flatnonzero(labels == 3)[:4]
    clf = learn_tag("x", emb[pos], kinds[pos], emb[neg], kinds[neg], model_id="m1")
    again = LearnedTag.from_dict(clf.to_dict())
    assert np.allclose(again.decision(emb, kinds), clf.decision(emb, kinds))
    assert again.model_id == "m1" and again.n_positive == 4 and again.n_negative == 4
    assert clf.probability(emb[neg], kinds[neg]).max() < 0.5 < clf.probability(
        emb[pos], kinds[pos]).min()
    with pytest.raises(ValueError, match="negative"):
        learn_tag("x", emb[pos], kinds[pos])
    with pytest.raises(ValueError, match="positive"):
        learn_tag("x", emb[:0], [], emb[neg], kinds[neg])


# -- concept units ----------------------------------------------------------------------------


def test_units_that_fire_for_one_concept_in_every_kind_are_found_and_named() -> None:
    emb, kinds, labels, dirs = _world(seed=8, concepts=20, per=8)
    rng = np.random.default_rng(1008)
    d = emb.shape[1]
    centred = emb - np.stack([emb[kinds == k].mean(0) for k in kinds])
    # Units 0..3 detect one concept each (as a trained network's might); 4..11 are random
    # directions, which in a world of clusters also pick up some concept, less cleanly.
    w = np.concatenate([dirs[:4] * 4.0, rng.normal(size=(8, d)) * 0.7])
    concept_unit_order = rng.permutation(12)
    w = w[concept_unit_order]

    def units(x: np.ndarray) -> np.ndarray:
        return np.maximum(x @ w.T, 0.0)

    words = ["dog", "water", "engine", "bell", "chair", "cloud"]
    word_emb = _unit(np.concatenate([dirs[:4] + 0.1 * rng.normal(size=(4, d)),
                                     rng.normal(size=(2, d))]))
    found = discover_units(units(centred), kinds, emb, units(word_emb), words, top_k=5)
    concept_units = {int(np.flatnonzero(concept_unit_order == c)[0]): c for c in range(4)}
    first = found[:4]
    assert {u.unit for u in first} == set(concept_units)
    assert all(u.cross_kind for u in first)
    assert sorted(u.score for u in found if u.cross_kind)[::-1] == [
        u.score for u in found if u.cross_kind]
    for u in first:
        c = concept_units[u.unit]
        assert u.name == words[c]
        assert set(u.top) == {"image", "sound", "note"}
        for k, top in u.top.items():
            assert all(labels[i] == c and kinds[i] == k for i, _ in top)


def test_name_units_discounts_words_that_excite_everything() -> None:
    word_units = np.array([[5.0, 5.0, 5.0], [3.0, 0.1, 0.1], [0.1, 0.1, 2.0]])
    names = name_units(word_units, ["thing", "dog", "bell"], n_names=1)
    assert [n[0][0] for n in names] == ["dog", "thing", "bell"]


def test_an_items_best_tag_is_marked_and_its_margin_over_the_others_measured() -> None:
    from core.tagging.calibration import item_standing

    zi = np.array([[3.0, 1.0, -1.0], [0.5, 2.5, 2.0]])
    top, margin = item_standing(zi)
    assert top.tolist() == [[1, 0, 0], [0, 1, 0]]
    assert np.allclose(margin, [[2.0, -2.0, -4.0], [-2.0, 0.5, -0.5]])
    assert item_standing(np.array([[9.0, -9.0]]))[1].tolist() == [[5.0, -5.0]]  # clipped


def test_a_calibration_saved_before_the_standing_terms_reads_them_as_zero() -> None:
    old = {"w_tag": 0.2, "w_item": 0.5, "bias": -6.0, "fitted_on": "fold A"}
    cal = Calibration.from_dict(old)
    assert cal.w_top == 0.0 and cal.w_margin == 0.0
    s = np.random.default_rng(0).normal(size=(4, 6))
    ref = reference_from_scores(s)
    expected = 1 / (1 + np.exp(-(0.2 * ref.tag_z(s) + 0.5 * item_z(s) - 6.0)))
    assert np.allclose(cal.probability(s, ref), expected)


class _CountingModel:
    """A text encoder that counts the texts it embeds (a distinct vector per text)."""

    def __init__(self, model_id: str):
        self.model_id = model_id
        self.encoded = 0

    def encode_texts(self, texts):
        self.encoded += len(texts)
        rng = [np.random.default_rng(sum(map(ord, t))).normal(size=8) for t in texts]
        e = np.asarray(rng, np.float32)
        return e / np.linalg.norm(e, axis=1, keepdims=True)


def test_a_checkpoints_vocabulary_is_embedded_once_per_process() -> None:
    from core.tagging.zeroshot import embed_prompts

    vocab = TagVocabulary(("rain", "dog barking", "a bell"), ("weather", "animals", "household"))
    first = _CountingModel("synesthesia-0123456789ab")
    a = embed_prompts(first, vocab, "sound")
    n = first.encoded
    assert n >= 3
    second = _CountingModel("synesthesia-0123456789ab")  # the same checkpoint loaded again
    b = embed_prompts(second, vocab, "sound")
    assert second.encoded == 0 and np.array_equal(a, b)
    # another vocabulary, another kind's prompts or another checkpoint are embedded anew
    embed_prompts(second, TagVocabulary(("rain", "thunder"), ("weather", "weather")), "sound")
    assert second.encoded > 0
    other = _CountingModel("synesthesia-ba9876543210")
    embed_prompts(other, vocab, "sound")
    assert other.encoded == n
    # a model whose id is not a digest of its weights (being trained, made up) never is
    for _ in range(2):
        training = _CountingModel("untrained")
        embed_prompts(training, vocab, "sound")
        assert training.encoded == n
