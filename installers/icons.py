"""Renders resources/icons/synesthesia.svg into the PNG sizes a desktop asks for
(``resources/icons/hicolor/<n>x<n>/apps/synesthesia.png``), with Qt's SVG renderer:

    python -m installers.icons

and the Windows and macOS icon files from them with Pillow (``synesthesia.ico``,
``synesthesia.icns``). The files are committed; run this again after changing the SVG."""

from __future__ import annotations

import sys

from core.resources import resource

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(sizes: tuple[int, ...] = SIZES) -> list[str]:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = QSvgRenderer(str(resource("icons", "synesthesia.svg")))
    written = []
    for n in sizes:
        image = QImage(n, n, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        svg.render(painter)
        painter.end()
        out = resource("icons", "hicolor", f"{n}x{n}", "apps", "synesthesia.png")
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(out))
        written.append(str(out))
    return written


def bundle_icons() -> list[str]:
    """synesthesia.ico (Windows shortcuts) and synesthesia.icns (the macOS .app) from the PNGs."""
    from PIL import Image

    biggest = Image.open(resource("icons", "hicolor", "512x512", "apps", "synesthesia.png"))
    ico, icns = resource("icons", "synesthesia.ico"), resource("icons", "synesthesia.icns")
    biggest.save(ico, sizes=[(n, n) for n in (16, 24, 32, 48, 64, 128, 256)])
    biggest.save(icns)
    return [str(ico), str(icns)]


if __name__ == "__main__":
    print("\n".join(render() + bundle_icons()))
