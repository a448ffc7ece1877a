"""Training of the aligned network (Model 2): teacher KL + ranking loss on image+text and image+sound pairs.

    python -m training.train [--steps N] [--out resources/models/default.pt] [--recipe paper]
    torchrun --nproc_per_node=K -m training.train ...   # data-parallel on several GPUs

Plain and top to bottom: load the corpus, cache the frozen parts' outputs (teacher logits,
SoundNet's lower layers, sentence embeddings), sample batches, step, evaluate, save a
self-describing checkpoint. The untrained model is the training-free composition of the
pretrained parts; training starts there and must beat it on held-out data.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import random
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch

from core.model.api import create_model, save_checkpoint
from core.model.config import ModelConfig
from training.config import RECIPES, TrainConfig
from training.data import PairSets, build_pairs, cache_root, class_texts, load_items, split_items
from training.features import image_features, sound_features, text_features
from training.losses import ranking_loss, soften, teacher_kl
from training.robust import fit_sound_center, interpolate, train_sound_rows, trainable_snapshot

log = logging.getLogger("training")

class Batches:
    """Samples the training batches from cached features: image+text, image+sound, and
    ImageNet class prototypes + class texts (the teacher's knowledge of real photos)."""

    def __init__(self, pairs: PairSets, imgs, snds, texts: tuple[list[str], np.ndarray],
                 cfg: TrainConfig, rng: random.Random):
        self.pairs, self.imgs, self.snds, self.cfg, self.rng = pairs, imgs, snds, cfg, rng
        self.by_concept = pairs.concepts()
        self.concept_names = sorted(self.by_concept)
        self.classes = class_texts()
        self.text_row = {t: i for i, t in enumerate(texts[0])}
        self.text_emb = torch.from_numpy(texts[1].astype(np.float32))
        self.logits = torch.from_numpy(imgs.logits.astype(np.float32))
        self.teacher_probs = soften(self.logits, cfg.temperature)

    def texts(self, texts: list[str]) -> torch.Tensor:
        return self.text_emb[[self.text_row[t] for t in texts]]

    def image_text(self):
        picks = [self.rng.choice(self.pairs.image_text) for _ in range(self.cfg.batch_text)]
        rows = [p[0] for p in picks]
        texts = [self.rng.choice(p[1]) for p in picks]
        same = torch.tensor([[a == b for b in texts] for a in texts])
        return rows, self.texts(texts), same

    def crop(self, clip: np.ndarray) -> np.ndarray:
        n = self.cfg.crop_frames
        if clip.shape[1] < n:
            clip = np.tile(clip, (1, int(np.ceil(n / clip.shape[1]))))
        start = self.rng.randrange(0, clip.shape[1] - n + 1)
        return clip[:, start : start + n]

    def image_sound(self):
        # Uniform over concepts first, so the many footsteps do not drown the few cows.
        sounds = []
        for _ in range(self.cfg.batch_sound):
            c = self.rng.choice(self.concept_names)
            sounds.append(self.pairs.image_sound[self.rng.choice(self.by_concept[c])])
        img_rows = [self.rng.choice(s[1]) for s in sounds]
        acts = np.stack([self.crop(self.snds.clip(s[0])) for s in sounds])
        target = torch.stack([self.teacher_probs[s[1]].mean(dim=0) for s in sounds])
        concepts = [s[2] for s in sounds]
        same = torch.tensor([[a == b for b in concepts] for a in concepts])
        return img_rows, torch.from_numpy(acts), target, same

    def class_text(self):
        """Class prototypes (one-hot teacher distributions) with one of their class texts."""
        picks = [self.rng.choice(self.classes) for _ in range(self.cfg.batch_class)]
        classes = torch.tensor([c for c, _ in picks])
        same = classes[:, None] == classes[None, :]
        target = torch.full((len(picks), 1000), 0.1 / 999)
        target[torch.arange(len(picks)), classes] = 0.9
        return classes, self.texts([t for _, t in picks]), target, same


def lr_scale(step: int, cfg: TrainConfig) -> float:
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    p = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return 0.5 * (1 + math.cos(math.pi * p))


def param_groups(net, cfg: TrainConfig) -> list[dict]:
    """New layers at `lr`, pretrained ones (class maps, SoundNet) at `lr_pretrained`; parts
    the recipe keeps frozen are switched off here."""
    if not cfg.train_trunk and net.shared.residual:  # a non-residual trunk must learn
        for m in (net.shared.norm, net.shared.fc1, net.shared.fc2):
            m.requires_grad_(False)
    if not cfg.train_image_map:
        net.image.weight.requires_grad_(False)
    fresh, pretrained = [], []
    for n, p in net.named_parameters():
        if p.requires_grad:
            (fresh if n.startswith(("shared.", "sound.adapter.")) else pretrained).append(p)
    return [{"params": fresh, "lr": cfg.lr, "base_lr": cfg.lr},
            {"params": pretrained, "lr": cfg.lr_pretrained, "base_lr": cfg.lr_pretrained}]


def _setup(cfg: TrainConfig):
    """Process group (under torchrun), seeds and the untrained model on its device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if world > 1:
        import torch.distributed as dist

        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend)
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    torch.manual_seed(cfg.seed)
    mcfg = ModelConfig.tiny() if cfg.tiny else ModelConfig()
    mcfg.sound = replace(mcfg.sound, train_layers=tuple(cfg.sound_layers),
                         adapter=cfg.sound_adapter, center=cfg.center_sounds)
    mcfg.image = replace(mcfg.image, top_k=cfg.image_top_k)
    model = create_model(mcfg, seed=cfg.seed, device=cfg.device)
    dev = model.device if world == 1 or not torch.cuda.is_available() else \
        f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    model.net.to(dev)
    model.device = dev
    return model, world, rank


def top_confidence(imgs) -> np.ndarray:
    """The teacher's top-1 probability for every cached image."""
    lg = imgs.logits.astype(np.float32)
    return 1.0 / np.exp(lg - lg.max(1, keepdims=True)).sum(1)


def pivot_images(cfg: TrainConfig, imgs, train_items: list[dict]) -> set[str]:
    """Training images sounds may pair with: all, or (pivot_min_conf) only those whose top
    teacher class is that probable; images without sounds are kept for image+text pairs."""
    train_images = {i["id"] for i in train_items if i["kind"] == "image"}
    if cfg.pivot_min_conf <= 0:
        return train_images
    conf = top_confidence(imgs)
    known = {k for k, c in zip(imgs.ids, conf, strict=True) if c >= cfg.pivot_min_conf}
    sound_images = {i for it in train_items if it["kind"] == "sound" for i in it.get("image_ids", [])}
    log.info("pivot images the teacher recognises (p >= %.2f): %d of %d",
             cfg.pivot_min_conf, len(sound_images & known), len(sound_images))
    return train_images - (sound_images - known)


@dataclass
class Prepared:
    items: list[dict]
    train_items: list[dict]
    held: list[dict]
    imgs: object
    snds: object
    pairs: PairSets
    texts: tuple


def prepare(cfg: TrainConfig, model, items, held, cache: Path | None) -> Prepared:
    """Corpus, split, caches of the frozen parts, and the training pairs."""
    items = items if items is not None else load_items(cfg)
    if held is None:
        train_items, held = split_items(items, cfg)
    else:
        train_items, items = items, items + held
    cache = cache or cache_root()
    imgs = image_features(model, [i for i in items if i["kind"] == "image"], cache)
    snds = sound_features(model, [i for i in items if i["kind"] == "sound"], cache)
    pairs = build_pairs(train_items, imgs, snds, allowed_images=pivot_images(cfg, imgs, train_items))
    if cfg.text_pivot_min_conf > 0:
        conf = top_confidence(imgs)
        before = len(pairs.image_text)
        pairs.image_text = [p for p in pairs.image_text if conf[p[0]] >= cfg.text_pivot_min_conf]
        log.info("image+text pairs the teacher recognises (p >= %.2f): %d of %d",
                 cfg.text_pivot_min_conf, len(pairs.image_text), before)
    if not pairs.image_text or not pairs.image_sound:
        raise SystemExit(f"nothing to train on: {len(pairs.image_text)} image+text and "
                         f"{len(pairs.image_sound)} image+sound pairs (is --pivot-min-conf "
                         f"{cfg.pivot_min_conf} or --text-pivot-min-conf "
                         f"{cfg.text_pivot_min_conf} too strict for this corpus?)")
    texts = text_features(model, [t for _, ts in pairs.image_text for t in ts]
                          + [t for _, t in class_texts()], cache, "train")
    log.info("training pairs: %d image+text, %d image+sound (%d concepts)",
             len(pairs.image_text), len(pairs.image_sound), len(pairs.concepts()))
    return Prepared(items, train_items, held, imgs, snds, pairs, texts)


def losses(net, batches: Batches, cfg: TrainConfig, dev: str) -> tuple[torch.Tensor, torch.Tensor]:
    """One step's teacher KL and ranking losses (image+text, image+sound, class prototypes)."""
    T = cfg.temperature
    it_rows, it_txt, it_same = batches.image_text()
    is_rows, acts, snd_target, is_same = batches.image_sound()
    ct_cls, ct_txt, ct_target, ct_same = batches.class_text()
    rows = it_rows + is_rows
    img_t = batches.teacher_probs[rows].to(dev)
    img_emb = net.embed_image_logits(batches.logits[rows].to(dev))
    txt_emb = net.shared.embed(torch.cat([it_txt, ct_txt]).to(dev))
    snd_h, snd_obj = net.sound.from_cache(acts.to(dev))
    snd_emb = net.shared.embed(snd_h)
    proto_emb = net.shared.embed(net.image.weight[ct_cls.to(dev)])
    n_it = len(it_rows)
    snd_target = snd_target.to(dev)
    loss_kl = (teacher_kl(net.shared.logits(img_emb), img_t, T)
               + teacher_kl(net.shared.logits(txt_emb[:n_it]), img_t[:n_it], T)
               + teacher_kl(net.shared.logits(txt_emb[n_it:]), ct_target.to(dev), 1.0)
               + teacher_kl(net.shared.logits(snd_emb), snd_target, T)
               + teacher_kl(snd_obj, snd_target, T))
    loss_rank = (ranking_loss(img_emb[:n_it], txt_emb[:n_it], it_same.to(dev), cfg.tau)
                 + ranking_loss(img_emb[n_it:], snd_emb, is_same.to(dev), cfg.tau)
                 + ranking_loss(proto_emb, txt_emb[n_it:], ct_same.to(dev), cfg.tau))
    return loss_kl, loss_rank


def anchored(net) -> dict[int, torch.Tensor]:
    """Pretrained values of the trainable class maps, which an L2 term pulls them back to."""
    return {id(p): p.detach().clone() for n, p in net.named_parameters()
            if p.requires_grad and n.endswith(".weight")
            and n.startswith(("image.", "sound.objects", "sound.scenes"))}


def robust(net, cfg: TrainConfig, data: Prepared, start: dict) -> None:
    """WiSE-FT towards the pretrained values, then (if asked) the sound centre, fitted on the
    training split's sounds (training.robust)."""
    moved = interpolate(net, start, cfg.wise_alpha)
    log.info("WiSE-FT: %d trained tensors at alpha %.2f", moved, cfg.wise_alpha)
    if cfg.center_sounds:
        rows = train_sound_rows(data.train_items, data.snds)
        fit_sound_center(net, data.snds, rows, str(next(net.parameters()).device))
        log.info("sound centre fitted on %d training sounds", len(rows))


def save(model, cfg: TrainConfig, data: Prepared, metrics: dict, seconds: float) -> None:
    summary = {
        "corpus_items": len(data.items), "train_items": len(data.train_items),
        "held_out_items": len(data.held), "image_text_pairs": len(data.pairs.image_text),
        "image_sound_pairs": len(data.pairs.image_sound),
        "sound_concepts": len(data.pairs.concepts()),
        "sources": sorted({i["source"] for i in data.items}),
        "train_config": asdict(cfg), "train_seconds": round(seconds, 1),
    }
    mid = save_checkpoint(model, cfg.out, manifest=summary, metrics=metrics)
    log.info("saved %s (%s)", cfg.out, mid)


def train(cfg: TrainConfig, items: list[dict] | None = None, cache: Path | None = None,
          held: list[dict] | None = None) -> dict:
    """Train, evaluate on the held-out split, save the checkpoint; returns the metrics.
    `items` defaults to the corpus manifest (plus --corpus folders), split by group unless
    `held` (the held-out items) is given; `cache` defaults to the user cache."""
    from training.evaluate import evaluate

    model, world, rank = _setup(cfg)
    dev, net = model.device, model.net
    data = prepare(cfg, model, items, held, cache)
    batches = Batches(data.pairs, data.imgs, data.snds, data.texts, cfg,
                      random.Random(cfg.seed + rank))
    net.train()
    ddp = net
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel

        ddp = DistributedDataParallel(net, find_unused_parameters=True)
    groups = param_groups(net, cfg)
    params = [p for g in groups for p in g["params"]]
    anchors, start = anchored(net), trainable_snapshot(net)
    opt = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
    kl_w, rank_w = RECIPES[cfg.recipe]
    t0 = time.time()
    for step in range(cfg.steps):
        for g in opt.param_groups:
            g["lr"] = g["base_lr"] * lr_scale(step, cfg)
        loss_kl, loss_rank = losses(net, batches, cfg, dev)
        loss_anchor = sum(((p - anchors[id(p)].to(p.device)) ** 2).sum(1).mean()
                          for p in params if id(p) in anchors)
        loss = kl_w * loss_kl + rank_w * loss_rank + cfg.anchor * loss_anchor
        if world > 1:  # route through the DDP wrapper so gradients are all-reduced
            loss = loss + 0.0 * sum(p.sum() for p in ddp.parameters() if p.requires_grad)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        if step % 50 == 0 or step == cfg.steps - 1:
            el = time.time() - t0
            log.info("step %d/%d  kl %.3f  rank %.3f  anchor %.4f  (%.2f s/step, ETA %.0f s)",
                     step + 1, cfg.steps, loss_kl.item(), loss_rank.item(),
                     float(torch.as_tensor(loss_anchor).detach()),
                     el / (step + 1), el / (step + 1) * (cfg.steps - step - 1))
        if rank == 0 and cfg.eval_every and step and step % cfg.eval_every == 0:
            net.eval()
            quick = evaluate(model, data.held, data.imgs, data.snds, quick=True)
            log.info("held-out median ranks: %s", {k: v["median_rank"] for k, v in quick.items()
                                                   if isinstance(v, dict) and "median_rank" in v})
            net.train()
    net.eval()
    robust(net, cfg, data, start)
    metrics: dict = {}
    if rank == 0:
        metrics = evaluate(model, data.held, data.imgs, data.snds)
        save(model, cfg, data, metrics, time.time() - t0)
    if world > 1:
        import torch.distributed as dist

        dist.destroy_process_group()
    return metrics


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    p = argparse.ArgumentParser(prog="synesthesia train", description=__doc__.split("\n")[0])
    d = TrainConfig()
    p.add_argument("--steps", type=int, default=d.steps)
    p.add_argument("--recipe", choices=sorted(RECIPES), default=d.recipe)
    p.add_argument("--out", default=d.out, help="checkpoint path (default: the bundled one)")
    p.add_argument("--corpus", action="append", default=[],
                   help="extra folder of pairs (pairs.jsonl, see README); repeatable")
    p.add_argument("--tiny", action="store_true", help="small shared layers (tests, smoke runs)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: CUDA when present)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--eval-every", type=int, default=d.eval_every)
    p.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: all cores)")
    p.add_argument("--sound-layers", default=",".join(d.sound_layers),
                   help="SoundNet layers to fine-tune, comma-separated ('' freezes SoundNet)")
    p.add_argument("--batch-sound", type=int, default=d.batch_sound)
    p.add_argument("--train-trunk", action="store_true",
                   help="also train the shared trunk (ablation: pulls the space to clip-art)")
    p.add_argument("--train-image-map", action="store_true",
                   help="also train the image branch's class map (ablation)")
    p.add_argument("--no-sound-adapter", action="store_true",
                   help="sound = SoundNet's class mix only (ablation)")
    p.add_argument("--lr-pretrained", type=float, default=d.lr_pretrained)
    p.add_argument("--pivot-min-conf", type=float, default=d.pivot_min_conf,
                   help="pair sounds only with images whose top teacher class has this probability")
    p.add_argument("--text-pivot-min-conf", type=float, default=d.text_pivot_min_conf,
                   help="pair texts only with images whose top teacher class has this probability")
    p.add_argument("--wise-alpha", type=float, default=d.wise_alpha,
                   help="after training: (1-a)*pretrained + a*fine-tuned weights (1: no WiSE-FT)")
    p.add_argument("--center-sounds", action="store_true",
                   help="subtract the training sounds' mean embedding from sound embeddings")
    p.add_argument("--sound-categories", default="",
                   help="comma-separated corpus sound categories to train on (default: all)")
    a = p.parse_args(argv)
    return TrainConfig(steps=a.steps, recipe=a.recipe, out=a.out, corpus=a.corpus, tiny=a.tiny,
                       device=a.device, seed=a.seed, eval_every=a.eval_every, threads=a.threads,
                       batch_sound=a.batch_sound, train_trunk=a.train_trunk,
                       train_image_map=a.train_image_map, sound_adapter=not a.no_sound_adapter,
                       lr_pretrained=a.lr_pretrained, pivot_min_conf=a.pivot_min_conf,
                       text_pivot_min_conf=a.text_pivot_min_conf,
                       wise_alpha=a.wise_alpha, center_sounds=a.center_sounds,
                       sound_categories=tuple(x for x in a.sound_categories.split(",") if x),
                       sound_layers=tuple(x for x in a.sound_layers.split(",") if x))


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    cfg = parse_args(argv)
    torch.set_num_threads(cfg.threads or max(1, min(os.cpu_count() or 1, 8)))
    train(cfg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
