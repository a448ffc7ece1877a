"""Training the aiSFX sound tower on the sound bank, the image and text towers and the shared
layers frozen as shipped (photos keep every number they had).

    python -m training.sound_tower [--steps N] [--no-text] [--beside] [--out PATH]

Losses, on cached features (`training.soundbank_features`):
- the paper's two, on image+sound pairs (the Tux Paint stamps and their pictures): the
  teacher's class distribution through the shared head (KL) and a ranking loss between the
  sound and its picture's embedding;
- what the paper could not do: text supervision from the recordings' labels - a ranking
  loss (InfoNCE, both directions, clips with the same label are positives of each other)
  between a clip and its label phrase under a few fixed templates.
Clips are drawn label-balanced (a label, then one of its clips), so a few large families
(speech, drums) do not drown the rest. Whole packages are held out (`soundbank.HELD_OUT`):
the recipe is chosen on them, never on the real-media sets.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)
TEMPLATES = ("{}", "the sound of {}", "a recording of {}", "{} sound")
TAU = 0.05


@dataclass
class TowerConfig:
    steps: int = 3000
    batch: int = 256
    lr: float = 1e-3
    weight_decay: float = 0.01
    text: bool = True  # the label-text ranking loss
    beside: bool = False  # add the SoundNet branch's output (trained head starts at zero)
    image_weight: float = 1.0
    kl_weight: float = 1.0
    seed: int = 0


def base_model(beside: bool):
    """The shipped checkpoint's image, text and shared layers under an aiSFX sound tower."""
    from core.model import load_model
    from core.model.api import AlignedModel
    from core.model.config import ModelConfig
    from core.model.network import AlignedNetwork
    from training.soundbank_features import resources_default_soundnet

    old = load_model(resources_default_soundnet())
    if beside and old.cfg.sound.backbone != "soundnet":
        raise SystemExit(f"{old.model_id} has no SoundNet tower to put beside aiSFX")
    cfg = ModelConfig.from_dict(old.cfg.to_dict())
    cfg.sound.backbone, cfg.sound.beside = "aisfx", beside
    class_emb = {"imagenet": old.net.image.weight.detach()}
    if old.cfg.sound.backbone == "soundnet":
        class_emb["places"] = old.net.sound.scenes.weight.detach()
    net = AlignedNetwork(cfg, class_emb)
    state = {k: v for k, v in old.net.state_dict().items() if not k.startswith("sound.")}
    if beside:
        state |= {f"sound.soundnet.{k[len('sound.'):]}": v
                  for k, v in old.net.state_dict().items() if k.startswith("sound.")}
    net.load_state_dict(state, strict=False)
    for name, p in net.named_parameters():
        p.requires_grad_(name.startswith("sound.head."))
    base = dict(old.meta.get("manifest") or {})
    base_id = base.get("base_model_id", old.model_id)  # where image, text, shared came from
    meta = {**old.meta, "manifest": {**base, "base_model_id": base_id}}
    return AlignedModel(net, "untrained", "cpu", meta), old


class Bank:
    """The features of one split, as tensors, with label indices and text targets."""

    def __init__(self, items: list[dict], feats: dict, split: str, model,
                 with_soundnet: bool = False):
        by_id = {it["id"]: it for it in items}
        has_sn = np.isfinite(feats["h_soundnet"]).all(axis=1)
        rows = [i for i, k in enumerate(feats["ids"]) if by_id[str(k)]["split"] == split
                and (has_sn[i] or not with_soundnet)]
        self.items = [by_id[str(feats["ids"][i])] for i in rows]
        self.emb = torch.from_numpy(feats["emb"][rows])
        self.h_sn = torch.from_numpy(feats["h_soundnet"][rows])
        self.texts = sorted({it["text"] for it in self.items})
        index = {t: i for i, t in enumerate(self.texts)}
        self.label = torch.tensor([index[it["text"]] for it in self.items])
        with torch.no_grad():
            self.targets = torch.stack([model.net.embed_texts([t.format(x) for x in self.texts])
                                        for t in TEMPLATES])  # (templates, labels, D)
        pics = {str(k): j for j, k in enumerate(feats["image_ids"])}
        self.pic_rows = torch.tensor([i for i, it in enumerate(self.items) if it["id"] in pics])
        self.pic_logits = torch.from_numpy(
            feats["image_logits"][[pics[self.items[i]["id"]] for i in self.pic_rows.tolist()]]
            if len(self.pic_rows) else np.zeros((0, 1000), np.float32))

    def sample(self, n: int, rng: np.random.Generator) -> torch.Tensor:
        """n clip rows, label-balanced."""
        labels = rng.integers(0, len(self.texts), n)
        members = getattr(self, "_members", None)
        if members is None:
            members = self._members = [np.flatnonzero(self.label.numpy() == k)
                                       for k in range(len(self.texts))]
        return torch.tensor([rng.choice(members[k]) for k in labels])


def embed(net, bank: Bank, rows: torch.Tensor) -> torch.Tensor:
    h = net.sound.from_features(bank.emb[rows], bank.h_sn[rows] if net.cfg.sound.beside else None)
    return net.embed_sound_h(h)


def text_loss(s: torch.Tensor, labels: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """InfoNCE between clips and the label phrases present in the batch, both directions;
    clips sharing a label are all positives of that label."""
    uniq, inv = labels.unique(return_inverse=True)
    t = targets[uniq]
    logits = s @ t.T / TAU  # (clips, labels)
    clip_side = F.cross_entropy(logits, inv)
    pos = (inv[None, :] == torch.arange(len(uniq))[:, None]).float()
    text_side = -(F.log_softmax(logits.T, dim=1) * pos).sum(1) / pos.sum(1)
    return (clip_side + text_side.mean()) / 2


def image_losses(net, bank: Bank, rng: np.random.Generator, n: int) -> torch.Tensor:
    """Ranking (both directions) and teacher KL on a batch of image+sound pairs."""
    pick = torch.from_numpy(rng.choice(len(bank.pic_rows), min(n, len(bank.pic_rows)),
                                       replace=False))
    s = embed(net, bank, bank.pic_rows[pick])
    logits = bank.pic_logits[pick]
    with torch.no_grad():
        v = net.embed_image_logits(logits)
    sim = s @ v.T / TAU
    target = torch.arange(len(pick))
    rank = (F.cross_entropy(sim, target) + F.cross_entropy(sim.T, target)) / 2
    kl = F.kl_div(F.log_softmax(net.shared.logits(s), dim=1), F.softmax(logits, dim=1),
                  reduction="batchmean")
    return rank, kl


def train(model, bank: Bank, cfg: TowerConfig, heldout: Bank | None = None) -> list[dict]:
    """Trains the sound head in place; returns the held-out curve (every 500 steps)."""
    net = model.net
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=cfg.steps,
                                                pct_start=0.05)
    curve, t0 = [], time.time()
    net.train()
    for step in range(1, cfg.steps + 1):
        loss = torch.zeros(())
        if cfg.text:
            rows = bank.sample(cfg.batch, rng)
            tmpl = int(rng.integers(len(TEMPLATES)))
            loss = loss + text_loss(embed(net, bank, rows), bank.label[rows], bank.targets[tmpl])
        if len(bank.pic_rows) and (cfg.image_weight or cfg.kl_weight):
            rank, kl = image_losses(net, bank, rng, 64)
            loss = loss + cfg.image_weight * rank + cfg.kl_weight * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if heldout is not None and (step % 500 == 0 or step == cfg.steps):
            net.eval()
            curve.append({"step": step, "loss": float(loss), **evaluate(net, heldout)})
            net.train()
            log.info("step %d (%.0f s): %s", step, time.time() - t0, curve[-1])
    net.eval()
    return curve


@torch.no_grad()
def evaluate(net, bank: Bank, sound_emb: torch.Tensor | None = None) -> dict:
    """Held-out numbers: zero-shot top-1 over the split's labels ("the sound of ..."),
    text -> sound median rank as a share of the pool, sound -> text median rank (share)."""
    s = embed(net, bank, torch.arange(len(bank.items))) if sound_emb is None else sound_emb
    t = bank.targets[1]  # "the sound of {}"
    sim = s @ t.T  # (clips, labels)
    top1 = float((sim.argmax(1) == bank.label).float().mean())
    order = (-sim.T).argsort(dim=1)  # per label: clips best first
    ranks = [int(np.flatnonzero(np.isin(order[k].numpy(), np.flatnonzero(
        bank.label.numpy() == k)))[0]) + 1 for k in range(len(bank.texts))]
    own = sim[torch.arange(len(s)), bank.label]
    s2t = (sim > own[:, None]).sum(1).float() + 1
    return {"zero_shot_top1": round(top1, 4),
            "txt2snd_median_rank": float(np.median(ranks)), "pool_clips": len(s),
            "txt2snd_median_share": round(float(np.median(ranks)) / len(s), 4),
            "snd2txt_median_rank": float(s2t.median()), "pool_labels": len(bank.texts),
            "snd2txt_median_share": round(float(s2t.median()) / len(bank.texts), 4)}


def main(argv: list[str] | None = None) -> int:
    from core.model import save_checkpoint
    from training.corpus.soundbank import HELD_OUT
    from training.soundbank_features import load_or_compute

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cache", type=Path)
    p.add_argument("--steps", type=int, default=TowerConfig.steps)
    p.add_argument("--no-text", action="store_true", help="no label-text loss (ablation)")
    p.add_argument("--beside", action="store_true", help="add SoundNet's branch (ablation)")
    p.add_argument("--soundnet-clips", action="store_true",
                   help="train only on the clips with SoundNet features (fair ablation)")
    p.add_argument("--out", type=Path, help="write the checkpoint here")
    p.add_argument("--report", type=Path, help="write the held-out numbers as JSON here")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(2)
    items, feats = load_or_compute(a.cache)
    cfg = TowerConfig(steps=a.steps, text=not a.no_text, beside=a.beside)
    model, old = base_model(cfg.beside)
    subset = a.beside or a.soundnet_clips
    bank = Bank(items, feats, "train", model, with_soundnet=subset)
    heldout = Bank(items, feats, "heldout", model)
    log.info("train: %d clips, %d labels; held out: %d clips, %d labels", len(bank.items),
             len(bank.texts), len(heldout.items), len(heldout.texts))
    shipped = evaluate(model.net, heldout, old.net.embed_sound_h(heldout.h_sn))
    curve = train(model, bank, cfg, heldout)
    report = {"config": cfg.__dict__, "shipped_soundnet_tower": shipped, "curve": curve,
              "train": {"clips": len(bank.items), "labels": len(bank.texts)},
              "heldout": {"clips": len(heldout.items), "labels": len(heldout.texts)}}
    print(json.dumps({"shipped": shipped, "new": curve[-1]}, indent=1))
    if a.report:
        a.report.write_text(json.dumps(report, indent=1))
    if a.out:
        manifest = {"soundbank": {"clips": len(items), "train_clips": len(bank.items),
                                  "heldout_packages": sorted(HELD_OUT)},
                    "base_model_id": model.meta["manifest"]["base_model_id"]}
        mid = save_checkpoint(model, a.out, manifest=manifest, metrics={"soundbank_heldout": curve[-1]})
        print(f"wrote {a.out} ({mid})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
