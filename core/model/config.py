"""Configuration of the aligned network: one dataclass per tower, one for the whole.

Model 2 builds every tower on a pretrained network and maps each into the word space of the
sentence encoder (384-d), where the shared layers align them:

- image: the frozen ImageNet teacher's class distribution (top-k, renormalised) times a
  trainable matrix initialised with the sentence embeddings of the 1000 class texts
  ("name: WordNet definition") - the image branch keeps the teacher's knowledge by design;
- sound: SoundNet (conv1-conv7, heads for 1000 ImageNet objects and 401 Places scenes),
  upper layers fine-tuned, its class distributions mapped the same way;
- text: all-MiniLM-L6-v2, frozen.

At initialisation the shared layers are the identity, so an untrained model is exactly the
training-free composition of the pretrained parts (the baseline a trained model must beat).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class ImageTowerConfig:
    """Frozen ImageNet EfficientNet-Lite teacher; its class distribution into the word space."""

    backbone: str = "efficientnet-lite0"
    image_size: int = 224
    feature_dim: int = 1280  # pooled backbone features
    top_k: int = 10  # classes kept from the teacher's distribution (ConSE); 0 keeps all
    train_map: bool = True  # class-embedding matrix trainable


@dataclass
class SoundTowerConfig:
    """SoundNet over the raw waveform. The model API takes waveforms at `sample_rate`
    (resampled inside to SoundNet's 22,050 Hz). Layers in `train_layers` are fine-tuned."""

    sample_rate: int = 16000
    top_k: int = 10
    train_layers: tuple[str, ...] = ("conv7",)
    cache_layer: str = "conv5"  # training caches activations up to here (frozen below)
    train_map: bool = True
    adapter: bool = True  # conv7 features -> word space, added to the class mix (zero at init)
    # Subtract the mean embedding of the training corpus's sounds (fitted after training) and
    # normalise again: sound embeddings otherwise share one large common direction (hubness).
    center: bool = False
    # "soundnet": the tower above; "aisfx": the aiSFX embedding of real sound-effect
    # libraries through a trained head (core/model/sound_aisfx.py), optionally `beside` the
    # SoundNet tower (the two word-space outputs added).
    backbone: str = "soundnet"
    head_hidden: int = 1024
    head_dropout: float = 0.1
    beside: bool = False


@dataclass
class TextTowerConfig:
    """all-MiniLM-L6-v2 sentence embeddings (frozen)."""

    encoder: str = "all-MiniLM-L6-v2"
    word_dim: int = 384


@dataclass
class SharedConfig:
    """Shared upper layers: a residual trunk to the D-dim embedding (identity at init when
    dim == the word dimension), a head of ReLU units and 1000 ImageNet classes."""

    hidden: int = 768
    dim: int = 384
    units: int = 512
    classes: int = 1000


@dataclass
class ModelConfig:
    image: ImageTowerConfig = field(default_factory=ImageTowerConfig)
    sound: SoundTowerConfig = field(default_factory=SoundTowerConfig)
    text: TextTowerConfig = field(default_factory=TextTowerConfig)
    shared: SharedConfig = field(default_factory=SharedConfig)
    version: int = 2

    @classmethod
    def tiny(cls) -> ModelConfig:
        """A small configuration for tests: the same pretrained towers, narrow shared layers."""
        return cls(shared=SharedConfig(hidden=64, dim=32, units=48))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sound"]["train_layers"] = list(self.sound.train_layers)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        sound = dict(d["sound"])
        sound["train_layers"] = tuple(sound.get("train_layers", ()))
        return cls(
            image=ImageTowerConfig(**d["image"]),
            sound=SoundTowerConfig(**sound),
            text=TextTowerConfig(**d["text"]),
            shared=SharedConfig(**d["shared"]),
            version=d.get("version", 2),
        )
