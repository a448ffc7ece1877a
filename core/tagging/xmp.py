"""The XMP document of a sidecar, in memory: the three keyword fields read from it and
our tags merged into it (no files here: ``sidecar.py`` reads and writes them).

- ``dc:subject``            an ``rdf:Bag`` of flat keywords (every program);
- ``digiKam:TagsList``      an ``rdf:Seq`` of hierarchical tags, ``Places/Beach``;
- ``lr:hierarchicalSubject`` an ``rdf:Bag`` of hierarchical tags, ``Places|Beach``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

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


_XPACKET_BEGIN = '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'


_XPACKET_END = '\n<?xpacket end="w"?>\n'


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


_DC_TEXTS = (qname("dc", "title"), qname("dc", "description"))


def texts(root: ET.Element) -> list[str]:
    """The title and description (``dc:title``, ``dc:description``; every language) that
    a sidecar holds, as found: words a person wrote about the file."""
    out: list[str] = []
    for desc in _descriptions(root):
        for child in desc:
            if child.tag in _DC_TEXTS:
                out.extend(t for t in _items(child) if t not in out)
    return out


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


# Deepest element nesting we rewrite (real XMP stays under 20 levels). ElementTree's
# indenting and serialising recurse once per level: a sidecar nested thousands of levels
# deep would raise RecursionError, so it is refused and left unchanged.
MAX_DEPTH = 200


def _depth_exceeds(root: ET.Element, limit: int) -> bool:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node)
    return False


def already_says(root: ET.Element, add: list[str], remove: list[str]) -> bool:
    """Whether the document holds every tag of ``add`` and none of ``remove`` already (in
    any of the three fields), so that it need not be rewritten."""
    fields = _fields(root)
    present = {t.casefold() for t in _tags_from_fields(fields)}
    present |= {v.casefold() for v in fields[_DC_SUBJECT]}
    present |= {"/".join(_split_levels(v, "|")).casefold() for v in fields[_LR_HIER]}
    present |= {"/".join(_split_levels(v, "/")).casefold() for v in fields[_DK_TAGS]}
    wanted = {"/".join(_split_levels(t, "/")).casefold() for t in add}
    unwanted = {"/".join(_split_levels(t, "/")).casefold() for t in remove}
    return wanted <= present and not (unwanted & present)


def packet(root: ET.Element) -> bytes:
    """The document as an XMP packet, indented, UTF-8. Raises RecursionError when it is
    nested too deeply for ElementTree."""
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return (_XPACKET_BEGIN + body + _XPACKET_END).encode("utf-8")
