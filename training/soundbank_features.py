"""Cached inputs for training the sound tower on the sound bank: per clip, the aiSFX
embedding (512) and the shipped SoundNet branch's word-space output (384, for the
"beside" variant); per Tux Paint stamp, the teacher's class logits of its picture. Stored as
plain .npz (no pickle) under `<cache>/soundbank/`, keyed by the manifest, so a rerun
computes nothing.

    python -m training.soundbank_features [--cache DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import time
from pathlib import Path

import numpy as np
import torch

from core.errors import UnreadableMedia

log = logging.getLogger(__name__)
MAX_SOUND_S = 30.0  # longer clips: the first 30 s (as the corpus's training cache)
RATE = 16000
# SoundNet's word-space output costs as much as aiSFX itself: it is computed for every
# held-out clip and every 4th training clip (NaN elsewhere), enough to compare the tower
# with SoundNet beside it against aiSFX alone on the same clips.
SOUNDNET_EVERY = 4


def manifest_key(items: list[dict]) -> str:
    h = hashlib.sha256(f"soundbank-features-v2-{SOUNDNET_EVERY}".encode())
    for it in items:
        h.update(f"{it['id']}\0{it['path']}\n".encode())
    return h.hexdigest()[:16]


def _progress(done: int, total: int, t0: float) -> None:
    rate = done / max(time.time() - t0, 1e-6)
    log.info("sound features: %d/%d (%.1f clips/s, ETA %.0f s)", done, total, rate,
             (total - done) / max(rate, 1e-6))


@torch.inference_mode()
def sound_features(items: list[dict], soundnet_model) -> dict[str, np.ndarray]:
    """aiSFX embeddings and SoundNet word-space vectors of every readable clip."""
    from core.media import load_audio
    from core.model.aisfx import AisfxEncoder
    from core.model.sound_aisfx import aisfx_embedding

    enc = AisfxEncoder().eval()
    branch = soundnet_model.net.sound
    has_soundnet = soundnet_model.cfg.sound.backbone == "soundnet"
    width = soundnet_model.cfg.text.word_dim
    ids, emb, h_sn, t0 = [], [], [], time.time()
    for n, it in enumerate(items, 1):
        try:
            wave = load_audio(it["path"], RATE, max_seconds=MAX_SOUND_S)
        except (UnreadableMedia, OSError) as e:
            log.warning("skipped %s: %s", it["id"], e)
            continue
        if wave.size < RATE // 20 or not np.any(wave):
            continue  # shorter than 50 ms, or silent
        w = torch.from_numpy(np.ascontiguousarray(wave, np.float32))[None]
        emb.append(aisfx_embedding(enc, w, RATE)[0].numpy())
        if has_soundnet and (it["split"] == "heldout" or n % SOUNDNET_EVERY == 0):
            h_sn.append(branch(w)[0][0].numpy())
        else:
            h_sn.append(np.full(width, np.nan, np.float32))
        ids.append(it["id"])
        if n % 250 == 0:
            _progress(n, len(items), t0)
    return {"ids": np.array(ids), "emb": np.stack(emb).astype(np.float32),
            "h_soundnet": np.stack(h_sn).astype(np.float32)}


@torch.inference_mode()
def picture_logits(items: list[dict], model) -> dict[str, np.ndarray]:
    """The teacher's class logits of each clip's stamp picture (clips with one)."""
    pairs = [(it["id"], it["image"]) for it in items if it.get("image")]
    ids, logits = [], []
    for s in range(0, len(pairs), 32):
        chunk = pairs[s:s + 32]
        try:
            _, lg = model.image_teacher_outputs([p for _, p in chunk])
        except UnreadableMedia as e:
            log.warning("pictures %d-%d skipped: %s", s, s + len(chunk), e)
            continue
        ids += [i for i, _ in chunk]
        logits.append(np.asarray(lg, np.float32))
    return {"image_ids": np.array(ids),
            "image_logits": np.concatenate(logits) if logits else np.zeros((0, 1000), np.float32)}


def load_or_compute(cache: Path | None = None) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The bank's manifest and its features (computed once per manifest)."""
    from core.model import load_model
    from training.corpus.debs import cache_dir

    root = cache_dir(cache) / "soundbank"
    items = json.loads((root / "manifest.json").read_text())
    path = root / f"features-{manifest_key(items)}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            return items, {k: z[k] for k in z.files}
    model = load_model(resources_default_soundnet())
    feats = sound_features(items, model) | picture_logits(items, model)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, **feats)
    tmp.replace(path)
    return items, feats


def resources_default_soundnet() -> Path:
    """The checkpoint whose SoundNet branch the "beside" variant adds to: the last one
    trained with the SoundNet tower (kept beside the default)."""
    from core.resources import RESOURCES

    path = RESOURCES / "models" / "soundnet.pt"
    return path if path.is_file() else RESOURCES / "models" / "default.pt"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cache", type=Path)
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(2)
    items, feats = load_or_compute(a.cache)
    print(f"{len(feats['ids'])} of {len(items)} clips, {len(feats['image_ids'])} pictures")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
