"""Videos as a kind: real video files made here from the demo library's photos and sounds
(encoded by FFmpeg through PyAV: tools/videogen.py), decoded by core.media.video, indexed
and searched through a real (tiny) network. Nothing of the decoder or the network is
replaced."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from core.errors import UnreadableMedia
from core.media import kind_of, load_audio, load_image, video_sound
from core.media import video as V
from core.media.video import load_video
from tests.conftest import REPO
from tools.mediagen import pattern_image, tone
from tools.videogen import CODECS, write_video

DEMO = REPO / "resources" / "demo"


def photo(name: str, size: tuple[int, int] = (240, 320)) -> np.ndarray:
    """A demo photo as (H, W, 3) uint8 RGB of ``size``."""
    return cv2.resize(load_image(DEMO / "photos" / name), (size[1], size[0]),
                      interpolation=cv2.INTER_AREA)


def sound(name: str, seconds: float) -> np.ndarray:
    """A demo sound repeated to ``seconds`` (16 kHz mono float32)."""
    w = load_audio(DEMO / "sounds" / name)
    n = int(seconds * 16000)
    return np.resize(w, n).astype(np.float32)


def looks_like(rgb: np.ndarray, want: np.ndarray, other: np.ndarray) -> bool:
    """Whether ``rgb`` is closer to ``want`` than to ``other`` (32x32 thumbnails)."""
    def t(x: np.ndarray) -> np.ndarray:
        return cv2.resize(x, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    return float(np.abs(t(rgb) - t(want)).mean()) < float(np.abs(t(rgb) - t(other)).mean())


def spectrum_match(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of the magnitude spectra of two waveforms of equal length."""
    fa, fb = np.abs(np.fft.rfft(a)), np.abs(np.fft.rfft(b))
    return float(fa @ fb / (np.linalg.norm(fa) * np.linalg.norm(fb) + 1e-12))


@pytest.mark.parametrize("ext", sorted(CODECS))
def test_each_container_gives_pictures_and_sound_at_their_moments(tmp_path: Path,
                                                                   ext: str) -> None:
    cow, fire = photo("cow.png"), photo("fire.png")
    wave = np.concatenate([sound("cow_mooing.wav", 8), sound("fire_crackling.wav", 8)])
    path = write_video(tmp_path / f"clip{ext}", [(cow, 8.0), (fire, 8.0)], wave)
    assert kind_of(path) == "video"
    v = load_video(path)
    assert 15.5 < v.duration_s < 16.6 and not v.damaged
    times = [t for t, _ in v.frames]
    assert times[0] < 0.2 and times == sorted(times)
    assert max(np.diff([*times, v.duration_s])) <= V.FRAME_EVERY_S + 1.0  # none missed
    assert any(7.9 <= t <= 8.6 for t in times)  # the scene change
    for t, rgb in v.frames:
        assert min(rgb.shape[:2]) == 224
        if abs(t - 8.0) > 0.3:
            assert looks_like(rgb, *((cow, fire) if t < 8 else (fire, cow))), (t, ext)
    spans = [(a, b) for a, b, _ in v.sounds]
    assert spans[0] == (0.0, 10.0) and abs(spans[-1][1] - 16.0) < 0.3
    first, last = v.sounds[0][2], v.sounds[-1][2]
    mid = slice(16000, 4 * 16000)  # 1-4 s of the first window, of the last (6-16 s)
    assert spectrum_match(first[mid], wave[mid]) > spectrum_match(first[mid], wave[
        10 * 16000:13 * 16000])
    assert len(last) == 10 * 16000


def test_a_scene_change_between_keyframes_is_found(tmp_path: Path) -> None:
    cow, fire = photo("cow.png"), photo("fire.png")
    path = write_video(tmp_path / "one_keyframe.mp4", [(cow, 2.0), (fire, 4.0)], None, gop=600)
    v = load_video(path)
    cut = [t for t, _ in v.frames if 1.9 <= t <= 2.3]
    assert cut, [t for t, _ in v.frames]
    assert looks_like(dict(v.frames)[cut[0]], fire, cow)
    assert looks_like(v.frames[0][1], cow, fire)


def test_without_sound_sound_alone_and_silence(tmp_path: Path) -> None:
    cow = photo("cow.png")
    mute = load_video(write_video(tmp_path / "mute.mkv", [(cow, 3.0)], None))
    assert mute.frames and mute.sounds == []
    alone = load_video(write_video(tmp_path / "voice.mp4", None, sound("rain.wav", 5)))
    assert alone.frames == [] and len(alone.sounds) == 1 and alone.width is None
    silent = load_video(write_video(tmp_path / "silent.mov", [(cow, 3.0)],
                                    np.zeros(48000, np.float32)))
    assert silent.frames and silent.sounds == []  # silence is not searched by
    with pytest.raises(UnreadableMedia, match="silent soundtrack"):
        load_video(write_video(tmp_path / "nothing.m4v", None, np.zeros(48000, np.float32)))


def test_variable_frame_rate_keeps_true_times(tmp_path: Path) -> None:
    cow, fire = photo("cow.png"), photo("fire.png")
    path = write_video(tmp_path / "vfr.mkv", [(cow, 3.0), (fire, 3.0), (cow, 3.0)],
                       tone(9.0), vfr=True, gop=500, seed=3)
    v = load_video(path)
    times = [t for t, _ in v.frames]
    assert 8.0 < v.duration_s < 10.5 and times[-1] < v.duration_s
    assert any(2.9 <= t <= 3.8 for t in times) and any(5.9 <= t <= 6.8 for t in times)
    for t, rgb in v.frames:
        scene = fire if 3.0 <= t < 6.0 else cow
        if min(abs(t - 3.0), abs(t - 6.0)) > 0.3:
            assert looks_like(rgb, scene, fire if scene is cow else cow), t


@pytest.mark.parametrize(("degrees", "top"), [(90, "blue"), (-90, "red"), (180, None)])
def test_rotation_metadata_turns_the_picture_upright(tmp_path: Path, degrees: int,
                                                     top: str | None) -> None:
    img = np.zeros((240, 320, 3), np.uint8)
    img[:, :160] = (220, 20, 20)  # left red
    img[:, 160:] = (20, 20, 220)  # right blue
    v = load_video(write_video(tmp_path / f"turned{degrees}.mp4", [(img, 1.0)], None,
                               rotation=degrees))
    rgb = v.frames[0][1]
    if top is None:  # upside down: blue on the left
        assert rgb.shape[0] < rgb.shape[1] and rgb[:, :20, 2].mean() > rgb[:, :20, 0].mean()
        return
    assert rgb.shape[0] > rgb.shape[1] and (v.width, v.height) == (224, rgb.shape[0])
    row = rgb[:20].reshape(-1, 3).mean(axis=0)
    assert (row[2] > row[0]) == (top == "blue")


def test_a_truncated_file_gives_what_decoded_or_a_clear_error(tmp_path: Path) -> None:
    scenes = [(pattern_image(240, 320, seed=i), 2.0) for i in range(5)]
    for ext in (".mkv", ".mp4"):
        path = write_video(tmp_path / f"whole{ext}", scenes, tone(10.0), gop=10)
        cut = tmp_path / f"cut{ext}"
        data = path.read_bytes()
        cut.write_bytes(data[: len(data) // 2])
        if ext == ".mkv":  # streamable: the first half plays
            v = load_video(cut)
            assert v.frames and v.frames[-1][0] < 8.0
        else:  # the index of an mp4 is written last: nothing to play
            with pytest.raises(UnreadableMedia, match="video"):
                load_video(cut)
    empty = tmp_path / "empty.webm"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableMedia, match="empty"):
        load_video(empty)


def test_a_long_film_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The film path (sought to, not read through) on a 60 s video with the limits lowered
    (a real 2-hour film is measured by benchmarks/bench_video.py)."""
    monkeypatch.setattr(V, "SEQUENTIAL_MAX_S", 30.0)
    monkeypatch.setattr(V, "MAX_FRAMES", 8)
    monkeypatch.setattr(video_sound, "MAX_SOUND_WINDOWS", 5)
    scenes = [(pattern_image(120, 160, seed=i), 5.0) for i in range(12)]
    rng = np.random.default_rng(0)
    wave = (0.2 * rng.standard_normal(60 * 16000)).astype(np.float32)
    v = load_video(write_video(tmp_path / "film.mkv", scenes, wave, fps=4, gop=8))
    times = [t for t, _ in v.frames]
    assert 5 <= len(times) <= 8 and times[0] < 8 and times[-1] > 50
    starts = [a for a, _, _ in v.sounds]
    assert len(starts) == 5 and starts[0] < 0.2 and starts[-1] >= 49
    assert all(abs(b - a - 10.0) < 0.2 for a, b, _ in v.sounds)


def test_what_a_video_says_about_itself(tmp_path: Path) -> None:
    import calendar

    from core.media.metadata import read_metadata, wall_clock

    tags = {"creation_time": "2024-05-01T10:20:30.000000Z", "location": "+48.8584+002.2945/",
            "make": "Apple", "model": "iPhone 12", "title": "Under the tower"}
    path = write_video(tmp_path / "trip.mov", [(photo("cow.png"), 1.0)], None, tags=tags)
    md = read_metadata(path, "video", 1.0)
    assert md.date_source == "taken"
    assert md.date_s == wall_clock(calendar.timegm((2024, 5, 1, 10, 20, 30, 0, 0, 0)))
    assert (md.lat, md.lon) == (48.8584, 2.2945) and md.camera == "Apple iPhone 12"
    assert md.title == "Under the tower" and (md.width, md.height) == (320, 240)
    assert 0.9 < md.duration_s < 1.2
    plain = read_metadata(write_video(tmp_path / "plain.webm", [(photo("cow.png"), 1.0)]),
                          "video", 1_700_000_000.0)
    assert plain.date_source == "modified" and plain.camera is None


def test_the_poster_is_the_picture_at_the_moment(tmp_path: Path) -> None:
    from core.media.video import video_frame

    cow, fire = photo("cow.png"), photo("fire.png")
    path = write_video(tmp_path / "two.mp4", [(cow, 3.0), (fire, 3.0)], None, gop=100)
    assert looks_like(video_frame(path, 1.0), cow, fire)
    late = video_frame(path, 4.5, max_side=160)
    assert looks_like(late, fire, cow) and max(late.shape[:2]) == 160
    turned = video_frame(write_video(tmp_path / "t.mov", [(cow, 1.0)], None, rotation=90), 0.5)
    assert turned.shape[0] > turned.shape[1]
    with pytest.raises(UnreadableMedia, match="no picture"):
        video_frame(write_video(tmp_path / "a.mp4", None, tone(2.0)))


def test_a_long_read_through_holds_few_pictures(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Read through (not a film), more keyframes than MAX_FRAMES: never more than twice that
    held while reading, and the ones kept spread over the whole length."""
    monkeypatch.setattr(V, "MAX_FRAMES", 4)
    held = []
    offer = V._Pictures.offer

    def counting(self, frame):
        offer(self, frame)
        held.append(len(self.kept))

    monkeypatch.setattr(V._Pictures, "offer", counting)
    scenes = [(pattern_image(120, 160, seed=i), 3.0) for i in range(20)]
    v = load_video(write_video(tmp_path / "long.mkv", scenes, None, fps=4, gop=4))
    times = [t for t, _ in v.frames]
    assert max(held) < 8 and len(times) == 4
    assert times[0] < 3 and times[-1] > 45
