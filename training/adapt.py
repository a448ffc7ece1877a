"""Adapt to my library: the videos of a library are image+sound pairs,
the very data the method learns from. The sound tower is fine-tuned on pairs cut from them
(a soundtrack window and the picture at its middle) with the paper's two losses — the
ranking loss against the picture's embedding and the image teacher's class distribution
as the target of the sound's class head — starting from the loaded checkpoint. Only what
the method trains in the sound tower moves (SoundNet's trained layers, its class maps and
adapter), and then only half the way fine-tuning took it (WiSE-FT); the image and text
towers and the shared layers stay, so photos and notes keep their vectors' meaning.

The adapted network is measured before it is offered: sound<->image retrieval on the
library's held-out videos (never trained on) must improve, and no direction of the
real-media evaluation set may get worse (when that set is built). Only then is it written,
as a new checkpoint in the library's ``models/`` folder, beside — never over — the one it
started from; the library is re-embedded with it only when asked (``--use``), and the
previous checkpoint stays to go back to (``synesthesia index --model PATH``). Stopping
(cancel, Ctrl+C) before the end writes nothing.

    synesthesia adapt [--steps 150] [--lr 1e-4] [--wise 0.5] [--model PATH] [--use] [--json]
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from training.metrics import retrieval_metrics

NO_WORSE = 0.02  # a real-media direction may lose this much R@10 (noise), no more


@dataclass
class Pair:
    """A soundtrack window and the picture shown at its middle, from one video."""

    video: int
    picture: np.ndarray  # (S, S, 3) uint8 RGB
    wave: np.ndarray  # (n,) float32 at 16 kHz


@dataclass
class AdaptConfig:
    steps: int = 150
    batch: int = 16
    lr: float = 1e-4
    # WiSE-FT (Wortsman et al. 2022): the trained weights go this share of the way from the
    # start to where fine-tuning took them; 1.0 keeps the fine-tuned ones. Measured with the
    # default checkpoint (README): 0.5 keeps the real-media set whole where 1.0 forgets.
    wise_alpha: float = 0.5
    held_out: float = 0.3  # share of the videos kept out of training, to measure on
    kl_weight: float = 1.0
    temperature: float = 2.0
    pairs_per_video: int = 8
    seed: int = 0


@dataclass
class AdaptReport:
    videos: int = 0
    train_pairs: int = 0
    held_out_pairs: int = 0
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    realmedia: dict = field(default_factory=dict)  # direction -> (R@10 before, after)
    improved: bool = False
    offered: bool = False
    reason: str = ""
    checkpoint: str | None = None
    cancelled: bool = False
    seconds: float = 0.0


def library_pairs(videos: list[tuple[int, Path]], per_video: int, side: int = 224
                  ) -> list[Pair]:
    """Pairs from each (item id, path) video with pictures and sound: each soundtrack
    window (at most ``per_video``, spread over the video) with the picture nearest its
    middle, cut to the network's square."""
    from core.errors import SynesthesiaError
    from core.media.images import fit_square
    from core.media.video import load_video
    from core.media.video_sound import spread

    out: list[Pair] = []
    for item, path in videos:
        try:
            v = load_video(path, min_side=side)
        except SynesthesiaError:
            continue
        if not v.frames or not v.sounds:
            continue
        times = np.array([t for t, _ in v.frames])
        for a, b, wave in spread(v.sounds, per_video):
            pic = v.frames[int(np.argmin(np.abs(times - (a + b) / 2)))][1]
            out.append(Pair(item, fit_square(pic, side), wave))
    return out


def split(pairs: list[Pair], held_out: float) -> tuple[list[Pair], list[Pair]]:
    """(train, held out) by video, fixed per video id: no video is in both."""
    ids = sorted({p.video for p in pairs},
                 key=lambda i: hashlib.sha1(f"adapt:{i}".encode()).hexdigest())
    n_held = min(len(ids) - 1, max(1, round(held_out * len(ids)))) if len(ids) > 1 else 0
    held = set(ids[:n_held])
    return [p for p in pairs if p.video not in held], [p for p in pairs if p.video in held]


def retrieval(model: Any, pairs: list[Pair]) -> dict:
    """Sound->image and image->sound over ``pairs``: a picture of the same video counts."""
    img = model.encode_images([p.picture for p in pairs])
    snd = model.encode_sounds([p.wave for p in pairs])
    vid = np.array([p.video for p in pairs])
    relevant = vid[:, None] == vid[None, :]
    return {"snd->img": retrieval_metrics(snd @ img.T, relevant),
            "img->snd": retrieval_metrics(img @ snd.T, relevant)}


def _targets(model: Any, pairs: list[Pair], temperature: float) -> tuple[Any, Any, Any]:
    """Fixed training targets: picture embeddings, the teacher's softened class
    distributions, and each pair's video (pairs of one video are not negatives)."""
    import torch

    from training.losses import soften

    dev = model.device
    _, logits = model.image_teacher_outputs([p.picture for p in pairs])
    img = torch.from_numpy(model.embed_image_logits(logits)).to(dev)
    probs = soften(torch.from_numpy(np.asarray(logits, np.float32)).to(dev), temperature)
    return img, probs, torch.tensor([p.video for p in pairs], device=dev)


def _sound_cache(model: Any, pairs: list[Pair]) -> Any:
    """SoundNet's activations up to its cache layer (frozen below it), computed once."""
    import torch

    sound = model.net.sound
    rows = []
    with torch.no_grad():  # not inference_mode: the activations are trained on after
        for p in pairs:
            w = sound.prepare(torch.from_numpy(np.ascontiguousarray(p.wave))[None]
                              .to(model.device))
            rows.append(sound.soundnet.features(w, sound.cfg.cache_layer))
    return torch.cat(rows).clone()


def fine_tune(model: Any, pairs: list[Pair], cfg: AdaptConfig,
              progress: Callable[[int, int, float], Any] | None = None,
              cancelled: Callable[[], bool] = lambda: False) -> bool:
    """Train ``model``'s sound tower on ``pairs`` in place; False when cancelled (then the
    model is half-trained: the caller throws it away)."""
    import torch

    from training.losses import ranking_loss, teacher_kl

    torch.manual_seed(cfg.seed)
    net = model.net
    params = [p for p in net.sound.parameters() if p.requires_grad]
    img, probs, vid = _targets(model, pairs, cfg.temperature)
    cache = _sound_cache(model, pairs)
    opt = torch.optim.Adam(params, lr=cfg.lr)
    rng = np.random.default_rng(cfg.seed)
    net.train()
    try:
        for step in range(cfg.steps):
            if cancelled():
                return False
            idx = torch.from_numpy(rng.choice(len(pairs), min(cfg.batch, len(pairs)),
                                              replace=False)).to(cache.device)
            h, obj = net.sound.from_cache(cache[idx])
            emb = net.shared.embed(h)
            same = vid[idx][:, None] == vid[idx][None, :]
            loss = ranking_loss(emb, img[idx], same) + cfg.kl_weight * teacher_kl(
                obj, probs[idx], cfg.temperature)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            net.zero_grad(set_to_none=True)  # the shared layers got gradients too: unused
            if progress is not None:
                progress(step + 1, cfg.steps, float(loss.detach()))
    finally:
        net.eval()
    return True


def _interpolate(tuned: Any, start: Any, alpha: float) -> None:
    """WiSE-FT (training.robust.interpolate): each trained sound-tower weight of ``tuned``
    set to alpha x tuned + (1 - alpha) x its value in ``start``."""
    from training.robust import interpolate

    begin = dict(start.net.named_parameters())
    interpolate(tuned.net, {n: begin[n].detach() for n, p in tuned.net.named_parameters()
                            if p.requires_grad and n.startswith("sound.")}, alpha)


def realmedia_check(before: Any, after: Any) -> dict[str, tuple[float, float]]:
    """R@10 of every direction of the real-media set, before and after ({} when the set
    is not built: `python -m training.realmedia build`)."""
    from training.realmedia.build import cache_dir, load_manifest
    from training.realmedia.evaluate import evaluate

    if not (cache_dir() / "manifest.jsonl").is_file():
        return {}
    items = load_manifest()
    res = evaluate([before, after], items, trials=5)["encoders"]
    out = {}
    for d, m in res[0]["retrieval"].items():
        if m is not None and res[1]["retrieval"].get(d) is not None:
            out[d] = (float(m["R@10"]), float(res[1]["retrieval"][d]["R@10"]))
    return out


def _better(before: dict, after: dict) -> bool:
    """Held-out sound<->image: mean R@5 up, and neither direction's median rank worse."""
    mean = lambda r: np.mean([r[d]["R@5"] for d in r])  # noqa: E731
    return mean(after) > mean(before) and all(
        after[d]["median_rank"] <= before[d]["median_rank"] for d in before)


def adapt(model: Any, videos: list[tuple[int, Path]], out_dir: Path, cfg: AdaptConfig,
          progress: Callable[[int, int, float], Any] | None = None,
          cancelled: Callable[[], bool] = lambda: False, check_realmedia: bool = True
          ) -> AdaptReport:
    """Fine-tune a copy of ``model`` on the pairs of ``videos``, measure it, and write it
    to ``out_dir`` only when it is better and nothing else got worse (module docstring)."""
    t0 = time.monotonic()
    rep = AdaptReport()
    pairs = library_pairs(videos, cfg.pairs_per_video, getattr(model, "image_side", 224))
    train, held = split(pairs, cfg.held_out)
    rep.videos = len({p.video for p in pairs})
    rep.train_pairs, rep.held_out_pairs = len(train), len(held)
    if len({p.video for p in train}) < 2 or not held:
        rep.reason = ("too few videos with pictures and sound to learn from and measure on "
                      f"({rep.videos}; at least 3 are needed)")
        return rep
    rep.before = retrieval(model, held)
    tuned = copy.deepcopy(model)
    if not fine_tune(tuned, train, cfg, progress, cancelled):
        rep.cancelled, rep.reason = True, "stopped: nothing was written"
        return rep
    _interpolate(tuned, model, cfg.wise_alpha)
    rep.after = retrieval(tuned, held)
    rep.improved = _better(rep.before, rep.after)
    rep.realmedia = realmedia_check(model, tuned) if check_realmedia else {}
    worse = [d for d, (b, a) in rep.realmedia.items() if a < b - NO_WORSE]
    if not rep.improved:
        rep.reason = "sound<->image retrieval on the held-out videos did not improve"
    elif worse:
        rep.reason = "the real-media set got worse in " + ", ".join(worse)
    else:
        rep.offered = True
        rep.checkpoint = str(_save(tuned, model, out_dir, rep))
        rep.reason = "better on the held-out videos, no worse elsewhere"
    rep.seconds = time.monotonic() - t0
    return rep


def _save(tuned: Any, base: Any, out_dir: Path, rep: AdaptReport) -> Path:
    from core.model import save_checkpoint

    path = out_dir / f"adapted-{time.strftime('%Y%m%d-%H%M%S')}.pt"
    save_checkpoint(tuned, path, name="adapted",
                    manifest={"adapted_from": base.model_id, "videos": rep.videos,
                              "train_pairs": rep.train_pairs},
                    metrics={"held_out_before": rep.before, "held_out_after": rep.after,
                             "realmedia_r10": rep.realmedia})
    log = out_dir / "adapted.json"
    history = json.loads(log.read_text()) if log.is_file() else []
    history.append({"checkpoint": path.name, "model_id": tuned.model_id,
                    "adapted_from": base.model_id, "when": time.time()})
    log.write_text(json.dumps(history, indent=1))
    return path


def report_json(rep: AdaptReport) -> dict:
    return asdict(rep)


def _table(rep: AdaptReport) -> str:
    lines = [f"{rep.videos} videos: {rep.train_pairs} pairs to learn from, "
             f"{rep.held_out_pairs} held out to measure on"]
    for d in rep.before:
        b, a = rep.before[d], rep.after.get(d)
        after = f"R@1 {a['R@1']:.2f}  R@5 {a['R@5']:.2f}  median {a['median_rank']:g}" \
            if a else "-"
        lines.append(f"  {d}: before R@1 {b['R@1']:.2f}  R@5 {b['R@5']:.2f}  median "
                     f"{b['median_rank']:g}   after {after}")
    for d, (b, a) in rep.realmedia.items():
        lines.append(f"  real-media {d}: R@10 {b:.2f} -> {a:.2f}")
    return "\n".join(lines)


def _video_files(paths: list[Path]) -> list[Path]:
    """The video files among ``paths`` and inside the folders among them, sorted."""
    from core.media import kind_of

    out: set[Path] = set()
    for p in paths:
        found = p.rglob("*") if p.is_dir() else [p]
        out.update(f for f in found if f.is_file() and kind_of(f) == "video")
    return sorted(out)


def main(argv: list[str], library: Path) -> int:
    """``synesthesia adapt``: adapt, say what was measured, and with ``--use`` re-embed the
    library with the adapted checkpoint. Exit 0 when a checkpoint was written, 1 when none
    was (not better, too few videos, stopped)."""
    import argparse
    import sys

    from core.library import Library
    from core.model import load_model

    ap = argparse.ArgumentParser(prog="synesthesia adapt", description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, help="checkpoint to start from (default: the bundled)")
    ap.add_argument("--steps", type=int, default=AdaptConfig.steps)
    ap.add_argument("--lr", type=float, default=AdaptConfig.lr, help="learning rate")
    ap.add_argument("--wise", type=float, default=AdaptConfig.wise_alpha,
                    help="share of the way to the fine-tuned weights kept (WiSE-FT; 1: all)")
    ap.add_argument("--no-realmedia", action="store_true",
                    help="do not check the real-media evaluation set")
    ap.add_argument("--use", action="store_true", help="re-embed the library with the result")
    ap.add_argument("--videos", type=Path, nargs="+", metavar="PATH",
                    help="learn from these videos or folders of videos instead of the library's "
                         "(the library need not be opened: the window may hold it)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    model = load_model(args.model) if args.model else load_model()
    if args.videos:
        videos = list(enumerate(_video_files(args.videos)))
    else:
        with Library.open(library, read_only=True) as lib:
            videos = [(r.item_id, Path(r.path)) for r in lib.browse("kind:video", k=100_000)]
    cfg = AdaptConfig(steps=args.steps, lr=args.lr, wise_alpha=args.wise)

    def progress(step: int, total: int, loss: float) -> None:
        if step % 10 == 0 or step == total:
            print(f"adapting: step {step}/{total}, loss {loss:.3f}", file=sys.stderr, flush=True)

    try:
        rep = adapt(model, videos, Path(library) / "models", cfg, progress,
                    check_realmedia=not args.no_realmedia)
    except KeyboardInterrupt:
        rep = AdaptReport(cancelled=True, reason="stopped: nothing was written")
    print(json.dumps(report_json(rep), indent=1, default=str) if args.json else
          _table(rep) + f"\n{rep.reason}" + (f"\nwritten: {rep.checkpoint}" if rep.checkpoint
                                             else ""))
    if rep.checkpoint and args.use:  # the library is opened as its writer: not while busy
        with Library.open(library, model=load_model(rep.checkpoint)) as lib:
            done = lib.index()
        print(f"re-embedded with {rep.checkpoint}: {done.updated} items "
              f"(go back: synesthesia index --model {args.model or 'the bundled checkpoint'})",
              file=sys.stderr)
    return 0 if rep.checkpoint else 1
