"""The aligned network. Importing this package does not import torch; the functions do.

    from core.model import load_model
    m = load_model()                  # default checkpoint; load_model(path) for another
    m.encode_images(paths_or_arrays)  # -> np.ndarray (n, D), rows unit-norm
    m.encode_sounds(paths_or_waveforms)
    m.encode_texts(list_of_str)
    m.concepts(embeddings)            # -> (n, 1000) class probabilities
    m.units(embeddings)               # -> (n, U) shared-layer unit activations
    m.dim, m.model_id, m.device
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.model.config import ModelConfig

if TYPE_CHECKING:
    from core.model.api import AlignedModel
    from core.model.onnx_model import OnnxModel

__all__ = ["ModelConfig", "load_model", "load_text_first", "create_model", "save_checkpoint",
           "default_checkpoint", "pick_runtime", "runtime_info", "RUNTIMES"]


def default_checkpoint() -> Path:
    """Where the bundled checkpoint lives (it may be absent before `synesthesia train`)."""
    from core.resources import resource

    return resource("models", "default.pt")


RUNTIMES = ("auto", "onnx", "torch")


def torch_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def pick_runtime(path: str | Path | None = None, device: str | None = None,
                 runtime: str | None = None) -> str:
    """"onnx" or "torch": ``runtime``, else $SYNESTHESIA_RUNTIME, else "auto": torch where it
    is installed (the `torch` or `gpu` extra: GPU inference, training), ONNX Runtime otherwise.
    A CUDA device means torch."""
    import os

    want = runtime or os.environ.get("SYNESTHESIA_RUNTIME") or "auto"
    if want not in RUNTIMES:
        raise ValueError(f"unknown runtime {want!r}; one of {', '.join(RUNTIMES)}")
    device = device or os.environ.get("SYNESTHESIA_DEVICE") or "auto"
    if want == "onnx" and device.startswith("cuda"):
        raise ValueError("the ONNX runtime runs on the CPU; use the torch runtime for CUDA")
    if want != "auto":
        return want
    if torch_installed() or device.startswith("cuda"):
        return "torch"
    return "onnx"


def runtime_info(path: str | Path | None = None) -> dict:
    """Which runtime and device ``load_model(path)`` would use here, and what is installed
    (for `synesthesia doctor`). Imports torch only where it is installed."""
    from core.model.onnx_model import has_graphs

    runtime = pick_runtime(path)
    info = {"runtime": runtime, "torch_installed": torch_installed(),
            "onnx_graphs": has_graphs(Path(path) if path else default_checkpoint())}
    if runtime == "torch":
        from core.model.runtime import pick_device

        info["device"] = pick_device(None)
    else:
        info["device"] = "cpu"
    return info


def load_model(path: str | Path | None = None, device: str | None = None,
               runtime: str | None = None) -> AlignedModel | OnnxModel:
    """The model of a checkpoint (the bundled one by default) on ONNX Runtime
    (``core.model.onnx_model.OnnxModel``: its graphs exported beside the checkpoint) or on
    torch (``core.model.api.AlignedModel``), as ``pick_runtime`` chooses."""
    from core.model.pretrained import check_in_background

    check_in_background()  # the files' hashes while the runtime is imported: a shorter start-up
    if pick_runtime(path, device, runtime) == "onnx":
        from core.errors import CheckpointError
        from core.model.onnx_model import OnnxModel, has_graphs

        ckpt = Path(path) if path else default_checkpoint()
        if not has_graphs(ckpt):
            raise CheckpointError(
                f"{ckpt}: no ONNX graphs beside it; export them (python -m "
                "core.model.onnx_export, needs the train extra) or install the torch extra")
        return OnnxModel(ckpt)
    if not torch_installed():
        from core.errors import CheckpointError

        raise CheckpointError("the torch runtime needs torch: install synesthesia[torch]")
    from core.model.api import load_model as _load

    return _load(path, device)


def load_text_first(path: str | Path | None = None, device: str | None = None):
    """``load_model(path, device)`` for a window's start. On ONNX Runtime that model itself
    (its text graph alone is loaded for a first query); on torch, text queries are embedded in
    numpy at once and torch and the full model are loaded on first need of anything else
    (``core.model.quick.TextFirstModel``)."""
    if pick_runtime(path, device) == "onnx":
        return load_model(path, device, "onnx")
    from core.model.quick import TextFirstModel

    return TextFirstModel(path, device)


def create_model(cfg: ModelConfig | None = None, seed: int = 0, device: str | None = None
                 ) -> AlignedModel:
    from core.model.api import create_model as _create

    return _create(cfg, seed, device)


def save_checkpoint(model: AlignedModel, path: str | Path, **meta) -> str:
    from core.model.api import save_checkpoint as _save

    return _save(model, path, **meta)
