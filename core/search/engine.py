"""Running a search: a query becomes one vector, the vector becomes ranked library items.

Reads only: the store through its repositories and the search indexes through
``VectorIndexes.reading``; nothing here writes a file, a row or an index."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelMismatch, SynesthesiaError, UnsupportedFormat
from core.media import (
    SAMPLE_RATE,
    cut_sound,
    kind_of,
    load_audio,
    load_note,
    note_passages,
    resample,
)
from core.media.images import fit_square
from core.media.video import encode_pieces, load_video
from core.search.query import Query, SearchResult, Segment
from core.search.relevance import GOOD_Z, SAME_SCORE, KindReference, references
from core.store import SegmentInfo, Store, VectorIndex, VectorIndexes


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32).reshape(-1)
    return v / max(float(np.linalg.norm(v)), 1e-12)


def _sound_vector(model: Any, wave: np.ndarray) -> np.ndarray:
    pieces, _ = cut_sound(wave, SAMPLE_RATE)
    return _unit(model.encode_sounds(pieces).mean(axis=0))


def _file_vector(model: Any, path: Path) -> np.ndarray:
    kind = kind_of(path)
    if kind == "image":
        return _unit(model.encode_images([path])[0])
    if kind == "sound":
        return _sound_vector(model, load_audio(path, SAMPLE_RATE))
    if kind == "note":
        text = load_note(path)
        passages = [text[a:b] for a, b in note_passages(text)]
        return _unit(model.encode_texts(passages).mean(axis=0))
    if kind == "video":
        return _unit(np.mean(_video_vectors(model, path), axis=0))
    raise UnsupportedFormat(path, "search by example takes an image, a sound, a note or a "
                                  "video (jpg, png, wav, mp3, txt, md, mp4, ...)")


def _video_vectors(model: Any, path: Path) -> list[np.ndarray]:
    """A video as a query: the mean of its pictures' vectors, the mean of its sound's (each
    track it has; each counts alike, however many moments it has)."""
    side = getattr(model, "image_side", 224)
    v = load_video(path, min_side=side)
    pieces = [fit_square(rgb, side) for _, rgb in v.frames] + [w for _, _, w in v.sounds]
    vecs = encode_pieces(model, pieces)
    n = len(v.frames)
    return [_unit(part.mean(axis=0)) for part in (vecs[:n], vecs[n:]) if len(part)]


def _waveform_vector(model: Any, waveform: Any) -> np.ndarray:
    wave, sr = waveform if isinstance(waveform, tuple) else (waveform, SAMPLE_RATE)
    wave = np.asarray(wave, np.float32)
    if wave.ndim == 2:  # (samples, channels) or (channels, samples)
        wave = wave.mean(axis=1 if wave.shape[0] > wave.shape[1] else 0)
    if wave.size == 0 or not np.isfinite(wave).all():
        raise SynesthesiaError("the recording is empty or holds invalid samples")
    return _sound_vector(model, resample(wave, int(sr)))


def query_vectors(model: Any, store: Store, query: Query
                  ) -> tuple[list[np.ndarray], int | None]:
    """The (D,) float32 unit-norm vectors a query searches by: one, or for a video file one
    per track (its pictures, its sound); and the item to leave out of the results."""
    if query.file is not None and kind_of(Path(query.file)) == "video":
        return _video_vectors(model, Path(query.file)), None
    q, leave_out = query_vector(model, store, query)
    return [q], leave_out


def query_vector(model: Any, store: Store, query: Query) -> tuple[np.ndarray, int | None]:
    """The (D,) float32 unit-norm vector of a query, and the item to leave out of the
    results (the item itself for "more like this")."""
    if query.text is not None:
        return _unit(model.encode_texts([query.search_text])[0]), None
    if query.file is not None:
        return _file_vector(model, Path(query.file)), None
    if query.waveform is not None:
        return _waveform_vector(model, query.waveform), None
    kind, mid, vecs = store.segments.of_item(int(query.item_id))
    if not len(vecs):
        raise SynesthesiaError(f"item {query.item_id} is not in the library, or has no "
                               "vectors (it could not be indexed)")
    if mid != model.model_id:
        raise ModelMismatch(f"item {query.item_id} was embedded by model {mid}; run "
                            "`synesthesia index` to re-embed it with the loaded model")
    return _unit(vecs.mean(axis=0)), int(query.item_id)


def _allowed_segments(store: Store, query: Query, kind: str, model_id: str
                      ) -> np.ndarray | None:
    """Segment ids that pass the folder, tag and item filters (None: no filter)."""
    if query.folder is None and query.tag is None and query.only_items is None:
        return None
    prefix = None
    if query.folder is not None:
        prefix = str(Path(query.folder).expanduser().absolute()).rstrip(os.sep) + os.sep
    return store.segments.filtered_ids(kind, model_id, prefix, query.tag, query.only_items)


def _best_per_item(store: Store, index: VectorIndex, q: np.ndarray, k: int,
                   allowed: np.ndarray | None, leave_out: int | None
                   ) -> tuple[dict[int, tuple[float, int]], dict[int, SegmentInfo]]:
    """file id -> (best score, its segment id) for at least ``k`` items of one kind
    (fewer when the kind has fewer), and the infos of the segments seen."""
    want = k + (1 if leave_out is not None else 0)
    fetch = want * {"image": 1, "video": 16}.get(index.kind, 4)
    item = store.files.item(leave_out) if leave_out is not None else None
    same = item.content_hash if item is not None else None  # its copies are left out too
    while True:
        ids, scores = index.search(q, fetch, allowed)
        info = store.segments.info(ids.tolist())
        files: dict[int, tuple[float, int]] = {}
        for sid, sc in zip(ids.tolist(), scores.tolist(), strict=True):
            if sid not in info:
                continue  # removed since the index was refreshed
            fid = info[sid].file_id
            if fid == leave_out or (same and info[sid].content_hash == same):
                continue
            if fid not in files or sc > files[fid][0]:
                files[fid] = (sc, sid)
        files = one_per_content(files, info)
        exhausted = len(ids) < fetch or fetch >= index.count
        if len(files) >= k or exhausted:
            return files, info
        fetch *= 4


def run_search(store: Store, indexes: VectorIndexes, model: Any, query: Query,
               k: int = 20) -> list[SearchResult]:
    """The ``k`` best items over ``query.kinds``, the most relevant first; each item once,
    with its best-matching segment, its accepted tags and its relevance: how far it stands
    above the other items of its kind for this query (``core.search.relevance``), the scale
    on which kinds are merged; ``good`` marks the good matches."""
    query.validate()
    if k <= 0:
        return []
    best, infos = _scored(store, indexes, model, query, {kind: k for kind in query.kinds})
    ranked = sorted(best.items(), key=_by_relevance)[:k]
    return _results(store, ranked, infos)


def run_by_kind(store: Store, indexes: VectorIndexes, model: Any, query: Query,
                depth: dict[str, int]) -> dict[str, list[SearchResult]]:
    """Each kind of ``depth`` (kind -> n) -> its ``n`` best items, the most relevant first
    within the kind: one encoding of the query, one pass over each kind's index. The kinds
    are read against each other only where a kind is too small to be read alone
    (``relevance.references``), as in ``run_search``; ``query.kinds`` is not used."""
    query.validate()
    depth = {kind: n for kind, n in depth.items() if n > 0}
    if not depth:
        return {}
    best, infos = _scored(store, indexes, model, query, depth)
    out: dict[str, list[SearchResult]] = {}
    for kind, n in depth.items():
        ranked = sorted(((f, v) for f, v in best.items() if infos[v[3]].kind == kind),
                        key=_by_relevance)[:n]
        out[kind] = _results(store, ranked, infos)
    return out


def _by_relevance(kv: tuple[int, tuple[float, float, float, int]]) -> tuple[float, float]:
    return -kv[1][0], -kv[1][2]


def _scored(store: Store, indexes: VectorIndexes, model: Any, query: Query,
            depth: dict[str, int]
            ) -> tuple[dict[int, tuple[float, float, float, int]], dict[int, SegmentInfo]]:
    """file id -> (z, top share, cosine, segment id) of at least ``depth[kind]`` items of
    each kind, and the infos of the segments seen."""
    qs, leave_out = query_vectors(model, store, query)
    best: dict[int, tuple[float, float, float, int]] = {}
    infos: dict[int, SegmentInfo] = {}
    kinds = sorted(depth)
    with indexes.reading(kinds) as found:
        for q in qs:  # a video asks by its pictures and by its sound: the better answer
            got = _ranked_by(store, found, depth, query, model, q, leave_out, infos)
            best.update({f: v for f, v in got.items() if f not in best or v[0] > best[f][0]})
    return best, infos


def _results(store: Store, ranked: list[tuple[int, tuple[float, float, float, int]]],
             infos: dict[int, SegmentInfo]) -> list[SearchResult]:
    tags = store.tags.accepted_names([fid for fid, _ in ranked])
    copies = store.files.copies_of([fid for fid, _ in ranked])
    return [_result(fid, cos, infos[sid], tags.get(fid, ()), tuple(copies.get(fid, ())),
                    (z, top))
            for fid, (z, top, cos, sid) in ranked]


def _ranked_by(store: Store, found: dict[str, VectorIndex], depth: dict[str, int],
               query: Query, model: Any, q: np.ndarray, leave_out: int | None,
               infos: dict[int, SegmentInfo]) -> dict[int, tuple[float, float, float, int]]:
    """file id -> (z, top share, cosine, segment id) for one query vector over the kinds
    of ``depth`` (the infos of the segments seen are added to ``infos``)."""
    found_files: dict[str, dict[int, tuple[float, int]]] = {}
    refs: dict[str, KindReference] = {}
    for kind in sorted(depth):
        allowed = _allowed_segments(store, query, kind, model.model_id)
        if allowed is not None and not len(allowed):
            continue
        files, info = _best_per_item(store, found[kind], q, depth[kind], allowed, leave_out)
        if files:
            infos.update(info)
            found_files[kind] = files
            refs[kind] = KindReference.of(q, *found[kind].item_sample())
    return _merged(found_files, references(refs))


def _merged(files: dict[str, dict[int, tuple[float, int]]], refs: dict[str, KindReference]
            ) -> dict[int, tuple[float, float, float, int]]:
    """file id -> (z, top share, cosine, segment id): each kind's results read against
    that kind's reference (``core.search.relevance``), so kinds merge on one scale."""
    out = {}
    for kind, got in files.items():
        fids = list(got)
        cos = np.array([got[f][0] for f in fids], np.float64)
        zs, tops = refs[kind].z(cos), refs[kind].top(cos)
        out.update({f: (float(z), float(t), got[f][0], got[f][1])
                    for f, z, t in zip(fids, zs, tops, strict=True)})
    return out


def one_per_content(files: dict[int, tuple[float, int]], info: dict[int, SegmentInfo]
                    ) -> dict[int, tuple[float, int]]:
    """Copies of one file (same content hash and kind) kept once: the best-scoring one, the
    earliest indexed among equals (copies share their vectors, so their scores tie)."""
    keep: dict[tuple[str, str] | int, int] = {}
    for fid, (sc, sid) in sorted(files.items()):
        h = info[sid].content_hash
        key = (h, info[sid].kind) if h else fid
        if key not in keep or sc > files[keep[key]][0] + 1e-6:
            keep[key] = fid
    return {fid: files[fid] for fid in keep.values()}


def _result(fid: int, score: float, info: SegmentInfo, tags: tuple[str, ...],
            copies: tuple[Path, ...] = (), relevance: tuple[float, float] | None = None
            ) -> SearchResult:
    seg: Segment | None = None
    if info.kind in ("sound", "video"):
        seg = Segment(start_s=info.start_s, end_s=info.end_s, track=info.track)
    elif info.kind == "note":
        seg = Segment(text=_passage(info.path, info.char_start, info.char_end),
                      char_start=info.char_start, char_end=info.char_end)
    if relevance is None:
        return SearchResult(fid, Path(info.path), info.kind, float(score), seg, tags, copies)
    z, top = relevance
    # The same content as the query (the dropped photo is in the library) is always good.
    return SearchResult(fid, Path(info.path), info.kind, float(score), seg, tags, copies,
                        relevance=z, top=top, good=z >= GOOD_Z or score >= SAME_SCORE)


def _passage(path: str, c0: int | None, c1: int | None) -> str | None:
    try:
        text = load_note(path)
    except SynesthesiaError:
        return None  # the note changed or vanished since indexing; the path still stands
    return text[c0:c1] if c0 is not None else text
