"""The sound tag probe (core.tagging.probe), its use by the zero-shot tagger, and the WordNet
judge the evaluations read it with (training.class_words.WordNetJudge)."""

from __future__ import annotations

import numpy as np
import pytest

from core.tagging.probe import TagProbe, fit_probe, load_probes, save_probes
from core.tagging.vocabulary import TagVocabulary
from core.tagging.zeroshot import ZeroShotTagger


def _world(n: int = 300, d: int = 16, seed: int = 0):
    """Two clusters of unit vectors: "animal" true of the first, "transport" of the second;
    "rare" true of 3 items only."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2, d))
    which = rng.integers(0, 2, n)
    x = centres[which] + 0.6 * rng.normal(size=(n, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    truth = np.stack([which == 0, which == 1, np.arange(n) < 3], axis=1)
    return x.astype(np.float32), truth, which


def test_probe_learns_each_tag_with_enough_examples_and_skips_the_rest() -> None:
    x, truth, which = _world()
    probe = fit_probe(x[:200], truth[:200], ["animal", "transport", "rare"], "m", "sound",
                      l2=1e-2)
    assert probe.words == ("animal", "transport")       # "rare" has 3 < 10 positives
    p = probe.probabilities(x[200:], ["Transport", "dog", "animal"])
    assert p.shape == (100, 3) and (p[:, 1] == 0).all()  # no probe for "dog": 0
    assert ((p >= 0) & (p <= 1)).all()
    test = which[200:]
    assert (p[test == 0, 2] > 0.5).mean() > 0.9 and (p[test == 1, 2] < 0.5).mean() > 0.9
    assert (p[test == 1, 0] > 0.5).mean() > 0.9            # case-insensitive match
    wrong_dim = probe.probabilities(np.ones((2, 5), np.float32), ["animal"])
    assert (wrong_dim == 0).all()                          # another model's vectors: nothing


def test_probes_are_saved_per_model_and_kind_and_read_back(tmp_path) -> None:
    x, truth, _ = _world()
    path = tmp_path / "probes.safetensors"
    assert load_probes("a", path) == {}                    # no file: no probe
    pa = fit_probe(x, truth, ["animal", "transport"], "a", "sound", 1e-2, fitted_on="A")
    pb = fit_probe(x, truth[:, ::-1], ["x", "transport", "animal"], "b", "sound", 1e-1)
    pa = pa.with_max_distance(x[:50])
    save_probes(path, [pa])
    save_probes(path, [pb])                                # keeps a's
    got = load_probes("a", path)["sound"]
    assert isinstance(got, TagProbe) and got.words == pa.words and got.fitted_on == "A"
    assert got.max_distance == pytest.approx(pa.max_distance)
    assert load_probes("b", path)["sound"].max_distance == float("inf")
    assert np.allclose(got.raw(x), pa.raw(x), atol=1e-5)
    assert load_probes("b", path)["sound"].words == pb.words
    assert load_probes("c", path) == {}


def test_the_tagger_reads_sounds_through_the_probe_and_other_kinds_through_classes(
        tiny_model) -> None:
    vocab = TagVocabulary(("dog", "animal", "rain"), ("animals", "animals", "weather"))
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, tiny_model.dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    truth = np.zeros((40, 1), bool)
    truth[:20, 0] = True
    probe = fit_probe(x, truth, ["rain"], str(tiny_model.model_id), "sound", 1e-3)
    plain = ZeroShotTagger(tiny_model, vocab, calibrations={}, probes={})
    probed = ZeroShotTagger(tiny_model, vocab, calibrations={}, probes={"sound": probe})
    assert plain.class_probabilities(x, "sound")[:, :2].sum() > 0  # the class route
    after = probed.class_probabilities(x, "sound")
    assert (after[:, :2] == 0).all()                       # the probe has no dog/animal
    assert np.allclose(after[:, 2], probe.raw(x)[:, 0], atol=1e-6)
    assert (after[:20, 2] > 0.5).all() and (after[20:, 2] < 0.5).all()
    assert np.allclose(probed.class_probabilities(x, "image"),
                       plain.class_probabilities(x, "image"))  # photos keep the classes
    assert probed.class_probabilities(x, "note") is None   # notes: neither route
    props = probed.propose(np.zeros((40, 3)), "sound", 0.5, class_p=after)
    assert all(p[0].name == "rain" for p in props[:20])


def test_the_distance_guard_silences_the_probe_far_from_what_it_was_validated_on() -> None:
    x, truth, which = _world()
    probe = fit_probe(x[:200], truth[:200], ["animal", "transport"], "m", "sound", 1e-2)
    assert probe.max_distance == float("inf")
    guarded = probe.with_max_distance(x[200:250])
    d = probe.distance(x[200:250])
    assert (d <= guarded.max_distance).mean() == pytest.approx(0.96, abs=0.03)  # 95th pct
    far = x[250:] * 0 + 10 * probe.std.astype(np.float32) + probe.mean.astype(np.float32)
    assert (probe.probabilities(far, ["animal", "transport"]).max(axis=1) > 0.5).any()
    assert (guarded.probabilities(far, ["animal", "transport"]) == 0).all()
    near = guarded.probabilities(x[250:], ["animal"])[:, 0]
    assert (near[which[250:] == 0] > 0.5).mean() > 0.8    # typical sounds keep their tags


DATA_NOUN = """\
  1 This software and database is being provided to you, the LICENSEE, by
00001740 03 n 01 entity 0 001 ~ 00002000 n 0000 | that which exists
00002000 03 n 02 animal 0 beast 0 002 @ 00001740 n 0000 ~ 00003000 n 0000 | a living organism
00003000 05 n 02 horse 0 Equus_caballus 0 001 @ 00002000 n 0000 | solid-hoofed herbivore
00004000 06 n 01 proverb 0 001 @ 00001740 n 0000 | a condensed saying
00005000 06 n 01 saw 0 001 @ 00006000 n 0000 | a hand tool
00006000 06 n 01 tool 0 001 @ 00001740 n 0000 | an implement
"""
INDEX_NOUN = """\
  1 This software and database is being provided to you, the LICENSEE, by
animal n 1 1 @ 1 0 00002000
horse n 1 1 @ 1 0 00003000
saw n 2 1 @ 2 0 00004000 00005000
tool n 1 1 @ 1 0 00006000
"""


def test_wordnet_judge_reads_tags_above_a_label_first_senses_only(tmp_path) -> None:
    from training.class_words import WordNetJudge

    (tmp_path / "data.noun").write_text(DATA_NOUN)
    (tmp_path / "index.noun").write_text(INDEX_NOUN)
    judge = WordNetJudge(tmp_path)
    assert judge.true("animal", ["horse"]) and judge.true("animal", ["Horses"])
    assert judge.true("horse", ["horse"])
    assert not judge.true("horse", ["animal"])             # below, not above
    assert not judge.true("tool", ["saw"])                 # "saw" is first a proverb
    assert not judge.true("animal", ["unknown word"]) and not judge.true("zebra", ["horse"])
    with pytest.raises(SystemExit):
        WordNetJudge(tmp_path / "missing")


def test_the_gate_keeps_tags_right_at_least_as_often_as_not() -> None:
    from training.eval_probe import trusted

    words = ["often right", "often wrong", "never proposed", "one wrong", "one right"]
    p = np.zeros((6, 5))
    truth = np.zeros((6, 5), bool)
    p[:, 0], truth[:4, 0] = 0.9, True          # 4 of 6 right: kept
    p[:, 1], truth[:2, 1] = 0.9, True          # 2 of 6 right: (2+1)/(6+2) < 0.5, dropped
    p[0, 3] = 0.6                              # 0 of 1: 1/3, dropped
    p[0, 4], truth[0, 4] = 0.6, True           # 1 of 1: kept
    assert trusted(p, truth, words) == ["often right", "never proposed", "one right"]
    x, t, _ = _world()
    probe = fit_probe(x, t, ["animal", "transport"], "m", "sound", 1e-2)
    kept = probe.keeping(["Transport"])
    assert kept.words == ("transport",) and kept.weight.shape == (1, x.shape[1])
    assert np.allclose(kept.raw(x)[:, 0], probe.raw(x)[:, 1])


def test_realtags_judges_a_tag_by_words_or_by_wordnet_above_the_concepts(tmp_path) -> None:
    from training.class_words import WordNetJudge
    from training.realtags import concepts, right, right_wordnet

    (tmp_path / "data.noun").write_text(DATA_NOUN)
    (tmp_path / "index.noun").write_text(INDEX_NOUN)
    judge = WordNetJudge(tmp_path)
    horse = {"labels": ["horse"], "texts": ["a horse neighing in a field"]}
    named = {"labels": [], "texts": ["horse by the barn"]}     # the demo: its file name
    assert concepts(horse) == ["horse"] and concepts(named) == ["horse", "barn"]
    assert not right("animal", {"horse", "neighing", "field"})
    assert right_wordnet("animal", horse, judge) and right_wordnet("animal", named, judge)
    assert right_wordnet("field", horse, judge)                 # by the description's words
    assert not right_wordnet("tool", horse, judge)
