"""core.media on real files of every supported kind, and on bad ones."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from core.errors import UnreadableMedia, UnsupportedFormat
from core.media import kind_of, load_audio, load_image, load_note
from tests.media import pattern_image, tone, write_image, write_sound


@pytest.mark.parametrize("ext", [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tiff", ".gif"])
def test_images_decode_to_rgb(tmp_path: Path, ext: str) -> None:
    rgb = pattern_image(48, 64, seed=3)
    p = write_image(tmp_path / f"pic{ext}", rgb)
    out = load_image(p)
    assert out.shape == (48, 64, 3) and out.dtype == np.uint8
    # Colour order is RGB, not OpenCV's BGR: channels correlate with the source's.
    err = np.abs(out.astype(int) - rgb.astype(int)).mean()
    assert err < (20 if ext == ".gif" else 12), err  # GIF: 256-colour palette


def test_red_stays_red(tmp_path: Path) -> None:
    rgb = np.zeros((20, 20, 3), np.uint8)
    rgb[..., 0] = 255
    out = load_image(write_image(tmp_path / "red.png", rgb))
    assert out[0, 0].tolist() == [255, 0, 0]


def test_big_jpeg_is_decoded_reduced(tmp_path: Path) -> None:
    p = write_image(tmp_path / "big.jpg", pattern_image(2400, 3200))
    out = load_image(p, max_side=300)
    assert max(out.shape[:2]) == 300 and out.shape[1] == 300
    assert load_image(p).shape == (2400, 3200, 3)
    small = write_image(tmp_path / "small.png", pattern_image(50, 40))
    assert load_image(small, max_side=300).shape == (50, 40, 3)  # never enlarged


def test_gif_first_frame(tmp_path: Path) -> None:
    import cv2

    frames = [np.full((16, 16, 3), c, np.uint8) for c in (0, 255)]
    ok = cv2.imwritemulti(str(tmp_path / "anim.gif"), frames)
    assert ok
    assert load_image(tmp_path / "anim.gif").mean() < 30


def _forged_png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 4096)
    body += struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(
        b"IDAT" + idat))
    return b"\x89PNG\r\n\x1a\n" + body + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "bomb.png"
    p.write_bytes(_forged_png(60000, 60000))
    with pytest.raises(UnreadableMedia, match="too large"):
        load_image(p)


@pytest.mark.parametrize("name,content,err,match", [
    ("empty.jpg", b"", UnreadableMedia, "empty"),
    ("text.jpg", b"this is a shopping list, not a photo\n", UnsupportedFormat, "text"),
    ("junk.png", bytes(range(256)) * 4, UnsupportedFormat, "not an image"),
])
def test_bad_images(tmp_path: Path, name: str, content: bytes, err: type, match: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(err, match=match):
        load_image(p)


@pytest.mark.parametrize("ext", [".jpg", ".png"])
def test_truncated_image(tmp_path: Path, ext: str) -> None:
    good = write_image(tmp_path / f"good{ext}", pattern_image(400, 400, seed=1)).read_bytes()
    p = tmp_path / f"cut{ext}"
    p.write_bytes(good[: len(good) // 3])
    with pytest.raises(UnreadableMedia):
        load_image(p)


def test_unreadable_file(tmp_path: Path) -> None:
    """Permission bits are enforced in a child process (root's powers dropped by setpriv)."""
    import shutil
    import subprocess
    import sys

    p = write_image(tmp_path / "locked.png", pattern_image(10, 10))
    p.chmod(0)
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be enforced")
        caps = "-dac_override,-dac_read_search"
        prefix = [setpriv, "--bounding-set", caps, "--inh-caps", caps, "--"]
    code = ("import sys; from core.media import load_image, load_note\n"
            "from core.errors import UnreadableMedia\n"
            "try:\n    load_image(sys.argv[1])\nexcept UnreadableMedia as e:\n"
            "    print(e.reason)")
    repo = Path(__file__).resolve().parents[1]
    out = subprocess.run([*prefix, sys.executable, "-c", code, str(p)], cwd=repo,
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(repo)})
    assert "permission denied" in out.stdout, out.stderr


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableMedia, match="no longer exists"):
        load_image(tmp_path / "gone.jpg")
    with pytest.raises(UnreadableMedia, match="no longer exists"):
        load_audio(tmp_path / "gone.wav")


@pytest.mark.parametrize("ext", [".wav", ".flac", ".ogg", ".opus", ".mp3", ".m4a"])
def test_sounds_decode_to_mono_16k(tmp_path: Path, ext: str) -> None:
    p = write_sound(tmp_path / f"a{ext}", tone(1.5, 440.0, sr=22050), sr=22050)
    w = load_audio(p)
    assert w.dtype == np.float32 and w.ndim == 1
    assert abs(len(w) - 24000) < 2400  # codecs pad a frame or two
    # The pitch survives: the spectrum peaks at 440 Hz.
    spec = np.abs(np.fft.rfft(w[2000:18000]))
    peak_hz = np.argmax(spec) * 16000 / 16000
    assert abs(peak_hz - 440) < 5, peak_hz
    assert np.abs(w).max() <= 1.0


def test_stereo_is_averaged(tmp_path: Path) -> None:
    import soundfile

    left = tone(1.0, 300)
    stereo = np.stack([left, -left], axis=1)  # cancels to silence when averaged
    soundfile.write(tmp_path / "st.wav", stereo, 16000)
    assert np.abs(load_audio(tmp_path / "st.wav")).max() < 1e-3


def test_max_seconds(tmp_path: Path) -> None:
    p = write_sound(tmp_path / "long.flac", tone(5.0))
    assert len(load_audio(p, max_seconds=2.0)) == 32000


@pytest.mark.parametrize("name,content,err", [
    ("empty.wav", b"", UnreadableMedia),
    ("text.mp3", b"Dear diary, today I recorded nothing.\n" * 20, UnsupportedFormat),
])
def test_bad_sounds(tmp_path: Path, name: str, content: bytes, err: type) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(err):
        load_audio(p)


def test_truncated_sound_keeps_what_decodes(tmp_path: Path) -> None:
    good = write_sound(tmp_path / "a.flac", tone(3.0)).read_bytes()
    p = tmp_path / "cut.flac"
    p.write_bytes(good[: len(good) // 2])
    w = load_audio(p)
    assert 8000 < len(w) < 48000


def test_header_only_wav_has_no_samples(tmp_path: Path) -> None:
    good = write_sound(tmp_path / "a.wav", tone(1.0)).read_bytes()
    p = tmp_path / "cut.wav"
    p.write_bytes(good[:44])
    with pytest.raises(UnreadableMedia):
        load_audio(p)


@pytest.mark.parametrize("data,expected", [
    ("Café au lait — naïve".encode(), "Café au lait — naïve"),
    ("\ufeffBOM note".encode(), "BOM note"),
    ("Grüße".encode("utf-16"), "Grüße"),
    ("Café crème".encode("cp1252"), "Café crème"),
    (b"line one\r\nline two\r\n", "line one\nline two\n"),
])
def test_notes_decode(tmp_path: Path, data: bytes, expected: str) -> None:
    p = tmp_path / "n.txt"
    p.write_bytes(data)
    assert load_note(p) == expected


@pytest.mark.parametrize("content,err", [
    (b"", UnreadableMedia), (b"   \n\t\n", UnreadableMedia),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", UnsupportedFormat),
])
def test_bad_notes(tmp_path: Path, content: bytes, err: type) -> None:
    p = tmp_path / "n.md"
    p.write_bytes(content)
    with pytest.raises(err):
        load_note(p)


def test_kind_of() -> None:
    assert kind_of("a/B.JPG") == "image"
    assert kind_of("x.Opus") == "sound"
    assert kind_of("x.md") == "note"
    assert kind_of("x.pdf") is None
    assert kind_of("noext") is None


def test_unicode_names(tmp_path: Path) -> None:
    d = tmp_path / "фото 写真 🎵"
    d.mkdir()
    assert load_image(write_image(d / "café ☕.png", pattern_image(8, 8))).shape == (8, 8, 3)
    assert load_audio(write_sound(d / "ünïcode 音.flac", tone(0.5))).size > 7000
    (d / "ノート.txt").write_text("こんにちは", encoding="utf-8")
    assert load_note(d / "ノート.txt") == "こんにちは"


def test_tiff_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    # A little-endian TIFF whose first image claims 60000 x 60000 pixels.
    entries = [(256, 4, 1, 60000), (257, 4, 1, 60000), (258, 3, 1, 8), (259, 3, 1, 1)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    p = tmp_path / "bomb.tif"
    p.write_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd + b"\0" * 64)
    with pytest.raises(UnreadableMedia, match="too large"):
        load_image(p)
