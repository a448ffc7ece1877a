"""Image decoding with OpenCV: RGB uint8, reduced-size decoding of big JPEGs,
first frame of GIFs, and a guard against decompression bombs."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from core.errors import UnreadableMedia, UnsupportedFormat

# Larger than any camera or stitched panorama a person keeps in a photo library
# (a 200-megapixel phone sensor included), far below what would exhaust memory.
MAX_IMAGE_PIXELS = 250_000_000
# OpenCV has its own limit (read once, so only effective when this module is the first
# to import cv2); the headers of every supported format are checked below regardless.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_IMAGE_PIXELS))

import cv2  # noqa: E402  (after the environment variable above)

cv2.setNumThreads(1)  # decoding runs in worker threads already; no nested pools
try:
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
except AttributeError:  # older builds without the logging module
    pass

_REDUCED = ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4),
            (2, cv2.IMREAD_REDUCED_COLOR_2))


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise UnreadableMedia(path, "the file no longer exists") from e
    except PermissionError as e:
        raise UnreadableMedia(path, "permission denied; check the file's access rights") from e
    except IsADirectoryError as e:
        raise UnreadableMedia(path, "is a folder, not a file") from e
    except OSError as e:
        raise UnreadableMedia(path, f"cannot be read ({e.strerror or e})") from e
    if not data:
        raise UnreadableMedia(path, "empty file (0 bytes)")
    return data


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first SOFn marker of a JPEG, or None."""
    i = 2
    n = len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                      0xCF):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of the first image of a TIFF (tags 256 and 257 of IFD0), or None."""
    end = "<" if data[:2] == b"II" else ">"
    try:
        (ifd,) = struct.unpack(end + "I", data[4:8])
        (count,) = struct.unpack(end + "H", data[ifd:ifd + 2])
        size: dict[int, int] = {}
        for i in range(count):
            e = ifd + 2 + 12 * i
            tag, typ = struct.unpack(end + "HH", data[e:e + 4])
            if tag in (256, 257):
                fmt = end + ("H" if typ == 3 else "I")
                size[tag] = struct.unpack(fmt, data[e + 8:e + 8 + struct.calcsize(fmt)])[0]
        return (size[256], size[257]) if len(size) == 2 else None
    except (struct.error, KeyError):
        return None


def _header_size(data: bytes) -> tuple[str, tuple[int, int] | None]:
    """The container format by magic bytes and, where cheap to read, (width, height)."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg", _jpeg_size(data)
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return "png", struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return "gif", struct.unpack("<HH", data[6:10])
    if data[:2] == b"BM" and len(data) >= 26:
        w, h = struct.unpack("<ii", data[18:26])
        return "bmp", (abs(w), abs(h))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            w = 1 + int.from_bytes(data[24:27], "little")
            h = 1 + int.from_bytes(data[27:30], "little")
            return "webp", (w, h)
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return "webp", (w & 0x3FFF, h & 0x3FFF)
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return "webp", ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
        return "webp", None
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff", _tiff_size(data)
    return "unknown", None


def _check_header(data: bytes, where: Path | None) -> tuple[str, tuple[int, int] | None]:
    """(format, (width, height) or None) from the header; raises for what must not be
    decoded (not an image, a corrupt or too large header, a truncated JPEG)."""
    fmt, size = _header_size(data)
    if fmt == "unknown":
        head = data[:64]
        if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
            raise UnsupportedFormat(where, "not an image: the file holds text")
        raise UnsupportedFormat(where, "not an image in a format Synesthesia reads "
                                       "(jpg, png, webp, bmp, tiff, gif)")
    if size is not None:
        w, h = size
        if w <= 0 or h <= 0:
            raise UnreadableMedia(where, f"corrupt {fmt} header (size {w}x{h})")
        if w * h > MAX_IMAGE_PIXELS:
            raise UnreadableMedia(
                where, f"image too large to decode safely ({w}x{h} = {w * h / 1e6:.0f} "
                       f"megapixels; the limit is {MAX_IMAGE_PIXELS / 1e6:.0f})")
    if fmt == "jpeg" and data.rfind(b"\xff\xd9") < 0:
        raise UnreadableMedia(where, "truncated JPEG (no end-of-image marker); "
                                     "the file was cut short during a copy or download")
    return fmt, size


def _reduced_flag(size: tuple[int, int], max_side: int | None, min_side: int | None) -> int:
    """The largest reduction (1/8, 1/4, 1/2) that keeps the longer side >= max_side
    and the shorter side >= min_side, from the header's size; full size otherwise."""
    for factor, flag in _REDUCED:
        if ((not max_side or max(size) // factor >= max_side)
                and (not min_side or min(size) // factor >= min_side)):
            return flag
    return cv2.IMREAD_COLOR


def _decode(data: bytes, fmt: str, size: tuple[int, int] | None, max_side: int | None,
            where: Path | None, min_side: int | None = None) -> np.ndarray:
    """OpenCV's decode (BGR, BGRA or grey), big images at a reduced size."""
    buf = np.frombuffer(data, dtype=np.uint8)
    flags = cv2.IMREAD_COLOR
    if fmt != "gif" and (max_side or min_side) and size is not None:
        # A JPEG is decoded directly at 1/2-1/8 size (libjpeg scales while it decodes).
        # Other formats are decoded whole and shrunk inside OpenCV before they are handed
        # over, which halves the peak (a 240 MP PNG: 0.75 GB instead of 1.44 GB).
        flags = _reduced_flag(size, max_side, min_side)
    try:
        if fmt == "gif":
            ok, frames = cv2.imdecodemulti(buf, cv2.IMREAD_COLOR, None, (0, 1))
            img = frames[0] if ok and frames else None
        else:
            img = cv2.imdecode(buf, flags)
    except cv2.error as e:
        raise UnreadableMedia(where, f"corrupt {fmt} image ({str(e).strip().splitlines()[-1]})") \
            from e
    if img is None or img.size == 0:
        raise UnreadableMedia(where, f"corrupt or truncated {fmt} image; OpenCV could not "
                                     "decode it")
    return img


def load_image(path: str | Path | bytes, max_side: int | None = None,
               min_side: int | None = None) -> np.ndarray:
    """Decode an image file to RGB.

    Args:
        path: the file (any of jpg/jpeg, png, webp, bmp, tiff, gif); ``bytes``
            are decoded as the file's content.
        max_side: when given, the longer side of the result is at most this
            many pixels (aspect kept). Big JPEGs are then decoded directly at
            1/2, 1/4 or 1/8 size, which is several times faster than a full
            decode. Images are never enlarged.
        min_side: when given (without max_side), big JPEGs are decoded at the
            largest reduction that keeps the shorter side at least this long
            (what a network that crops a square of that side needs); the
            result is not resized further.

    Returns:
        (H, W, 3) uint8 RGB, C-contiguous. EXIF orientation is applied; alpha
        is dropped; a GIF gives its first frame.

    Raises:
        UnreadableMedia: empty, truncated, corrupt, not an image despite its
            name, larger than ``MAX_IMAGE_PIXELS``, or unreadable.
        UnsupportedFormat: content in a format OpenCV cannot decode.
    """
    if isinstance(path, bytes | bytearray):
        where: Path | None = None
        data = bytes(path)
        if not data:
            raise UnreadableMedia(None, "empty image data")
    else:
        where = Path(path)
        data = _read_bytes(where)
    fmt, size = _check_header(data, where)
    img = _decode(data, fmt, size, max_side, where, min_side)
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    if max_side and max(img.shape[:2]) > max_side:
        h, w = img.shape[:2]
        scale = max_side / max(h, w)
        img = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))),
                         interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(img[:, :, ::-1])


def fit_square(img: np.ndarray, size: int) -> np.ndarray:
    """(H, W, 3) uint8 -> (size, size, 3): resized so the shorter side is ``size`` (area
    interpolation when shrinking, linear when enlarging), then centre-cropped. Returned
    as is when already that size."""
    h, w = img.shape[:2]
    if h == w == size:
        return img
    s = size / min(h, w)
    nh, nw = max(size, round(h * s)), max(size, round(w * s))
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
    r = cv2.resize(img, (nw, nh), interpolation=interp)
    y, x = (nh - size) // 2, (nw - size) // 2
    return np.ascontiguousarray(r[y : y + size, x : x + size])
