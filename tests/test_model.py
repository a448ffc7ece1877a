"""The aligned network's API: shapes, unit norms, determinism, checkpoints, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.errors import CheckpointError, EmptyInput, UnreadableMedia
from core.model import ModelConfig, create_model, load_model, save_checkpoint
from tests.media import concept_sound as sound
from tests.media import picture, write_image, write_sound


@pytest.fixture(scope="module")
def tiny():
    return create_model(ModelConfig.tiny(), seed=1)


def unit_rows(x: np.ndarray) -> bool:
    return np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-4)


def test_shapes_and_unit_norm(tiny, tmp_path):
    img_path = write_image(tmp_path / "a.png", picture((200, 10, 10), 0))
    e_img = tiny.encode_images([img_path, picture((10, 10, 200), 1, size=(40, 500))])
    e_snd = tiny.encode_sounds([write_sound(tmp_path / "a.wav", sound("low", 0)), sound("noise", 1)])
    e_txt = tiny.encode_texts(["a dog on the beach", "zzqxv unknownword", "Rain!"])
    for e, n in ((e_img, 2), (e_snd, 2), (e_txt, 3)):
        assert e.shape == (n, tiny.dim) and e.dtype == np.float32 and unit_rows(e)
    assert tiny.concepts(e_txt).shape == (3, 1000)
    assert np.allclose(tiny.concepts(e_txt).sum(axis=1), 1.0, atol=1e-4)
    u = tiny.units(e_img)
    assert u.shape == (2, ModelConfig.tiny().shared.units) and (u >= 0).all()
    assert len(tiny.concept_names) == 1000 and tiny.concept_names[207] == "golden retriever"


def test_batches_of_any_size_and_lengths(tiny):
    assert tiny.encode_texts([]).shape == (0, tiny.dim)
    assert tiny.encode_images([]).shape == (0, tiny.dim)
    many = [picture((i * 3 % 255, 50, 90), i, size=(32, 32)) for i in range(70)]
    assert tiny.encode_images(many).shape == (70, tiny.dim)
    short, long = sound("high", 0, seconds=0.05), sound("noise", 0, seconds=180.0)
    e = tiny.encode_sounds([short, long])  # a 3-minute clip is embedded in windows
    assert unit_rows(e)
    stereo = np.stack([sound("low", 2), sound("low", 2)])
    assert np.allclose(tiny.encode_sounds([stereo]), tiny.encode_sounds([sound("low", 2)]), atol=1e-5)


def test_deterministic(tiny):
    x = [picture((120, 200, 30), 5)]
    assert np.array_equal(tiny.encode_images(x), tiny.encode_images(x))
    assert np.array_equal(tiny.encode_texts(["wind in the trees"]), tiny.encode_texts(["wind in the trees"]))
    # a text's embedding does not depend on what else is in its batch
    a = tiny.encode_texts(["wind in the trees"])
    b = tiny.encode_texts(["wind in the trees", "a much longer sentence about a church bell ringing"])[:1]
    assert np.allclose(a, b, atol=1e-5)


def test_checkpoint_round_trip(tiny, tmp_path):
    path = tmp_path / "m.pt"
    mid = save_checkpoint(tiny, path, manifest={"items": 1}, metrics={"x": 1.0})
    ckpt = torch.load(path, weights_only=True)  # loads without executing code
    assert ckpt["model_id"] == mid and ckpt["manifest"] == {"items": 1}
    again = load_model(path)
    assert again.model_id == mid and again.dim == tiny.dim
    t = ["a cow in a field"]
    assert np.allclose(again.encode_texts(t), tiny.encode_texts(t), atol=1e-6)
    w = sound("clicks", 3)
    assert np.allclose(again.encode_sounds([w]), tiny.encode_sounds([w]), atol=1e-5)


def test_bad_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_model(tmp_path / "missing.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError):
        load_model(junk)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(CheckpointError, match="not a Synesthesia checkpoint"):
        load_model(foreign)


def test_bad_inputs_raise_one_error_type(tiny, tmp_path):
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    truncated = tmp_path / "truncated.wav"
    write_sound(truncated, sound("low", 0))
    truncated.write_bytes(truncated.read_bytes()[:30])
    empty_note = tmp_path / "empty.wav"
    empty_note.write_bytes(b"")
    with pytest.raises(UnreadableMedia):
        tiny.encode_images([corrupt])
    with pytest.raises(UnreadableMedia):
        tiny.encode_sounds([truncated])
    with pytest.raises(UnreadableMedia):
        tiny.encode_sounds([empty_note])
    with pytest.raises(EmptyInput):
        tiny.encode_texts(["   "])
    with pytest.raises(UnreadableMedia):
        tiny.encode_sounds([np.array([np.nan, 1.0], np.float32)])
    with pytest.raises(UnreadableMedia):
        tiny.encode_images([np.zeros((10, 10), np.uint8)])
