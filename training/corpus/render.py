"""Image conversion run in worker processes: flatten onto white, downscale, save."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from PIL import Image

MAX_SIDE = 512
# Package wallpapers reach 170 Mpx; they are trusted data, not a decompression bomb.
Image.MAX_IMAGE_PIXELS = 400_000_000


def flatten(src: Path, dst: Path, max_side: int = MAX_SIDE) -> bool:
    """Save `src` as an RGB PNG/JPEG at `dst`, transparent parts made white.

    Returns False when the image cannot be read (the caller drops the item).
    """
    if dst.exists():
        return True
    try:
        with Image.open(src) as im:
            im.load()
            rgba = im.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        return False
    rgba.thumbnail((max_side, max_side), Image.LANCZOS)
    canvas = Image.new("RGB", rgba.size, (255, 255, 255))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    canvas.save(tmp, format="JPEG" if dst.suffix == ".jpg" else "PNG", quality=90)
    tmp.replace(dst)
    return True


def svg_to_png(rsvg: str, src: Path, dst: Path, max_side: int = MAX_SIDE) -> bool:
    """Render an SVG with rsvg-convert onto white; False if it fails."""
    if dst.exists():
        return True
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp.png")
    cmd = [rsvg, "-w", str(max_side), "-a", "-b", "white", str(src), "-o", str(tmp)]
    try:
        ok = subprocess.run(cmd, capture_output=True, timeout=60, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        ok = False
    if not ok or not tmp.exists():
        tmp.unlink(missing_ok=True)
        return False
    # rsvg scales to the width; large heights are brought down again here.
    ok = flatten(tmp, dst, max_side)
    tmp.unlink(missing_ok=True)
    return ok


def convert(task: tuple[str, str, str, str]) -> bool:
    """Pool entry point: `(kind, src, dst, rsvg)` with kind 'raster' or 'svg'."""
    kind, src, dst, rsvg = task
    if kind == "svg":
        return svg_to_png(rsvg, Path(src), Path(dst))
    return flatten(Path(src), Path(dst), 1024 if dst.endswith(".jpg") else MAX_SIDE)


def find_rsvg(extracted: Path) -> str | None:
    """rsvg-convert from the system or from the unpacked librsvg2-bin package."""
    local = extracted / "librsvg2-bin" / "usr" / "bin" / "rsvg-convert"
    if local.exists():
        return str(local)
    return shutil.which("rsvg-convert")
