"""Two class routes for auto-tag measured on the training corpus (held-out split only); what
they would add to what `tag --all` ships, before anything is built into the program.

    python -m training.eval_soundclass [--checkpoint PATH] [--json]

A. **Broad tags for photos.** The class route (``core.tagging.classtags``) already gives a
   tag the SUM of the class probabilities of every ImageNet class below its WordNet sense,
   so "animal" gets the mass of 398 classes. Candidate broad tags not yet in the vocabulary
   are the words whose most common WordNet sense lies above at least ``MIN_CLASSES`` classes
   (and at most half) and that a person types as a tag (``BROAD_CANDIDATES``, picked from
   WordNet's structure, never from an evaluation set). Each is measured on the held-out
   corpus images: how often it is proposed at 0.5, how often right (the WordNet judge), and
   how many of its classes no tag of the vocabulary covers yet (a tag whose classes all lie
   below a broader vocabulary tag can never tag a photo that one does not: sums are
   monotone). A candidate passes the probe's gate when (right + 1) / (proposed + 2) >= 0.5.
B. **SoundNet's own outputs for sounds.** The sound branch computes SoundNet's 1000
   ImageNet-object and 401 Places-scene probabilities (``SoundBranch.from_conv7``: softmax
   per frame, averaged over time) before mapping them into the word space. Routed up to the
   vocabulary: objects through WordNet as for photos; scenes through ``scene_tag_matrix``
   (a rule on the Places names: a tag is true of a scene when it is the name's head noun,
   "corn_field" -> field, or WordNet puts it above the name, "highway" -> road). Measured
   on the held-out sounds, with the probe's own machinery (``training.eval_probe``: fitted
   on the training split, L2 chosen on fold A, distance guard from fold A, the gate decided
   on one fold and measured on the other, both ways): the raw route sums; a probe on the
   routes' log-probabilities; a probe on the embedding and the routes; and each combined
   with the shipped embedding probe by taking the larger probability.

Nothing here is stored or shipped; see the README (Tagging) for what was decided from it.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from core.resources import resource
from core.tagging import classtags
from core.tagging.vocabulary import TagVocabulary, load_vocabulary
from training import evalsets
from training.eval_zeroshot import at_thresholds, fold_of, singular, true_tags

log = logging.getLogger(__name__)
MIN_CLASSES = 10
BROAD_CANDIDATES = ("mammal", "reptile", "vehicle", "device", "container", "clothing",
                    "furniture", "building", "tool", "equipment", "structure")
THRESHOLDS = (0.5, 0.3, 0.2)


def scene_names() -> list[str]:
    """SoundNet's 401 Places categories as written in resources/soundnet/places401.txt."""
    return resource("soundnet", "places401.txt").read_text(encoding="utf-8").split()


def scene_words(name: str) -> tuple[str, str]:
    """A Places category -> (its name without the qualifier, its head noun):
    "apartment_building/outdoor" -> ("apartment building", "building")."""
    base = " ".join(name.split("/")[0].replace("_", " ").split())
    return base, base.split(" ")[-1]


def scene_tag_matrix(words: Sequence[str], names: Sequence[str], judge) -> np.ndarray:
    """(len(names), T) float32: 1 where tag t is true of scene s: t (singular) is the name's
    head noun, or WordNet (``judge``, a ``training.class_words.WordNetJudge``) puts t above
    the whole name, or above the head noun when WordNet does not know the whole name. Tags
    true of more than half the scenes say nothing and get none."""
    vocab_words = [{singular(w) for w in t.casefold().split()} for t in words]
    out = np.zeros((len(names), len(words)), np.float32)
    for s, name in enumerate(names):
        base, head = scene_words(name)
        label = base if judge.sense(base) is not None else head
        for t, w in enumerate(words):
            if vocab_words[t] == {singular(head)} or judge.true(w, [label]):
                out[s, t] = 1.0
    out[:, out.mean(axis=0) > classtags.MAX_SHARE] = 0.0
    return out


def route_features(p_obj: np.ndarray, p_scene: np.ndarray, m_obj: np.ndarray,
                   m_scene: np.ndarray) -> np.ndarray:
    """(n, 1000) object and (n, 401) scene probabilities -> (n, k) log route sums, one column
    per tag that either route reaches (objects' first), floored at 1e-6."""
    ro = np.asarray(p_obj, np.float64) @ m_obj[:, m_obj.sum(axis=0) > 0]
    rs = np.asarray(p_scene, np.float64) @ m_scene[:, m_scene.sum(axis=0) > 0]
    return np.log(np.clip(np.concatenate([ro, rs], axis=1), 1e-6, 1.0))


def soundnet_outputs(model, items: list[dict], cache: Path
                     ) -> tuple[list[dict], np.ndarray, np.ndarray, np.ndarray]:
    """The sounds that decode, their (n, D) embeddings and SoundNet's (n, 1000) object and
    (n, 401) scene probabilities (frames averaged), from the cached SoundNet activations."""
    import torch

    from training.features import sound_features

    snds = sound_features(model, items, cache)
    idx = snds.index()
    items = [s for s in items if s["id"] in idx]
    branch, emb, po, ps = model.net.sound, [], [], []
    with torch.inference_mode():
        for s in items:
            h7 = branch.soundnet.from_layer(torch.from_numpy(snds.clip(idx[s["id"]]))[None],
                                            branch.cfg.cache_layer)
            obj, scene = branch.soundnet.head_logits(h7)
            po.append(torch.softmax(obj, dim=1).mean(dim=2)[0].numpy())
            ps.append(torch.softmax(scene, dim=1).mean(dim=2)[0].numpy())
            emb.append(model.net.embed_sound_h(branch.from_conv7(h7)[0])[0].numpy())
    d = model.dim
    return (items, np.asarray(emb, np.float32).reshape(-1, d),
            np.asarray(po, np.float64).reshape(-1, 1000), np.asarray(ps, np.float64).reshape(-1, 401))


def cross_fitted(model, vocab: TagVocabulary, x_train: np.ndarray, t_train: np.ndarray,
                 x_held: np.ndarray, t_held: np.ndarray, a: np.ndarray, b: np.ndarray
                 ) -> tuple[np.ndarray, dict]:
    """A probe on ``x`` as the shipped one is made (``training.eval_probe``), its gate decided
    on one held-out fold and applied on the other: ((n_held, T) probabilities, facts)."""
    from training.eval_probe import choose_probe, gated

    probe, info = choose_probe(model, vocab, x_train, t_train, x_held[a], t_held[a])
    probe = probe.with_max_distance(x_held[a])
    out = np.zeros((len(x_held), len(vocab)))
    for fit, test in ((a, b), (b, a)):
        out[test] = gated(probe, x_held[fit], t_held[fit], vocab.words).probabilities(
            x_held[test], vocab.words)
    return out, {"l2": info["l2"], "tags": len(info["tags"])}


def sound_routes(model, vocab: TagVocabulary, train: list[dict], held: list[dict], cache: Path,
                 judge) -> dict:
    """Part B (module doc): rows of held-out results, both folds."""
    from training.eval_probe import wordnet_truth

    m_obj = classtags.class_tag_matrix(vocab.words, vocab.groups)
    m_scene = scene_tag_matrix(vocab.words, scene_names(), judge)
    data = {}
    for side, items in (("train", train), ("held", held)):
        items, e, po, ps = soundnet_outputs(model, items, cache)
        labels = [{str(x) for x in i.get("labels") or []} for i in items]
        data[side] = {"e": e, "routes": route_features(po, ps, m_obj, m_scene),
                      "raw": np.clip(np.maximum(po @ m_obj, ps @ m_scene), 0, 1),
                      "truth": wordnet_truth(vocab, labels, judge),
                      "words": true_tags(vocab, labels),
                      "fold": np.array([fold_of(i["group"]) for i in items])}
    tr, ho = data["train"], data["held"]
    a, b = ho["fold"] == 0, ho["fold"] == 1
    feats: dict[str, Callable[[dict], np.ndarray]] = {
        "embedding": lambda d: d["e"], "routes": lambda d: d["routes"],
        "embedding + routes": lambda d: np.concatenate([d["e"], d["routes"]], axis=1)}
    probs, facts = {}, {}
    for name, f in feats.items():
        probs[name], facts[name] = cross_fitted(model, vocab, f(tr), tr["truth"], f(ho),
                                                ho["truth"], a, b)
    rows = {"probe on the embedding (shipped)": probs["embedding"],
            "raw route sums (objects, scenes)": ho["raw"],
            "probe on the routes": probs["routes"],
            "probe on embedding + routes": probs["embedding + routes"],
            "shipped, max raw route sums": np.maximum(probs["embedding"], ho["raw"]),
            "shipped, max probe on the routes": np.maximum(probs["embedding"], probs["routes"]),
            "shipped, max probe on embedding + routes": np.maximum(
                probs["embedding"], probs["embedding + routes"])}
    both = a | b
    return {"n_train": len(tr["e"]), "n_held": int(both.sum()), "probes": facts,
            "scene_tags": int((m_scene.sum(axis=0) > 0).sum()),
            "object_tags": int((m_obj.sum(axis=0) > 0).sum()),
            "rows": {name: {"wordnet": at_thresholds(p[both], ho["truth"][both], THRESHOLDS),
                            "words": at_thresholds(p[both], ho["words"][both], THRESHOLDS)}
                     for name, p in rows.items()}}


def broad_tags(model, vocab: TagVocabulary, held: list[dict], cache: Path, judge,
               candidates: Sequence[str] = BROAD_CANDIDATES) -> dict:
    """Part A (module doc): per candidate, its classes, how many of them no vocabulary tag
    covers, and its held-out proposals at 0.5 and how many were right."""
    from training.evaluate import ModelEncoder
    from training.features import image_features

    feats = image_features(model, held, cache)
    idx = feats.index()
    held = [i for i in held if i["id"] in idx]
    emb = np.asarray(ModelEncoder(model, feats, None).images([idx[i["id"]] for i in held]),
                     np.float32)
    q = np.concatenate([model.concepts(emb[s:s + 4096]) for s in range(0, len(emb), 4096)])
    covered = classtags.class_tag_matrix(vocab.words, vocab.groups).max(axis=1) > 0
    m = classtags.class_tag_matrix(list(candidates), ["objects"] * len(candidates))
    p = classtags.tag_probabilities(q, m)
    out = {}
    for t, w in enumerate(candidates):
        prop = p[:, t] >= 0.5
        right = np.array([judge.true(w, [str(x) for x in i["labels"]]) for i in held])
        n, r = int(prop.sum()), int((prop & right).sum())
        out[w] = {"classes": int(m[:, t].sum()), "new_classes": int((m[:, t] > 0)[~covered].sum()),
                  "proposed": n, "right": r, "passes_gate": (r + 1) / (n + 2) >= 0.5}
    return {"n_images": len(held), "candidates": out}


def run(checkpoint: str | None = None) -> dict:
    from core.model import load_model
    from training.class_words import WordNetJudge
    from training.data import cache_root
    from training.eval_tagging import labelled_by_kind

    model = load_model(checkpoint)
    cache = cache_root()
    judge, vocab = WordNetJudge(), load_vocabulary()
    of = labelled_by_kind()
    return {"model_id": model.model_id,
            "broad_tags": broad_tags(model, vocab, of["held", "image"], cache, judge),
            "sound_routes": sound_routes(model, vocab, of["train", "sound"],
                                         of["held", "sound"], cache, judge)}


def markdown(res: dict) -> str:
    bt = res["broad_tags"]
    lines = [f"model `{res['model_id']}`", "",
             f"A. Broad tags on {bt['n_images']} held-out corpus images, at 0.5 (WordNet judge):",
             "", "| candidate | classes below | not below a vocabulary tag | proposed | right | "
             "passes the gate |", "|---|---|---|---|---|---|"]
    for w, c in bt["candidates"].items():
        lines.append(f"| {w} | {c['classes']} | {c['new_classes']} | {c['proposed']} | "
                     f"{c['right']} | {'yes' if c['passes_gate'] else 'no'} |")
    sr = res["sound_routes"]
    probes = "; ".join(f"{k}: L2 {v['l2']:g}, {v['tags']} tags" for k, v in sr["probes"].items())
    lines += ["", f"B. SoundNet's own outputs, {sr['n_held']} held-out sounds (both folds, the "
              f"gate cross-fitted), {sr['n_train']} training sounds; tags reached by objects "
              f"{sr['object_tags']}, by scenes {sr['scene_tags']}; probes: {probes}.", "",
              "| method | min-score | sounds tagged | precision (WordNet) | recall | "
              "precision (words) |", "|---|---|---|---|---|---|"]
    for name, r in sr["rows"].items():
        for thr, m in r["wordnet"].items():
            lines.append(f"| {name} | {thr} | {m['coverage']:.1%} | {m['precision']:.3f} | "
                         f"{m['recall']:.3f} | {r['words'][thr]['precision']:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.eval_soundclass",
                                description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    evalsets.emit(run(a.checkpoint), a.json, markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
