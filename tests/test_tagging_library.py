"""Tagging a real library (the tiny random-weights network, real files on disk): proposals
stay apart from accepted tags, rejections stick, learned tags reach every kind, units,
sidecar import/export and table export."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest

from core.library import Library
from core.tagging import LibraryTagger, TaggingError, VocabularyError, load_vocabulary
from core.tagging.sidecar import read_sidecar, read_tags
from tests.media import make_tree

FIXTURES = Path(__file__).parent / "fixtures" / "sidecars"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, tiny_model):
    """One small library, indexed once for the module (indexing is the slow part)."""
    root = tmp_path_factory.mktemp("tagging")
    media = make_tree(root / "media", images=4, sounds=2, notes=2)
    lib = Library.open(root / "lib", model=tiny_model)
    lib.add_folder(root / "media")
    assert lib.index().failed == 0
    yield root, lib, media
    lib.close()


@pytest.fixture()
def world(indexed):
    """The indexed library with no tags, no tagging state and the two fixture sidecars."""
    root, lib, media = indexed
    for p in (root / "media").rglob("*"):
        if p.suffix.lower() == ".xmp":
            os.chmod(p.parent, stat.S_IRWXU)
            p.unlink()
    shutil.copy(FIXTURES / "digikam.jpg.xmp", media["img0"].with_name("img0.jpg.xmp"))
    shutil.copy(FIXTURES / "darktable.xmp", media["img3"].with_name("img3.xmp"))
    with lib.store.transaction() as c:
        c.execute("DELETE FROM tags")
        c.execute("DELETE FROM meta WHERE key LIKE 'tagging.%'")
    vocab = load_vocabulary(extra_words=["river", "mill"], include_default=False,
                            files=[_small_vocab(root)])
    tagger = LibraryTagger(lib, vocab)
    ids = {name: lib.store.files.item_by_path(p.absolute()).id for name, p in media.items()}
    return lib, tagger, ids, media


def _small_vocab(tmp_path: Path) -> Path:
    p = tmp_path / "words.txt"
    p.write_text("## test\ndog\nrain\nbell\nbeach\nengine\nwater\nmusic\nforest\n",
                 encoding="utf-8")
    return p


def test_proposals_are_kept_apart_until_accepted(world, tiny_model) -> None:
    lib, tagger, ids, _ = world
    report = tagger.tag_library(min_score=0.0, top_k=3)
    assert report.items == 8 and report.proposed == 8 * 3
    assert report.calibration == {"image": "fallback", "sound": "fallback", "note": "fallback"}
    proposed = tagger.tags(ids["img1"], status="proposed")
    assert len(proposed) == 3
    assert all(t.source == "zero-shot" and t.model_id == tiny_model.model_id for t in proposed)
    assert all(0.0 <= t.score <= 1.0 for t in proposed)
    assert tagger.tags(ids["img1"], status="accepted") == []
    first = proposed[0].name
    tagger.accept(ids["img1"], first)
    accepted = tagger.tags(ids["img1"], status="accepted")
    assert [(t.name, t.source) for t in accepted] == [(first, "zero-shot")]
    # Accepted tags are what is exported; proposals are not.
    rows = tagger.export_rows()
    assert [(Path(r["path"]).name, r["tag"]) for r in rows if r["source"] == "zero-shot"] == [
        ("img1.jpg", first)]


def test_rejected_tags_are_not_proposed_again(world) -> None:
    _, tagger, ids, _ = world
    tagger.tag_library(min_score=0.0, top_k=2)
    top = tagger.tags(ids["snd0"], status="proposed")[0].name
    tagger.reject(ids["snd0"], top)
    again = tagger.tag_library(min_score=0.0, top_k=2, force=True)
    assert again.items == 8
    names = {t.name for t in tagger.tags(ids["snd0"])}
    assert top in names
    assert [t.status for t in tagger.tags(ids["snd0"]) if t.name == top] == ["rejected"]
    assert len(tagger.tags(ids["snd0"], status="proposed")) == 2   # the next best instead
    # A tag the user adds is accepted and never overwritten by a proposal.
    tagger.add_tag(ids["snd0"], "our garden")
    tagger.tag_library(min_score=0.0, top_k=8, force=True)
    mine = [t for t in tagger.tags(ids["snd0"]) if t.name == "our garden"]
    assert [(t.source, t.status, t.score) for t in mine] == [("user", "accepted", None)]


def test_tagging_is_incremental(world, tmp_path: Path) -> None:
    lib, tagger, _, media = world
    assert tagger.tag_library(min_score=0.0).items == 8
    second = tagger.tag_library(min_score=0.0)
    assert second.items == 0 and second.skipped == 8
    # A changed file is re-indexed and re-tagged; nothing else is.
    p = media["note1"]
    p.write_text("A new note about church bells and rain.\n", encoding="utf-8")
    os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 10**9))
    lib.index()
    third = tagger.tag_library(min_score=0.0)
    assert third.items == 1 and third.skipped == 7
    # Another threshold is another run over everything.
    assert tagger.tag_library(min_score=0.2).items == 8


def test_progress_and_cancel(world) -> None:
    _, tagger, _, _ = world
    seen = []
    report = tagger.tag_library(min_score=0.0, progress=seen.append)
    assert {p.kind for p in seen} == {"image", "sound", "note"}
    assert all(0 <= p.done <= p.total for p in seen)
    cancelled = tagger.tag_library(min_score=0.0, force=True, cancel=lambda: True)
    assert cancelled.cancelled and cancelled.items == 0
    assert report.items == 8


def test_sidecar_keywords_are_imported_as_user_tags(world) -> None:
    _, tagger, ids, _ = world
    report = tagger.tag_library(min_score=0.99)
    assert report.imported == 4
    tags = tagger.tags(ids["img0"], status="accepted")
    assert {(t.name, t.source) for t in tags} == {
        ("Places/Brittany/Beach", "sidecar"), ("People/Anna", "sidecar"), ("sunset", "sidecar")}
    # darktable's sidecar, other naming style; its automatic "darktable|format|orf" is skipped.
    assert [(t.name, t.source) for t in tagger.tags(ids["img3"])] == [("waterfall", "sidecar")]
    # Nothing new the second time; a rejected sidecar keyword stays rejected.
    tagger.reject(ids["img0"], "sunset")
    assert tagger.import_sidecars(only_new=False).imported == 0
    assert [t.status for t in tagger.tags(ids["img0"]) if t.name == "sunset"] == ["rejected"]


def test_export_sidecars_merges_and_survives_a_read_only_folder(world, tmp_path: Path) -> None:
    _, tagger, ids, media = world
    tagger.import_sidecars()
    tagger.add_tag(ids["img0"], "rain")
    tagger.reject(ids["img0"], "sunset")
    tagger.add_tag(ids["img1"], "dog")
    tagger.add_tag(ids["snd0"], "engine")
    locked = media["snd0"].parent
    os.chmod(locked, stat.S_IRUSR | stat.S_IXUSR)
    try:
        report = tagger.export_sidecars()
    finally:
        os.chmod(locked, stat.S_IRWXU)
    assert sorted(Path(p).name for p in report.written) == ["img0.jpg.xmp", "img1.jpg.xmp"]
    assert report.unchanged == 1   # img3.xmp already holds its one keyword: left alone
    assert [(Path(p).name, "read-only" in why) for p, why in report.failed] == [
        ("snd0.flac.xmp", True)]
    assert not media["snd0"].with_name("snd0.flac.xmp").exists()
    # Nothing lost: the tag is still in the library and exported once the folder is writable.
    assert [t.name for t in tagger.tags(ids["snd0"], status="accepted")] == ["engine"]
    assert tagger.export_sidecars([ids["snd0"]]).written
    assert read_tags(media["snd0"]) == ["engine"]
    # img0: digiKam's fields kept, ours merged in, the rejected keyword removed.
    sc = read_sidecar(media["img0"].with_name("img0.jpg.xmp"))
    assert sc.tags == ("Places/Brittany/Beach", "People/Anna", "rain")
    assert 'xmp:Rating="4"' in sc.path.read_text(encoding="utf-8")
    # The other naming style, chosen in the library's settings.
    tagger.sidecar_style = "file.xmp"
    tagger.add_tag(ids["img2"], "beach")
    written = tagger.export_sidecars([ids["img2"]]).written
    assert [Path(p).name for p in written] == ["img2.xmp"]
    with pytest.raises(TaggingError):
        tagger.sidecar_style = "sidecar.txt"


def test_export_table_csv_and_json(world) -> None:
    _, tagger, ids, _ = world
    tagger.add_tag(ids["img1"], "dog")
    tagger.add_tag(ids["note0"], "river, mill")
    rows = list(csv.DictReader(io.StringIO(tagger.export_table("csv"))))
    # Ordered by path: media/notes/... before media/photos/...
    assert [(Path(r["path"]).name, r["tag"], r["source"]) for r in rows] == [
        ("note0.md", "river, mill", "user"), ("img1.jpg", "dog", "user")]
    data = json.loads(tagger.export_table("json"))
    assert data[1]["kind"] == "image" and data[0]["tag"] == "river, mill"
    with pytest.raises(TaggingError):
        tagger.export_table("xml")


def test_learned_tag_is_stored_and_proposed_for_every_kind(world) -> None:
    _, tagger, ids, _ = world
    report = tagger.learn("rainy day", [ids["img0"], ids["img1"]], [ids["img2"]], min_score=0.0)
    assert (report.positives, report.negatives, report.background) == (2, 1, 1)
    assert set(report.proposed) == {"image", "sound", "note"}
    assert report.proposed["sound"] == 2 and report.proposed["note"] == 2
    assert [t.status for t in tagger.tags(ids["img0"]) if t.name == "rainy day"] == ["accepted"]
    assert [t.status for t in tagger.tags(ids["img2"]) if t.name == "rainy day"] == ["rejected"]
    snd = [t for t in tagger.tags(ids["snd1"]) if t.name == "rainy day"]
    assert [(t.source, t.status) for t in snd] == [("learned", "proposed")]
    assert [c.name for c in tagger.learned_tags()] == ["rainy day"]
    # Re-applying with a stricter threshold replaces the proposals, keeps the decisions.
    tagger.apply_learned("rainy day", min_score=1.01)
    assert [t for t in tagger.tags(status="proposed") if t.name == "rainy day"] == []
    assert [t.status for t in tagger.tags(ids["img2"]) if t.name == "rainy day"] == ["rejected"]
    with pytest.raises(TaggingError, match="at least one"):
        tagger.learn("x", [])
    with pytest.raises(TaggingError, match="no learned tag"):
        tagger.apply_learned("never taught")


def test_concept_units_list_items_of_every_kind(world, tiny_model) -> None:
    _, tagger, ids, _ = world
    units = tagger.concepts(top_k=2)
    assert len(units) == tiny_model.units(np.zeros((1, tiny_model.dim), np.float32)).shape[1]
    flags = [u.cross_kind for u in units]
    assert flags == sorted(flags, reverse=True)   # cross-kind units first
    item_ids = set(ids.values())
    for u in units:
        for kind, items in u.top.items():
            assert all(it.kind == kind and it.item_id in item_ids for it in items)
            acts = [it.activation for it in items]
            assert acts == sorted(acts, reverse=True)
    one = tagger.concepts(unit=3)
    assert [u.unit for u in one] == [3]
    assert json.dumps(one[0].to_dict())
    with pytest.raises(TaggingError):
        tagger.concepts(unit=10_000)


def test_unknown_items_are_clear_errors(world, tmp_path: Path) -> None:
    _, tagger, _, _ = world
    with pytest.raises(TaggingError, match="not in the library"):
        tagger.item_ids([tmp_path / "nowhere.jpg"])
    with pytest.raises(TaggingError, match="not in the library"):
        tagger.add_tag(999_999, "dog")


def test_the_library_keeps_its_own_words_and_vocabulary_files(world, tmp_path: Path) -> None:
    lib, _, ids, _ = world
    tagger = LibraryTagger(lib)                       # the library's vocabulary
    n_default = len(tagger.vocab)
    mine = tmp_path / "family.txt"
    mine.write_text("## family\nGrandma's house\n", encoding="utf-8")
    tagger.add_vocabulary(words=["our boat", "Beach"], files=[mine])
    again = LibraryTagger(lib)                        # kept in the library, not the object
    assert len(again.vocab) == n_default + 2          # "Beach" is already a default word
    assert again.vocab.index("our boat") and again.vocab.index("grandma's house")
    report = again.tag_library(min_score=0.0, top_k=n_default + 2, item_ids=[ids["img1"]])
    assert report.items == 1 and {"our boat", "Grandma's house"} <= set(report.by_tag)
    again.remove_vocabulary(words=["our boat"], files=[mine])
    assert len(LibraryTagger(lib).vocab) == n_default
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(VocabularyError):
        again.add_vocabulary(files=[empty])


def test_tags_are_embedded_the_way_their_calibration_was_fitted(world, tiny_model) -> None:
    from core.tagging.calibration import Calibration
    from core.tagging.zeroshot import ZeroShotTagger, embed_prompts

    _, tagger, _, _ = world
    model = tiny_model
    cals = {"sound": Calibration(1.0, 1.0, -4.0, "test", prompts="word")}
    zs = ZeroShotTagger(model, tagger.vocab, calibrations=cals)
    words = model.encode_texts(list(tagger.vocab.words))
    assert np.allclose(zs.tag_embeddings("sound"), words, atol=1e-6)
    ensemble = embed_prompts(model, tagger.vocab, "image")
    assert np.allclose(zs.tag_embeddings("image"), ensemble, atol=1e-6)
    assert not np.allclose(ensemble, words, atol=1e-3)
    assert zs.calibration("sound") == cals["sound"]
    assert zs.calibration("note").fitted_on == "fallback"


def test_one_deeply_nested_sidecar_does_not_stop_the_others(world) -> None:
    """Regression: a sidecar nested 20,000 levels deep made ElementTree's indenting
    raise RecursionError, and export-tags wrote none of the other sidecars."""
    _, tagger, ids, media = world
    deep = media["img1"].with_name("img1.jpg.xmp")
    n = 20_000
    deep.write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="">'
        + "<a>" * n + "</a>" * n + "</rdf:Description></rdf:RDF></x:xmpmeta>",
        encoding="utf-8",
    )
    before = deep.read_bytes()
    tagger.add_tag(ids["img1"], "dog")
    tagger.add_tag(ids["img2"], "beach")
    report = tagger.export_sidecars()
    assert [Path(p).name for p in report.written] == ["img2.jpg.xmp"]
    assert [(Path(p).name, "left unchanged" in why) for p, why in report.failed] == [
        ("img1.jpg.xmp", True)]
    assert deep.read_bytes() == before
    assert read_tags(media["img2"]) == ["beach"]


def test_export_removes_temporary_files_a_killed_export_left(world) -> None:
    """Regression: a killed export leaves hidden `.NAME.xmp.XXXXXXXX.tmp` files; the
    next export removes those (only names of that pattern)."""
    _, tagger, ids, media = world
    folder = media["img1"].parent
    stale = [folder / ".img1.jpg.xmp.k3j_x9a0.tmp", folder / ".img2.xmp.abcdefgh.tmp"]
    kept = [folder / ".notes.tmp", folder / "img1.jpg.xmp.tmp", folder / ".img1.jpg.xmp.x.tmp"]
    for p in stale + kept:
        p.write_bytes(b"<x:xmpmeta")
    try:
        tagger.add_tag(ids["img1"], "dog")
        assert tagger.export_sidecars().written
        assert [p.exists() for p in stale] == [False, False]
        assert [p.exists() for p in kept] == [True, True, True]
    finally:
        for p in stale + kept:
            p.unlink(missing_ok=True)


def test_tags_with_control_characters_are_refused(world) -> None:
    """Regression: a tag with a control character was stored, written raw into the
    XMP, and that sidecar no longer parsed (every later export of it failed)."""
    _, tagger, ids, media = world
    for bad in ("ctl\x01char", "\x1b[31mred\x1b[0m", "del\x7f", "c1\x9bx"):
        with pytest.raises(TaggingError, match="control character"):
            tagger.add_tag(ids["img1"], bad)
        with pytest.raises(TaggingError, match="control character"):
            tagger.learn(bad, [ids["img1"]])
        with pytest.raises(TaggingError, match="control character"):
            tagger.add_vocabulary([bad])
    assert tagger.tags(ids["img1"]) == [] and tagger.own_vocabulary()["words"] == []
    tagger.add_tag(ids["img1"], "tab\tand\nnewline")   # blanks are normalised, as before
    assert [t.name for t in tagger.tags(ids["img1"])] == ["tab and newline"]
    assert tagger.export_sidecars().written
    assert read_tags(media["img1"]) == ["tab and newline"]


def test_darktable_flat_keywords_are_not_imported(world) -> None:
    """Regression: darktable's flat `darktable|format|flac` in dc:subject was imported
    (and so exported again); only `/`-paths under `darktable` were left out."""
    _, tagger, ids, media = world
    media["img2"].with_name("img2.jpg.xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:subject><rdf:Bag><rdf:li>waterfall</rdf:li><rdf:li>darktable|format|flac</rdf:li>"
        "<rdf:li>darktable|changed</rdf:li></rdf:Bag></dc:subject>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>",
        encoding="utf-8",
    )
    tagger.import_sidecars()
    assert [t.name for t in tagger.tags(ids["img2"])] == ["waterfall"]
    tagger.add_tag(ids["img2"], "Weather|Rain")
    assert tagger.export_sidecars([ids["img2"]]).written
    tagger.store.meta.set("tagging.sidecars.seen", "{}")
    tagger.import_sidecars()
    assert sorted(t.name for t in tagger.tags(ids["img2"])) == ["Weather|Rain", "waterfall"]
