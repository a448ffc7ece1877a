"""Indexing on a Ray cluster: the decode and embed work of an index job runs on the
cluster's machines, the library process saves what comes back (it stays the only writer
of SQLite and the search indexes).

``ClusterOptions`` says where the cluster is; ``IndexJob`` (``Library.index(cluster=...)``)
then embeds through ``core.cluster.embedder.ClusterEmbedder`` instead of the local
``Embedder``: the same phases, progress, cancel and crash safety. Ray is imported only
when a job runs with a cluster (the ``cluster`` extra installs it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import SynesthesiaError


class ClusterError(SynesthesiaError):
    """The cluster cannot be used: Ray is not installed, the address cannot be reached,
    or its workers cannot run the library's network."""


@dataclass(frozen=True)
class ClusterOptions:
    """``address``: the Ray cluster, as ``ray.init`` takes it ("HOST:PORT" of the head
    when this machine is one of the cluster's nodes, "ray://HOST:10001" through Ray
    Client otherwise, "auto" for the cluster this machine belongs to).
    ``checkpoint``: the network's checkpoint file, sent to the workers (None: the bundled
    default, which each worker loads from its own installation).
    ``in_flight``: batches queued at each worker (one in work, the next one ready).
    ``retries``: how often a batch is sent again after the worker holding it was lost.
    ``start_timeout_s``: how long workers may take to load the network.
    ``workers``: at most this many workers (one per node; None: every node with a CPU)."""

    address: str
    checkpoint: Path | None = None
    workers: int | None = None
    in_flight: int = 2
    retries: int = 3
    start_timeout_s: float = 180.0


def ray_installed() -> bool:
    """Whether Ray can be imported here (without importing it)."""
    from importlib.util import find_spec

    return find_spec("ray") is not None
