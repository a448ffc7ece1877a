"""Reading OpenTTD's opensfx.cat: named RIFF/WAVE samples in one file."""

from __future__ import annotations

import re
import struct
from pathlib import Path


def _spdx(header: str) -> str:
    if "Commons Zero" in header:
        return "CC0-1.0"
    if "ShareAlike" in header:
        return "CC-BY-SA-3.0"
    if "Attribution" in header:
        return "CC-BY-3.0"
    return "CC-BY-SA-3.0"  # the package's own license


def read_cat(path: Path) -> list[tuple[str, str, bytes]]:
    """`(title, license, wav_bytes)` per sample of an OpenTTD sound catalogue.

    Layout: a table of `(offset, size)` uint32 pairs (offsets with the top bit
    set); each entry is a length-prefixed description then WAVE data.
    """
    data = path.read_bytes()
    count = (struct.unpack_from("<I", data, 0)[0] & 0x7FFFFFFF) // 8
    out = []
    for i in range(count):
        offset, size = struct.unpack_from("<II", data, i * 8)
        offset &= 0x7FFFFFFF
        length = data[offset]
        header = data[offset + 1 : offset + 1 + length].rstrip(b"\0").decode("utf-8", "replace")
        wav = data[offset + 1 + length : offset + 1 + length + size]
        title = re.match(r'"([^"]*)"', header)
        license_ = _spdx(header)
        out.append((
            title.group(1) if title else header,
            license_,
            wav,
        ))
    return out
