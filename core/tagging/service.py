"""Tagging a library: proposals, the user's decisions, learned tags, units, sidecars, export.

``LibraryTagger(library)`` is what the command line and the GUI call. Tags
live in the store's ``tags`` table (see docs/CONTRACTS.md):

- ``source``: 'user' (typed by the user), 'zero-shot' (vocabulary), 'learned'
  (a classifier the user taught), 'sidecar' (imported from an XMP sidecar);
- ``status``: 'proposed' (the program's suggestion, kept apart), 'accepted',
  'rejected' (never proposed again for that item).

Proposals are only ever written over proposals: an accepted or rejected row
is never changed by the program.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import SynesthesiaError
from core.tagging.calibration import reference_from_scores
from core.tagging.classifier import LearnedTag, kind_centres, learn_tag
from core.tagging.sidecar import (
    SIDECAR_STYLES,
    SidecarError,
    SidecarStyle,
    existing_sidecars,
    read_tags,
    write_tags,
)
from core.tagging.units import ConceptUnit, discover_units
from core.tagging.vocabulary import KINDS, TagVocabulary, load_vocabulary, normalise_tag
from core.tagging.zeroshot import ZeroShotTagger, max_over_segments

SOURCES = ("user", "zero-shot", "learned", "sidecar")
STATUSES = ("accepted", "proposed", "rejected")
_STATE_KEY = "tagging.zero-shot.state"
_STYLE_KEY = "tagging.sidecar_style"
_LEARNED_PREFIX = "tagging.learned."
_SEEN_KEY = "tagging.sidecars.seen"
_VOCAB_KEY = "tagging.vocabulary"
# Hierarchies that programs fill on their own (darktable's "darktable|format|orf",
# "darktable|changed", ...): bookkeeping, not the user's keywords.
_PROGRAM_TAG_ROOTS = {"darktable"}
MAX_BACKGROUND = 2000  # unmarked library items used as soft negatives when learning a tag


class TaggingError(SynesthesiaError):
    """A tagging request that cannot be carried out (unknown item, nothing indexed, ...)."""


@dataclass(frozen=True)
class Tag:
    """One row of the tags table."""

    item_id: int
    name: str
    source: str
    score: float | None
    model_id: str | None
    status: str


@dataclass(frozen=True)
class TagProgress:
    """Where a tagging job is: ``done`` of ``total`` items in ``phase``."""

    done: int
    total: int
    phase: str  # "embedding tags" | "scoring" | "saving" | "sidecars"
    kind: str | None = None


@dataclass
class TagReport:
    """What one tagging run did."""

    items: int = 0
    skipped: int = 0
    proposed: int = 0
    by_tag: dict[str, int] = field(default_factory=dict)
    imported: int = 0
    sidecar_errors: list[str] = field(default_factory=list)
    model_id: str = ""
    calibration: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    cancelled: bool = False


@dataclass
class LearnReport:
    """What teaching a tag did: examples used, training time, proposals per kind."""

    name: str
    positives: int
    negatives: int
    background: int
    train_seconds: float
    proposed: dict[str, int]


@dataclass
class SidecarReport:
    """Sidecars written (or read) and the files that failed, with why."""

    written: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    imported: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class UnitItem:
    """A library item that activates a unit."""

    item_id: int
    path: str
    kind: str
    activation: float


@dataclass(frozen=True)
class ConceptUnitView:
    """A concept unit as the CLI and GUI show it (items by id and path)."""

    unit: int
    name: str
    names: list[tuple[str, float]]
    cross_kind: bool
    score: float
    agreement: float
    selectivity: dict[str, float]
    top: dict[str, list[UnitItem]]

    def to_dict(self) -> dict:
        return asdict(self)


def _vocab_digest(vocab: TagVocabulary) -> str:
    return hashlib.sha256("\n".join(vocab.words).encode("utf-8")).hexdigest()[:16]


class LibraryTagger:
    """Tags of one library. ``library`` is a ``core.library.Library`` (its ``store`` and
    its lazily loaded ``model`` are used); the vocabulary defaults to the bundled one."""

    def __init__(self, library: Any, vocab: TagVocabulary | None = None):
        self.library = library
        self.store = library.store
        self._vocab = vocab

    # -- the model and the vectors -----------------------------------------------------------
    @property
    def model(self) -> Any:
        return self.library.model

    @property
    def vocab(self) -> TagVocabulary:
        """The vocabulary given to the constructor, else the library's: the default one plus
        the vocabulary files and words added with ``add_vocabulary``."""
        if self._vocab is None:
            own = self.own_vocabulary()
            self._vocab = load_vocabulary(own["files"], own["words"])
        return self._vocab

    def own_vocabulary(self) -> dict[str, list[str]]:
        """The library's own additions to the default vocabulary: {"files": [...], "words": [...]}."""
        data = json.loads(self.store.get_meta(_VOCAB_KEY, "{}") or "{}")
        return {"files": list(data.get("files", [])), "words": list(data.get("words", []))}

    def add_vocabulary(self, words: Iterable[str] = (), files: Iterable[str | Path] = ()) -> None:
        """Keep words and vocabulary files with the library; later runs propose them too.

        A file is checked now (VocabularyError when unreadable or empty) and read again
        at each run, so edits to it count.
        """
        self._writable()
        own = self.own_vocabulary()
        new_files = [str(Path(f).expanduser().absolute()) for f in files]
        if new_files:
            load_vocabulary(new_files, include_default=False)  # fail now, not at the next run
        for f in new_files:
            if f not in own["files"]:
                own["files"].append(f)
        known = {w.casefold() for w in own["words"]}
        for w in (normalise_tag(w) for w in words):
            if w and w.casefold() not in known:
                known.add(w.casefold())
                own["words"].append(w)
        self.store.set_meta(_VOCAB_KEY, json.dumps(own))
        self._vocab = None

    def remove_vocabulary(self, words: Iterable[str] = (), files: Iterable[str | Path] = ()
                          ) -> None:
        """Forget words and files added with ``add_vocabulary`` (tags already given stay)."""
        self._writable()
        own = self.own_vocabulary()
        drop = {normalise_tag(w).casefold() for w in words}
        gone = {str(Path(f).expanduser().absolute()) for f in files}
        own["words"] = [w for w in own["words"] if w.casefold() not in drop]
        own["files"] = [f for f in own["files"] if f not in gone]
        self.store.set_meta(_VOCAB_KEY, json.dumps(own))
        self._vocab = None

    def _writable(self) -> None:
        if getattr(self.library, "read_only", False):
            raise TaggingError("the library was opened read-only; tags cannot be changed")

    def _segments(self, kind: str, model_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(owners (s,) item ids, vectors (s, D) float32) of all segments of ``kind``."""
        rows = self.store.query(
            "SELECT file_id, vector FROM segments WHERE kind = ? AND model_id = ? ORDER BY id",
            (kind, model_id),
        )
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
        owners = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), -1)
        return owners, vecs.astype(np.float32)

    def item_embeddings(self, kind: str, model_id: str | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
        """(item ids (n,), embeddings (n, D) float32 unit-norm) of every item of ``kind``.

        An item with several segments gets the normalised mean of its segments.
        """
        owners, vecs = self._segments(kind, model_id or str(self.model.model_id))
        if len(owners) == 0:
            return owners, vecs
        ids, inverse = np.unique(owners, return_inverse=True)
        sums = np.zeros((len(ids), vecs.shape[1]), np.float64)
        np.add.at(sums, inverse, vecs)
        sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-8)
        return ids, sums.astype(np.float32)

    def _item_lookup(self, paths: Iterable[str | Path]) -> list[int]:
        ids = []
        for p in paths:
            item = self.store.item_by_path(Path(p).expanduser().absolute())
            if item is None:
                raise TaggingError(f"{p}: not in the library; add its folder and index it first")
            ids.append(item.id)
        return ids

    def item_ids(self, paths: Iterable[str | Path]) -> list[int]:
        """Item ids of files of the library; TaggingError names a file that is not in it."""
        return self._item_lookup(paths)

    # -- reading and deciding ----------------------------------------------------------------
    def tags(self, item_id: int | None = None, status: str | Sequence[str] | None = None,
             source: str | None = None) -> list[Tag]:
        """Tag rows, optionally of one item, some statuses and one source."""
        sql = "SELECT item_id, name, source, score, model_id, status FROM tags WHERE 1=1"
        params: list[Any] = []
        if item_id is not None:
            sql += " AND item_id = ?"
            params.append(int(item_id))
        if status is not None:
            sts = [status] if isinstance(status, str) else list(status)
            sql += f" AND status IN ({','.join('?' * len(sts))})"
            params += sts
        if source is not None:
            sql += " AND source = ?"
            params.append(source)
        sql += " ORDER BY item_id, status, score DESC, name"
        return [Tag(*r) for r in self.store.query(sql, params)]

    def _existing(self, item_id: int, name: str) -> tuple[int, str, str] | None:
        rows = self.store.query(
            "SELECT id, source, status FROM tags WHERE item_id = ? AND name = ? COLLATE NOCASE",
            (item_id, name),
        )
        return rows[0] if rows else None

    def _check_item(self, item_id: int) -> None:
        if self.store.item(int(item_id)) is None:
            raise TaggingError(f"item {item_id} is not in the library")

    def add_tag(self, item_id: int, name: str, source: str = "user") -> None:
        """The user tags an item: the tag is accepted (a proposal of that name is accepted)."""
        self._writable()
        self._check_item(item_id)
        name = normalise_tag(name)
        if not name:
            raise TaggingError("a tag needs a name")
        with self.store.transaction() as c:
            row = c.execute(
                "SELECT id FROM tags WHERE item_id = ? AND name = ? COLLATE NOCASE",
                (item_id, name),
            ).fetchone()
            if row is None:
                c.execute(
                    "INSERT INTO tags(item_id, name, source, score, model_id, status, created) "
                    "VALUES (?, ?, ?, NULL, NULL, 'accepted', ?)",
                    (item_id, name, source, time.time()),
                )
            else:
                c.execute("UPDATE tags SET status = 'accepted' WHERE id = ?", (row[0],))

    def accept(self, item_id: int, name: str) -> None:
        """Accept a proposed tag (it keeps its source and score)."""
        self._writable()
        row = self._existing(item_id, name)
        if row is None:
            raise TaggingError(f"item {item_id} has no tag {name!r} to accept")
        with self.store.transaction() as c:
            c.execute("UPDATE tags SET status = 'accepted' WHERE id = ?", (row[0],))

    def reject(self, item_id: int, name: str) -> None:
        """Reject a tag for an item: it is removed and never proposed again for it."""
        self._writable()
        self._check_item(item_id)
        name = normalise_tag(name)
        with self.store.transaction() as c:
            row = c.execute(
                "SELECT id FROM tags WHERE item_id = ? AND name = ? COLLATE NOCASE",
                (item_id, name),
            ).fetchone()
            if row is None:
                c.execute(
                    "INSERT INTO tags(item_id, name, source, score, model_id, status, created) "
                    "VALUES (?, ?, 'user', NULL, NULL, 'rejected', ?)",
                    (item_id, name, time.time()),
                )
            else:
                c.execute("UPDATE tags SET status = 'rejected' WHERE id = ?", (row[0],))

    def _blocked(self, item_ids: Iterable[int]) -> dict[int, set[str]]:
        """Per item, the names (case-folded) the program must not propose: accepted or rejected."""
        out: dict[int, set[str]] = {int(i): set() for i in item_ids}
        for item_id, name in self.store.query(
            "SELECT item_id, name FROM tags WHERE status IN ('accepted', 'rejected')"
        ):
            if item_id in out:
                out[item_id].add(name.casefold())
        return out

    def _save_proposals(self, source: str, model_id: str,
                        proposals: dict[int, list[tuple[str, float]]],
                        clear_names: Sequence[str] | None = None) -> int:
        """Replace the ``source`` proposals of the given items; accepted/rejected rows stay."""
        now = time.time()
        n = 0
        with self.store.transaction() as c:
            for item_id, rows in proposals.items():
                if clear_names is None:
                    c.execute(
                        "DELETE FROM tags WHERE item_id = ? AND source = ? AND status = 'proposed'",
                        (item_id, source),
                    )
                else:
                    c.executemany(
                        "DELETE FROM tags WHERE item_id = ? AND name = ? AND source = ? "
                        "AND status = 'proposed'",
                        [(item_id, nm, source) for nm in clear_names],
                    )
                for name, score in rows:
                    cur = c.execute(
                        "INSERT INTO tags(item_id, name, source, score, model_id, status, created) "
                        "VALUES (?, ?, ?, ?, ?, 'proposed', ?) ON CONFLICT(item_id, name) DO "
                        "UPDATE SET score = excluded.score, model_id = excluded.model_id, "
                        "source = excluded.source WHERE tags.status = 'proposed'",
                        (item_id, name, source, float(score), model_id, now),
                    )
                    n += cur.rowcount
        return n

    # -- zero-shot ----------------------------------------------------------------------------
    def tag_library(
        self,
        item_ids: Iterable[int] | None = None,
        vocab: TagVocabulary | None = None,
        min_score: float = 0.5,
        top_k: int = 5,
        force: bool = False,
        import_sidecars: bool = True,
        progress: Callable[[TagProgress], Any] | None = None,
        cancel: Any = None,
    ) -> TagReport:
        """Propose vocabulary tags for the library's items (or only ``item_ids``).

        Incremental: an item already tagged with the same model, vocabulary and
        ``min_score`` and not re-indexed since is skipped unless ``force``.
        Each tag's score distribution over the whole library (per kind) is the
        calibration reference, so scores stay comparable between runs.
        """
        self._writable()
        t0 = time.time()
        vocab = vocab or self.vocab
        model = self.model
        mid = str(model.model_id)
        tagger = ZeroShotTagger(model, vocab)
        report = TagReport(model_id=mid)
        cancelled = cancel.is_set if hasattr(cancel, "is_set") else (cancel or (lambda: False))
        wanted = None if item_ids is None else {int(i) for i in item_ids}
        if import_sidecars:
            sc = self.import_sidecars(wanted, only_new=not force)
            report.imported = sc.imported
            report.sidecar_errors = [f"{p}: {why}" for p, why in sc.failed]
        key = json.dumps([mid, _vocab_digest(vocab), round(min_score, 4), top_k])
        state = json.loads(self.store.get_meta(_STATE_KEY, "{}") or "{}")
        done: dict[str, float] = state.get("items", {}) if state.get("key") == key else {}
        indexed = {r[0]: r[1] or 0.0 for r in self.store.query("SELECT id, indexed_at FROM files")}
        for kind in KINDS:
            if cancelled():
                report.cancelled = True
                break
            owners, vecs = self._segments(kind, mid)
            if len(owners) == 0:
                continue
            ids, inverse = np.unique(owners, return_inverse=True)
            todo = [
                j for j, i in enumerate(ids)
                if (wanted is None or int(i) in wanted)
                and (force or done.get(str(int(i))) != indexed.get(int(i)))
            ]
            report.skipped += sum(1 for i in ids if wanted is None or int(i) in wanted) - len(todo)
            if not todo:
                continue
            if progress:
                progress(TagProgress(0, len(todo), "embedding tags", kind))
            scores = max_over_segments(tagger.scores(vecs, kind), inverse, len(ids))
            reference = reference_from_scores(scores)
            report.calibration[kind] = tagger.calibration(kind).fitted_on
            blocked = self._blocked(int(ids[j]) for j in todo)
            batch = 256
            for start in range(0, len(todo), batch):
                if cancelled():
                    report.cancelled = True
                    break
                rows = todo[start:start + batch]
                sub = scores[rows]
                props = tagger.propose(
                    sub, kind, min_score, top_k, reference,
                    exclude=[blocked[int(ids[j])] for j in rows],
                )
                by_item = {int(ids[j]): [(p.name, p.score) for p in ps]
                           for j, ps in zip(rows, props, strict=True)}
                report.proposed += self._save_proposals("zero-shot", mid, by_item)
                for ps in props:
                    for p in ps:
                        report.by_tag[p.name] = report.by_tag.get(p.name, 0) + 1
                for j in rows:
                    done[str(int(ids[j]))] = indexed.get(int(ids[j]), 0.0)
                report.items += len(rows)
                self.store.set_meta(_STATE_KEY, json.dumps({"key": key, "items": done}))
                if progress:
                    progress(TagProgress(min(start + batch, len(todo)), len(todo), "saving", kind))
        report.seconds = time.time() - t0
        return report

    # -- learned tags -------------------------------------------------------------------------
    def learn(self, name: str, positive_ids: Sequence[int], negative_ids: Sequence[int] = (),
              min_score: float = 0.5, apply: bool = True) -> LearnReport:
        """Teach tag ``name`` from items the user marked, and propose it everywhere.

        The positives become accepted user tags, the negatives rejected ones.
        The classifier (see ``classifier.py``) is trained on the items'
        embeddings, centred per kind over the library, with the library's other
        items of the positives' kinds as background; it is kept in the library
        and applied to items of every kind.
        """
        self._writable()
        name = normalise_tag(name)
        if not name:
            raise TaggingError("a learned tag needs a name")
        if not positive_ids:
            raise TaggingError(f"mark at least one item as {name!r} to learn it")
        mid = str(self.model.model_id)
        all_ids, all_emb, all_kinds = [], [], []
        for kind in KINDS:
            ids, emb = self.item_embeddings(kind, mid)
            if len(ids):
                all_ids.append(ids)
                all_emb.append(emb)
                all_kinds += [kind] * len(ids)
        if not all_ids:
            raise TaggingError("nothing in the library is indexed with the current model")
        ids = np.concatenate(all_ids)
        emb = np.concatenate(all_emb)
        kinds = np.asarray(all_kinds)
        row_of = {int(i): r for r, i in enumerate(ids)}
        for i in [*positive_ids, *negative_ids]:
            if int(i) not in row_of:
                raise TaggingError(f"item {i} has no vectors of the current model; index it first")
        pos = np.array([row_of[int(i)] for i in positive_ids])
        neg = np.array([row_of[int(i)] for i in negative_ids], dtype=np.int64)
        marked = set(pos.tolist()) | set(neg.tolist())
        pos_kinds = set(kinds[pos].tolist())
        bg = np.array([r for r in range(len(ids)) if r not in marked and kinds[r] in pos_kinds],
                      dtype=np.int64)
        if len(bg) > MAX_BACKGROUND:
            # A sample estimates "the rest of the library" as well and keeps training fast.
            bg = np.sort(np.random.default_rng(0).choice(bg, MAX_BACKGROUND, replace=False))
        t0 = time.perf_counter()
        clf = learn_tag(
            name, emb[pos], kinds[pos], emb[neg], kinds[neg],
            background=emb[bg] if len(bg) else None, background_kinds=kinds[bg],
            centres=kind_centres(emb, kinds), model_id=mid,
        )
        train_s = time.perf_counter() - t0
        for i in positive_ids:
            self.add_tag(int(i), name)
        for i in negative_ids:
            self.reject(int(i), name)
        self.store.set_meta(_LEARNED_PREFIX + name, json.dumps(clf.to_dict()))
        proposed = self.apply_learned(name, min_score) if apply else {}
        return LearnReport(name, len(pos), len(neg), len(bg), train_s, proposed)

    def learned_tags(self) -> list[LearnedTag]:
        """Every classifier taught in this library."""
        rows = self.store.query("SELECT value FROM meta WHERE key LIKE ? ORDER BY key",
                                (_LEARNED_PREFIX + "%",))
        return [LearnedTag.from_dict(json.loads(v)) for (v,) in rows]

    def apply_learned(self, name: str, min_score: float = 0.5) -> dict[str, int]:
        """Propose learned tag ``name`` for every item where its probability is at least
        ``min_score``; returns proposals per kind."""
        self._writable()
        raw = self.store.get_meta(_LEARNED_PREFIX + normalise_tag(name))
        if raw is None:
            raise TaggingError(f"no learned tag {name!r}; teach it with learn-tag first")
        clf = LearnedTag.from_dict(json.loads(raw))
        mid = str(self.model.model_id)
        if clf.model_id and clf.model_id != mid:
            raise TaggingError(
                f"learned tag {name!r} was taught with another model ({clf.model_id}); "
                "teach it again"
            )
        out: dict[str, int] = {}
        for kind in KINDS:
            owners, vecs = self._segments(kind, mid)
            if len(owners) == 0:
                continue
            ids, inverse = np.unique(owners, return_inverse=True)
            seg_p = clf.probability(vecs, [kind] * len(vecs))
            best = max_over_segments(seg_p[:, None], inverse, len(ids))[:, 0]
            blocked = self._blocked(int(i) for i in ids)
            props = {
                int(i): ([(clf.name, float(p))] if p >= min_score
                         and clf.name.casefold() not in blocked[int(i)] else [])
                for i, p in zip(ids, best, strict=True)
            }
            self._save_proposals("learned", mid, props, clear_names=[clf.name])
            out[kind] = sum(1 for v in props.values() if v)
        return out

    # -- concept units -----------------------------------------------------------------------
    def concepts(self, unit: int | None = None, top_k: int = 5, n_names: int = 3
                 ) -> list[ConceptUnitView]:
        """The shared layers' units with their top items per kind and automatic names;
        cross-kind concept units first. ``unit`` restricts the answer to one unit."""
        model = self.model
        mid = str(model.model_id)
        ids_l, emb_l, kinds_l = [], [], []
        for kind in KINDS:
            ids, emb = self.item_embeddings(kind, mid)
            if len(ids):
                ids_l.append(ids)
                emb_l.append(emb)
                kinds_l += [kind] * len(ids)
        if not ids_l:
            raise TaggingError("nothing in the library is indexed with the current model")
        ids = np.concatenate(ids_l)
        emb = np.concatenate(emb_l)
        act = np.asarray(model.units(emb))
        if unit is not None and not 0 <= unit < act.shape[1]:
            raise TaggingError(f"unit {unit} does not exist; units are 0..{act.shape[1] - 1}")
        words = list(self.vocab.words)
        word_units = np.asarray(model.units(model.encode_texts(words)))
        found = discover_units(act, kinds_l, emb, word_units, words, top_k=top_k,
                               n_names=n_names)
        paths = {r[0]: r[1] for r in self.store.query("SELECT id, path FROM files")}
        views = []
        for cu in found:
            if unit is not None and cu.unit != unit:
                continue
            views.append(self._view(cu, ids, kinds_l, paths))
        return views

    @staticmethod
    def _view(cu: ConceptUnit, ids: np.ndarray, kinds: list[str], paths: dict[int, str]
              ) -> ConceptUnitView:
        top = {
            k: [UnitItem(int(ids[r]), paths.get(int(ids[r]), ""), kinds[r], a) for r, a in rows]
            for k, rows in cu.top.items()
        }
        return ConceptUnitView(cu.unit, cu.name, cu.names, cu.cross_kind, cu.score,
                               cu.agreement, cu.selectivity, top)

    # -- sidecars -----------------------------------------------------------------------------
    @property
    def sidecar_style(self) -> SidecarStyle:
        """The naming style new sidecars get (a library setting): 'file.ext.xmp' or 'file.xmp'."""
        style = self.store.get_meta(_STYLE_KEY, "file.ext.xmp")
        return style if style in SIDECAR_STYLES else "file.ext.xmp"  # type: ignore[return-value]

    @sidecar_style.setter
    def sidecar_style(self, style: str) -> None:
        if style not in SIDECAR_STYLES:
            raise TaggingError(f"unknown sidecar style {style!r}; use one of {SIDECAR_STYLES}")
        self.store.set_meta(_STYLE_KEY, style)

    def import_sidecars(self, item_ids: Iterable[int] | None = None, only_new: bool = True
                        ) -> SidecarReport:
        """Import the keywords of the items' XMP sidecars as accepted 'sidecar' tags
        (see ``import_sidecar_keywords``)."""
        self._writable()
        return import_sidecar_keywords(self.store, item_ids, only_new)

    def export_sidecars(self, item_ids: Iterable[int] | None = None,
                        style: SidecarStyle | None = None) -> SidecarReport:
        """Write each item's accepted tags into its XMP sidecar (merged, atomic).

        Tags the user rejected that a sidecar holds are removed from it. A file
        whose sidecar cannot be written is listed in ``failed`` with the reason;
        the others are still written. Originals are never touched.
        """
        style = style or self.sidecar_style
        wanted = None if item_ids is None else {int(i) for i in item_ids}
        by_item: dict[int, tuple[str, list[str], list[str]]] = {}
        for item_id, path, name, status in self.store.query(
            "SELECT t.item_id, f.path, t.name, t.status FROM tags t JOIN files f "
            "ON f.id = t.item_id WHERE t.status IN ('accepted', 'rejected') ORDER BY t.id"
        ):
            if wanted is not None and item_id not in wanted:
                continue
            entry = by_item.setdefault(item_id, (path, [], []))
            (entry[1] if status == "accepted" else entry[2]).append(name)
        report = SidecarReport()
        for _item_id, (path, add, remove) in sorted(by_item.items()):
            if not add and not remove:
                continue
            try:
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
            seen = json.loads(self.store.get_meta(_SEEN_KEY, "{}") or "{}")
            for item_id, (path, _a, _r) in by_item.items():
                seen[str(item_id)] = _sidecar_stamp(path)
            self.store.set_meta(_SEEN_KEY, json.dumps(seen))
        return report

    # -- export to a table --------------------------------------------------------------------
    def export_rows(self, statuses: Sequence[str] = ("accepted",)) -> list[dict]:
        """Tag rows joined with file paths: dicts of path, kind, tag, source, score, status,
        model_id."""
        marks = ",".join("?" * len(statuses))
        rows = self.store.query(
            "SELECT f.path, f.kind, t.name, t.source, t.score, t.status, t.model_id "
            "FROM tags t JOIN files f ON f.id = t.item_id "
            f"WHERE t.status IN ({marks}) ORDER BY f.path, t.name",
            list(statuses),
        )
        keys = ("path", "kind", "tag", "source", "score", "status", "model_id")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def export_table(self, fmt: str = "csv", statuses: Sequence[str] = ("accepted",)) -> str:
        """All tags of the given statuses as CSV or JSON text."""
        rows = self.export_rows(statuses)
        if fmt == "json":
            return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
        if fmt != "csv":
            raise TaggingError(f"unknown export format {fmt!r}; use csv or json")
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=["path", "kind", "tag", "source", "score", "status",
                                            "model_id"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()


def _sidecar_stamp(path: str | Path) -> str:
    return ";".join(f"{p.name}:{p.stat().st_mtime_ns}" for p in existing_sidecars(path))


def import_sidecar_keywords(store: Any, item_ids: Iterable[int] | None = None,
                            only_new: bool = True) -> SidecarReport:
    """Import the keywords of XMP sidecars (both naming styles) as accepted tags.

    ``store`` is the library's ``core.store.Store``. Keywords become tags with
    source 'sidecar' and status 'accepted'; a tag the user rejected stays
    rejected, a proposal of the same name is accepted. With ``only_new``,
    sidecars unchanged since the last import are skipped, so the indexer can
    call this after every run at little cost. Unreadable sidecars are listed
    in ``failed`` and left as they are.
    """
    report = SidecarReport()
    wanted = None if item_ids is None else {int(i) for i in item_ids}
    seen = json.loads(store.get_meta(_SEEN_KEY, "{}") or "{}")
    for item_id, path in store.query("SELECT id, path FROM files WHERE error IS NULL"):
        if wanted is not None and item_id not in wanted:
            continue
        stamp = _sidecar_stamp(path)
        if not stamp or (only_new and seen.get(str(item_id)) == stamp):
            continue
        try:
            names = read_tags(path)
        except SidecarError as exc:
            report.failed.append((str(exc.path), exc.reason))
            continue
        names = [n for n in names if n.split("/", 1)[0].casefold() not in _PROGRAM_TAG_ROOTS]
        now = time.time()
        with store.transaction() as c:
            for name in names:
                row = c.execute(
                    "SELECT id, status FROM tags WHERE item_id = ? AND name = ? COLLATE NOCASE",
                    (item_id, name)).fetchone()
                if row is None:
                    c.execute(
                        "INSERT INTO tags(item_id, name, source, score, model_id, status, "
                        "created) VALUES (?, ?, 'sidecar', NULL, NULL, 'accepted', ?)",
                        (item_id, name, now))
                    report.imported += 1
                elif row[1] == "proposed":
                    c.execute("UPDATE tags SET status = 'accepted', source = 'sidecar' "
                              "WHERE id = ?", (row[0],))
                    report.imported += 1
        seen[str(item_id)] = stamp
    # Re-importing is harmless (existing names are skipped), so one write at the end is enough.
    store.set_meta(_SEEN_KEY, json.dumps(seen))
    return report
