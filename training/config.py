"""What a training run is: its recipe switches, budget and paths (one dataclass)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.model.api import DEFAULT_CHECKPOINT

RECIPES = {
    # name: (kl weight, ranking weight)
    "paper": (1.0, 1.0),
    "kl-only": (1.0, 0.0),
    "ranking-only": (0.0, 1.0),
}


@dataclass
class TrainConfig:
    steps: int = 2000
    batch_text: int = 256
    batch_sound: int = 64
    batch_class: int = 256
    lr: float = 1e-3  # shared layers
    lr_pretrained: float = 2e-5  # class maps and SoundNet layers (Adam: ~lr per element per step)
    weight_decay: float = 1e-4
    anchor: float = 1.0  # pull of the class maps back towards their pretrained values
    warmup: int = 100
    temperature: float = 2.0  # KL softening
    tau: float = 0.05  # ranking loss temperature
    recipe: str = "paper"
    crop_frames: int = 54  # SoundNet conv5 frames: 20 s, as at inference
    seed: int = 0
    held_out: float = 0.15
    tiny: bool = False
    out: str = str(DEFAULT_CHECKPOINT)
    corpus: list[str] = field(default_factory=list)  # extra pair folders (see README)
    device: str | None = None
    eval_every: int = 500
    sound_layers: tuple[str, ...] = ("conv7",)  # SoundNet layers fine-tuned
    image_top_k: int = 10
    # Which parts learn. The shared trunk and the image's class map see clip-art image+text
    # pairs: training them pulls the space towards clip-art (see README, ablations).
    train_trunk: bool = False
    train_image_map: bool = False
    sound_adapter: bool = True
    # Image+sound pairs pivot on the teacher's view of the image. On clip-art it often sees
    # nonsense (a drawn dog as "envelope", "hook", "analog clock"): keep only paired images
    # whose top teacher class has at least this probability (0 keeps all; 269 of 1,349 here).
    pivot_min_conf: float = 0.5
    # The same for image+text pairs (0 keeps all): with the image class map trained, only
    # images the teacher recognises teach it how people name what it sees.
    text_pivot_min_conf: float = 0.0
    # Sound categories of the corpus to train on (effect, instrument, music, voice); empty: all.
    sound_categories: tuple[str, ...] = ()
    threads: int = 0
    # After training, every trained parameter is moved back towards its pretrained value:
    # (1 - wise_alpha) * pretrained + wise_alpha * fine-tuned (WiSE-FT, training.robust).
    # 0.5 is WiSE-FT's own default; on the held-out split it is as good as or better than 1.0.
    wise_alpha: float = 0.5
    # Subtract the training sounds' mean embedding from every sound embedding (measured, off:
    # on the held-out split it did not help at alpha 0.5; see README, ablations).
    center_sounds: bool = False
