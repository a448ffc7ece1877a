"""The ablation table of the README: the same corpus, split and step budget for each recipe.

    python -m training.ablation [--steps N] [--only a,b,c,d] [--out-dir DIR]

(a) the paper's recipe, students from scratch (1-D CNN sound student, GloVe text student)
(b) sound student initialised from pretrained parts (EfficientNet-Lite0's ImageNet stages)
(c) teacher KL only          (d) ranking loss only
and the naive baseline (teacher classes vs word-vector similarity to class names).
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import replace
from pathlib import Path

from training.train import TrainConfig, train

VARIANTS = {
    "a": ("(a) paper recipe, students from scratch", {"recipe": "paper"}, {}),
    "b": ("(b) sound student from ImageNet stages", {"recipe": "paper"},
          {"kind": "effnet", "init": "imagenet", "effnet_blocks": 5}),
    "c": ("(c) teacher KL only", {"recipe": "kl-only"}, {}),
    "d": ("(d) ranking loss only", {"recipe": "ranking-only"}, {}),
    "e": ("(e) paper recipe + class texts ranked against teacher-labelled images",
          {"recipe": "paper", "class_rank": True}, {}),
}


# A smaller step budget than the default model's, the same for every variant.
ABLATION_BATCHES = {"batch_text": 128, "batch_sound": 32, "batch_class": 64}


def run(steps: int, only: list[str], out_dir: Path) -> dict:
    results = {}
    for key in only:
        name, train_over, sound_over = VARIANTS[key]
        cfg = replace(TrainConfig(), steps=steps, out=str(out_dir / f"ablation-{key}.pt"),
                      eval_every=0, sound_overrides=sound_over, **ABLATION_BATCHES, **train_over)
        results[name] = train(cfg)
        (out_dir / f"ablation-{key}.json").write_text(json.dumps(results[name]))
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=600)
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
