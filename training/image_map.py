"""Teach the image branch how people name what the teacher sees, without leaving real photos.

    python -m training.image_map --checkpoint resources/models/default.pt --out tuned.pt

The image branch is the teacher's top classes as a mix of their class texts' sentence
embeddings ("tench: freshwater dace-like game fish ..."), far from the short words people
search with ("fish"). This stage fine-tunes that class map on the corpus's image+text pairs,
keeping only images the teacher recognises (top-1 probability >= `min_conf`: where it is
confident, clip-art looks like what it was trained on; where it is not, it reads a drawn dog
as "envelope" and the pair would teach the wrong class). Nothing else moves: the teacher,
MiniLM, the trunk, the head and the sound branch stay as the checkpoint has them. Losses are
the paper's: ranking image<->text, ranking class prototype<->class text (each class keeps
its own texts), the teacher's KL through the checkpoint's head, and an L2 pull back to the
pretrained map. It can end with WiSE-FT at `alpha` towards the pretrained map
(training.robust); on the held-out split of the training corpus alpha 1 (the tuned map) was
better than 0.5 in image<->text (R@10 0.155 vs 0.116 img->txt, 0.329 vs 0.281 txt->img) and
no worse in the sound directions, so 1 is the default. `make model` runs this after
training.train.
"""

from __future__ import annotations

import argparse
import logging
import random
import time

import torch

from training.config import TrainConfig
from training.losses import ranking_loss, teacher_kl
from training.robust import interpolate

log = logging.getLogger("training")


def image_text_steps(model, batches, cfg: TrainConfig, steps: int, lr: float) -> None:
    """`steps` AdamW steps on the image class map only (cosine schedule, warm-up)."""
    from training.train import lr_scale

    net = model.net
    for p in net.parameters():
        p.requires_grad_(False)
    w = net.image.weight
    w.requires_grad_(True)
    anchor = w.detach().clone()
    opt = torch.optim.AdamW([w], lr=lr, weight_decay=0.0)
    sched = TrainConfig(steps=steps, warmup=min(cfg.warmup, steps // 10))
    t0 = time.time()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr * lr_scale(step, sched)
        rows, txt, same = batches.image_text()
        cls, ct_txt, _, ct_same = batches.class_text()
        img_emb = net.embed_image_logits(batches.logits[rows])
        txt_emb = net.shared.embed(txt)
        proto = net.shared.embed(w[cls])
        ct_emb = net.shared.embed(ct_txt)
        loss = (ranking_loss(img_emb, txt_emb, same, cfg.tau)
                + ranking_loss(proto, ct_emb, ct_same, cfg.tau)
                + teacher_kl(net.shared.logits(img_emb), batches.teacher_probs[rows],
                             cfg.temperature)
                + cfg.anchor * ((w - anchor) ** 2).sum(1).mean())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 200 == 0 or step == steps - 1:
            log.info("image map step %d/%d  loss %.3f  (%.0f s)", step + 1, steps, loss.item(),
                     time.time() - t0)
    w.requires_grad_(False)


def tune(checkpoint: str | None, out: str, steps: int = 2000, min_conf: float = 0.5,
         alpha: float = 1.0, lr: float | None = None, seed: int = 0,
         items: list[dict] | None = None, held: list[dict] | None = None, cache=None) -> str:
    """A trained checkpoint -> the same with its image class map tuned; saved at `out`, with
    the held-out split's metrics. Returns the new model_id. `items`, `held` and `cache` as
    for training.train.train (default: the corpus, its split, the user cache)."""
    from core.model import load_model
    from core.model.api import save_checkpoint
    from training.evaluate import evaluate
    from training.train import Batches, prepare

    torch.manual_seed(seed)
    model = load_model(checkpoint, device="cpu")
    manifest = dict(model.meta.get("manifest") or {})
    tc = dict(manifest.get("train_config") or {})
    cfg = TrainConfig(text_pivot_min_conf=min_conf, seed=tc.get("seed", 0),
                      pivot_min_conf=tc.get("pivot_min_conf", TrainConfig.pivot_min_conf))
    lr = cfg.lr_pretrained if lr is None else lr
    data = prepare(cfg, model, items, held, cache)
    batches = Batches(data.pairs, data.imgs, data.snds, data.texts, cfg, random.Random(seed))
    start = {"image.weight": model.net.image.weight.detach().clone()}
    image_text_steps(model, batches, cfg, steps, lr)
    interpolate(model.net, start, alpha)
    model.net.eval()
    moved = (model.net.image.weight - start["image.weight"]).norm(dim=1)
    log.info("class vectors moved: median %.4f, max %.4f (of norm ~1)",
             float(moved.median()), float(moved.max()))
    metrics = evaluate(model, data.held, data.imgs, data.snds)
    tc.update(train_image_map=True)
    manifest["train_config"] = tc
    manifest["image_map"] = {"steps": steps, "min_conf": min_conf, "wise_alpha": alpha,
                             "lr": lr, "seed": seed, "image_text_pairs": len(data.pairs.image_text),
                             "from": model.model_id}
    return save_checkpoint(model, out, manifest=manifest, metrics=metrics)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    p = argparse.ArgumentParser(prog="python -m training.image_map", description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=None, help="trained checkpoint (default: the bundled one)")
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--min-conf", type=float, default=0.5)
    p.add_argument("--alpha", type=float, default=1.0,
                   help="WiSE-FT towards the pretrained map (1: the tuned map)")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    mid = tune(a.checkpoint, a.out, a.steps, a.min_conf, a.alpha, a.lr, a.seed)
    print(mid)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
