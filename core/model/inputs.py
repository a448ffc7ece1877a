"""What every runtime of the model does before its networks, without torch: decoding images
(paths or arrays) and checking waveforms, and cutting long sounds into windows."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from core.errors import EmptyInput, UnreadableMedia

IMAGE_BATCH = 32
LONG_SOUND_S = 120.0  # longer sounds are embedded in windows and averaged
WINDOW_S = 20.0
SOUND_BATCH = 8


class MediaInputs:
    """Mixed into a model that has ``cfg`` (a ModelConfig): what both runtimes' models say
    about themselves, and how they read their inputs."""

    @property
    def dim(self) -> int:
        return self.cfg.shared.dim

    @property
    def image_side(self) -> int:
        """The side of the square the image network sees (decoders may fit images to it)."""
        return self.cfg.image.image_size

    @property
    def concept_names(self) -> list[str]:
        from core.model.classes import class_names

        return class_names()

    def _decode_images(self, items: Sequence) -> list[np.ndarray]:
        from core.media import load_image

        def one(x):
            if isinstance(x, np.ndarray):
                if x.ndim != 3 or x.shape[2] != 3 or x.dtype != np.uint8 or 0 in x.shape:
                    raise UnreadableMedia(None, "an image array must be (H, W, 3) uint8 RGB")
                return x
            return load_image(x, min_side=self.image_side)

        if all(isinstance(x, np.ndarray) for x in items):  # the indexer decoded them
            return [one(x) for x in items]
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(one, items))

    def _waveform(self, x) -> np.ndarray:
        if isinstance(x, np.ndarray):
            w = np.asarray(x, dtype=np.float32)
            if w.ndim == 2:  # (channels, samples) or (samples, channels)
                w = w.mean(axis=0 if w.shape[0] < w.shape[1] else 1)
            if w.ndim != 1:
                raise UnreadableMedia(None, "a waveform must be a 1-D float array at 16 kHz")
        else:
            from core.media import load_audio

            w = load_audio(x, sample_rate=self.cfg.sound.sample_rate)
        if w.size == 0:
            raise EmptyInput(None if isinstance(x, np.ndarray) else x, "the sound has no samples")
        if not np.all(np.isfinite(w)):
            raise UnreadableMedia(None, "the waveform contains NaN or infinite samples")
        return w

    def _windows(self, wave: np.ndarray) -> list[np.ndarray]:
        sr = self.cfg.sound.sample_rate
        if len(wave) <= LONG_SOUND_S * sr:
            return [wave]
        step = int(WINDOW_S * sr)
        out = [wave[s : s + step] for s in range(0, len(wave) - step // 2, step)]
        out[-1] = wave[-step:]
        return out

    def _window_items(self, items: Sequence) -> tuple[list[np.ndarray], list[int]]:
        """Every sound's windows, and which sound each window belongs to."""
        windows, owner = [], []
        for i, x in enumerate(items):
            for w in self._windows(self._waveform(x)):
                windows.append(w)
                owner.append(i)
        return windows, owner

    def _sum_windows(self, n: int, owner: list[int], emb: np.ndarray, dim: int) -> np.ndarray:
        """Window embeddings -> one unit-norm row per sound (the mean direction)."""
        out = np.zeros((n, dim), np.float32)
        if owner:
            np.add.at(out, np.asarray(owner, dtype=np.int64), emb)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)
