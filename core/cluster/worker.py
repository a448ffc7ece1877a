"""What a cluster worker does with a batch of files: read, decode and embed them where it
runs, and send back only the vectors and what the store records about each file (no
pixels, no waveforms). Plain Python: ``core.cluster.embedder`` wraps it in a Ray actor,
and it runs the same without one.

A worker reads each file at the path the library knows it by (a shared folder or a NAS
mounted at the same place on every machine). When the file is not there the worker says
so; the library process, which does see the file, records that this worker cannot see
it instead of forgetting the file."""

from __future__ import annotations

import os
import socket
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.library.decode import IMAGE_SIDE, Decoded, decode
from core.library.embed import encode_items, encoders
from core.library.scan import ScannedFile
from core.library.threads import ThreadBudget, torch_threads


@dataclass
class Embedded:
    """One file of a batch as the worker leaves it: ``decoded`` without its pieces, the
    vectors of its segments (None when it failed), and whether the file was missing on
    the worker."""

    decoded: Decoded
    vectors: np.ndarray | None
    missing: bool = False


@dataclass(frozen=True)
class WorkerInfo:
    node: str  # the machine's host name, for messages
    model_id: str
    device: str
    cores: int
    node_id: str = ""  # the Ray node it runs on (set by the pool)


class EmbedWorker:
    """Loads the network once, then embeds batches of files.

    ``checkpoint``: the checkpoint file's bytes (the library's own network, sent through
    the cluster) or None for the bundled default; ``cores``: how many of the machine's
    cores this worker may use."""

    def __init__(self, checkpoint: bytes | None = None, cores: int | None = None,
                 device: str | None = None) -> None:
        from core.model import load_model

        if checkpoint is None:
            self.model = load_model(device=device)
        else:
            with tempfile.TemporaryDirectory() as d:
                path = Path(d) / "checkpoint.pt"
                path.write_bytes(checkpoint)
                self.model = load_model(path, device=device)
        self.budget = ThreadBudget.for_machine(self.model, cores=cores)
        self.cores = cores or os.cpu_count() or 1
        self.encoders = encoders(self.model)
        self.image_side = getattr(self.model, "image_side", IMAGE_SIDE)
        self.node = socket.gethostname()

    def info(self) -> WorkerInfo:
        return WorkerInfo(self.node, self.model.model_id, str(self.model.device), self.cores)

    def embed(self, files: list[ScannedFile], hashes: list[str | None]) -> list[Embedded]:
        """Decode and embed ``files`` (all of one kind); each comes back, in order."""
        with ThreadPoolExecutor(self.budget.decoders) as pool:
            decoded = list(pool.map(lambda fh: decode(fh[0], fh[1], self.image_side),
                                    zip(files, hashes, strict=True)))
        out = [Embedded(d, None, missing=_missing(d)) for d in decoded]
        ready = [e for e in out if e.decoded.error is None and not e.decoded.vanished]
        if ready:
            kind = ready[0].decoded.file.kind
            with torch_threads(self.budget.model):
                vecs = encode_items(self.encoders[kind], [e.decoded for e in ready])
            for e, v in zip(ready, vecs, strict=True):
                e.vectors = None if v is None else np.asarray(v, np.float32)
        for e in out:
            e.decoded.pieces = []
        return out


def _missing(d: Decoded) -> bool:
    return d.vanished or not os.path.exists(d.file.path)

