"""`synesthesia adapt` on a library of real videos made here from the
demo photos and sounds: six concepts, three videos each (other crops of the photo, other
stretches of the sound). The tiny network's sound tower is fine-tuned with the paper's
losses on the pairs of the training videos and measured on held-out videos it never saw
(at three times the default's learning rate and without WiSE-FT's step back: the tiny
network's shared layers are random)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.model import load_model
from tests.test_video import photo, sound
from tools.videogen import write_video
from training.adapt import AdaptConfig, adapt, library_pairs, split

CONCEPTS = [("cow.png", "cow_mooing.wav"), ("dog.png", "dog_barking.wav"),
            ("fire.png", "fire_crackling.wav"), ("locomotive.png", "steam_train_departing.wav"),
            ("raindrops_on_leaves.jpg", "rain.wav"), ("jingle_bells.png", "bell_ringing.wav")]


def make_videos(root: Path) -> list[tuple[int, Path]]:
    out = []
    for c, (pic, snd) in enumerate(CONCEPTS):
        base = photo(pic, (300, 400))
        wave = sound(snd, 40)
        for k in range(3):
            y, x = 20 * k, 30 * k
            frame = np.ascontiguousarray(base[y:y + 240, x:x + 320][:, :: 1 if k % 2 else -1])
            gain = 0.6 + 0.2 * k
            clip = gain * wave[k * 5 * 16000:(k * 5 + 20) * 16000]
            out.append((10 * c + k, write_video(root / f"{Path(pic).stem}{k}.mp4",
                                                [(frame, 20.0)], clip, fps=2)))
    return out


@pytest.mark.slow
def test_adapt_improves_held_out_sound_image_retrieval(tmp_path: Path, tiny_checkpoint) -> None:
    videos = make_videos(tmp_path / "media")
    model = load_model(tiny_checkpoint)
    pairs = library_pairs(videos, per_video=3)
    train, held = split(pairs, 0.3)
    assert {p.video for p in train}.isdisjoint({p.video for p in held}) and held
    before_state = {k: v.clone() for k, v in model.net.state_dict().items()}
    out = tmp_path / "lib" / "models"
    rep = adapt(model, videos, out, AdaptConfig(lr=3e-4, wise_alpha=1.0), check_realmedia=False)
    mean = lambda r: np.mean([r[d]["R@5"] for d in r])  # noqa: E731
    assert rep.improved and mean(rep.after) > mean(rep.before), (rep.before, rep.after)
    assert rep.offered and Path(rep.checkpoint).is_file()
    # the model it started from is untouched; the new one loads and differs in sound only
    assert all((v == before_state[k]).all() for k, v in model.net.state_dict().items())
    tuned = load_model(rep.checkpoint)
    assert tuned.model_id != model.model_id and tuned.model_id.startswith("adapted-")
    img = photo("cow.png")
    assert np.allclose(tuned.encode_images([img]), model.encode_images([img]), atol=1e-5)
    assert np.allclose(tuned.encode_texts(["a cow"]), model.encode_texts(["a cow"]), atol=1e-5)
    assert not np.allclose(tuned.encode_sounds([sound("cow_mooing.wav", 5)]),
                           model.encode_sounds([sound("cow_mooing.wav", 5)]), atol=1e-4)
    history = json.loads((out / "adapted.json").read_text())
    assert history[-1]["adapted_from"] == model.model_id


@pytest.mark.slow
def test_stopping_writes_nothing_and_too_few_videos_say_so(tmp_path: Path,
                                                           tiny_checkpoint) -> None:
    videos = make_videos(tmp_path / "media")
    model = load_model(tiny_checkpoint)
    out = tmp_path / "models"
    steps = []
    rep = adapt(model, videos, out, AdaptConfig(steps=50),
                progress=lambda s, n, loss: steps.append(s),
                cancelled=lambda: len(steps) >= 3, check_realmedia=False)
    assert rep.cancelled and rep.checkpoint is None and not out.exists()
    rep = adapt(model, videos[:2], out, AdaptConfig(steps=5), check_realmedia=False)
    assert not rep.offered and "too few videos" in rep.reason and not out.exists()


@pytest.mark.slow
def test_the_command_adapts_and_re_embeds(tmp_path: Path, tiny_checkpoint, capsys) -> None:
    from app.cli import main

    make_videos(tmp_path / "media")
    lib = ["--library", str(tmp_path / "lib")]
    assert main([*lib, "index", str(tmp_path / "media"), "--model", str(tiny_checkpoint)]) == 0
    capsys.readouterr()
    code = main([*lib, "adapt", "--model", str(tiny_checkpoint), "--steps", "150", "--lr",
                 "3e-4", "--wise", "1", "--no-realmedia", "--use", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["offered"] and out["checkpoint"].startswith(
        str(tmp_path / "lib" / "models"))
    assert main([*lib, "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["model_id"].startswith("adapted-") and stats["videos"] == 18
