"""Audio decoding with PyAV (FFmpeg): any of wav, flac, ogg/vorbis, opus, mp3,
m4a/aac to mono float32 at a chosen sample rate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from core.errors import UnreadableMedia, UnsupportedFormat

# The rate of every waveform the engine hands the model (the model API's contract: sounds
# are (n,) float32 at 16 kHz; a checkpoint with another internal rate resamples itself).
SAMPLE_RATE = 16000


def _open(path: Path, need_audio: bool = True):
    """An open container with an audio stream (``need_audio``) or with any audio or video
    stream; UnreadableMedia / UnsupportedFormat with a reason otherwise."""
    import av  # deferred: PyAV pulls in FFmpeg's libraries (~100 ms)

    try:
        size = path.stat().st_size
    except FileNotFoundError as e:
        raise UnreadableMedia(path, "the file no longer exists") from e
    except PermissionError as e:
        raise UnreadableMedia(path, "permission denied; check the file's access rights") from e
    except OSError as e:
        raise UnreadableMedia(path, f"cannot be read ({e.strerror or e})") from e
    if size == 0:
        raise UnreadableMedia(path, "empty file (0 bytes)")
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except PermissionError as e:
        raise UnreadableMedia(path, "permission denied; check the file's access rights") from e
    except av.error.InvalidDataError as e:
        raise UnsupportedFormat(path, "not a sound file FFmpeg recognises (corrupt, or another "
                                      "kind of file with a sound's name)") from e
    except (av.error.FFmpegError, OSError) as e:
        raise UnreadableMedia(path, f"cannot be opened as sound ({e})") from e
    if not container.streams.audio and (need_audio or not container.streams.video):
        container.close()
        raise UnsupportedFormat(path, "the file has no audio stream" if need_audio else
                                "the file has no video or audio stream")
    return container


def audio_duration(path: str | Path) -> float | None:
    """Duration in seconds from the container header, or None when it does not say."""
    container = _open(Path(path))
    try:
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / 1_000_000
        return None
    finally:
        container.close()


def _decode_stream(container: Any, where: Path, sample_rate: int, limit: int | None
                   ) -> tuple[list[np.ndarray], int]:
    """Mono float32 chunks of the first audio stream at ``sample_rate`` (until ``limit``
    samples), and how many damaged packets were skipped."""
    import av

    stream = container.streams.audio[0]
    stream.thread_type = "AUTO"
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    chunks: list[np.ndarray] = []
    have = errors = 0
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                # One damaged packet (a bad MP3 frame) should not lose the whole
                # recording; a file with nothing but damage fails in the caller.
                errors += 1
                continue
            for frame in frames:
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    have += chunks[-1].size
            if limit is not None and have >= limit:
                break
        else:
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except av.error.FFmpegError as e:
        if not chunks:
            raise UnreadableMedia(where, f"corrupt sound file ({e})") from e
        # Truncated at the end: keep what decoded.
    return chunks, errors


def load_audio(path: str | Path, sample_rate: int = SAMPLE_RATE,
               max_seconds: float | None = None) -> np.ndarray:
    """Decode a sound file to one channel.

    Args:
        path: the file.
        sample_rate: output rate in Hz (resampled by FFmpeg's swresample).
        max_seconds: stop decoding after this many seconds (None: whole file).

    Returns:
        (n,) float32 in [-1, 1], mono (channels averaged), at ``sample_rate``.

    Raises:
        UnreadableMedia: empty, corrupt, truncated before any audio, or
            unreadable file; a file that decodes to no samples.
        UnsupportedFormat: not a sound file, or no audio stream.
    """
    where = Path(path)
    container = _open(where)
    limit = None if max_seconds is None else int(max_seconds * sample_rate)
    try:
        chunks, errors = _decode_stream(container, where, sample_rate, limit)
    finally:
        container.close()
    if not chunks:
        reason = "corrupt sound file: no packet could be decoded" if errors else \
            "the sound file holds no audio samples"
        raise UnreadableMedia(where, reason)
    wave = np.concatenate(chunks).astype(np.float32, copy=False)
    if limit is not None:
        wave = wave[:limit]
    if wave.size == 0:
        raise UnreadableMedia(where, "the sound file holds no audio samples")
    np.clip(wave, -1.0, 1.0, out=wave)
    if not np.isfinite(wave).all():
        raise UnreadableMedia(where, "corrupt sound file: decoded samples are not finite")
    return wave


def resample(wave: np.ndarray, rate: int, to: int = SAMPLE_RATE) -> np.ndarray:
    """(n,) float32 at ``rate`` Hz -> (m,) float32 at ``to`` Hz (box filter when lowering the
    rate, then linear interpolation): cheap, for recordings handed over as arrays."""
    if rate == to:
        return wave
    if rate > to:
        width = int(round(rate / to))
        if width > 1:
            kernel = np.ones(width, np.float32) / width
            wave = np.convolve(wave, kernel, mode="same").astype(np.float32)
    n_out = int(round(len(wave) * to / rate))
    x_out = np.arange(n_out, dtype=np.float64) * rate / to
    return np.interp(x_out, np.arange(len(wave)), wave).astype(np.float32)
