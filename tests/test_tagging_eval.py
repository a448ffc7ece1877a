"""The held-out tagging evaluation's own logic: which tags count as true, how directions and
classes are chosen, and that the transfer table measures what it says on clustered data."""

from __future__ import annotations

import numpy as np

from core.tagging.classifier import kind_centres
from core.tagging.vocabulary import load_vocabulary
from training.eval_tagging import Direction, fold_of, plan_transfer, transfer_table, true_tags


def test_true_tags_need_every_word_of_the_tag() -> None:
    vocab = load_vocabulary(extra_words=["church bell", "bell", "dogs"], include_default=False)
    truth = true_tags(vocab, [{"church", "bell"}, {"bell"}, {"dog"}, set()])
    assert truth.tolist() == [[True, True, False], [False, True, False],
                              [False, False, True], [False, False, False]]


def test_folds_are_stable_per_group() -> None:
    assert fold_of("tuxpaint:dog") == fold_of("tuxpaint:dog")
    folds = [fold_of(f"g{i}") for i in range(400)]
    assert 150 < sum(folds) < 250


def _item(i: int, kind: str, labels: list[str]) -> dict:
    return {"id": f"{kind}{i}", "kind": kind, "labels": labels, "group": f"g{i}",
            "texts": [" ".join(labels)]}


def test_plan_keeps_classes_with_enough_training_and_test_items() -> None:
    train = {"image": [_item(i, "image", ["dog"]) for i in range(40)]
             + [_item(100 + i, "image", ["cat"]) for i in range(3)],
             "sound": [_item(i, "sound", ["dog"]) for i in range(6)],
             "text": [_item(i, "image", ["dog"]) for i in range(40)]}
    held = {"image": [_item(500 + i, "image", ["dog"]) for i in range(2)]
            + [_item(600 + i, "image", ["cat"]) for i in range(5)],
            "sound": [_item(700, "sound", ["dog"])],
            "text": [_item(500 + i, "image", ["dog"]) for i in range(2)]}
    directions, chosen = plan_transfer(train, held, min_train=5, min_test=2, per_class=30)
    by = {(d.src, d.dst): d.classes for d in directions}
    assert by["image", "image"] == ["dog"]          # cat has only 3 training images
    assert by["image", "sound"] == []               # one held-out dog sound is too few
    assert len(chosen["image"]) == 30               # capped per class


def test_transfer_table_finds_transfer_in_a_clustered_world() -> None:
    rng = np.random.default_rng(0)
    d, names = 24, ["dog", "rain", "bell", "car"]
    dirs = rng.normal(size=(4, d))
    offsets = {"image": rng.normal(size=d) * 1.5, "sound": rng.normal(size=d) * 1.5}

    def make(kind: str, per: int):
        x = np.concatenate([dirs[c] + offsets[kind] + 0.6 * rng.normal(size=(per, d))
                            for c in range(4)])
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x.astype(np.float32), [{names[c]} for c in range(4) for _ in range(per)]

    train = {k: make(k, 10) for k in offsets}
    held = {k: make(k, 6) for k in offsets}
    all_x = np.concatenate([held["image"][0], held["sound"][0]])
    centres = kind_centres(all_x, ["image"] * 24 + ["sound"] * 24)
    table = transfer_table([Direction("image", "sound", names), Direction("sound", "sound", names)],
                           train, held, centres)
    for key in ("image->sound", "sound->sound"):
        r = table[key]
        assert r["classes"] == 4 and r["n_test"] == 24
        assert r["chance"] == 0.25 and r["chance_balanced"] == 0.25
        assert r["centred"] > 0.8 and r["balanced_centred"] > 0.8



def test_proposals_are_counted_at_each_threshold_with_at_most_top_k_per_item() -> None:
    from training.eval_zeroshot import at_thresholds

    p = np.array([[0.9, 0.6, 0.1],     # two proposals at 0.5, one right
                  [0.3, 0.2, 0.4],     # none at 0.5; at 0.2 only its best one (top_k 1)
                  [0.0, 0.0, 0.0]])
    truth = np.array([[True, False, False], [False, False, True], [False, True, False]])
    at = at_thresholds(p, truth, (0.5, 0.2), top_k=2)
    assert at["0.5"] == {"precision": 0.5, "recall": 1 / 3, "proposals_per_item": 2 / 3,
                         "coverage": 1 / 3}
    assert at["0.2"]["precision"] == 2 / 4 and at["0.2"]["coverage"] == 2 / 3
    one = at_thresholds(p, truth, (0.2,), top_k=1)["0.2"]
    assert one["precision"] == 1.0 and one["recall"] == 2 / 3


def test_several_topic_notes_join_descriptions_of_one_fold_with_all_their_labels() -> None:
    from training.eval_zeroshot import multi_topic_notes

    texts = [f"A thing number {i}." for i in range(10)]
    labels = [{f"t{i}"} for i in range(10)]
    folds = np.array([0] * 6 + [1] * 4)
    notes, labs, fold = multi_topic_notes(texts, labels, folds, seed=1)
    assert len(notes) == 10 and (fold == 0).sum() == 6 and (fold == 1).sum() == 4
    for note, lab, f in zip(notes, labs, fold, strict=True):
        parts = [int(x) for x in note.replace(".", "").split("A thing number ") if x.strip()]
        assert 2 <= len(parts) <= 4 and len(set(parts)) == len(parts)
        assert all(folds[j] == f for j in parts)          # never mixes the folds
        assert lab == {f"t{j}" for j in parts}
