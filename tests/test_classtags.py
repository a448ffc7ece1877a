"""Tag probabilities read from ImageNet classes through WordNet (core.tagging.classtags) and the
builder of its tables (training.class_words). No network needed."""

from __future__ import annotations

import numpy as np

from core.resources import resource
from core.tagging.classtags import (
    class_synsets,
    class_tag_matrix,
    sense_of,
    tag_probabilities,
)

GOLDEN_RETRIEVER, LABRADOR, TABBY, SEASHORE, TRUMPET = 207, 208, 281, 978, 513
CHURCH, COMPUTER_MOUSE = 497, 673


def test_tables_follow_the_teachers_class_order() -> None:
    classes = resource("imagenet", "classes.tsv").read_text(encoding="utf-8").splitlines()[1:]
    table = resource("imagenet", "hypernyms.tsv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(table) == len(classes) == len(class_synsets()) == 1000
    for c, t in zip(classes, table, strict=True):
        index, wnid = c.split("\t")[:2]
        row = t.split("\t")
        assert row[:2] == [index, wnid]
        assert row[2].split()[0] == wnid[1:]  # a class's own synset comes first


def test_a_tag_is_true_of_the_classes_below_its_first_sense() -> None:
    words = ["dog", "dogs", "coast", "wind", "entity", "rain", "cat"]
    m = class_tag_matrix(words)
    assert m.shape == (1000, len(words))
    dog, dogs, coast, wind, entity, rain, cat = m.T
    assert dog[GOLDEN_RETRIEVER] == dog[LABRADOR] == 1 and dog[TABBY] == 0
    assert 100 <= dog.sum() <= 130           # the dog breeds, nothing else
    assert np.array_equal(dogs, dog)         # a plural reads as its singular
    assert coast[SEASHORE] == 1 and coast.sum() == 1
    assert wind.sum() == 0 and m[TRUMPET, 3] == 0   # moving air, never the wind instrument
    assert entity.sum() == 0                 # true of everything: says nothing
    assert rain.sum() == 0 and sense_of("rain") is None  # no class is rain
    assert cat[TABBY] == 1 and cat[GOLDEN_RETRIEVER] == 0


def test_the_vocabulary_group_picks_a_later_sense_only_when_no_class_has_the_first() -> None:
    words = ["church", "church", "mouse", "mouse", "wind", "dog"]
    groups = ["places", "events", "animals", "objects", "weather", "objects"]
    church_place, church_event, mouse_animal, mouse_object, wind, dog = \
        class_tag_matrix(words, groups).T
    assert church_place[CHURCH] == 1 and church_place.sum() == 1  # the building
    assert church_event.sum() == 0           # no domain: the first sense (the institution)
    assert mouse_animal.sum() == 0           # never the computer mouse among animals
    assert mouse_object[COMPUTER_MOUSE] == 1
    assert wind.sum() == 0
    assert dog[GOLDEN_RETRIEVER] == 1        # a first sense a class has is kept in any group


def test_tag_probability_is_the_mass_of_the_classes_it_is_true_of() -> None:
    m = class_tag_matrix(["dog", "cat", "coast"])
    q = np.zeros((3, 1000))
    q[0, [GOLDEN_RETRIEVER, LABRADOR]] = 0.5       # unsure which dog: surely a dog
    q[1, GOLDEN_RETRIEVER], q[1, TABBY] = 0.3, 0.7
    q[2] = 1.0 / 1000                               # no idea
    p = tag_probabilities(q, m)
    assert np.allclose(p[0], [1.0, 0.0, 0.0])
    assert np.allclose(p[1], [0.3, 0.7, 0.0])
    assert p[2, 0] < 0.15 and p[2, 2] == 0.001
    assert ((p >= 0) & (p <= 1)).all()


DATA_NOUN = """\
  1 This software and database is being provided to you, the LICENSEE, by
00001740 03 n 01 entity 0 001 ~ 00002000 n 0000 | that which exists
00002000 03 n 02 animal 0 beast 0 002 @ 00001740 n 0000 ~ 00003000 n 0000 | a living organism
00003000 05 n 02 dog 0 domestic_dog 0 001 @ 00002000 n 0000 | a member of the genus Canis
00004000 05 n 01 golden_retriever 0 001 @ 00003000 n 0000 | an English breed
00005000 06 n 01 wind_instrument 0 001 @ 00001740 n 0000 | a musical instrument
"""
INDEX_NOUN = """\
  1 This software and database is being provided to you, the LICENSEE, by
dog n 1 1 @ 1 0 00003000
wind n 2 1 @ 2 0 00009999 00005000
golden_retriever n 1 1 @ 1 0 00004000
"""


def test_the_builder_reads_wordnet_hypernyms_and_first_senses(tmp_path) -> None:
    from training.class_words import closure, first_senses, noun_senses, parse_nouns

    (tmp_path / "data.noun").write_text(DATA_NOUN)
    (tmp_path / "index.noun").write_text(INDEX_NOUN)
    nouns = parse_nouns(tmp_path / "data.noun")
    assert nouns["00003000"] == (["dog", "domestic dog"], ["00002000"])
    assert closure("00004000", nouns) == ["00004000", "00003000", "00002000", "00001740"]
    senses = first_senses(tmp_path / "index.noun")
    assert senses["dog"] == "00003000"
    assert senses["wind"] == "00009999"          # the first sense, not the instrument
    assert senses["golden retriever"] == "00004000"
    assert noun_senses(tmp_path / "index.noun")["wind"] == ["00009999", "00005000"]
