"""A real Ray cluster on this machine for the tests and benchmarks: a head and worker
nodes, each a ``ray start --block`` process of its own (a process group the cluster
started and stops by its id), on the loopback address, with a small object store.

The head takes no work (0 CPUs); each worker node offers ``cpus`` CPUs. ``kill_worker``
ends one worker node at once (SIGKILL to its process group), as a machine that drops out.
Leaving the ``with`` block stops every node, whatever happened inside it. With
``hidden``, the worker nodes run in a mount namespace of their own where that folder is
an empty one: files the library process sees there, the workers cannot.

Ray's control service and node managers listen on every interface of the machine (Ray
has no option to keep them to one); the nodes know each other by the loopback address."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OBJECT_STORE_BYTES = 100 * 1024 * 1024
LOOPBACK = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def can_hide_folders() -> bool:
    """Whether a worker node can be started with a folder it cannot see (a private mount
    namespace: root, or a user namespace allowed by the system)."""
    if shutil.which("unshare") is None:
        return False
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            'mount -t tmpfs none "$0"', d], capture_output=True, timeout=30)
    return r.returncode == 0


def ray_available() -> bool:
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


class LocalRayCluster:
    def __init__(self, workers: int = 2, cpus: int = 1, start_timeout_s: float = 240.0,
                 hidden: Path | None = None):
        self.workers = workers
        self.hidden = hidden
        self.cpus = cpus
        self.start_timeout_s = start_timeout_s
        self.port = _free_port()
        self.address = f"{LOOPBACK}:{self.port}"
        # short: Ray's unix sockets live under it (107 bytes at most on Linux)
        self.temp = Path(tempfile.mkdtemp(prefix="syn-ray-", dir="/tmp"))
        self.head: subprocess.Popen | None = None
        self.nodes: list[subprocess.Popen] = []
        self.logs: dict[int, Path] = {}

    def _ray(self, *args: str, hide: bool = False) -> subprocess.Popen:
        ray = Path(sys.executable).with_name("ray")
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0",
               "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]),
                                              os.environ.get("PYTHONPATH", "")])}
        log_path = self.temp / f"start-{len(self.nodes) + (self.head is not None)}.log"
        log = open(log_path, "wb")
        cmd = [str(ray), "start", "--block", "--disable-usage-stats",
               "--node-ip-address", LOOPBACK, "--object-store-memory", str(OBJECT_STORE_BYTES),
               "--temp-dir", str(self.temp), *args]
        if hide and self.hidden is not None:  # an empty folder over it, for this node only
            cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                   'mount -t tmpfs none "$0" && exec "$@"', str(self.hidden), *cmd]
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        log.close()
        self.logs[p.pid] = log_path
        return p

    def __enter__(self) -> LocalRayCluster:
        try:
            self.head = self._ray("--head", "--port", str(self.port), "--num-cpus", "0",
                                  "--include-dashboard", "false")
            self._wait_nodes(1)
            for _ in range(self.workers):  # one at a time: a busy machine times out two
                self.add_worker()
        except BaseException as e:
            logs = "\n".join(f"{path.name}: {path.read_text(errors='replace')[-800:]}"
                             for path in self.logs.values() if path.exists())
            self.stop()
            if isinstance(e, Exception):
                raise RuntimeError(f"the local Ray cluster did not start ({e}):\n{logs}") from e
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_worker(self, tries: int = 2) -> None:
        """Starts one more worker node and waits for it (again once when it failed)."""
        for attempt in range(tries):
            self.nodes.append(self._ray("--address", self.address, "--num-cpus",
                                        str(self.cpus), hide=True))
            try:
                self._wait_nodes(1 + len(self.alive_workers()))
                return
            except RuntimeError:
                if attempt == tries - 1:
                    raise

    def alive_workers(self) -> list[subprocess.Popen]:
        return [p for p in self.nodes if p.poll() is None]

    def alive_nodes(self) -> int:
        """Nodes the cluster's control service counts as alive (asked from a subprocess:
        this process stays free of a Ray connection)."""
        code = ("import ray, sys; ray.init(address=sys.argv[1], log_to_driver=False, "
                "logging_level='ERROR'); print(sum(n['Alive'] for n in ray.nodes()))")
        try:
            out = subprocess.run([sys.executable, "-c", code, self.address],
                                 capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            return 0
        lines = out.stdout.strip().splitlines()
        return int(lines[-1]) if out.returncode == 0 and lines else 0

    def _started(self, p: subprocess.Popen) -> bool:
        """``ray start`` says so once its node has joined the cluster."""
        try:
            return b"Ray runtime started" in self.logs[p.pid].read_bytes()
        except OSError:
            return False

    def _wait_nodes(self, n: int) -> None:
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            procs = [*([self.head] if self.head else []), *self.alive_workers()]
            if any(p.poll() is not None for p in procs):
                raise RuntimeError(f"a Ray node exited; see {self.temp}")
            if sum(self._started(p) for p in procs) >= n:
                return
            time.sleep(0.5)
        raise TimeoutError(f"{n} Ray nodes did not come up in {self.start_timeout_s} s")

    def kill_worker(self, i: int = 0) -> None:
        """Ends worker node ``i`` at once: its raylet, object store and worker processes."""
        p = self.nodes[i]
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(timeout=30)

    def stop(self) -> None:
        for p in [*self.nodes, *([self.head] if self.head else [])]:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for p in [*self.nodes, *([self.head] if self.head else [])]:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
            try:  # children the node's process left behind in its group
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.nodes.clear()
        self.head = None
        shutil.rmtree(self.temp, ignore_errors=True)
