"""Cached inputs for fast student training: teacher outputs for every image, SoundNet's frozen
lower-layer activations for every sound and sentence embeddings of every text, computed once
and stored as plain .npz (no pickle)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.errors import UnreadableMedia

log = logging.getLogger(__name__)
MAX_SOUND_S = 30.0  # longer clips: the first 30 s are kept for training


@dataclass
class ImageFeatures:
    ids: list[str]
    feats: np.ndarray  # (n, 1280) float16, teacher's pooled features
    logits: np.ndarray  # (n, 1000) float16, teacher's class logits

    def index(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.ids)}


@dataclass
class SoundFeatures:
    ids: list[str]
    frames: np.ndarray  # (total_frames, channels) float16, all clips concatenated
    offsets: np.ndarray  # (n + 1,) int64, clip i is frames[offsets[i]:offsets[i+1]]

    def index(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.ids)}

    def clip(self, i: int) -> np.ndarray:
        """(channels, frames) float32 activations of clip i."""
        return self.frames[self.offsets[i] : self.offsets[i + 1]].T.astype(np.float32)


def _key(items: list[dict], extra: str) -> str:
    h = hashlib.sha256(extra.encode())
    for it in items:
        h.update(f"{it['id']}\0{it['path']}\n".encode())
    return h.hexdigest()[:16]


def _progress(what: str, done: int, total: int, t0: float) -> None:
    rate = done / max(time.time() - t0, 1e-6)
    eta = (total - done) / max(rate, 1e-6)
    log.info("%s: %d/%d (%.1f/s, ETA %.0f s)", what, done, total, rate, eta)


def _earlier(cache: Path, pattern: str, fields: tuple[str, ...]) -> dict[str, tuple]:
    """Rows of earlier caches of the same kind, by item id, so a grown corpus only computes
    its new items."""
    rows: dict[str, tuple] = {}
    for old in sorted(cache.glob(pattern)) if cache.exists() else []:
        try:
            z = np.load(old, allow_pickle=False)
            ids = json.loads(str(z["ids"]))
            arrays = [z[f] for f in fields]
        except (OSError, ValueError, KeyError):
            continue
        if "offsets" in fields:  # ragged: frames + offsets
            frames, offsets = arrays
            for i, k in enumerate(ids):
                rows[k] = (frames[offsets[i] : offsets[i + 1]],)
        else:
            for i, k in enumerate(ids):
                rows[k] = tuple(a[i] for a in arrays)
    return rows


def image_features(model, items: list[dict], cache: Path, batch: int = 64) -> ImageFeatures:
    """Teacher features and logits for every image item (unreadable images are skipped)."""
    key = _key(items, model.cfg.image.backbone)
    path = cache / f"images-{key}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        return ImageFeatures(json.loads(str(z["ids"])), z["feats"], z["logits"])
    ids, feats, logits = [], [], []
    known = _earlier(cache, "images-*.npz", ("feats", "logits"))
    known_ids = [it["id"] for it in items if it["id"] in known]
    if known_ids:
        ids += known_ids
        feats.append(np.stack([known[k][0] for k in known_ids]))
        logits.append(np.stack([known[k][1] for k in known_ids]))
    items = [it for it in items if it["id"] not in known]
    t0 = time.time()
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        good = []
        for it in chunk:  # decode one by one so one bad file does not lose the batch
            try:
                from core.media import load_image

                good.append((it["id"], load_image(it["path"], max_side=448)))
            except UnreadableMedia as e:
                log.warning("skipping image %s: %s", it["id"], e)
        if good:
            f, lg = model.image_teacher_outputs([g[1] for g in good])
            ids += [g[0] for g in good]
            feats.append(f.astype(np.float16))
            logits.append(lg.astype(np.float16))
        if (start // batch) % 20 == 0:
            _progress("teacher", start + len(chunk), len(items), t0)
    out = ImageFeatures(ids, np.concatenate(feats).astype(np.float16),
                        np.concatenate(logits).astype(np.float16))
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, ids=json.dumps(ids), feats=out.feats, logits=out.logits)
    tmp.replace(path)
    return out


def sound_features(model, items: list[dict], cache: Path) -> SoundFeatures:
    """SoundNet activations at the layer below the fine-tuned ones (cfg.sound.cache_layer) for
    every sound item: the first 30 s, at the model's input rate, tiled to 20 s as at inference.
    Unreadable sounds are skipped."""
    from core.model.soundnet import MIN_SECONDS, NET_RATE

    cfg = model.cfg.sound
    key = _key(items, f"soundnet-{cfg.sample_rate}-{cfg.cache_layer}")
    path = cache / f"soundnet-{key}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        return SoundFeatures(json.loads(str(z["ids"])), z["frames"], z["offsets"])

    known = _earlier(cache, "soundnet-*.npz", ("frames", "offsets"))
    ids = [it["id"] for it in items if it["id"] in known]
    clips = [known[k][0] for k in ids]
    items = [it for it in items if it["id"] not in known]
    branch = model.net.sound
    dev = model.device
    t0 = time.time()
    pending: list[tuple[str, torch.Tensor]] = []  # clips tiled to the same 20 s, run batched

    def run(batch: list[tuple[str, torch.Tensor]]) -> None:
        h = branch.soundnet.features(torch.cat([w for _, w in batch]), cfg.cache_layer)
        for (k, _), a in zip(batch, h.transpose(1, 2).float().cpu().numpy(), strict=True):
            ids.append(k)
            clips.append(a.astype(np.float16))

    with ThreadPoolExecutor(max_workers=1) as pool, torch.inference_mode():
        for n, res in enumerate(pool.map(_decoded, items, [cfg.sample_rate] * len(items))):
            if res is not None:
                w = branch.prepare(torch.from_numpy(res[1])[None].to(dev))
                if w.shape[1] == int(MIN_SECONDS * NET_RATE):
                    pending.append((res[0], w))
                else:
                    run([(res[0], w)])
                if len(pending) == 16:
                    run(pending)
                    pending = []
            if n % 100 == 0:
                _progress("SoundNet", n + 1, len(items), t0)
        if pending:
            run(pending)
    return _save_sounds(path, ids, clips)


def _decoded(it: dict, rate: int) -> tuple[str, np.ndarray] | None:
    """`(id, the first MAX_SOUND_S seconds at `rate`)` of a sound item; None when it cannot be
    read, is shorter than 50 ms or holds non-finite samples."""
    from core.media import load_audio

    try:
        w = load_audio(it["path"], sample_rate=rate)
    except UnreadableMedia as e:
        log.warning("skipping sound %s: %s", it["id"], e)
        return None
    w = w[: int(MAX_SOUND_S * rate)]
    if len(w) < rate // 20 or not np.all(np.isfinite(w)):
        return None
    return it["id"], w


def _save_sounds(path: Path, ids: list[str], clips: list[np.ndarray]) -> SoundFeatures:
    """Clips' activations as one frame array with offsets, written to `path` atomically."""
    offsets = np.zeros(len(clips) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(c) for c in clips])
    out = SoundFeatures(ids, np.concatenate(clips), offsets)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, ids=json.dumps(ids), frames=out.frames, offsets=offsets)
    tmp.replace(path)
    return out


def text_features(model, texts: list[str], cache: Path, name: str
                  ) -> tuple[list[str], np.ndarray]:
    """Sentence-encoder embeddings (frozen, before the shared layers) of `texts`, cached:
    (the distinct texts, sorted; their (n, 384) float16 embeddings, row for row)."""
    uniq = sorted(set(texts))
    key = _key([{"id": t, "path": ""} for t in uniq], "minilm")
    path = cache / f"texts-{name}-{key}.npz"
    if path.exists():
        emb = np.load(path, allow_pickle=False)["emb"]
    else:
        t0 = time.time()
        rows = []
        for s in range(0, len(uniq), 256):
            rows.append(model.net.text(uniq[s : s + 256]).float().cpu().numpy().astype(np.float16))
            if (s // 256) % 10 == 0:
                _progress(f"texts ({name})", s + 256, len(uniq), t0)
        emb = np.concatenate(rows) if rows else np.zeros((0, 384), np.float16)
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, emb=emb)
        tmp.replace(path)
    return uniq, emb
