"""`python -m training.realmedia build | eval`."""

from __future__ import annotations

from pathlib import Path

from training import evalsets
from training.realmedia.build import build, cache_dir, load_manifest, summary
from training.realmedia.evaluate import evaluate, format_report

MODULE = "training.realmedia"
DESCRIPTION = "Second real-media evaluation set: real photos and real recordings, labelled by hand."


class ModelEncoder:
    """A checkpoint of `core.model` seen as an encoder of this evaluator."""

    def __init__(self, model, name: str):
        self.model, self.name = model, name

    def encode_images(self, paths):
        return self.model.encode_images(paths)

    def encode_sounds(self, paths):
        return self.model.encode_sounds(paths)

    def encode_texts(self, texts):
        return self.model.encode_texts(texts)


def load_baselines() -> tuple[list, list[str]]:
    """Encoders of `training.baselines`, imported lazily, and notes on what was skipped.

    Entry points, first found wins: a function `load_all()` returning encoders; an iterable
    `BASELINES` of encoders or zero-argument factories; else the factories `composition()`
    and `naive(model)` (the naive baseline borrows the composition's image teacher). A
    baseline that cannot be built is skipped with a note.
    """
    import importlib

    try:  # import_module, not `import a.b as m`: the module as sys.modules has it now
        mod = importlib.import_module("training.baselines")
    except ImportError as e:
        return [], [f"Baselines skipped: training.baselines cannot be imported ({e})."]
    if callable(getattr(mod, "load_all", None)):
        return list(mod.load_all()), []
    found = getattr(mod, "BASELINES", None)
    if found is not None:
        return [b if hasattr(b, "encode_texts") else b() for b in found], []
    out, notes, comp = [], [], None
    for name in ("composition", "naive"):
        factory = getattr(mod, name, None)
        if not callable(factory):
            continue
        try:
            enc = factory(comp) if name == "naive" and comp is not None else factory()
        except Exception as e:  # noqa: BLE001 - a missing pretrained file, say: report it
            notes.append(f"Baseline {name} skipped: {type(e).__name__}: {e}")
            continue
        comp = enc if name == "composition" else comp
        out.append(enc)
    if not out and not notes:
        notes.append("Baselines skipped: training.baselines has no load_all(), BASELINES, "
                     "composition() or naive().")
    return out, notes


def _built(s: dict, cache: str | None) -> str:
    return evalsets.built_line(s, cache_dir(cache) / "manifest.jsonl", "photos", "recordings",
                               f" ({', '.join(s['shared'])})")


def main(argv: list[str] | None = None) -> int:
    p, _, e = evalsets.parser(MODULE, DESCRIPTION, "realmedia",
                              "evaluate checkpoints and baselines on the set")
    e.add_argument("--checkpoint", action="append", default=None, metavar="PATH",
                   help="a checkpoint to evaluate (repeatable); default: the bundled one")
    e.add_argument("--no-baselines", action="store_true",
                   help="do not evaluate the encoders of training.baselines")
    e.add_argument("--no-checkpoint", action="store_true",
                   help="evaluate the baselines only, not the default checkpoint")
    a = p.parse_args(argv)

    if a.cmd == "build":
        evalsets.emit(summary(build(cache_dir(a.cache))), a.json, lambda s: _built(s, a.cache))
        return 0

    path = evalsets.manifest_or_none(MODULE, a.manifest, cache_dir() / "manifest.jsonl")
    if path is None:
        return 2
    from core.model import load_model

    encoders: list = []
    for ckpt in a.checkpoint or ([] if a.no_checkpoint else [None]):
        model = load_model(ckpt)
        label = Path(ckpt).stem if ckpt else "default"
        encoders.append(ModelEncoder(model, f"{label} ({model.model_id})"))
    notes: list[str] = []
    if not a.no_baselines:
        found, notes = load_baselines()
        encoders += found
    res = evaluate(encoders, load_manifest(path))
    res["checkpoints"] = ([str(c) for c in a.checkpoint] if a.checkpoint
                          else [] if a.no_checkpoint else ["default"])
    res["notes"] = notes
    evalsets.emit(res, a.json, format_report)
    return 0
