"""XMP sidecars: reading other programs' keywords, merging ours in, atomic writes."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from core.tagging.sidecar import (
    SidecarNotWritable,
    SidecarUnreadable,
    existing_sidecars,
    qname,
    read_sidecar,
    read_tags,
    sidecar_path,
    write_tags,
)

FIXTURES = Path(__file__).parent / "fixtures" / "sidecars"


def _media(folder: Path, name: str = "photo.jpg") -> Path:
    p = folder / name
    p.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg, and never opened for writing")
    return p


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_sidecar_naming_styles(tmp_path: Path) -> None:
    photo = tmp_path / "IMG_0001.JPG"
    assert sidecar_path(photo, "file.ext.xmp") == tmp_path / "IMG_0001.JPG.xmp"
    assert sidecar_path(photo, "file.xmp") == tmp_path / "IMG_0001.xmp"
    with pytest.raises(ValueError):
        sidecar_path(photo, "xmp.file")  # type: ignore[arg-type]


def test_read_digikam_sidecar_merges_hierarchies_and_flat_keywords() -> None:
    sc = read_sidecar(FIXTURES / "digikam.jpg.xmp")
    # Hierarchical tags come from TagsList/hierarchicalSubject; "sunset" is a flat extra;
    # "Beach" and "Anna" are leaves of hierarchical tags and not repeated.
    assert sc.tags == ("Places/Brittany/Beach", "People/Anna", "sunset")
    assert sc.fields["dc:subject"] == ("Beach", "Anna", "sunset")


def test_read_darktable_style_sidecar() -> None:
    sc = read_sidecar(FIXTURES / "darktable.xmp")
    assert sc.tags == ("waterfall", "darktable/format/orf")


def test_write_new_sidecar_round_trip(tmp_path: Path) -> None:
    photo = _media(tmp_path)
    before = _digest(photo)
    mtime = photo.stat().st_mtime_ns
    written = write_tags(photo, ["rain", "Places/Paris"])
    assert written == tmp_path / "photo.jpg.xmp"
    assert read_tags(photo) == ["rain", "Places/Paris"]
    fields = read_sidecar(written).fields
    assert fields["dc:subject"] == ("rain", "Paris")
    assert fields["digiKam:TagsList"] == ("rain", "Places/Paris")
    assert fields["lr:hierarchicalSubject"] == ("rain", "Places|Paris")
    # The original is untouched, and no temporary file is left behind.
    assert _digest(photo) == before and photo.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.jpg", "photo.jpg.xmp"]
    # The file is an XMP packet other tools recognise.
    text = written.read_text(encoding="utf-8")
    assert text.startswith("<?xpacket begin=")
    assert text.rstrip().endswith('<?xpacket end="w"?>')


def test_merge_into_digikam_sidecar_keeps_everything_else(tmp_path: Path) -> None:
    photo = _media(tmp_path)
    sc = tmp_path / "photo.jpg.xmp"
    shutil.copy(FIXTURES / "digikam.jpg.xmp", sc)
    write_tags(photo, ["rain", "sunset", "Places/Brittany/Beach"])
    after = read_sidecar(sc)
    assert after.tags == ("Places/Brittany/Beach", "People/Anna", "rain", "sunset")
    assert after.fields["dc:subject"] == ("Beach", "Anna", "sunset", "rain")  # no duplicates
    root = ET.parse(sc).getroot()
    desc = root.find(".//" + qname("rdf", "Description"))
    assert desc is not None
    # Other fields of digiKam and of other programs survive, with their values.
    assert desc.get(qname("xmp", "Rating")) == "4"
    assert desc.get(qname("digiKam", "ColorLabel")) == "3"
    assert desc.get("{http://ns.adobe.com/tiff/1.0/}Model") == "X-T20"
    assert "Holiday" in (desc.get("{http://ns.acdsee.com/iptc/1.0/}categories") or "")
    title = root.find(f".//{qname('dc', 'title')}/{qname('rdf', 'Alt')}/{qname('rdf', 'li')}")
    assert title is not None and title.text == "Evening at Plage du Sillon"
    assert title.get("{http://www.w3.org/XML/1998/namespace}lang") == "x-default"
    ms = root.findall(
        ".//{http://ns.microsoft.com/photo/1.0/}LastKeywordXMP//" + qname("rdf", "li")
    )
    assert [li.text for li in ms] == ["Places/Brittany/Beach", "People/Anna"]
    # digiKam's own prefix is kept, so the file stays familiar to it.
    assert "digiKam:TagsList" in sc.read_text(encoding="utf-8")


def test_remove_tags_only_removes_ours(tmp_path: Path) -> None:
    photo = _media(tmp_path)
    sc = tmp_path / "photo.jpg.xmp"
    shutil.copy(FIXTURES / "digikam.jpg.xmp", sc)
    write_tags(photo, ["rain"])
    write_tags(photo, [], remove=["rain"])
    assert read_sidecar(sc).tags == ("Places/Brittany/Beach", "People/Anna", "sunset")


def test_both_naming_styles_are_read_and_existing_one_is_updated(tmp_path: Path) -> None:
    photo = _media(tmp_path, "scan.tif")
    shutil.copy(FIXTURES / "darktable.xmp", tmp_path / "scan.xmp")
    assert existing_sidecars(photo) == [tmp_path / "scan.xmp"]
    assert read_tags(photo) == ["waterfall", "darktable/format/orf"]
    # Preferred style is file.ext.xmp, but the existing file.xmp is updated rather than
    # starting a second sidecar that would disagree with it.
    written = write_tags(photo, ["water"], style="file.ext.xmp")
    assert written == tmp_path / "scan.xmp"
    assert not (tmp_path / "scan.tif.xmp").exists()
    assert "water" in read_tags(photo)
    # A second sidecar in the other style is merged on reading.
    (tmp_path / "scan.tif.xmp").write_bytes((FIXTURES / "digikam.jpg.xmp").read_bytes())
    tags = read_tags(photo)
    assert "People/Anna" in tags and "water" in tags


def test_style_file_xmp_writes_without_extension(tmp_path: Path) -> None:
    photo = _media(tmp_path, "a.png")
    assert write_tags(photo, ["dog"], style="file.xmp") == tmp_path / "a.xmp"
    assert read_tags(photo) == ["dog"]


def test_read_only_folder_is_a_clear_error_and_nothing_is_lost(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    photo = _media(folder)
    sc = folder / "photo.jpg.xmp"
    shutil.copy(FIXTURES / "digikam.jpg.xmp", sc)
    before = sc.read_bytes()
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(SidecarNotWritable) as err:
            write_tags(photo, ["rain"])
        assert "read-only" in str(err.value) and str(folder) in str(err.value)
        assert sc.read_bytes() == before
        assert sorted(p.name for p in folder.iterdir()) == ["photo.jpg", "photo.jpg.xmp"]
    finally:
        os.chmod(folder, stat.S_IRWXU)


def test_read_only_sidecar_is_left_alone(tmp_path: Path) -> None:
    photo = _media(tmp_path)
    sc = tmp_path / "photo.jpg.xmp"
    shutil.copy(FIXTURES / "digikam.jpg.xmp", sc)
    os.chmod(sc, stat.S_IRUSR)
    before = sc.read_bytes()
    with pytest.raises(SidecarNotWritable, match="sidecar is read-only"):
        write_tags(photo, ["rain"])
    assert sc.read_bytes() == before


def test_a_sidecar_that_already_has_the_tags_is_not_rewritten(tmp_path: Path) -> None:
    photo = _media(tmp_path)
    sc = tmp_path / "photo.jpg.xmp"
    shutil.copy(FIXTURES / "digikam.jpg.xmp", sc)
    before = sc.read_bytes()
    assert write_tags(photo, ["sunset", "people/anna"]) is None
    assert sc.read_bytes() == before


def test_existing_mode_is_kept(tmp_path: Path) -> None:
    photo = _media(tmp_path)
    sc = tmp_path / "photo.jpg.xmp"
    shutil.copy(FIXTURES / "digikam.jpg.xmp", sc)
    os.chmod(sc, 0o640)
    write_tags(photo, ["rain"])
    assert stat.S_IMODE(sc.stat().st_mode) == 0o640


def test_broken_sidecar_is_reported_and_not_overwritten(tmp_path: Path) -> None:
    photo = _media(tmp_path)
    sc = tmp_path / "photo.jpg.xmp"
    sc.write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF", encoding="utf-8")
    with pytest.raises(SidecarUnreadable, match="left unchanged"):
        write_tags(photo, ["rain"])
    assert sc.read_text(encoding="utf-8").endswith("<rdf:RDF")
    with pytest.raises(SidecarUnreadable):
        read_tags(photo)


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    sc = tmp_path / "bomb.jpg.xmp"
    sc.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">&b;</x:xmpmeta>',
        encoding="utf-8",
    )
    with pytest.raises(SidecarUnreadable, match="refused"):
        read_sidecar(sc)


def test_plain_valued_subject_is_upgraded_to_a_bag(tmp_path: Path) -> None:
    photo = _media(tmp_path)
    (tmp_path / "photo.jpg.xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:subject>harbour</dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>",
        encoding="utf-8",
    )
    assert read_tags(photo) == ["harbour"]
    write_tags(photo, ["boat"])
    assert read_sidecar(tmp_path / "photo.jpg.xmp").fields["dc:subject"] == ("harbour", "boat")


def _in_thread(fn, timeout: float = 10.0):
    """Run fn in a daemon thread; (finished, result or exception)."""
    import threading

    box: list = []

    def target() -> None:
        try:
            box.append(fn())
        except BaseException as exc:  # noqa: BLE001  (handed back to the test)
            box.append(exc)

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    return (not t.is_alive()), (box[0] if box else None)


def test_a_fifo_sidecar_is_reported_not_waited_for(tmp_path: Path) -> None:
    """Regression: opening a FIFO for reading blocks until a writer comes: never."""
    photo = _media(tmp_path, "x.png")
    fifo = tmp_path / "x.png.xmp"
    os.mkfifo(fifo)
    try:
        finished, result = _in_thread(lambda: write_tags(photo, ["rain"]))
        assert finished, "write_tags hung on a FIFO sidecar"
        assert isinstance(result, SidecarUnreadable) and "not a regular file" in result.reason
        finished, result = _in_thread(lambda: read_sidecar(fifo))
        assert finished and isinstance(result, SidecarUnreadable)
        assert stat.S_ISFIFO(fifo.lstat().st_mode)   # left as it was
    finally:
        # Release a reader that may still be blocked (before the fix), then remove the FIFO.
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass
        fifo.unlink()


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch) -> None:
    """Regression: Ctrl+C in the middle of a write left `.NAME.xmp.XXXX.tmp` behind."""
    photo = _media(tmp_path)

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_tags(photo, ["rain"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.jpg"]


def test_temporary_files_still_open_are_removed_at_exit(tmp_path: Path) -> None:
    """Regression: on a normal exit with a write still under way (a daemon thread),
    its temporary file is removed."""
    import subprocess
    import sys
    import textwrap

    photo = _media(tmp_path)
    script = textwrap.dedent(f"""
        import os, threading, time
        from pathlib import Path
        from core.tagging.sidecar import write_tags
        os.fsync = lambda fd: time.sleep(60)
        threading.Thread(target=write_tags, args=({str(photo)!r}, ["rain"]),
                         daemon=True).start()
        folder = Path({str(tmp_path)!r})
        for _ in range(500):
            if any(p.name.endswith(".tmp") for p in folder.iterdir()):
                break
            time.sleep(0.01)
        assert any(p.name.endswith(".tmp") for p in folder.iterdir())
    """)
    repo = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", script], cwd=repo, check=True, timeout=60)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.jpg"]


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_sidecar_gets_the_mode_the_umask_gives(tmp_path: Path, umask: int,
                                                     expected: int) -> None:
    """Regression: new sidecars were 0600 (mkstemp's mode) whatever the umask; other
    programs are meant to read them."""
    photo = _media(tmp_path)
    old = os.umask(umask)
    try:
        written = write_tags(photo, ["rain"])
    finally:
        os.umask(old)
    assert written is not None and stat.S_IMODE(written.stat().st_mode) == expected


def test_a_tag_holding_a_pipe_round_trips(tmp_path: Path) -> None:
    """Regression: `Weather|Rain` (one tag) came back as two (`Weather|Rain` and
    `Weather/Rain`): Lightroom's field separates levels with `|`."""
    photo = _media(tmp_path)
    tags = ["Weather|Rain", "Places/Paris|Texas", "plain", "Places/Brittany"]
    written = write_tags(photo, tags)
    assert read_tags(photo) == tags
    assert read_sidecar(written).fields["lr:hierarchicalSubject"] == ("plain", "Places|Brittany")
    assert write_tags(photo, tags) is None   # nothing new: not rewritten
    # A sidecar written before (Lightroom's field holding the tag too) reads the same.
    root = ET.parse(written).getroot()
    box = root.find(f".//{qname('lr', 'hierarchicalSubject')}/{qname('rdf', 'Bag')}")
    ET.SubElement(box, qname("rdf", "li")).text = "Weather|Rain"
    written.write_bytes(ET.tostring(root))
    assert read_tags(photo) == tags
