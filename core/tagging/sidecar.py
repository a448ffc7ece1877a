"""XMP sidecars: read keywords other programs wrote, merge ours in, write atomically.

A sidecar is the ``.xmp`` file beside a photo (or a sound) that photo managers
use to keep metadata without touching the original. We read and write the
three keyword fields that digiKam, darktable, Lightroom and Immich read:

- ``dc:subject``            an ``rdf:Bag`` of flat keywords (every program);
- ``digiKam:TagsList``      an ``rdf:Seq`` of hierarchical tags, ``Places/Beach``;
- ``lr:hierarchicalSubject`` an ``rdf:Bag`` of hierarchical tags, ``Places|Beach``.

Inside Synesthesia a hierarchical tag is one name with ``/`` between levels
(digiKam's convention). On export the leaf goes to ``dc:subject``, the whole
path to the two hierarchical fields; on import the hierarchical fields win and
``dc:subject`` adds the keywords that are not already a level of one of them.

The document itself (fields, merging) is ``xmp.py``; this module is about the files.

Everything else in an existing sidecar (ratings, labels, GPS, other programs'
namespaces) is kept: the file is parsed into a tree, only the three fields are
changed, and the tree is written back. Sidecars come from other programs, so
they are parsed with defusedxml (no entity expansion, no external entities).

Writes go to a temporary file in the same folder, are flushed to disk, and
then replace the sidecar in one ``os.replace``: a crash leaves the old sidecar
or the new one, never half of one. A folder or sidecar without write
permission bits is treated as read-only even for root, so that a folder the
user locked stays untouched; the error names the file and what to do.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from core.tagging.atomic import atomic_write, check_writable
from core.tagging.errors import (  # noqa: F401  (raised by read_* and write_tags: re-exported)
    SidecarError,
    SidecarNotWritable,
    SidecarUnreadable,
)
from core.tagging.xmp import (  # noqa: F401  (NS, qname, merge_tags: re-exported)
    _DC_SUBJECT,
    _DK_TAGS,
    _LR_HIER,
    MAX_DEPTH,
    NS,
    _depth_exceeds,
    _empty_packet,
    _fields,
    _tags_from_fields,
    already_says,
    merge_tags,
    packet,
    qname,
)

SidecarStyle = Literal["file.ext.xmp", "file.xmp"]
"""``photo.jpg.xmp`` (digiKam, darktable) or ``photo.xmp`` (Lightroom, Adobe)."""
SIDECAR_STYLES: tuple[SidecarStyle, ...] = ("file.ext.xmp", "file.xmp")



@dataclass(frozen=True)
class SidecarTags:
    """Keywords found in one sidecar, as Synesthesia tag names (``/`` between levels)."""

    path: Path
    tags: tuple[str, ...]
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)


def sidecar_path(media_path: str | Path, style: SidecarStyle = "file.ext.xmp") -> Path:
    """Where the sidecar of ``media_path`` lives in naming style ``style``."""
    p = Path(media_path)
    if style == "file.ext.xmp":
        return p.with_name(p.name + ".xmp")
    if style == "file.xmp":
        return p.with_suffix(".xmp")
    raise ValueError(f"unknown sidecar style {style!r}; use one of {SIDECAR_STYLES}")


def existing_sidecars(media_path: str | Path) -> list[Path]:
    """The sidecars of ``media_path`` that exist, in both naming styles (and ``.XMP``)."""
    p = Path(media_path)
    candidates = [
        p.with_name(p.name + ".xmp"),
        p.with_name(p.name + ".XMP"),
        p.with_suffix(".xmp"),
        p.with_suffix(".XMP"),
    ]
    found: list[Path] = []
    for c in candidates:
        try:
            # On case-insensitive file systems .xmp and .XMP are the same file.
            if c.is_file() and not any(c.samefile(f) for f in found):
                found.append(c)
        except OSError:
            continue  # a name the file system cannot hold (too long): no such sidecar
    return found








def _check_name(target: Path) -> None:
    """Raises SidecarNotWritable when the file system cannot hold the sidecar's name (a
    media file whose name is near the 255-byte limit: the ".xmp" goes past it)."""
    try:
        os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise SidecarNotWritable(
                target, "the sidecar's name would be longer than the file system allows; "
                "shorten the file's name to give it a sidecar") from exc


def _not_a_file(path: Path) -> SidecarUnreadable | None:
    """The error for a sidecar path that exists but is no regular file (a FIFO would block
    the reader forever, a device or folder is not ours to read), else None."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    return SidecarUnreadable(
        path, "not a regular file (a FIFO, device or folder); it was skipped and left unchanged"
    )


def _parse(path: Path) -> ET.ElementTree:
    bad = _not_a_file(path)
    if bad is not None:
        raise bad
    try:
        prefixes: dict[str, str] = {}
        for _event, (prefix, uri) in SafeET.iterparse(str(path), events=("start-ns",)):
            prefixes.setdefault(prefix, uri)
        tree = SafeET.parse(str(path))
    except DefusedXmlException as exc:
        raise SidecarUnreadable(
            path, f"refused to parse sidecar ({type(exc).__name__}); it was left unchanged"
        ) from exc
    except (ET.ParseError, ValueError) as exc:
        raise SidecarUnreadable(
            path, f"not a readable XMP sidecar ({exc}); it was left unchanged"
        ) from exc
    except OSError as exc:
        raise SidecarUnreadable(path, f"cannot read sidecar: {exc.strerror or exc}") from exc
    # Keep the prefixes the other program chose, so its fields stay readable to it.
    for prefix, uri in prefixes.items():
        if prefix and not re.fullmatch(r"ns\d+", prefix):
            ET.register_namespace(prefix, uri)
    return tree








def read_sidecar(path: str | Path) -> SidecarTags:
    """Read the keywords of one sidecar file.

    Raises ``SidecarUnreadable`` when the file is not XMP we can parse.
    """
    path = Path(path)
    tree = _parse(path)
    fields = _fields(tree.getroot())
    names = {
        _DC_SUBJECT: "dc:subject",
        _DK_TAGS: "digiKam:TagsList",
        _LR_HIER: "lr:hierarchicalSubject",
    }
    return SidecarTags(
        path=path,
        tags=tuple(_tags_from_fields(fields)),
        fields={names[k]: tuple(v) for k, v in fields.items()},
    )


def read_texts(media_path: str | Path) -> list[str]:
    """The titles and descriptions in the sidecars of ``media_path``; ``[]`` when it has
    none, or none that can be read (``read_tags`` reports those)."""
    from core.tagging.xmp import texts

    out: list[str] = []
    for sc in existing_sidecars(media_path):
        try:
            out += [t for t in texts(_parse(sc).getroot()) if t not in out]
        except SidecarUnreadable:
            continue
    return out


def read_tags(media_path: str | Path) -> list[str]:
    """The keywords in every sidecar of ``media_path`` (both naming styles), merged.

    Returns ``[]`` when there is no sidecar. Raises ``SidecarUnreadable`` for a
    sidecar that exists but cannot be parsed.
    """
    tags: list[str] = []
    seen: set[str] = set()
    for sc in existing_sidecars(media_path):
        for t in read_sidecar(sc).tags:
            if t.casefold() not in seen:
                seen.add(t.casefold())
                tags.append(t)
    return tags
















def write_tags(
    media_path: str | Path,
    add: Iterable[str],
    remove: Iterable[str] = (),
    style: SidecarStyle = "file.ext.xmp",
    other_style: bool = True,
) -> Path | None:
    """Merge tags into the sidecar of ``media_path`` and write it atomically.

    The sidecar written is the one of naming style ``style``; when only the
    other style's sidecar exists, that one is updated instead, so a library
    never ends up with two sidecars that disagree. The original media file is
    never opened for writing. Returns the sidecar's path, or None when the
    sidecar already held exactly these keywords (it is then not rewritten, so
    other programs do not see a change).

    With ``other_style=False`` only the sidecar of style ``style`` is used (for files
    that share their file.xmp name with another file).

    Raises ``SidecarNotWritable`` (read-only folder or sidecar, disk error) and
    ``SidecarUnreadable`` (an existing sidecar that is not XMP); in both cases
    nothing was changed on disk.
    """
    media_path = Path(media_path)
    target = sidecar_path(media_path, style)
    _check_name(target)
    if other_style and not target.exists():
        other = existing_sidecars(media_path)
        if other:
            target = other[0]
    bad = _not_a_file(target)
    if bad is not None:
        raise bad
    check_writable(target)
    if target.exists():
        tree = _parse(target)
        root = tree.getroot()
        if _depth_exceeds(root, MAX_DEPTH):
            raise SidecarUnreadable(
                target, f"nested more than {MAX_DEPTH} levels deep, which no XMP is; it was "
                "left unchanged"
            )
    else:
        root = _empty_packet()
    add, remove = list(add), list(remove)
    if target.exists() and already_says(root, add, remove):
        return None  # the sidecar already says this: leave the other program's file be
    merge_tags(root, add, remove)
    try:
        data = packet(root)
    except RecursionError as exc:
        raise SidecarUnreadable(
            target, "nested too deeply to rewrite; it was left unchanged"
        ) from exc
    atomic_write(target, data)
    return target
