"""The sound tower on the sound bank's held-out packages (whole packages never trained on),
beside the training-free composition of pretrained parts and a baseline checkpoint:
zero-shot top-1 over the held-out labels ("the sound of ..."), text -> sound and sound ->
text median rank (and as a share of the pool), R@10, with a paired bootstrap of the
text -> sound ranks against each baseline.

    python -m training.eval_soundbank [--checkpoint PATH] [--baseline PATH] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import torch

log = logging.getLogger(__name__)
PROMPT = "the sound of {}"


def retrieval(sound: np.ndarray, text: np.ndarray, label: np.ndarray) -> tuple[dict, np.ndarray]:
    """Metrics of (clips, D) sound and (labels, D) text embeddings; also each label's rank
    of its first clip (text -> sound), for the bootstrap."""
    sim = sound @ text.T
    top1 = float(np.mean(sim.argmax(1) == label))
    order = np.argsort(-sim.T, axis=1, kind="stable")
    t2s = np.array([int(np.flatnonzero(label[order[k]] == k)[0]) + 1 for k in range(len(text))])
    own = sim[np.arange(len(sound)), label]
    s2t = (sim > own[:, None]).sum(1) + 1
    n, m = len(sound), len(text)
    return {"zero_shot_top1": round(top1, 4),
            "txt2snd": {"median_rank": float(np.median(t2s)),
                        "share": round(float(np.median(t2s)) / n, 4),
                        "R@10": round(float(np.mean(t2s <= 10)), 4), "pool": n, "queries": m},
            "snd2txt": {"median_rank": float(np.median(s2t)),
                        "share": round(float(np.median(s2t)) / m, 4),
                        "R@10": round(float(np.mean(s2t <= 10)), 4), "pool": m, "queries": n},
            }, t2s


def _unit(x) -> np.ndarray:
    x = np.asarray(x, np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)


@torch.no_grad()
def encoders(checkpoint: Path | None, baseline: Path | None, items, feats):
    """name -> (sound embeddings, text embeddings of the labels) for the held-out split."""
    from core.model import load_model
    from training.baselines import composition
    from training.sound_tower import Bank, embed

    model = load_model(checkpoint)
    ho = Bank(items, feats, "heldout", model)
    prompts = [PROMPT.format(t) for t in ho.texts]
    out = {model.model_id: (embed(model.net, ho, torch.arange(len(ho.items))).numpy(),
                            model.encode_texts(prompts))}
    if baseline is not None:
        old = load_model(baseline)
        if old.cfg.sound.backbone == "soundnet":  # its tower's output is cached for held-out clips
            out[old.model_id] = (_unit(old.net.embed_sound_h(ho.h_sn).numpy()),
                                 old.encode_texts(prompts))
    comp = composition()
    log.info("composition: embedding %d held-out clips with SoundNet", len(ho.items))
    out["composition"] = (comp.encode_sounds([it["path"] for it in ho.items]),
                          comp.encode_texts(prompts))
    return out, ho


def evaluate(checkpoint: Path | None = None, baseline: Path | None = None,
             cache: Path | None = None) -> dict:
    from training.metrics import paired_bootstrap
    from training.soundbank_features import load_or_compute

    items, feats = load_or_compute(cache)
    encs, ho = encoders(checkpoint, baseline, items, feats)
    label = ho.label.numpy()
    res, ranks = {}, {}
    for name, (s, t) in encs.items():
        res[name], ranks[name] = retrieval(_unit(s), _unit(t), label)
    first = next(iter(encs))
    boot = {f"{first} - {other}": paired_bootstrap(ranks[first], ranks[other])
            for other in encs if other != first}
    return {"split": "sound bank held-out packages", "clips": len(ho.items),
            "labels": len(ho.texts), "prompt": PROMPT, "encoders": res,
            "bootstrap_txt2snd": boot}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", type=Path)
    p.add_argument("--baseline", type=Path)
    p.add_argument("--cache", type=Path)
    p.add_argument("--json", type=Path, help="write the results here")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(2)
    res = evaluate(a.checkpoint, a.baseline, a.cache)
    print(json.dumps(res, indent=1))
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
