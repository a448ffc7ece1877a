"""Tagging a library: proposals, the user's decisions, learned tags, units, sidecars, export.

``LibraryTagger(library)`` is what the command line and the GUI call; it is a facade
over the store's tag repository (``core.store.tags``) and the modules that do the work:
``proposals`` (zero-shot), ``learned`` (classifier transfer), ``concepts`` (units),
``sidecars`` (XMP in and out) and ``export`` (CSV/JSON). Tags live in the store's
``tags`` table (see docs/CONTRACTS.md):

- ``source``: 'user' (typed by the user), 'zero-shot' (vocabulary), 'learned'
  (a classifier the user taught), 'sidecar' (imported from an XMP sidecar);
- ``status``: 'proposed' (the program's suggestion, kept apart), 'accepted',
  'rejected' (never proposed again for that item).

Proposals are only ever written over proposals: an accepted or rejected row
is never changed by the program.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.store import Tag
from core.tagging import export, learned, sidecars
from core.tagging.classifier import LearnedTag
from core.tagging.concepts import concept_units
from core.tagging.embeddings import item_embeddings
from core.tagging.errors import TaggingError
from core.tagging.proposals import ZeroShotRun
from core.tagging.reports import ConceptUnitView, LearnReport, SidecarReport, TagProgress, TagReport
from core.tagging.sidecar import SidecarStyle
from core.tagging.vocabulary import TagVocabulary, load_vocabulary, normalise_tag

SOURCES = ("user", "zero-shot", "learned", "sidecar")
STATUSES = ("accepted", "proposed", "rejected")
VOCAB_KEY = "tagging.vocabulary"


class LibraryTagger:
    """Tags of one library. ``library`` is a ``core.library.Library`` (its ``store`` and
    its lazily loaded ``model`` are used); the vocabulary defaults to the bundled one."""

    def __init__(self, library: Any, vocab: TagVocabulary | None = None):
        self.library = library
        self.store = library.store
        self._vocab = vocab

    @property
    def model(self) -> Any:
        return self.library.model

    @staticmethod
    def _tag_name(name: str) -> str:
        """``name`` as stored; TaggingError when empty or when it holds a control character
        (XMP cannot carry one: the sidecar would no longer parse) or a lone surrogate."""
        name = normalise_tag(name)
        if not name:
            raise TaggingError("a tag needs a name")
        bad = [c for c in name if unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff"]
        if bad:
            shown = name.encode("unicode_escape", "backslashreplace").decode("ascii")
            raise TaggingError(
                f"the tag {shown!r} holds a control character ({ascii(bad[0])}); tags cannot "
                "contain control characters"
            )
        return name

    def _writable(self) -> None:
        if getattr(self.library, "read_only", False):
            raise TaggingError("the library was opened read-only; tags cannot be changed")

    # -- the vocabulary -----------------------------------------------------------------------
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
        data = json.loads(self.store.meta.get(VOCAB_KEY, "{}") or "{}")
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
        own["files"] += [f for f in dict.fromkeys(new_files) if f not in own["files"]]
        known = {w.casefold() for w in own["words"]}
        for w in (self._tag_name(w) for w in words if normalise_tag(w)):
            if w.casefold() not in known:
                known.add(w.casefold())
                own["words"].append(w)
        self.store.meta.set(VOCAB_KEY, json.dumps(own))
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
        self.store.meta.set(VOCAB_KEY, json.dumps(own))
        self._vocab = None

    # -- items --------------------------------------------------------------------------------
    def item_embeddings(self, kind: str, model_id: str | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
        """(item ids (n,), embeddings (n, D) float32 unit-norm) of every item of ``kind``;
        an item with several segments gets the normalised mean of its segments."""
        return item_embeddings(self.store, kind, model_id or str(self.model.model_id))

    def item_ids(self, paths: Iterable[str | Path]) -> list[int]:
        """Item ids of files of the library; TaggingError names a file that is not in it."""
        ids = []
        for p in paths:
            item = self.store.files.item_by_path(Path(p).expanduser().absolute())
            if item is None:
                raise TaggingError(f"{p}: not in the library; add its folder and index it first")
            ids.append(item.id)
        return ids

    def _check_item(self, item_id: int) -> None:
        if self.store.files.item(int(item_id)) is None:
            raise TaggingError(f"item {item_id} is not in the library")

    # -- reading and deciding ----------------------------------------------------------------
    def tags(self, item_id: int | None = None, status: str | Sequence[str] | None = None,
             source: str | None = None) -> list[Tag]:
        """Tag rows, optionally of one item, some statuses and one source."""
        statuses = None if status is None else ([status] if isinstance(status, str)
                                                else list(status))
        return self.store.tags.rows(item_id, statuses, source)

    def add_tag(self, item_id: int, name: str, source: str = "user") -> None:
        """The user tags an item: the tag is accepted (a proposal of that name is accepted)."""
        self._writable()
        self._check_item(item_id)
        self.store.tags.decide(item_id, self._tag_name(name), "accepted", source)

    def accept(self, item_id: int, name: str) -> None:
        """Accept a proposed tag (it keeps its source and score)."""
        self._writable()
        row = self.store.tags.find(item_id, name)
        if row is None:
            raise TaggingError(f"item {item_id} has no tag {name!r} to accept")
        self.store.tags.set_status(row[0], "accepted")

    def reject(self, item_id: int, name: str) -> None:
        """Reject a tag for an item: it is removed and never proposed again for it."""
        self._writable()
        self._check_item(item_id)
        self.store.tags.decide(item_id, normalise_tag(name), "rejected")

    # -- zero-shot ----------------------------------------------------------------------------
    def tag_library(self, item_ids: Iterable[int] | None = None,
                    vocab: TagVocabulary | None = None, min_score: float = 0.5, top_k: int = 5,
                    force: bool = False, import_sidecars: bool = True,
                    progress: Callable[[TagProgress], Any] | None = None,
                    cancel: Any = None) -> TagReport:
        """Propose vocabulary tags for the library's items (or only ``item_ids``); see
        ``core.tagging.proposals``. Sidecar keywords are imported first."""
        self._writable()
        t0 = time.time()
        model = self.model
        report = TagReport(model_id=str(model.model_id), min_score=float(min_score))
        wanted = None if item_ids is None else {int(i) for i in item_ids}
        if import_sidecars:
            sc = self.import_sidecars(wanted, only_new=not force)
            report.imported = sc.imported
            report.sidecar_errors = [f"{p}: {why}" for p, why in sc.failed]
        ZeroShotRun(self.store, model, vocab or self.vocab, min_score, top_k, force, wanted,
                    progress, cancel, report).run()
        report.seconds = time.time() - t0
        return report

    # -- learned tags -------------------------------------------------------------------------
    def learn(self, name: str, positive_ids: Sequence[int], negative_ids: Sequence[int] = (),
              min_score: float = 0.5, apply: bool = True) -> LearnReport:
        """Teach tag ``name`` from items the user marked, and propose it everywhere.

        The positives become accepted user tags, the negatives rejected ones. The
        classifier (see ``learned.train``) is kept in the library and applied to items
        of every kind.
        """
        self._writable()
        if not normalise_tag(name):
            raise TaggingError("a learned tag needs a name")
        name = self._tag_name(name)
        if not positive_ids:
            raise TaggingError(f"mark at least one item as {name!r} to learn it")
        clf, background, train_s = learned.train(self.store, str(self.model.model_id), name,
                                                 positive_ids, negative_ids)
        for i in positive_ids:
            self.add_tag(int(i), name)
        for i in negative_ids:
            self.reject(int(i), name)
        proposed = self.apply_learned(name, min_score) if apply else {}
        return LearnReport(name, clf.n_positive, clf.n_negative, background, train_s, proposed)

    def learned_tags(self) -> list[LearnedTag]:
        """Every classifier taught in this library."""
        return learned.learned_tags(self.store)

    def apply_learned(self, name: str, min_score: float = 0.5) -> dict[str, int]:
        """Propose learned tag ``name`` for every item where its probability is at least
        ``min_score``; returns proposals per kind."""
        self._writable()
        mid = str(self.model.model_id)
        clf = learned.load(self.store, normalise_tag(name), mid)
        return learned.apply(self.store, clf, mid, min_score)

    # -- concept units -----------------------------------------------------------------------
    def concepts(self, unit: int | None = None, top_k: int = 5, n_names: int = 3
                 ) -> list[ConceptUnitView]:
        """The shared layers' units with their top items per kind and automatic names;
        cross-kind concept units first. ``unit`` restricts the answer to one unit."""
        return concept_units(self.store, self.model, self.vocab, unit, top_k, n_names)

    # -- sidecars and export ------------------------------------------------------------------
    @property
    def sidecar_style(self) -> SidecarStyle:
        """The naming style new sidecars get (a library setting): 'file.ext.xmp' or 'file.xmp'."""
        return sidecars.sidecar_style(self.store)

    @sidecar_style.setter
    def sidecar_style(self, style: str) -> None:
        sidecars.set_sidecar_style(self.store, style)

    def import_sidecars(self, item_ids: Iterable[int] | None = None, only_new: bool = True
                        ) -> SidecarReport:
        """Import the keywords of the items' XMP sidecars as accepted 'sidecar' tags
        (see ``sidecars.import_sidecar_keywords``)."""
        self._writable()
        return sidecars.import_sidecar_keywords(self.store, item_ids, only_new)

    def export_sidecars(self, item_ids: Iterable[int] | None = None,
                        style: SidecarStyle | None = None) -> SidecarReport:
        """Write each item's accepted tags into its XMP sidecar (merged, atomic); see
        ``sidecars.export_sidecars``."""
        return sidecars.export_sidecars(self.store, item_ids, style)

    def export_rows(self, statuses: Sequence[str] = ("accepted",)) -> list[dict]:
        """Tag rows joined with file paths: dicts of path, kind, tag, source, score, status,
        model_id."""
        return export.export_rows(self.store, statuses)

    def export_table(self, fmt: str = "csv", statuses: Sequence[str] = ("accepted",)) -> str:
        """All tags of the given statuses as CSV or JSON text."""
        return export.export_table(self.store, fmt, statuses)
