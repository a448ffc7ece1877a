"""Building the sound bank's manifest: fetch and unpack each package, label its audio files,
keep the capped set, record provenance and licence per file.

    python -m training.corpus.bankbuild [--cache DIR]

Writes `<cache>/soundbank/manifest.json` (a list of items: id, path, package, version,
licence, path inside the package, labels, text, split, and for Tux Paint stamps the stamp
picture the sound belongs to). A rerun reads the packages already fetched and unpacked.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import zipfile
from collections import Counter
from pathlib import Path

from training.corpus.debs import RESERVED, Package, cache_dir, file_license, unpack
from training.corpus.soundbank import (
    AUDIO,
    PACKAGES,
    BankPackage,
    bank_labels,
    capped,
    debian_name,
    phrase,
    split_of,
)

log = logging.getLogger(__name__)
ZIP_0AD = "usr/share/games/0ad/mods/public/public.zip"
STAMPS = "usr/share/tuxpaint/stamps/"


def _zip_members(pkg: Package, out: Path) -> dict[str, Path]:
    """0 A.D. keeps its sounds inside one zip: its audio members, written out under `out`."""
    archive = pkg.root / ZIP_0AD
    found: dict[str, Path] = {}
    if not archive.is_file():
        return found
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if not info.filename.lower().endswith(AUDIO):
                continue
            dst = out / "0ad" / info.filename
            found[info.filename] = dst
    return found


def audio_files(pkg: Package, out: Path) -> dict[str, Path]:
    """`{path inside the package: file on disk}` of every audio file of an unpacked package
    (for 0 A.D., the members of its zip, extracted later only if kept)."""
    if pkg.name == "0ad-data":
        return _zip_members(pkg, out)
    return {p.relative_to(pkg.root).as_posix(): p for p in sorted(pkg.root.rglob("*"))
            if p.suffix.lower() in AUDIO and p.is_file() and p.stat().st_size > 0}


def _extract_0ad(pkg: Package, kept: dict[str, Path]) -> None:
    with zipfile.ZipFile(pkg.root / ZIP_0AD) as zf:
        for name, dst in kept.items():
            if not dst.is_file():
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(zf.read(name))


def stamp_picture(file: Path) -> str | None:
    """The picture of a Tux Paint stamp whose sound `file` is (same folder, same stem)."""
    for ext in (".png", ".svg"):
        pic = file.with_suffix(ext)
        if pic.is_file():
            return str(pic)
    return None


def package_items(bank: BankPackage, pkg: Package, out: Path) -> list[dict]:
    """The kept, labelled clips of one bank entry."""
    files = audio_files(pkg, out)
    rows = [(rel, labels) for rel in files if (labels := bank_labels(rel, bank))]
    rows = capped(rows, bank.cap)
    if pkg.name == "0ad-data":
        _extract_0ad(pkg, {rel: files[rel] for rel, _ in rows})
    items = []
    for rel, labels in rows:
        short = re.sub(r"^usr/share/(games/)?", "", rel)
        file = files[rel]
        item = {
            "id": f"{bank.name}:{short}", "kind": "sound", "path": str(file),
            "package": pkg.name, "version": pkg.version,
            "license": pkg.license if pkg.name == "0ad-data" else file_license(pkg, rel),
            "origin": f"{ZIP_0AD}!{rel}" if pkg.name == "0ad-data" else rel,
            "labels": labels, "text": phrase(labels), "family": bank.kind,
            "split": split_of(bank),
        }
        if rel.startswith(STAMPS) and bank.kind == "effects":
            item["image"] = stamp_picture(file)
        items.append(item)
    return items


def build(cache: Path | None = None) -> Path:
    """Fetch, unpack and label every bank package; write and return the manifest path."""
    corpus = cache_dir(cache)
    out = corpus / "soundbank"
    out.mkdir(parents=True, exist_ok=True)
    items: list[dict] = []
    unpacked: dict[str, Package] = {}
    for bank in PACKAGES:
        name = debian_name(bank)
        if name in RESERVED:
            raise ValueError(f"{name} is reserved for evaluation and must not be used")
        if name not in unpacked:
            unpacked[name] = unpack(name, corpus)
        got = package_items(bank, unpacked[name], out / "files")
        log.info("%s: %d clips", bank.name, len(got))
        items.extend(got)
    path = out / "manifest.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(items, indent=0, ensure_ascii=False))
    tmp.replace(path)
    return path


def summary(items: list[dict]) -> dict:
    """Counts a note can quote: clips, packages, distinct labels, per split and family."""
    return {
        "clips": len(items),
        "packages": len({it["package"] for it in items}),
        "distinct_labels": len({it["text"] for it in items}),
        "by_split": dict(Counter(it["split"] for it in items)),
        "by_family": dict(Counter(it["family"] for it in items)),
        "with_picture": sum(1 for it in items if it.get("image")),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cache", type=Path)
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    path = build(a.cache)
    print(json.dumps(summary(json.loads(path.read_text())), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
