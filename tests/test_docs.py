"""The documentation's links: every relative link in README.md and docs/*.md points to a file
of the repository and, where it names a heading (``file.md#heading``), to a heading of that
file, spelled the way GitHub makes heading anchors."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def prose(text: str) -> str:
    """The text without fenced or indented code blocks (a link there is an example)."""
    text = FENCE.sub("", text)
    return "\n".join(line for line in text.split("\n")
                     if not line.startswith("    ") and not line.startswith("\t"))


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped (``_`` and
    ``-`` kept), each space a hyphen."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a Markdown page (a repeated heading gets -1, -2, ...)."""
    seen: dict[str, int] = {}
    out = set()
    for line in prose(page.read_text(encoding="utf-8")).split("\n"):
        m = re.match(r"#{1,6}\s+(.*)", line)
        if not m:
            continue
        a = anchor(m.group(1))
        n = seen.get(a, 0)
        seen[a] = n + 1
        out.add(a if n == 0 else f"{a}-{n}")
    return out


def relative_links(page: Path) -> list[str]:
    return [t for t in LINK.findall(prose(page.read_text(encoding="utf-8")))
            if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def broken(page: Path) -> list[str]:
    """The relative links of `page` that do not resolve, with the reason."""
    bad = []
    for target in relative_links(page):
        path, _, frag = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            bad.append(f"{target}: no file {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}")
        elif frag and dest.suffix == ".md" and frag not in anchors(dest):
            bad.append(f"{target}: no heading #{frag} in {dest.name}")
    return bad


def test_anchor_spelling() -> None:
    assert anchor("Real photos (`training.realmedia`; never trained)") == \
        "real-photos-trainingrealmedia-never-trained"
    assert anchor("Debian `scratch` + `gcompris-qt-data`") == "debian-scratch--gcompris-qt-data"
    assert anchor("The pipeline's overhead") == "the-pipelines-overhead"


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Top\n\n[ok](#top) [gone](b.md) [no heading](a.md#nope)\n"
                                   "\n    [in code](ignored.md)\n")
    assert [b.split(":")[0] for b in broken(tmp_path / "a.md")] == ["b.md", "a.md#nope"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    assert broken(page) == []


def test_readme_is_short() -> None:
    """The README is for the people who use the program; measurements live in docs/."""
    assert len((ROOT / "README.md").read_text(encoding="utf-8").split("\n")) <= 400
