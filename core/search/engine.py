"""Turning a query into a vector, and vectors into ranked library items."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import ModelMismatch, SynesthesiaError, UnsupportedFormat
from core.media import KINDS, kind_of, load_audio, load_note

if TYPE_CHECKING:
    from core.library import Library

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Segment:
    """The part of an item that matched: a window of a sound (seconds) or a passage of a
    note (its text and character range)."""

    start_s: float | None = None
    end_s: float | None = None
    text: str | None = None
    char_start: int | None = None
    char_end: int | None = None


@dataclass(frozen=True)
class SearchResult:
    """One found item; ``score`` is the cosine similarity in [-1, 1] (higher is closer)."""

    item_id: int
    path: Path
    kind: str
    score: float
    segment: Segment | None
    tags: tuple[str, ...] = ()


@dataclass
class Query:
    """Exactly one of text, file, waveform ((samples,) float32 array, or (array,
    sample_rate)) or item_id; the kinds to return; optional folder and tag filters."""

    text: str | None = None
    file: Path | None = None
    waveform: Any = None
    item_id: int | None = None
    kinds: set[str] | frozenset[str] = field(default_factory=lambda: set(KINDS))
    folder: Path | None = None
    tag: str | None = None

    def validate(self) -> None:
        given = [x is not None for x in (self.text, self.file, self.waveform, self.item_id)]
        if sum(given) != 1:
            raise SynesthesiaError("a query needs exactly one of: text, file, waveform, item")
        if self.text is not None and not self.text.strip():
            raise SynesthesiaError("the search text is empty")
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise SynesthesiaError(f"kinds must be a non-empty subset of {', '.join(KINDS)}; "
                                   f"got {', '.join(sorted(self.kinds)) or 'none'}")


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float32).reshape(-1)
    return v / max(float(np.linalg.norm(v)), 1e-12)


def _resample(wave: np.ndarray, sr: int) -> np.ndarray:
    """Mono float32 at ``sr`` Hz -> 16 kHz (box filter then linear interpolation)."""
    if sr == SAMPLE_RATE:
        return wave
    if sr > SAMPLE_RATE:
        width = int(round(sr / SAMPLE_RATE))
        if width > 1:
            kernel = np.ones(width, np.float32) / width
            wave = np.convolve(wave, kernel, mode="same").astype(np.float32)
    n_out = int(round(len(wave) * SAMPLE_RATE / sr))
    x_out = np.arange(n_out, dtype=np.float64) * sr / SAMPLE_RATE
    return np.interp(x_out, np.arange(len(wave)), wave).astype(np.float32)


def _sound_vector(model: Any, wave: np.ndarray) -> np.ndarray:
    from core.library.segments import cut_sound

    pieces, _ = cut_sound(wave, SAMPLE_RATE)
    return _unit(model.encode_sounds(pieces).mean(axis=0))


def query_vector(lib: Library, query: Query) -> tuple[np.ndarray, int | None]:
    """The (D,) float32 unit-norm vector of a query, and the item to leave out of the
    results (the item itself for "more like this")."""
    model = lib.model
    if query.text is not None:
        return _unit(model.encode_texts([query.text])[0]), None
    if query.file is not None:
        path = Path(query.file)
        kind = kind_of(path)
        if kind == "image":
            return _unit(model.encode_images([path])[0]), None
        if kind == "sound":
            return _sound_vector(model, load_audio(path, SAMPLE_RATE)), None
        if kind == "note":
            from core.library.segments import note_passages

            text = load_note(path)
            passages = [text[a:b] for a, b in note_passages(text)]
            return _unit(model.encode_texts(passages).mean(axis=0)), None
        raise UnsupportedFormat(path, "search by example takes an image, a sound or a note "
                                      "(jpg, png, wav, mp3, txt, md, ...)")
    if query.waveform is not None:
        wave, sr = query.waveform if isinstance(query.waveform, tuple) else \
            (query.waveform, SAMPLE_RATE)
        wave = np.asarray(wave, np.float32)
        if wave.ndim == 2:  # (samples, channels) or (channels, samples)
            wave = wave.mean(axis=1 if wave.shape[0] > wave.shape[1] else 0)
        if wave.size == 0 or not np.isfinite(wave).all():
            raise SynesthesiaError("the recording is empty or holds invalid samples")
        return _sound_vector(model, _resample(wave, int(sr))), None
    kind, mid, vecs = lib.store.item_vectors(int(query.item_id))
    if not len(vecs):
        raise SynesthesiaError(f"item {query.item_id} is not in the library, or has no "
                               "vectors (it could not be indexed)")
    if mid != model.model_id:
        raise ModelMismatch(f"item {query.item_id} was embedded by model {mid}; run "
                            "`synesthesia index` to re-embed it with the loaded model")
    return _unit(vecs.mean(axis=0)), int(query.item_id)


def _allowed_segments(lib: Library, query: Query, kind: str, model_id: str
                      ) -> np.ndarray | None:
    """Segment ids that pass the folder and tag filters (None: no filter)."""
    if query.folder is None and query.tag is None:
        return None
    sql = ("SELECT s.id FROM segments s JOIN files f ON f.id = s.file_id "
           "WHERE s.kind = ? AND s.model_id = ?")
    params: list[Any] = [kind, model_id]
    if query.folder is not None:
        prefix = str(Path(query.folder).expanduser().absolute()).rstrip(os.sep) + os.sep
        sql += " AND substr(f.path, 1, ?) = ?"
        params += [len(prefix), prefix]
    if query.tag is not None:
        sql += " AND f.id IN (SELECT item_id FROM tags WHERE name = ? AND status = 'accepted')"
        params.append(query.tag)
    rows = lib.store.query(sql, params)
    return np.fromiter((r[0] for r in rows), np.int64, count=len(rows))


def run_search(lib: Library, query: Query, k: int = 20) -> list[SearchResult]:
    """The ``k`` best items over ``query.kinds``, best first; each item once, with its
    best-matching segment."""
    query.validate()
    if k <= 0:
        return []
    q, leave_out = query_vector(lib, query)
    model_id = lib.model.model_id
    best: dict[int, tuple[float, int]] = {}  # file id -> (score, segment id)
    infos: dict[int, tuple] = {}
    for kind in sorted(query.kinds):
        index = lib.vector_index(kind)
        allowed = _allowed_segments(lib, query, kind, model_id)
        if allowed is not None and not len(allowed):
            continue
        want = k + (1 if leave_out is not None else 0)
        fetch = want * (1 if kind == "image" else 4)
        while True:
            ids, scores = index.search(q, fetch, allowed)
            info = lib.store.segments_info(ids.tolist())
            files: dict[int, tuple[float, int]] = {}
            for sid, sc in zip(ids.tolist(), scores.tolist(), strict=True):
                if sid not in info:
                    continue  # removed since the index was synced
                fid = info[sid][0]
                if fid == leave_out:
                    continue
                if fid not in files or sc > files[fid][0]:
                    files[fid] = (sc, sid)
            exhausted = len(ids) < fetch or fetch >= index.count
            if len(files) >= k or exhausted:
                break
            fetch *= 4
        infos.update(info)
        best.update(files)
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:k]
    tags = _tags_of(lib, [fid for fid, _ in ranked])
    out = []
    for fid, (score, sid) in ranked:
        _, path, kind, start_s, end_s, c0, c1, _ = infos[sid]
        seg: Segment | None = None
        if kind == "sound":
            seg = Segment(start_s=start_s, end_s=end_s)
        elif kind == "note":
            seg = Segment(text=_passage(path, c0, c1), char_start=c0, char_end=c1)
        out.append(SearchResult(fid, Path(path), kind, float(score), seg, tags.get(fid, ())))
    return out


def _passage(path: str, c0: int | None, c1: int | None) -> str | None:
    try:
        text = load_note(path)
    except SynesthesiaError:
        return None  # the note changed or vanished since indexing; the path still stands
    return text[c0:c1] if c0 is not None else text


def _tags_of(lib: Library, ids: list[int]) -> dict[int, tuple[str, ...]]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    out: dict[int, list[str]] = {}
    for fid, name in lib.store.query(
            f"SELECT item_id, name FROM tags WHERE status = 'accepted' AND item_id IN ({marks}) "
            "ORDER BY name", ids):
        out.setdefault(fid, []).append(name)
    return {k: tuple(v) for k, v in out.items()}
