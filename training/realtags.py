"""Auto-tag measured on a real folder: the real-media set's photos and recordings, copied into
a fresh library, indexed and tagged the way `synesthesia tag --all` does it.

    python -m training.realtags [--checkpoint PATH] [--json] [--keep DIR]

For each threshold (the default 0.5 and lower ones a user may choose) it reports, per kind:
coverage (the share of items that got at least one proposed tag), proposals per tagged item,
and precision (the share of proposals that are right). A proposal is right when all its
words (singular) are among the item's hand-written concepts or the words of its one-line
description (resources/realmedia/labels.tsv); descriptions are short, so this precision is a
lower bound. The set is for evaluation only: nothing is fitted on it.
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


def measure(checkpoint: str | None, keep: Path | None = None) -> dict:
    from core.library import Library
    from core.model import load_model
    from core.tagging import LibraryTagger
    from training.realmedia import load_manifest

    model = load_model(checkpoint)
    items = [i for i in load_manifest() if i["kind"] in ("image", "sound")]
    root = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="realtags-"))
    try:
        by_name = copy_folder(items, root / "media")
        lib = Library(root / "library", model=model)
        try:
            lib.add_folder(root / "media")
            lib.index()
            tagger = LibraryTagger(lib)
            out = {"model_id": model.model_id, "items": len(items), "thresholds": {}}
            for t in THRESHOLDS:
                tagger.tag_library(None, min_score=t, force=True)
                out["thresholds"][f"{t:g}"] = _score(lib, tagger, by_name)
            out["units"] = units_report(tagger.concepts(top_k=5), by_name)
            return out
        finally:
            lib.close()
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def _score(lib, tagger, by_name: dict[str, dict]) -> dict:
    per: dict[str, dict[str, list]] = {}
    proposals: dict[int, list[str]] = {}
    for tag in tagger.tags(status="proposed", source="zero-shot"):
        proposals.setdefault(tag.item_id, []).append(tag.name)
    for item_id, names in proposals.items():
        it = lib.item(item_id)
        item = by_name.get(Path(it.path).name) if it is not None else None
        if item is None:
            continue
        acc = per.setdefault(item["kind"], {"tagged": [], "right": [], "per_item": []})
        acc["tagged"].append(bool(names))
        acc["right"] += [right(n, item_words(item)) for n in names]
        if names:
            acc["per_item"].append(len(names))
    kinds = {}
    for kind in ("image", "sound"):
        n = sum(1 for it in by_name.values() if it["kind"] == kind)
        acc = per.get(kind, {"tagged": [], "right": [], "per_item": []})
        kinds[kind] = {"items": n, "coverage": sum(acc["tagged"]) / max(n, 1),
                       "proposals": len(acc["right"]),
                       "precision": float(np.mean(acc["right"])) if acc["right"] else None,
                       "per_tagged_item": float(np.mean(acc["per_item"])) if acc["per_item"]
                       else 0.0}
    tagged = sum(k["coverage"] * k["items"] for k in kinds.values())
    rights = [r for acc in per.values() for r in acc["right"]]
    kinds["all"] = {"items": len(by_name), "coverage": tagged / max(len(by_name), 1),
                    "proposals": len(rights),
                    "precision": float(np.mean(rights)) if rights else None}
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
    lines = [f"model {res['model_id']}; {res['items']} real photos and recordings, "
             "tagged as `synesthesia tag --all --min-score T` does", "",
             "| T | kind | coverage | proposals | precision (lower bound) |",
             "|---|---|---|---|---|"]
    for t, kinds in res["thresholds"].items():
        for kind, m in kinds.items():
            prec = "-" if m["precision"] is None else f"{m['precision']:.2f}"
            lines.append(f"| {t} | {kind} | {m['coverage']:.2f} | {m['proposals']} | {prec} |")
    u = res.get("units")
    if u:
        lines += ["", f"concept units: {u['cross_kind']} of {u['units']} fire across kinds; a "
                  f"unit's name is right for its top items {u['name_right']:.3f} of the time "
                  f"(names dealt at random: {u['name_right_chance']:.3f})"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.realtags", description=__doc__)
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--json", action="store_true")
    p.add_argument("--keep", type=Path, default=None, help="build the library here and keep it")
    a = p.parse_args(argv)
    res = measure(a.checkpoint, a.keep)
    if a.json:
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        print(format_report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
