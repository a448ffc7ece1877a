"""Results by kind against the one merged list: does the right recording for a typed word
reach the person?

For a library of photos, recordings and notes copied under hash names (as from a camera or
a recorder, so no file name gives a word away), each query is typed three ways:

- ``sounds_only``: only sounds shown (``kinds={"sound"}``): the right recording in the top 5;
- ``section``: every kind searched, answered kind by kind (``Library.search_groups``): the
  right recording in the Sounds section's first 5;
- ``merged``: every kind searched as one list (``Library.search``, the old window): the right
  recording in the top 10, and whether any recording is there at all.

Two sets: the bundled demo library (each recording's file name, in words, is its query),
and the real-media set (``~/.cache/synesthesia/realmedia/manifest.jsonl``, built by
``python -m training.realmedia``): each concept that labels a recording is typed, and a
recording labelled with it is right. Nothing is fitted; the sets only measure.

    python -m benchmarks.bench_sections [--skip-realmedia]   # writes results/sections.json
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import model_for_bench, save

SECTION_TOP, MERGED_TOP = 5, 10


def hashed_name(src: Path) -> str:
    """The first 16 hex digits of the file's sha1, its extension kept: files with the same
    content get the same name (one copy in the library)."""
    return hashlib.sha1(src.read_bytes()).hexdigest()[:16] + src.suffix.lower()


def hashed_copy(files: list[Path], folder: Path) -> dict[str, Path]:
    """Each file copied into ``folder`` under its ``hashed_name``; copy name -> original
    (the last of several with the same content)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for src in files:
        name = hashed_name(src)
        shutil.copyfile(src, folder / name)
        out[name] = src
    return out


def measure(lib: Any, queries: dict[str, set[str]]) -> dict:
    """queries: typed words -> the copy names that are right for them."""
    from core.search import Query

    rows = {}
    for words, right in queries.items():
        alone = lib.search(Query(text=words, kinds={"sound"}), k=SECTION_TOP)
        groups = lib.search_groups(Query(text=words), k=SECTION_TOP)
        section = next(g for g in groups if g.kind == "sound").results
        merged = lib.search(Query(text=words), k=MERGED_TOP)
        rows[words] = {
            "sounds_only": any(r.path.name in right for r in alone),
            "section": any(r.path.name in right for r in section),
            "merged": any(r.path.name in right for r in merged),
            "merged_any_sound": any(r.kind == "sound" for r in merged),
            "same_order": [r.item_id for r in alone] == [r.item_id for r in section],
        }
    n = max(len(rows), 1)
    totals = {key: sum(r[key] for r in rows.values())
              for key in ("sounds_only", "section", "merged", "merged_any_sound", "same_order")}
    return {"queries": len(rows), **totals,
            **{f"{key}_share": round(v / n, 3) for key, v in totals.items()},
            "by_query": rows}


def _indexed(model: Any, files: list[Path], root: Path) -> tuple[Any, dict[str, Path]]:
    from core.library import Library

    names = hashed_copy(files, root / "media")
    lib = Library(root / "library", model=model)
    lib.add_folder(root / "media")
    lib.index()
    return lib, names


def demo_set(model: Any, root: Path) -> dict:
    from core.resources import resource

    demo = resource("demo")
    files = sorted(p for sub in ("photos", "sounds", "notes") for p in (demo / sub).iterdir()
                   if p.is_file())
    lib, names = _indexed(model, files, root / "demo")
    try:
        queries = {src.stem.replace("_", " "): {name} for name, src in names.items()
                   if src.parent.name == "sounds"}
        return {"items": len(names), **measure(lib, queries)}
    finally:
        lib.close()


def realmedia_set(model: Any, root: Path) -> dict | None:
    from training.realmedia import load_manifest

    try:
        items = load_manifest()
    except (OSError, ValueError):
        return None
    items = [i for i in items if i["kind"] in ("image", "sound") and Path(i["path"]).is_file()]
    lib, names = _indexed(model, [Path(i["path"]) for i in items], root / "realmedia")
    try:
        labelled: dict[str, set[str]] = {}
        for it in items:
            if it["kind"] == "sound":
                name = hashed_name(Path(it["path"]))
                for label in it["labels"]:
                    labelled.setdefault(label, set()).add(name)
        return {"items": len(names), "recordings": sum(i["kind"] == "sound" for i in items),
                **measure(lib, labelled)}
    finally:
        lib.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_sections",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skip-realmedia", action="store_true")
    args = p.parse_args(argv)
    model, which = model_for_bench()
    root = Path(tempfile.mkdtemp(prefix="bench-sections-"))
    try:
        out = {"model": which, "model_id": model.model_id, "section_top": SECTION_TOP,
               "merged_top": MERGED_TOP, "demo": demo_set(model, root)}
        out["realmedia"] = None if args.skip_realmedia else realmedia_set(model, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for name in ("demo", "realmedia"):
        r = out[name]
        if r is None:
            print(f"{name}: not built (python -m training.realmedia)")
            continue
        print(f"{name}: {r['queries']} queries; right recording in the top {SECTION_TOP}: "
              f"sounds only {r['sounds_only']}, Sounds section {r['section']}; in the merged "
              f"top {MERGED_TOP}: {r['merged']} (any recording there: "
              f"{r['merged_any_sound']}); same order as sounds only: {r['same_order']}")
    print(f"wrote {save('sections', out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
