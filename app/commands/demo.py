"""`synesthesia demo`: the bundled demo media embedded by the default network, with their
cross-modal matches. torch is imported inside the handler, so the CLI starts fast.
(`train` and `eval` are training's own commands: see training/commands.py.)"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.exit_codes import EXIT_ERROR, EXIT_OK
from core.resources import resource

DEMO = resource("demo")
DEMO_QUERIES = ["rain falling", "a dog", "a bell ringing", "birds singing in a forest",
                "a car engine", "waves on the beach"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="embed the bundled demo media and show cross-modal matches")
    p.add_argument("-k", type=int, default=3, help="matches per query (default 3)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_demo)


def demo_media() -> dict[str, list[Path]]:
    """The bundled demo files by kind."""
    from core.media import kind_of

    out: dict[str, list[Path]] = {"image": [], "sound": [], "note": []}
    for folder in ("photos", "sounds", "notes"):  # not PROVENANCE.md beside them
        for p in sorted((DEMO / folder).rglob("*")):
            k = kind_of(p) if p.is_file() else None
            if k:
                out[k].append(p)
    return out


def _demo(args: argparse.Namespace, rest: list[str] | None = None) -> int:
    import numpy as np

    from core.media import load_note
    from core.model import load_model

    media = demo_media()
    if not any(media.values()):
        print(f"error: no demo media under {DEMO}", file=sys.stderr)
        return EXIT_ERROR
    m = load_model()
    emb = {"image": m.encode_images(media["image"]), "sound": m.encode_sounds(media["sound"]),
           "note": m.encode_texts([load_note(p) for p in media["note"]])}

    def top(q: np.ndarray, kind: str) -> list[dict]:
        if not len(emb[kind]):
            return []
        s = emb[kind] @ q
        return [{"file": media[kind][i].name, "score": round(float(s[i]), 3)}
                for i in np.argsort(-s)[: args.k]]

    report = []
    for text in DEMO_QUERIES:
        q = m.encode_texts([text])[0]
        report.append({"query": f'text "{text}"', "image": top(q, "image"), "sound": top(q, "sound")})
    for kind, other in (("sound", "image"), ("image", "sound")):
        for i, path in enumerate(media[kind][:3]):
            report.append({"query": f"{kind} {path.name}", other: top(emb[kind][i], other),
                           "note": top(emb[kind][i], "note")})
    if args.json:
        json.dump({"model_id": m.model_id, "results": report}, sys.stdout, indent=1)
        print()
        return EXIT_OK
    print(f"Synesthesia demo: {sum(map(len, media.values()))} files, model {m.model_id}\n")
    for r in report:
        print(r["query"])
        for kind in ("image", "sound", "note"):
            if kind in r:
                hits = ", ".join(f"{h['file']} ({h['score']:.2f})" for h in r[kind])
                print(f"  {kind + 's':7} {hits}")
    return EXIT_OK
