"""Cached inputs for fast student training: teacher outputs for every image and log-mel
spectrograms for every sound, computed once and stored as plain .npz (no pickle)."""

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
    frames: np.ndarray  # (total_frames, n_mels) float16, all clips concatenated
    offsets: np.ndarray  # (n + 1,) int64, clip i is frames[offsets[i]:offsets[i+1]]

    def index(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.ids)}

    def clip(self, i: int) -> np.ndarray:
        """(n_mels, frames) float32 log-mel of clip i."""
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


def image_features(model, items: list[dict], cache: Path, batch: int = 64) -> ImageFeatures:
    """Teacher features and logits for every image item (unreadable images are skipped)."""
    key = _key(items, model.cfg.image.backbone)
    path = cache / f"images-{key}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        return ImageFeatures(json.loads(str(z["ids"])), z["feats"], z["logits"])
    ids, feats, logits = [], [], []
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
    out = ImageFeatures(ids, np.concatenate(feats), np.concatenate(logits))
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, ids=json.dumps(ids), feats=out.feats, logits=out.logits)
    tmp.replace(path)
    return out


def sound_features(model, items: list[dict], cache: Path) -> SoundFeatures:
    """Log-mel spectrograms (first 30 s) of every sound item (unreadable sounds are skipped)."""
    from core.media import load_audio

    cfg = model.cfg.sound
    key = _key(items, f"{cfg.sample_rate}-{cfg.n_mels}-{cfg.n_fft}-{cfg.hop}")
    path = cache / f"sounds-{key}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        return SoundFeatures(json.loads(str(z["ids"])), z["frames"], z["offsets"])

    def decode(it: dict):
        try:
            w = load_audio(it["path"], sample_rate=cfg.sample_rate)
        except UnreadableMedia as e:
            log.warning("skipping sound %s: %s", it["id"], e)
            return None
        w = w[: int(MAX_SOUND_S * cfg.sample_rate)]
        if len(w) < cfg.sample_rate // 4:
            return None
        return it["id"], w

    ids, clips = [], []
    logmel = model.net.logmel.cpu()
    t0 = time.time()
    with ThreadPoolExecutor(max_workers=2) as pool, torch.inference_mode():
        for n, res in enumerate(pool.map(decode, items)):
            if res is None:
                continue
            m = logmel(torch.from_numpy(res[1])[None])[0].T.numpy().astype(np.float16)
            ids.append(res[0])
            clips.append(m)
            if n % 200 == 0:
                _progress("log-mel", n + 1, len(items), t0)
    offsets = np.zeros(len(clips) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(c) for c in clips])
    out = SoundFeatures(ids, np.concatenate(clips), offsets)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, ids=json.dumps(ids), frames=out.frames, offsets=offsets)
    tmp.replace(path)
    return out
