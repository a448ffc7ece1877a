"""The ablation table of the README: the same corpus, split and step budget for each recipe,
each checkpoint then evaluated on both real-media sets.

    python -m training.ablation [--steps N] [--only a,b,c,d] [--out-dir DIR]

(a) everything trained: shared trunk, the image branch's class map, SoundNet conv7 (the
    paper's recipe on pretrained towers; no sound adapter)
(b) image side and trunk frozen; SoundNet conv7, class maps and the sound adapter trained
(c) (b), sounds paired only with images the teacher recognises (p >= 0.5): the default
(d) (c) without the instrument, music and voice sounds (sound category "effect" only)
The untrained network (the training-free composition) is every evaluation's baseline.
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import replace
from pathlib import Path

from training.train import TrainConfig, train

VARIANTS = {
    "a": ("(a) everything trained", {"train_trunk": True, "train_image_map": True,
                                      "sound_adapter": False, "pivot_min_conf": 0.0}),
    "b": ("(b) image side and trunk frozen", {"pivot_min_conf": 0.0}),
    "c": ("(c) = (b) + pivot images the teacher recognises", {}),
    "d": ("(d) = (c) without instrument/music/voice sounds", {"sound_categories": ("effect",)}),
}


def run(steps: int, only: list[str], out_dir: Path) -> dict:
    from core.model import load_model
    from training import independent, realmedia

    sets = {"real media": realmedia.load_manifest(realmedia.cache_dir() / "manifest.jsonl"),
            "independent": independent.load_manifest()}
    results = {}
    for key in only:
        name, over = VARIANTS[key]
        out = out_dir / f"ablation-{key}.pt"
        cfg = replace(TrainConfig(), steps=steps, out=str(out), eval_every=0, **over)
        results[name] = {"held-out": train(cfg)}
        model = load_model(out)
        results[name]["real media"] = realmedia.evaluate([model], sets["real media"])
        results[name]["independent"] = independent.evaluate(model, sets["independent"],
                                                            baseline=False)
        (out_dir / f"ablation-{key}.json").write_text(json.dumps(results[name], default=str))
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--only", default="a,b,c,d")
    p.add_argument("--out-dir", type=Path, default=Path("runs"))
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    a = p.parse_args(argv)
    if a.threads:
        import torch

        torch.set_num_threads(a.threads)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    a.out_dir.mkdir(parents=True, exist_ok=True)
    run(a.steps, a.only.split(","), a.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
