"""Emoji images rendered from Noto Color Emoji, named by CLDR annotations."""

from __future__ import annotations

from pathlib import Path

from training.corpus.cldr import emoji_annotations
from training.corpus.debs import Package
from training.corpus.labels import normalise_label

FONT = Path("usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
ANNOTATIONS = ("annotations/en.xml", "annotationsDerived/en.xml")
SIZE = 109  # the only size of the font's CBDT bitmaps


def render(font, text: str, dst: Path) -> bool:
    """Draw one emoji centred on white; False when the font has no single glyph for it."""
    from PIL import Image, ImageDraw

    if dst.exists():
        return True
    left, top, right, bottom = font.getbbox(text)
    width, height = right - left, bottom - top
    # Unsupported sequences fall apart into several glyphs side by side.
    if width <= 0 or height <= 0 or width > 1.5 * SIZE * 1.25:
        return False
    canvas = Image.new("RGBA", (width + 20, height + 20), (255, 255, 255, 0))
    ImageDraw.Draw(canvas).text((10 - left, 10 - top), text, font=font, embedded_color=True)
    if canvas.getchannel("A").getbbox() is None:
        return False
    white = Image.new("RGB", canvas.size, (255, 255, 255))
    white.paste(canvas, mask=canvas.getchannel("A"))
    dst.parent.mkdir(parents=True, exist_ok=True)
    white.save(dst)
    return True


def emoji(font_pkg: Package, cldr_pkg: Package, out: Path) -> list[dict]:
    """One image item per emoji the font can draw, with CLDR name and keywords."""
    from PIL import ImageFont

    font = ImageFont.truetype(str(font_pkg.root / FONT), SIZE)
    cldr = cldr_pkg.root / "usr/share/unicode/cldr/common"
    annotations = emoji_annotations([cldr / a for a in ANNOTATIONS if (cldr / a).exists()])
    items = []
    for text, entry in annotations.items():
        code = "-".join(f"{ord(c):x}" for c in text if c != "\ufe0f")
        dst = out / "emoji" / f"{code}.png"
        if not render(font, text, dst):
            continue
        labels = normalise_label(entry["name"])
        for keyword in entry["keywords"]:
            labels += normalise_label(keyword)
        texts = [entry["name"]]
        if entry["keywords"]:
            texts.append(", ".join(entry["keywords"]))
        items.append({
            "id": f"emoji:{code}", "kind": "image", "path": str(dst),
            "texts": texts, "labels": list(dict.fromkeys(labels)), "group": f"emoji:{code}",
            "source": font_pkg.name, "version": font_pkg.version,
            "license": f"{font_pkg.license}; names {cldr_pkg.license}",
            "origin": f"{FONT.as_posix()} U+{code.upper().replace('-', ' U+')}",
        })
    return items
