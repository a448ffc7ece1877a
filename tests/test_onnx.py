"""The networks on ONNX Runtime against their torch definitions: the numpy front ends, the
exported graphs of the bundled checkpoint on the demo library (and on the real-media set when
it is built), a library indexed with one runtime searched with the other, the graphs' hashes,
and the application's path without torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.errors import CheckpointError
from core.model import default_checkpoint, load_model, pick_runtime
from core.model.onnx_model import has_graphs, onnx_dir

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "resources" / "demo"
COSINE = 0.9999

needs_graphs = pytest.mark.skipif(not has_graphs(default_checkpoint()),
                                  reason="the bundled checkpoint's ONNX graphs are not exported")


def _demo() -> tuple[list[Path], list[Path], list[str]]:
    photos = sorted(p for p in (DEMO / "photos").iterdir() if p.suffix in (".jpg", ".png"))
    sounds = sorted((DEMO / "sounds").glob("*.wav"))
    notes = [p.read_text(encoding="utf-8") for p in sorted((DEMO / "notes").glob("*.md"))]
    return photos, sounds, notes + ["a dog barking", "rain on a window", "Kirchenglocken", "x"]


@pytest.fixture(scope="module")
def models():
    return load_model(runtime="torch", device="cpu"), load_model(runtime="onnx")


@pytest.fixture
def float32_sound(monkeypatch):
    """The torch sound tower in float32 (its CPU default is bfloat16 where native)."""
    import core.model.aisfx as aisfx

    monkeypatch.setattr(aisfx, "bf16_ok", lambda device: False)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    assert a.shape == b.shape and a.dtype == b.dtype == np.float32
    return (a * b).sum(axis=1)


# -- the front ends ---------------------------------------------------------------------------
def test_resampling_and_log_mel_match_torchaudio():
    torch = pytest.importorskip("torch")
    torchaudio = pytest.importorskip("torchaudio")
    from core.model import aisfx, frontend

    rng = np.random.default_rng(0)
    for n in (1, 999, 16000 * 3 + 17):
        w = (rng.standard_normal(n) * 0.3).astype(np.float32)
        ref = torchaudio.functional.resample(torch.from_numpy(w)[None], 16000, 44100)[0].numpy()
        got = frontend.resample(w, 16000, 44100)
        assert got.shape == ref.shape and np.abs(got - ref).max() < 1e-5
    assert np.abs(frontend.mel_filters() - aisfx.mel_filters().numpy()).max() < 1e-5
    spec = aisfx.log_mel(torch.from_numpy(ref)[None], aisfx.mel_filters())[0].numpy()
    mine = frontend.log_mel(ref)
    assert mine.shape == (max(len(spec), 100), 96)
    assert np.abs(mine[: len(spec)] - spec).max() < 1e-4


def test_pixels_match_torch_preprocessing():
    pytest.importorskip("torch")
    from core.model import frontend
    from core.model.image import preprocess

    rng = np.random.default_rng(1)
    imgs = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in ((300, 200), (224, 224))]
    assert np.array_equal(frontend.pixels(imgs), preprocess(imgs).numpy())


# -- the bundled checkpoint ---------------------------------------------------------------------
@needs_graphs
def test_demo_library_same_vectors(models, float32_sound):
    """Photos, recordings and texts of the demo library: ONNX within cosine 0.9999 of torch
    (the torch sound tower in float32, the definition the graph was exported from)."""
    t, o = models
    assert o.model_id == t.model_id and o.dim == t.dim and o.runtime == "onnx"
    photos, sounds, texts = _demo()
    for method, items in (("encode_images", photos), ("encode_sounds", sounds),
                          ("encode_texts", texts)):
        c = _cosines(getattr(t, method)(items), getattr(o, method)(items))
        assert c.min() >= COSINE, (method, float(c.min()))
    e = t.encode_images(photos[:5])
    assert np.abs(t.concepts(e) - o.concepts(e)).max() < 1e-5
    assert np.abs(t.units(e) - o.units(e)).max() < 1e-4


@pytest.mark.slow
@needs_graphs
def test_demo_sounds_near_the_torch_cpu_default(models):
    """The torch sound tower's CPU default (bfloat16 convolutions where native) drifts from its
    own float32 numbers; the graph (float32) stays near it too."""
    t, o = models
    _, sounds, _ = _demo()
    assert _cosines(t.encode_sounds(sounds), o.encode_sounds(sounds)).min() >= 0.998


@pytest.mark.slow
@needs_graphs
def test_long_sound_windows_and_batches(models, float32_sound):
    t, o = models
    rng = np.random.default_rng(2)
    waves = [(rng.standard_normal(16000 * s) * 0.1).astype(np.float32) for s in (1, 1, 130)]
    assert _cosines(t.encode_sounds(waves), o.encode_sounds(waves)).min() >= COSINE
    assert o.encode_images([]).shape == (0, o.dim) and o.encode_texts([]).shape == (0, o.dim)


@pytest.mark.slow
@needs_graphs
def test_real_media_same_vectors(models, float32_sound):
    """The real-media evaluation set (training.realmedia build), when it is built here."""
    from training.realmedia import cache_dir, load_manifest

    if not (cache_dir() / "manifest.jsonl").is_file():
        pytest.skip("the real-media set is not built (python -m training.realmedia build)")
    rows = load_manifest()
    t, o = models
    for kind, method in (("image", "encode_images"), ("sound", "encode_sounds")):
        items = [r["path"] for r in rows if r["kind"] == kind]
        assert items
        c = _cosines(getattr(t, method)(items), getattr(o, method)(items))
        assert c.min() >= COSINE, (kind, float(c.min()))
    texts = [r["texts"][0] for r in rows]
    assert _cosines(t.encode_texts(texts), o.encode_texts(texts)).min() >= COSINE


@needs_graphs
def test_library_indexed_with_one_runtime_searches_with_the_other(models, tmp_path):
    from core.library import Library
    from core.search import Query

    t, o = models
    queries = [Query(text="a dog"), Query(text="birds singing"), Query(text="a steam locomotive"),
               Query(file=DEMO / "sounds" / "dog_barking.wav"),
               Query(file=DEMO / "photos" / "owl.png")]

    def top(lib) -> list[list[str]]:
        return [[r.path.name for r in lib.search(q, k=5)] for q in queries]

    for first, second in ((t, o), (o, t)):
        where = tmp_path / first.runtime
        with Library.open(where, model=first) as lib:
            for sub in ("photos", "sounds", "notes"):
                lib.add_folder(DEMO / sub)
            assert lib.index().failed == 0
            before = top(lib)
        with Library.open(where, model=second) as lib:
            after = top(lib)
            assert lib.index().added == 0  # same model_id: nothing to embed again
        for b, a in zip(before, after, strict=True):
            assert a[:3] == b[:3]


# -- the files ----------------------------------------------------------------------------------
@needs_graphs
def test_changed_graph_is_refused(tmp_path):
    ckpt = tmp_path / "default.pt"
    shutil.copy(default_checkpoint(), ckpt)
    shutil.copytree(onnx_dir(default_checkpoint()), onnx_dir(ckpt))
    m = load_model(ckpt, runtime="onnx")
    assert m.encode_texts(["a dog"]).shape == (1, m.dim)
    graph = onnx_dir(ckpt) / "head.onnx"
    data = bytearray(graph.read_bytes())
    data[-9] ^= 0xFF
    graph.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="sha256"):
        load_model(ckpt, runtime="onnx").concepts(np.ones((1, m.dim), np.float32))
    with open(ckpt, "ab") as f:
        f.write(b"\0")  # the checkpoint is no longer the one the graphs were exported from
    with pytest.raises(CheckpointError, match="another checkpoint"):
        load_model(ckpt, runtime="onnx")


def test_no_graphs_and_runtime_choice(tiny_checkpoint, monkeypatch):
    with pytest.raises(CheckpointError, match="no ONNX graphs"):
        load_model(tiny_checkpoint, runtime="onnx")
    monkeypatch.setenv("SYNESTHESIA_RUNTIME", "onnx")
    assert pick_runtime() == "onnx"
    monkeypatch.setenv("SYNESTHESIA_RUNTIME", "torch")
    assert pick_runtime() == "torch"
    monkeypatch.delenv("SYNESTHESIA_RUNTIME")
    with pytest.raises(ValueError):
        pick_runtime(runtime="tensorflow")
    with pytest.raises(ValueError):
        pick_runtime(device="cuda", runtime="onnx")


@pytest.mark.slow
@needs_graphs
def test_export_reproduces_the_committed_graphs(tmp_path):
    pytest.importorskip("onnx")
    from core.model.onnx_export import export_checkpoint

    folder = export_checkpoint(default_checkpoint(), tmp_path / "out")
    got = json.loads((folder / "manifest.json").read_text())
    want = json.loads((onnx_dir(default_checkpoint()) / "manifest.json").read_text())
    assert got == want


@needs_graphs
def test_without_torch(tmp_path):
    """With torch unimportable, load_model picks ONNX Runtime; every encode_* works, and a
    library is indexed and searched."""
    code = f"""
import sys
sys.modules['torch'] = None  # import torch raises ImportError
import importlib.util
real = importlib.util.find_spec
importlib.util.find_spec = lambda n, *a: None if n.split('.')[0] == 'torch' else real(n, *a)
from core.model import load_model, load_text_first
m = load_model()
q = load_text_first()
assert m.runtime == q.runtime == 'onnx', m.runtime
demo = {str(DEMO)!r}
import numpy as np
e = np.concatenate([m.encode_images([demo + '/photos/dog.png']),
                    m.encode_sounds([demo + '/sounds/dog_barking.wav']),
                    m.encode_texts(['a dog'])])
assert np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5)
assert m.concepts(e).shape == (3, 1000)
from core.library import Library
from core.search import Query
with Library.open({str(tmp_path / "lib")!r}, model=m) as lib:
    for sub in ('photos', 'sounds', 'notes'):
        lib.add_folder(demo + '/' + sub)
    assert lib.index().failed == 0
    assert lib.search(Query(text='a dog barking'), k=3)
    assert lib.search(Query(file=demo + '/sounds/dog_barking.wav'), k=3)
assert 'torch' not in {{k for k, v in sys.modules.items() if v is not None}}
print('ok', m.model_id)
"""
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    env.pop("ORT_DISABLE_TELEMETRY", None)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.startswith("ok synesthesia-")
    # ONNX Runtime's telemetry store (usage events, a device id) was not written
    assert not (home / ".cache" / "Microsoft").exists()


@needs_graphs
def test_thread_budget_reaches_onnx_sessions(models):
    """The index job's budget (core.library.threads.torch_threads) picks the session's
    thread count for the calling thread only; the answers do not change."""
    import threading

    from core.library.threads import torch_threads

    _, o = models
    e = np.ones((2, o.dim), np.float32)
    with torch_threads(1):
        one = o.session("head")
        seen = []
        t = threading.Thread(target=lambda: seen.append(o.session("head")))
        t.start()
        t.join()
        with torch_threads(None):  # nested without a count: the enclosing one stays
            assert o.session("head") is one
        got = o.concepts(e)
    assert seen[0] is not one and o.session("head") is seen[0]
    assert one.get_session_options().intra_op_num_threads == 1
    assert np.allclose(got, o.concepts(e), atol=1e-6)
