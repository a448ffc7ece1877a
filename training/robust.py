"""After fine-tuning: keep what the pretrained parts know, and take out the sounds' common
direction.

- Weight-space ensembling (WiSE-FT; Wortsman et al., "Robust fine-tuning of zero-shot
  models", CVPR 2022): every trained parameter becomes (1 - alpha) * its pretrained value +
  alpha * its fine-tuned value. Here the starting point is the training-free composition and
  the fine-tuning data (game sound effects paired with clip-art) is far from users'
  recordings and photos, the distribution shift WiSE-FT was made for.
- Sound centring: the mean embedding of the training corpus's sounds is subtracted from every
  sound embedding (then normalised again). Trained sound embeddings share one large common
  direction, which makes a few sounds near to every image query (hubs).

Both are fitted on the training corpus only; `python -m training.robust` measures the choices
on the held-out split of the training corpus, never on an evaluation set.
"""

from __future__ import annotations

import torch


def has_pretrained_start(net, name: str) -> bool:
    """Whether parameter `name` starts from a value worth going back to: the towers' pretrained
    parts, the sound adapter (zero: off) and a residual trunk (the identity). A new layer's
    random initialisation (the units and class head, a non-residual trunk) is not."""
    if name.startswith(("sound.", "image.")):
        return True
    trunk = ("shared.norm.", "shared.fc1.", "shared.fc2.")
    return name.startswith(trunk) and bool(net.shared.residual)


def trainable_snapshot(net) -> dict[str, torch.Tensor]:
    """Before training: the values of the trainable parameters that WiSE-FT may go back to."""
    return {n: p.detach().clone() for n, p in net.named_parameters()
            if p.requires_grad and has_pretrained_start(net, n)}


@torch.no_grad()
def interpolate(net, start: dict[str, torch.Tensor], alpha: float) -> int:
    """WiSE-FT in place: parameters in `start` become start + alpha * (now - start).
    alpha 1 keeps the fine-tuned network, 0 the pretrained one. Returns how many tensors moved."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    moved = 0
    for n, p in net.named_parameters():
        if n in start:
            p.copy_(torch.lerp(start[n].to(p.device, p.dtype), p, alpha))
            moved += 1
    return moved


@torch.no_grad()
def sound_mean(net, snds, rows: list[int], device: str = "cpu") -> torch.Tensor:
    """Mean embedding (shared layers' output, before any centring) of the cached sounds `rows`."""
    total = torch.zeros(net.cfg.shared.dim)
    for r in rows:
        h, _ = net.sound.from_cache(torch.from_numpy(snds.clip(r))[None].to(device))
        total += net.shared.embed(h)[0].float().cpu()
    return total / max(1, len(rows))


def fit_sound_center(net, snds, rows: list[int], device: str = "cpu") -> torch.Tensor:
    """Set the network's sound centre to the mean embedding of the training sounds `rows`."""
    if not net.cfg.sound.center:
        raise ValueError("this network's config has no sound centre (SoundTowerConfig.center)")
    if not rows:
        raise ValueError("no training sounds to fit the sound centre on")
    mean = sound_mean(net, snds, rows, device)
    net.sound_center.copy_(mean.to(net.sound_center.device))
    return mean


def train_sound_rows(train_items: list[dict], snds) -> list[int]:
    """Rows of the sound cache that belong to the training split."""
    idx = snds.index()
    return [idx[i["id"]] for i in train_items if i["kind"] == "sound" and i["id"] in idx]


def _summary(res: dict) -> dict:
    from training.evaluate import DIRECTIONS

    out = {d: (round(res[d]["R@10"], 3), res[d]["median_rank"]) for d in DIRECTIONS if d in res}
    zs = res.get("zero_shot", {})
    out["zero-shot sounds"] = round(zs["sounds"]["accuracy"], 3) if "sounds" in zs else None
    return out


def main(argv: list[str] | None = None) -> int:
    """Held-out split of the training corpus: WiSE-FT alpha x centring for one checkpoint."""
    import argparse
    import logging

    from core.model import load_model
    from training.config import TrainConfig
    from training.data import cache_root, load_items, split_items
    from training.evaluate import evaluate
    from training.features import image_features, sound_features

    p = argparse.ArgumentParser(prog="python -m training.robust", description=main.__doc__)
    p.add_argument("--checkpoint", default=None, help="the fine-tuned checkpoint (default: bundled)")
    p.add_argument("--alphas", default="0,0.25,0.5,0.75,1")
    p.add_argument("--write", metavar="OUT", help="write the checkpoint for --alpha (and --center)")
    p.add_argument("--alpha", type=float, default=0.5)
    p.add_argument("--center", action="store_true")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if a.write:
        print(apply(a.checkpoint, a.alpha, a.center, a.write))
        return 0
    tuned = load_model(a.checkpoint)
    cfg = TrainConfig()
    items = load_items(cfg)
    train_items, held = split_items(items, cfg)
    imgs = image_features(tuned, [i for i in items if i["kind"] == "image"], cache_root())
    snds = sound_features(tuned, [i for i in items if i["kind"] == "sound"], cache_root())
    rows = train_sound_rows(train_items, snds)
    model = _centred_copy(tuned)
    end = {n: p.detach().clone() for n, p in model.net.named_parameters()}
    start = _pretrained_values(model.net)
    for alpha in [float(x) for x in a.alphas.split(",")]:
        with torch.no_grad():
            for n, p in model.net.named_parameters():
                p.copy_(end[n])
        interpolate(model.net, {n: v for n, v in start.items() if not torch.equal(v, end[n])},
                    alpha)
        for centred in (False, True):
            if centred:
                fit_sound_center(model.net, snds, rows)
            else:
                model.net.sound_center.zero_()
            res = evaluate(model, held, imgs, snds)
            print(f"alpha {alpha:.2f} centred {centred}: {_summary(res)}", flush=True)
    return 0


def trained_names(net, train_config: dict) -> set[str]:
    """Names of the parameters a recipe (a checkpoint's manifest's train_config) trained."""
    prefixes = ["sound.objects.", "sound.scenes."]
    prefixes += [f"sound.soundnet.blocks.{n}." for n in train_config.get("sound_layers", [])]
    prefixes += [f"sound.soundnet.heads.{n}." for n in train_config.get("sound_layers", [])]
    if train_config.get("sound_adapter", True):
        prefixes.append("sound.adapter.")
    if train_config.get("train_image_map"):
        prefixes.append("image.")
    if train_config.get("train_trunk"):
        prefixes += ["shared.norm.", "shared.fc1.", "shared.fc2."]
    return {n for n, _ in net.named_parameters()
            if n.startswith(tuple(prefixes)) and has_pretrained_start(net, n)}


def apply(checkpoint: str | None, alpha: float, center: bool, out: str) -> str:
    """A fine-tuned checkpoint -> WiSE-FT at `alpha` (and the sound centre fitted on the
    training split when `center`), saved at `out`; returns its model_id."""
    from core.model import load_model
    from core.model.api import save_checkpoint
    from training.config import TrainConfig
    from training.data import cache_root, load_items, split_items
    from training.evaluate import evaluate
    from training.features import image_features, sound_features

    tuned = load_model(checkpoint)
    manifest = dict(tuned.meta.get("manifest") or {})
    tc = dict(manifest.get("train_config") or {})
    model = _centred_copy(tuned, center)
    names = trained_names(model.net, tc)
    start = {n: v for n, v in _pretrained_values(model.net).items() if n in names}
    interpolate(model.net, start, alpha)
    cfg = TrainConfig()
    items = load_items(cfg)
    train_items, held = split_items(items, cfg)
    imgs = image_features(model, [i for i in items if i["kind"] == "image"], cache_root())
    snds = sound_features(model, [i for i in items if i["kind"] == "sound"], cache_root())
    if center:
        fit_sound_center(model.net, snds, train_sound_rows(train_items, snds))
    tc.update(wise_alpha=alpha, center_sounds=center)
    manifest["train_config"] = tc
    manifest["robust_from"] = tuned.model_id
    metrics = evaluate(model, held, imgs, snds)  # the held-out split, as training.train stores
    return save_checkpoint(model, out, manifest=manifest, metrics=metrics)


def _centred_copy(model, center: bool = True):
    """The same weights in a network whose config has the sound centre (zero for now)."""
    from dataclasses import replace

    from core.model.api import AlignedModel
    from core.model.network import AlignedNetwork

    cfg = replace(model.cfg, sound=replace(model.cfg.sound, center=center))
    net = AlignedNetwork(cfg)
    net.load_state_dict(model.net.state_dict(), strict=False)
    net.eval()
    return AlignedModel(net, model.model_id + "-centred", model.device, getattr(model, "meta", {}))


def _pretrained_values(net) -> dict[str, torch.Tensor]:
    """What the trainable parameters are before training: a fresh network's values."""
    from core.model.network import AlignedNetwork

    fresh = AlignedNetwork(net.cfg)
    return {n: p.detach().clone() for n, p in fresh.named_parameters()}


if __name__ == "__main__":
    raise SystemExit(main())
