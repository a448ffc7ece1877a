"""Typed words against real recordings with neutral file names, as a new user meets them:
the real-media set's recordings (``training.realmedia``) copied under hash names (as from a
recorder), indexed into a fresh library, then every concept that names a recording there
typed as a query with only sounds shown. A word finds its recording when a recording with
that concept is in the top 10. Nothing is fitted: the set only measures.

    python -m training.realsearch [--checkpoint PATH] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

K = 10


def neutral_copy(items: list[dict], folder: Path) -> dict[str, dict]:
    """Each item's file copied to ``folder`` under the first 16 hex digits of its sha1
    (the extension kept, so its kind is still known); file name -> item."""
    folder.mkdir(parents=True, exist_ok=True)
    by_name = {}
    for it in items:
        src = Path(it["path"])
        name = hashlib.sha1(src.read_bytes()).hexdigest()[:16] + src.suffix.lower()
        shutil.copyfile(src, folder / name)
        by_name[name] = it
    return by_name


def word_hits(lib, by_name: dict[str, dict], kind: str = "sound", k: int = K) -> dict:
    """For each concept naming an item of ``kind``: whether one is in the top k of that
    kind for the bare word."""
    from core.search import Query

    concepts = sorted({c for it in by_name.values() if it["kind"] == kind for c in it["labels"]})
    hits = {}
    for word in concepts:
        found = lib.search(Query(text=word, kinds={kind}), k=k)
        hits[word] = any(word in by_name.get(Path(r.path).name, {}).get("labels", ())
                         for r in found[:k])
    return {"words": len(hits), "found": sum(hits.values()),
            "share": sum(hits.values()) / max(len(hits), 1), "by_word": hits}


def measure(checkpoint: str | None = None, items: list[dict] | None = None) -> dict:
    from core.library import Library
    from core.model import load_model
    from training.realmedia import load_manifest

    model = load_model(checkpoint)
    items = [i for i in (items or load_manifest()) if i["kind"] == "sound"]
    root = Path(tempfile.mkdtemp(prefix="realsearch-"))
    try:
        by_name = neutral_copy(items, root / "media")
        lib = Library(root / "library", model=model)
        try:
            lib.add_folder(root / "media")
            lib.index()
            return {"model_id": model.model_id, "recordings": len(items),
                    "top": K, **word_hits(lib, by_name)}
        finally:
            lib.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.realsearch", description=__doc__)
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    res = measure(a.checkpoint)
    if a.json:
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        print(f"model {res['model_id']}: a typed word finds a recording of it in the top "
              f"{res['top']} of sounds for {res['found']} of {res['words']} words "
              f"({res['share']:.0%}), {res['recordings']} recordings with hash names")
        missed = [w for w, ok in res["by_word"].items() if not ok]
        print("missed: " + ", ".join(missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
