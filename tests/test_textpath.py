"""The numpy text path (core.model.textpath, core.model.quick) against the torch model: the
same checkpoint arrays, the same hidden states, the same embeddings, and no torch imported."""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

from core.errors import CheckpointError, EmptyInput
from core.model import load_model, load_text_first
from core.model.api import DEFAULT_CHECKPOINT
from core.model.textpath import NumpyMiniLM, gelu, read_checkpoint_arrays

TEXTS = ["a dog barking in the yard", "rain", "海边的日落", "the bells " * 60,
         "Sunset over the sea 🌅", "42"]


@pytest.fixture(scope="module")
def full():
    return load_model()


def test_checkpoint_arrays_equal_torch_load():
    ours = read_checkpoint_arrays(DEFAULT_CHECKPOINT)
    ref = torch.load(DEFAULT_CHECKPOINT, map_location="cpu", weights_only=True)
    assert ours["model_id"] == ref["model_id"] and ours["config"] == ref["config"]
    assert set(ours["state_dict"]) == set(ref["state_dict"])
    for k, v in ref["state_dict"].items():
        got = ours["state_dict"][k]
        assert got.shape == tuple(v.shape) and np.array_equal(got, v.numpy()), k


def test_gelu_equals_torch():
    x = np.linspace(-12, 12, 200_001, dtype=np.float32)
    want = torch.nn.functional.gelu(torch.from_numpy(x)).numpy()
    assert (np.abs(gelu(x) - want) <= 1e-6 * np.maximum(1, np.abs(x))).all()  # float32 steps


def test_hidden_states_equal_the_torch_bert(full):
    ours = NumpyMiniLM()
    enc = ours.tokenizer.encode_batch(TEXTS)
    ids = np.array([e.ids for e in enc])
    mask = np.array([e.attention_mask for e in enc], np.float32)
    assert mask.sum(1).min() < mask.shape[1]  # padding is exercised
    with torch.inference_mode():
        want = full.net.text.bert(torch.from_numpy(ids), torch.from_numpy(mask).long()).numpy()
    got = ours.hidden(ids, mask)
    assert np.abs(got - want)[mask.astype(bool)].max() < 1e-4  # hidden states: O(1)-O(10)
    assert np.abs(ours(TEXTS) - full.net.text(TEXTS).numpy()).max() < 1e-5


def test_text_first_embeddings_equal_the_full_model(full):
    quick = load_text_first()
    assert quick.model_id == full.model_id and quick.dim == full.dim
    got = quick.encode_texts(TEXTS)
    assert not quick.full_loaded  # texts did not need torch's model
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), full.dim)
    assert np.abs(got - full.encode_texts(TEXTS)).max() < 1e-5
    with pytest.raises(EmptyInput):
        quick.encode_texts(["?!"])
    with pytest.raises(TypeError):
        quick.encode_texts([3])


def test_everything_else_loads_the_full_model(full):
    quick = load_text_first()
    e = full.encode_texts(["a cat"])
    assert np.allclose(quick.concepts(e), full.concepts(e), atol=1e-6)  # loads it
    assert quick.full_loaded and quick.image_side == full.image_side
    assert np.abs(quick.encode_texts(TEXTS) - full.encode_texts(TEXTS)).max() < 1e-5


def test_a_text_query_imports_no_torch():
    code = ("import sys; from core.model import load_text_first; "
            "m = load_text_first(); m.encode_texts(['a dog in the snow']); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out.splitlines()[-1] == "False"


def _with_pickle(tmp_path, payload: bytes):
    src = zipfile.ZipFile(DEFAULT_CHECKPOINT)
    path = tmp_path / "bad.pt"
    with zipfile.ZipFile(path, "w") as z:
        for info in src.infolist():
            data = payload if info.filename.endswith("/data.pkl") else src.read(info)
            z.writestr(info.filename, data)
    return path


class _Evil:
    def __reduce__(self):
        return (print, ("code from the checkpoint ran",))


def test_code_in_a_checkpoint_is_refused(tmp_path, capsys):
    path = _with_pickle(tmp_path, pickle.dumps({"format": _Evil()}))
    with pytest.raises(CheckpointError, match="not allowed"):
        read_checkpoint_arrays(path)
    assert "ran" not in capsys.readouterr().out


def test_a_broken_checkpoint_is_a_clear_error(tmp_path):
    bad = tmp_path / "x.pt"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CheckpointError):
        load_text_first(bad)
    with pytest.raises(CheckpointError, match="no such"):
        load_text_first(tmp_path / "missing.pt")
    buf = io.BytesIO()
    torch.save({"format": "something else"}, buf)
    other = tmp_path / "other.pt"
    other.write_bytes(buf.getvalue())
    with pytest.raises(CheckpointError, match="not a Synesthesia checkpoint"):
        load_text_first(other)


def test_a_library_indexed_with_the_full_model_is_searched_text_first(
        tmp_path, tiny_model, tiny_checkpoint, tree):
    from core.library import Library
    from core.search import Query

    media, _ = tree
    lib = Library.open(tmp_path / "lib", model=load_model(tiny_checkpoint))
    lib.add_folder(media)
    lib.index()
    want = lib.search(Query(text="a tone"), k=5)
    lib.close()
    quick = load_text_first(tiny_checkpoint)
    lib = Library.open(tmp_path / "lib", model=quick, read_only=True)
    try:
        got = lib.search(Query(text="a tone"), k=5)
    finally:
        lib.close()
    assert [r.item_id for r in got] == [r.item_id for r in want] and want
    assert np.allclose([r.score for r in got], [r.score for r in want], atol=1e-5)
    assert not quick.full_loaded


def test_a_tensor_larger_than_its_storage_is_refused(tmp_path):
    """Sizes and strides come from the file: one that would read past the storage is an
    error, not a read of whatever memory follows it."""
    t = torch.arange(4, dtype=torch.float32)
    buf = io.BytesIO()
    torch.save({"w": t}, buf)
    good = tmp_path / "good.pt"
    good.write_bytes(buf.getvalue())
    assert read_checkpoint_arrays(good)["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    with zipfile.ZipFile(good) as z:
        names = z.namelist()
        pkl_name = next(n for n in names if n.endswith("/data.pkl"))
        parts = {n: z.read(n) for n in names}
    # the pickled size tuple (4,) becomes (4000,): same storage, a far larger view
    parts[pkl_name] = parts[pkl_name].replace(b"K\x04\x85", b"M\xa0\x0f\x85", 1)
    assert parts[pkl_name] != buf.getvalue()
    bad = tmp_path / "bad.pt"
    with zipfile.ZipFile(bad, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    with pytest.raises(CheckpointError, match="larger than its storage"):
        read_checkpoint_arrays(bad)
