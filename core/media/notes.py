"""Text notes: bytes to str with encoding detection that never guesses silently wrong
on the common cases (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252)."""

from __future__ import annotations

import codecs
from pathlib import Path

from core.errors import UnreadableMedia, UnsupportedFormat

# A note is something a person wrote; 20 MB of text is a log file or a dump.
MAX_NOTE_BYTES = 20_000_000


def decode_text(data: bytes) -> str:
    """Decode note bytes: BOM first, then strict UTF-8, then Windows-1252, then Latin-1."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def load_note(path: str | Path) -> str:
    """Read a text note (txt, md).

    Returns:
        The text with line endings normalised to "\\n"; never empty.

    Raises:
        UnreadableMedia: empty or whitespace-only, larger than 20 MB, or unreadable.
        UnsupportedFormat: binary content (NUL bytes) under a note's name.
    """
    where = Path(path)
    try:
        with open(where, "rb") as f:
            data = f.read(MAX_NOTE_BYTES + 1)
    except FileNotFoundError as e:
        raise UnreadableMedia(where, "the file no longer exists") from e
    except PermissionError as e:
        raise UnreadableMedia(where, "permission denied; check the file's access rights") from e
    except OSError as e:
        raise UnreadableMedia(where, f"cannot be read ({e.strerror or e})") from e
    if not data:
        raise UnreadableMedia(where, "empty file (0 bytes)")
    if len(data) > MAX_NOTE_BYTES:
        raise UnreadableMedia(where, f"too large for a note (over {MAX_NOTE_BYTES // 1_000_000} "
                                     "MB of text)")
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and b"\x00" in data[:8192]:
        raise UnsupportedFormat(where, "not a text note: the file holds binary data")
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableMedia(where, "the note holds no text (only whitespace)")
    return text
