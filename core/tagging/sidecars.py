"""Keeping tags and XMP sidecars in step: keywords other programs wrote come in as
accepted tags, the user's decisions go out (see ``sidecar.py`` for the file format)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from core.store import Store
from core.tagging.atomic import remove_stale_temps
from core.tagging.errors import SidecarError, TaggingError
from core.tagging.reports import SidecarReport
from core.tagging.sidecar import (
    SIDECAR_STYLES,
    SidecarStyle,
    existing_sidecars,
    read_tags,
    sidecar_path,
    write_tags,
)

STYLE_KEY = "tagging.sidecar_style"
SEEN_KEY = "tagging.sidecars.seen"
# Hierarchies that programs fill on their own (darktable's "darktable|format|orf",
# "darktable|changed", ...): bookkeeping, not the user's keywords.
PROGRAM_TAG_ROOTS = {"darktable"}


def is_program_tag(name: str) -> bool:
    """A keyword a program fills on its own: under one of PROGRAM_TAG_ROOTS, whether as a
    path (``darktable/format/flac``) or as darktable's flat ``darktable|format|flac``."""
    return re.split(r"[/|]", name, maxsplit=1)[0].strip().casefold() in PROGRAM_TAG_ROOTS


def sidecar_stamp(path: str | Path) -> str:
    """Names and modification times of the sidecars of ``path`` ("" when it has none)."""
    return ";".join(f"{p.name}:{p.stat().st_mtime_ns}" for p in existing_sidecars(path))


def sidecar_style(store: Store) -> SidecarStyle:
    """The naming style new sidecars get (a library setting): 'file.ext.xmp' or 'file.xmp'."""
    style = store.meta.get(STYLE_KEY, "file.ext.xmp")
    return style if style in SIDECAR_STYLES else "file.ext.xmp"  # type: ignore[return-value]


def set_sidecar_style(store: Store, style: str) -> None:
    if style not in SIDECAR_STYLES:
        raise TaggingError(f"unknown sidecar style {style!r}; use one of {SIDECAR_STYLES}")
    store.meta.set(STYLE_KEY, style)


def import_sidecar_keywords(store: Store, item_ids: Iterable[int] | None = None,
                            only_new: bool = True) -> SidecarReport:
    """Import the keywords of XMP sidecars (both naming styles) as accepted tags.

    Keywords become tags with source 'sidecar' and status 'accepted'; a tag the user
    rejected stays rejected, a proposal of the same name is accepted. With ``only_new``,
    sidecars unchanged since the last import are skipped, so the indexer can call this
    after every run at little cost. Unreadable sidecars are listed in ``failed`` and
    left as they are.
    """
    report = SidecarReport()
    wanted = None if item_ids is None else {int(i) for i in item_ids}
    seen = json.loads(store.meta.get(SEEN_KEY, "{}") or "{}")
    for item_id, path in store.files.indexed_paths():
        if wanted is not None and item_id not in wanted:
            continue
        stamp = sidecar_stamp(path)
        if not stamp or (only_new and seen.get(str(item_id)) == stamp):
            continue
        try:
            names = read_tags(path)
        except SidecarError as exc:
            report.failed.append((str(exc.path), exc.reason))
            continue
        names = [n for n in names if not is_program_tag(n)]
        report.imported += store.tags.import_accepted(item_id, names, "sidecar")
        report.read_items.append(item_id)
        seen[str(item_id)] = stamp
    # Re-importing is harmless (existing names are skipped), so one write at the end is enough.
    store.meta.set(SEEN_KEY, json.dumps(seen))
    return report


def _sharing_a_name(store: Store) -> set[str]:
    """Paths of library files whose file.xmp-style sidecar is another library file's too."""
    by_name: dict[Path, list[str]] = {}
    for _item_id, path in store.files.indexed_paths():
        by_name.setdefault(sidecar_path(path, "file.xmp"), []).append(path)
    return {p for paths in by_name.values() if len(paths) > 1 for p in paths}


def export_sidecars(store: Store, item_ids: Iterable[int] | None = None,
                    style: SidecarStyle | None = None) -> SidecarReport:
    """Write each item's accepted tags into its XMP sidecar (merged, atomic).

    Tags the user rejected that a sidecar holds are removed from it. A file whose
    sidecar cannot be written is listed in ``failed`` with the reason; the others are
    still written. Originals are never touched. In the file.xmp style, files that would
    share one sidecar (a.jpg, a.png, a.wav -> a.xmp) get the file.ext.xmp style instead and
    are listed in ``shared_names``.
    """
    style = style or sidecar_style(store)
    wanted = None if item_ids is None else {int(i) for i in item_ids}
    by_item: dict[int, tuple[str, list[str], list[str]]] = {}
    for item_id, path, name, status in store.tags.decided_with_paths():
        if wanted is not None and item_id not in wanted:
            continue
        entry = by_item.setdefault(item_id, (path, [], []))
        (entry[1] if status == "accepted" else entry[2]).append(name)
    report = SidecarReport()
    shared = _sharing_a_name(store) if style == "file.xmp" else set()
    cleaned: set[Path] = set()
    for _item_id, (path, add, remove) in sorted(by_item.items()):
        folder = Path(path).parent
        if folder not in cleaned:  # what a killed export left here
            cleaned.add(folder)
            remove_stale_temps(folder)
        if not add and not remove:
            continue
        try:
            if path in shared:
                # a.jpg and a.wav would both write (and later both read) a.xmp
                written = write_tags(path, add, remove, style="file.ext.xmp",
                                     other_style=False)
                report.shared_names.append(str(path))
            else:
                written = write_tags(path, add, remove, style=style)
        except SidecarError as exc:
            report.failed.append((str(exc.path), exc.reason))
            continue
        if written is None:
            report.unchanged += 1
        else:
            report.written.append(str(written))
    # What we wrote is what we would import: don't read our own writes back as news.
    if report.written:
        seen = json.loads(store.meta.get(SEEN_KEY, "{}") or "{}")
        for item_id, (path, _a, _r) in by_item.items():
            seen[str(item_id)] = sidecar_stamp(path)
        store.meta.set(SEEN_KEY, json.dumps(seen))
    return report
