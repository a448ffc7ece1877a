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

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "digiKam": "http://www.digikam.org/ns/1.0/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}


def qname(prefix: str, local: str) -> str:
    """ElementTree's name for ``prefix:local``, e.g. ``{http://purl.org/dc/elements/1.1/}subject``."""
    return "{" + NS[prefix] + "}" + local


_RDF = qname("rdf", "")
_DC_SUBJECT = qname("dc", "subject")
_DK_TAGS = qname("digiKam", "TagsList")
_LR_HIER = qname("lr", "hierarchicalSubject")
_CONTAINERS = (_RDF + "Bag", _RDF + "Seq", _RDF + "Alt")

SidecarStyle = Literal["file.ext.xmp", "file.xmp"]
"""``photo.jpg.xmp`` (digiKam, darktable) or ``photo.xmp`` (Lightroom, Adobe)."""
SIDECAR_STYLES: tuple[SidecarStyle, ...] = ("file.ext.xmp", "file.xmp")

_XPACKET_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
_XPACKET_END = '\n<?xpacket end="w"?>\n'


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
        # On case-insensitive file systems .xmp and .XMP are the same file.
        if c.is_file() and not any(c.samefile(f) for f in found):
            found.append(c)
    return found


def _split_levels(name: str, sep: str) -> list[str]:
    return [part.strip() for part in name.split(sep) if part.strip()]


def _normalise(name: str) -> str:
    return " ".join(name.split())


def _items(prop: ET.Element) -> list[str]:
    out: list[str] = []
    for container in prop:
        if container.tag in _CONTAINERS:
            for li in container.findall(_RDF + "li"):
                text = _normalise(li.text or "")
                if text:
                    out.append(text)
    if not out and prop.text and prop.text.strip():
        # A single keyword written as a plain property value (seen from some tools).
        out.append(_normalise(prop.text))
    return out


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


def _descriptions(root: ET.Element) -> list[ET.Element]:
    if root.tag == _RDF + "Description":
        return [root]
    return list(root.iter(_RDF + "Description"))


def _fields(root: ET.Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {_DC_SUBJECT: [], _DK_TAGS: [], _LR_HIER: []}
    for desc in _descriptions(root):
        for child in desc:
            if child.tag in found:
                found[child.tag].extend(_items(child))
    return found


def _tags_from_fields(fields: dict[str, list[str]]) -> list[str]:
    """Merge the three fields into tag names; hierarchical ones first, then the flat rest."""
    tags: list[str] = []
    seen: set[str] = set()
    levels: set[str] = set()

    def add(name: str) -> None:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            tags.append(name)

    # A level may itself hold "|" ("Weather|Rain", one tag): digiKam's TagsList keeps it as
    # it is, while Lightroom's field cannot tell it from two levels. An lr entry equal to a
    # TagsList entry holding "|" is that same tag, not a hierarchy.
    piped = {v.casefold() for v in fields[_DK_TAGS] if "|" in v}
    lr = [v for v in fields[_LR_HIER] if v.casefold() not in piped]
    for raw, sep in [(v, "/") for v in fields[_DK_TAGS]] + [(v, "|") for v in lr]:
        parts = _split_levels(raw, sep)
        if parts:
            add("/".join(parts))
            levels.update(p.casefold() for p in parts)
    for kw in fields[_DC_SUBJECT]:
        if kw.casefold() not in levels:
            add(kw)
    return tags


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


def _empty_packet() -> ET.Element:
    ET.register_namespace("x", NS["x"])
    ET.register_namespace("rdf", NS["rdf"])
    root = ET.Element(qname("x", "xmpmeta"), {qname("x", "xmptk"): "Synesthesia"})
    rdf = ET.SubElement(root, _RDF + "RDF")
    ET.SubElement(rdf, _RDF + "Description", {_RDF + "about": ""})
    return root


def _main_description(root: ET.Element) -> ET.Element:
    descs = _descriptions(root)
    if descs:
        return descs[0]
    rdf = root if root.tag == _RDF + "RDF" else root.find(".//" + _RDF + "RDF")
    if rdf is None:
        rdf = ET.SubElement(root, _RDF + "RDF")
    return ET.SubElement(rdf, _RDF + "Description", {_RDF + "about": ""})


def _property(root: ET.Element, tag: str, container: str) -> ET.Element:
    """The container (``rdf:Bag``/``rdf:Seq``) of property ``tag``, created when missing."""
    for desc in _descriptions(root):
        prop = desc.find(tag)
        if prop is not None:
            for c in prop:
                if c.tag in _CONTAINERS:
                    return c
            # A plain-valued property: turn it into a container holding its old value.
            old = _normalise(prop.text or "")
            prop.text = None
            box = ET.SubElement(prop, _RDF + container)
            if old:
                ET.SubElement(box, _RDF + "li").text = old
            return box
    prop = ET.SubElement(_main_description(root), tag)
    return ET.SubElement(prop, _RDF + container)


def _merge_list(box: ET.Element, add: list[str], remove: set[str]) -> int:
    changes = 0
    for li in list(box.findall(_RDF + "li")):
        if _normalise(li.text or "").casefold() in remove:
            box.remove(li)
            changes += 1
    present = {_normalise(li.text or "").casefold() for li in box.findall(_RDF + "li")}
    for value in add:
        if value.casefold() not in present:
            present.add(value.casefold())
            ET.SubElement(box, _RDF + "li").text = value
            changes += 1
    return changes


def merge_tags(root: ET.Element, add: Iterable[str], remove: Iterable[str] = ()) -> int:
    """Add tags to (and remove tags from) the three keyword fields of an XMP tree, in place.

    ``add``/``remove`` are Synesthesia tag names (``/`` between levels). Other
    fields and keywords are left as they are. Comparison ignores case.
    Returns the number of keywords added or removed.
    """
    for prefix in ("dc", "digiKam", "lr"):
        ET.register_namespace(prefix, NS[prefix])
    add_paths = [_split_levels(t, "/") for t in add]
    add_paths = [p for p in add_paths if p]
    rm_paths = [_split_levels(t, "/") for t in remove]
    rm_paths = [p for p in rm_paths if p]
    still_leaves = {p[-1].casefold() for p in add_paths}
    return (
        _merge_list(
            _property(root, _DC_SUBJECT, "Bag"),
            [p[-1] for p in add_paths],
            {p[-1].casefold() for p in rm_paths} - still_leaves,
        )
        + _merge_list(
            _property(root, _DK_TAGS, "Seq"),
            ["/".join(p) for p in add_paths],
            {"/".join(p).casefold() for p in rm_paths},
        )
        + _merge_list(
            _property(root, _LR_HIER, "Bag"),
            # Lightroom separates levels with "|": a level holding one cannot be written
            # there (it would come back as two levels); TagsList and dc:subject carry it.
            ["|".join(p) for p in add_paths if not any("|" in level for level in p)],
            {"|".join(p).casefold() for p in rm_paths},
        )
    )


MAX_DEPTH = 200
"""Deepest element nesting we rewrite (real XMP stays under 20 levels). ElementTree's
indenting and serialising recurse once per level: a sidecar nested thousands of levels
deep would raise RecursionError, so it is refused and left unchanged."""


def _depth_exceeds(root: ET.Element, limit: int) -> bool:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node)
    return False


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
    if target.exists():
        fields = _fields(root)
        present = {t.casefold() for t in _tags_from_fields(fields)}
        present |= {v.casefold() for v in fields[_DC_SUBJECT]}
        present |= {"/".join(_split_levels(v, "|")).casefold() for v in fields[_LR_HIER]}
        present |= {"/".join(_split_levels(v, "/")).casefold() for v in fields[_DK_TAGS]}
        wanted = {"/".join(_split_levels(t, "/")).casefold() for t in add}
        unwanted = {"/".join(_split_levels(t, "/")).casefold() for t in remove}
        if wanted <= present and not (unwanted & present):
            return None  # the sidecar already says this: leave the other program's file be
    merge_tags(root, add, remove)
    try:
        ET.indent(root, space=" ")
        body = ET.tostring(root, encoding="unicode")
    except RecursionError as exc:
        raise SidecarUnreadable(
            target, "nested too deeply to rewrite; it was left unchanged"
        ) from exc
    atomic_write(target, (_XPACKET_BEGIN + body + _XPACKET_END).encode("utf-8"))
    return target
