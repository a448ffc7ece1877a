"""The corpus measurement of SoundNet's own outputs as tag routes (training.eval_soundclass):
Places names to tags by rule, and the routes' features. WordNet is a small synthetic one."""

from __future__ import annotations

import numpy as np

from training.eval_soundclass import route_features, scene_names, scene_tag_matrix, scene_words

DATA_NOUN = """\
  1 This software and database is being provided to you, the LICENSEE, by
00001740 03 n 01 entity 0 001 ~ 00002000 n 0000 | that which exists
00002000 06 n 01 way 0 001 @ 00001740 n 0000 | a route
00003000 06 n 01 road 0 001 @ 00002000 n 0000 | an open way
00004000 06 n 01 highway 0 001 @ 00003000 n 0000 | a major road
00005000 06 n 01 field 0 001 @ 00001740 n 0000 | a piece of land
00006000 06 n 01 building 0 001 @ 00001740 n 0000 | a structure
"""
INDEX_NOUN = """\
  1 This software and database is being provided to you, the LICENSEE, by
way n 1 1 @ 1 0 00002000
road n 1 1 @ 1 0 00003000
highway n 1 1 @ 1 0 00004000
field n 1 1 @ 1 0 00005000
building n 1 1 @ 1 0 00006000
"""


def _judge(tmp_path):
    from training.class_words import WordNetJudge

    (tmp_path / "data.noun").write_text(DATA_NOUN)
    (tmp_path / "index.noun").write_text(INDEX_NOUN)
    return WordNetJudge(tmp_path)


def test_places_names_read_as_a_name_and_its_head_noun() -> None:
    names = scene_names()
    assert len(names) == 401 and names[0] == "abbey"
    assert scene_words("apartment_building/outdoor") == ("apartment building", "building")
    assert scene_words("corn_field") == ("corn field", "field")
    assert scene_words("highway") == ("highway", "highway")


def test_a_tag_is_true_of_a_scene_by_its_head_noun_or_wordnet_above_it(tmp_path) -> None:
    judge = _judge(tmp_path)
    words = ["road", "field", "building", "fields", "corn", "entity", "highway"]
    names = ["highway", "corn_field", "apartment_building/outdoor", "desert_road", "bus_interior",
             "abbey"]
    m = scene_tag_matrix(words, names, judge)
    assert m.shape == (6, 7)
    road, field, building, fields, corn, entity, highway = m.T
    assert road.tolist() == [1, 0, 0, 1, 0, 0]      # WordNet: highway -> road; head noun
    assert field.tolist() == [0, 1, 0, 0, 0, 0]     # "corn field": its head noun
    assert fields.tolist() == field.tolist()        # a plural tag reads as its singular
    assert building.tolist() == [0, 0, 1, 0, 0, 0]
    assert corn.sum() == 0                          # a modifier is not what the scene is
    assert highway.tolist() == [1, 0, 0, 0, 0, 0]   # below, never above: not "desert road"
    assert entity.sum() == 0                        # true of most scenes: says nothing


def test_route_features_are_log_sums_over_the_tags_a_route_reaches() -> None:
    m_obj = np.zeros((4, 3), np.float32)
    m_obj[:2, 0] = 1                                 # tag 0: classes 0 and 1
    m_scene = np.zeros((2, 3), np.float32)
    m_scene[1, 2] = 1                                # tag 2: scene 1; tag 1: no route
    p_obj = np.array([[0.5, 0.25, 0.25, 0.0], [0.0, 0.0, 0.0, 1.0]])
    p_scene = np.array([[0.2, 0.8], [1.0, 0.0]])
    f = route_features(p_obj, p_scene, m_obj, m_scene)
    assert f.shape == (2, 2)                         # tag 0 by objects, tag 2 by scenes
    assert np.allclose(np.exp(f[0]), [0.75, 0.8])
    assert np.allclose(f[1], [np.log(1e-6), np.log(1e-6)])  # floored, never -inf


def test_cross_fitted_probe_gates_each_fold_on_the_other() -> None:
    from core.tagging.vocabulary import TagVocabulary
    from training.eval_soundclass import cross_fitted

    rng = np.random.default_rng(0)
    n, d = 600, 8
    which = rng.integers(0, 2, n)
    x = np.eye(d)[which] * 3 + rng.normal(size=(n, d))
    fires = rng.random(n) < 0.3
    x[:, 2] += 4 * fires
    # "shifted": true where its feature fires on the training split, at random on held-out
    shifted = np.where(np.arange(n) < 400, fires, rng.random(n) < 0.1)
    truth = np.stack([which == 0, which == 1, shifted], axis=1)
    vocab = TagVocabulary(("animal", "transport", "shifted"), ("animals",) * 3)

    class Model:
        model_id = "m"

    tr, held = slice(0, 400), slice(400, n)
    a = np.arange(200) % 2 == 0
    p, facts = cross_fitted(Model(), vocab, x[tr], truth[tr], x[held], truth[held], a, ~a)
    assert p.shape == (200, 3) and facts["tags"] == 3
    proposed, right = p >= 0.5, truth[held]
    assert (proposed[:, :2] == right[:, :2]).mean() > 0.9   # the informative tags
    assert not proposed[:, 2].any()                          # the gate drops "shifted"
