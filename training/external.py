"""A folder of extra training pairs, for users who train on large corpora (COCO captions,
frames and soundtracks of videos).

Format: a folder with `pairs.jsonl`, one JSON object per line, paths relative to the folder:

    {"image": "coco/000000139.jpg", "text": "a woman stands in the dining area"}
    {"image": "frames/v0001.jpg", "sound": "audio/v0001.wav", "label": "dog barking"}

A line has an image and a text (an image+text pair) or an image and a sound (an image+sound
pair; `label` is optional and only used for evaluation). An optional `license` field is
copied into the manifest. Text+sound lines are refused: the method never pairs them.
"""

from __future__ import annotations

import json
from pathlib import Path


class PairFolderError(ValueError):
    pass


def load_pair_folder(folder: Path) -> list[dict]:
    """Manifest-style items (as training.corpus writes them) for the pairs in `folder`."""
    folder = Path(folder)
    src = folder / "pairs.jsonl"
    if not src.is_file():
        raise PairFolderError(f"{folder}: no pairs.jsonl; see the README section on training")
    images: dict[str, dict] = {}
    sounds: list[dict] = []
    for n, line in enumerate(src.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise PairFolderError(f"{src}:{n}: not JSON ({e})") from e
        if "image" not in row or not ({"text", "sound"} & row.keys()):
            raise PairFolderError(f"{src}:{n}: a line needs an image and a text or a sound")
        ipath = (folder / row["image"]).resolve()
        iid = f"ext:{folder.name}:{row['image']}"
        lic = row.get("license", f"see {folder}")
        img = images.setdefault(iid, {"id": iid, "kind": "image", "path": str(ipath), "texts": [],
                                      "labels": [], "group": iid, "source": f"external:{folder.name}",
                                      "version": "", "license": lic})
        if "text" in row:
            img["texts"].append(str(row["text"]))
        if "sound" in row:
            label = row.get("label")
            sounds.append({"id": f"ext:{folder.name}:{row['sound']}", "kind": "sound",
                           "path": str((folder / row["sound"]).resolve()),
                           "texts": [label] if label else [], "labels": [label] if label else [],
                           "image_ids": [iid], "group": iid, "source": f"external:{folder.name}",
                           "version": "", "license": lic})
    return list(images.values()) + sounds
