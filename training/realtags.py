"""Auto-tag measured on a real folder: the real-media set's photos and recordings (or, with
--set independent, the independent set's; --set demo, the demo library's, notes included),
copied into a fresh library, indexed and tagged the way `synesthesia tag --all` does it.

    python -m training.realtags [--set realmedia|independent|demo] [--checkpoint PATH] [--json]
                                [--keep DIR]

For each threshold (the default 0.5 and lower ones a user may choose) it reports, per kind:
coverage (the share of items that got at least one proposed tag), proposals per tagged item,
precision (the share of proposals that are right) and recall (the share of the items' right
vocabulary tags that were proposed). A tag is right when all its words (singular) are among
the item's hand-written concepts or the words of its one-line description
(resources/realmedia/labels.tsv; the independent set's concepts and names; the demo files'
names); descriptions are
short, so precision is a lower bound. A second judge also counts a tag right when WordNet puts
it above one of the item's concepts ("horse" -> animal, "pizza" -> food;
``training.class_words.WordNetJudge``; the demo files have no concepts: the nouns of their
names); precision and recall are reported under both. Both sets are for evaluation only:
nothing is fitted on them.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

THRESHOLDS = (0.5, 0.3, 0.2, 0.1)
_WORD = re.compile(r"[a-z]+")


def _words(text: str) -> set[str]:
    from training.corpus.labels import singular

    return {singular(w) for w in _WORD.findall(text.lower())}


def item_words(item: dict) -> set[str]:
    """The words a right tag of ``item`` may use: its concepts and its description's."""
    out: set[str] = set()
    for text in [*item["labels"], item["texts"][0]]:
        out |= _words(text)
    return out


def right(tag: str, words: set[str]) -> bool:
    need = _words(tag)
    return bool(need) and need <= words


_STOP = {"a", "an", "the", "by", "of", "in", "on", "at", "with", "and", "to", "for", "from"}


def concepts(item: dict) -> list[str]:
    """What the WordNet judge reads: the item's concepts, else the words of its name."""
    if item["labels"]:
        return list(item["labels"])
    return [w for w in _WORD.findall(item["texts"][0].lower()) if w not in _STOP]


def right_wordnet(tag: str, item: dict, judge) -> bool:
    """Right by the words, or by WordNet: the tag is above one of the item's concepts."""
    return right(tag, item_words(item)) or judge.true(tag, concepts(item))


def copy_folder(items: list[dict], folder: Path) -> dict[str, dict]:
    """The items' files copied into ``folder`` (unique names); file name -> item."""
    folder.mkdir(parents=True, exist_ok=True)
    by_name = {}
    for n, it in enumerate(items):
        src = Path(it["path"])
        name = f"{n:03d}_{src.name}"
        shutil.copyfile(src, folder / name)
        by_name[name] = it
    return by_name


def demo_items() -> list[dict]:
    """The bundled demo library's photos, sounds and notes, each described by its file name
    ("dune_grass_by_the_sea.jpg": dune grass by the sea)."""
    from core.media import kind_of
    from core.resources import resource

    files = sorted(p for folder in ("photos", "sounds", "notes")
                   for p in resource("demo", folder).iterdir() if p.is_file())
    return [{"kind": kind_of(p), "path": str(p), "labels": [],
             "texts": [p.stem.replace("_", " ")]} for p in files
            if kind_of(p) in ("image", "sound", "note")]


def load_set(name: str) -> list[dict]:
    """The photos and recordings of an evaluation set's manifest (built beforehand), or of
    the demo library."""
    if name == "demo":
        return demo_items()
    if name == "independent":
        from training.independent import load_manifest
    else:
        from training.realmedia import load_manifest
    return [i for i in load_manifest() if i["kind"] in ("image", "sound")]


def measure(checkpoint: str | None, keep: Path | None = None, which: str = "realmedia"
            ) -> dict:
    from core.library import Library
    from core.model import load_model
    from core.tagging import LibraryTagger
    from training.class_words import WordNetJudge

    model = load_model(checkpoint)
    items = load_set(which)
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="realtags-"))
    try:
        by_name = copy_folder(items, root / "media")
        lib = Library(root / "library", model=model)
        try:
            lib.add_folder(root / "media")
            lib.index()
            tagger = LibraryTagger(lib)
            out = {"model_id": model.model_id, "set": which, "items": len(items),
                   "thresholds": {}}
            judge = WordNetJudge()
            truth = true_counts(tagger.vocab.words, by_name)
            truth_wn = true_counts(tagger.vocab.words, by_name, judge)
            for t in THRESHOLDS:
                tagger.tag_library(None, min_score=t, force=True)
                out["thresholds"][f"{t:g}"] = _score(lib, tagger, by_name, truth, truth_wn,
                                                     judge)
            out["units"] = units_report(tagger.concepts(top_k=5), by_name)
            return out
        finally:
            lib.close()
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def true_counts(words: tuple[str, ...], by_name: dict[str, dict], judge=None
                ) -> dict[str, int]:
    """Per kind, how many (item, vocabulary tag) pairs are right: recall's denominator (with
    ``judge``, right by the words or by WordNet)."""
    out: dict[str, int] = {}
    for it in by_name.values():
        ws = item_words(it)
        n = sum(1 for w in words if right(w, ws) or (judge is not None
                                                     and judge.true(w, concepts(it))))
        out[it["kind"]] = out.get(it["kind"], 0) + n
    out["all"] = sum(out.values())
    return out


def _score(lib, tagger, by_name: dict[str, dict], truth: dict[str, int],
           truth_wn: dict[str, int], judge) -> dict:
    per: dict[str, dict[str, list]] = {}
    proposals: dict[int, list[str]] = {}
    for tag in tagger.tags(status="proposed", source="zero-shot"):
        proposals.setdefault(tag.item_id, []).append(tag.name)
    for item_id, names in proposals.items():
        it = lib.item(item_id)
        item = by_name.get(Path(it.path).name) if it is not None else None
        if item is None:
            continue
        acc = per.setdefault(item["kind"], {"tagged": [], "right": [], "per_item": [],
                                            "right_wn": [], "tags": []})
        acc["tagged"].append(bool(names))
        acc["right"] += [right(n, item_words(item)) for n in names]
        acc["right_wn"] += [right_wordnet(n, item, judge) for n in names]
        acc["tags"] += [f"{n} <- {item['texts'][0]}" for n in names]
        if names:
            acc["per_item"].append(len(names))
    kinds = {}
    for kind in sorted({it["kind"] for it in by_name.values()}):
        n = sum(1 for it in by_name.values() if it["kind"] == kind)
        acc = per.get(kind, {"tagged": [], "right": [], "per_item": [], "right_wn": [],
                             "tags": []})
        kinds[kind] = {"items": n, "coverage": sum(acc["tagged"]) / max(n, 1),
                       "proposals": len(acc["right"]),
                       "precision": float(np.mean(acc["right"])) if acc["right"] else None,
                       "recall": sum(acc["right"]) / max(truth[kind], 1),
                       "precision_wordnet": float(np.mean(acc["right_wn"])) if acc["right_wn"]
                       else None,
                       "recall_wordnet": sum(acc["right_wn"]) / max(truth_wn[kind], 1),
                       "tags": acc["tags"],
                       "per_tagged_item": float(np.mean(acc["per_item"])) if acc["per_item"]
                       else 0.0}
    tagged = sum(k["coverage"] * k["items"] for k in kinds.values())
    rights = [r for acc in per.values() for r in acc["right"]]
    rights_wn = [r for acc in per.values() for r in acc["right_wn"]]
    kinds["all"] = {"items": len(by_name), "coverage": tagged / max(len(by_name), 1),
                    "proposals": len(rights), "recall": sum(rights) / max(truth["all"], 1),
                    "precision": float(np.mean(rights)) if rights else None,
                    "recall_wordnet": sum(rights_wn) / max(truth_wn["all"], 1),
                    "precision_wordnet": float(np.mean(rights_wn)) if rights_wn else None}
    return kinds


def units_report(units: list, by_name: dict[str, dict], seed: int = 0) -> dict:
    """Concept units on the real folder: how many are cross-kind, and how often a unit's
    name is right for its top items (its words among the item's concepts and description
    words), against the same names dealt to the units at random (chance)."""
    pairs = [(u.name, by_name.get(Path(i.path).name)) for u in units for items in u.top.values()
             for i in items]
    pairs = [(n, it) for n, it in pairs if n and it is not None]
    hits = [right(n, item_words(it)) for n, it in pairs]
    rng = np.random.default_rng(seed)
    names = [u.name for u in units]
    chance = []
    for _ in range(20):
        dealt = dict(zip([u.unit for u in units], rng.permutation(names), strict=True))
        chance += [right(dealt[u.unit], item_words(by_name[Path(i.path).name]))
                   for u in units if dealt[u.unit] for items in u.top.values() for i in items
                   if Path(i.path).name in by_name]
    return {"units": len(units), "cross_kind": sum(1 for u in units if u.cross_kind),
            "name_right": float(np.mean(hits)) if hits else None,
            "name_right_chance": float(np.mean(chance)) if chance else None}


def format_report(res: dict) -> str:
    lines = [f"model {res['model_id']}; {res['items']} items of the "
             f"{res.get('set', 'realmedia')} set, tagged as `synesthesia tag --all "
             "--min-score T` does", "",
             "| T | kind | items tagged | proposals | precision: words / WordNet | recall: "
             "words / WordNet |", "|---|---|---|---|---|---|"]
    for t, kinds in res["thresholds"].items():
        for kind, m in kinds.items():
            prec = "-" if m["precision"] is None else f"{m['precision']:.2f}"
            pwn = m.get("precision_wordnet")
            prec += "" if pwn is None else f" / {pwn:.2f}"
            lines.append(f"| {t} | {kind} | {m['coverage']:.0%} | {m['proposals']} | {prec} | "
                         f"{m.get('recall', 0.0):.2f} / {m.get('recall_wordnet', 0.0):.2f} |")
    u = res.get("units")
    if u:
        lines += ["", f"concept units: {u['cross_kind']} of {u['units']} fire across kinds; a "
                  f"unit's name is right for its top items {u['name_right']:.3f} of the time "
                  f"(names dealt at random: {u['name_right_chance']:.3f})"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.realtags", description=__doc__)
    p.add_argument("--set", dest="which", choices=("realmedia", "independent", "demo"),
                   default="realmedia")
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--keep", type=Path, default=None, help="build the library here and keep it")
    a = p.parse_args(argv)
    res = measure(a.checkpoint, a.keep, a.which)
    if a.json:
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        print(format_report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
