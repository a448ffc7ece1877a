"""`python -m training.independent build | eval`."""

from __future__ import annotations

from training import evalsets
from training.independent.build import build, cache_dir, load_manifest
from training.independent.evaluate import evaluate, format_report

MODULE = "training.independent"
DESCRIPTION = ("Independent evaluation on the Debian packages reserved for it: `scratch` and "
               "`gcompris-qt-data`.")


def _built(s: dict, cache: str | None) -> str:
    return evalsets.built_line(s, cache_dir(cache) / "manifest.jsonl",
                               both=f"; {s['sounds_with_images']} sounds have images of their "
                                    "concept")


def main(argv: list[str] | None = None) -> int:
    p, b, e = evalsets.parser(MODULE, DESCRIPTION, "independent",
                              "evaluate a checkpoint on the independent set")
    b.add_argument("--workers", type=int, default=2)
    e.add_argument("--checkpoint", default=None, help="default: the bundled default checkpoint")
    e.add_argument("--no-baseline", action="store_true")
    a = p.parse_args(argv)

    if a.cmd == "build":
        items = build(cache_dir(a.cache), workers=a.workers)
        evalsets.emit(evalsets.summary(items), a.json, lambda s: _built(s, a.cache))
        return 0

    from core.model import load_model
    from training.baselines import composition

    path = evalsets.manifest_or_none(MODULE, a.manifest, cache_dir() / "manifest.jsonl")
    if path is None:
        return 2
    model = load_model(a.checkpoint)
    items = load_manifest(path)
    res = evaluate(model, items, baseline=not a.no_baseline)
    if not a.no_baseline:  # the training-free composition: the untrained network
        res["composition"] = evaluate(composition(), items, baseline=False)
    res["checkpoint"] = str(a.checkpoint) if a.checkpoint else "default"
    evalsets.emit(res, a.json, format_report)
    return 0
