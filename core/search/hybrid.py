"""A search as a person types it: the query language read (``language.py``), its filters
turned into the items they let through (``store.items``), then

- words typed: the network ranks by meaning (``engine.run_search``) and full-text search
  ranks by words (``store.items.words``), and the two lists are fused (``fusion.py``);
- only filters typed ("tag:garden 2023"): the items passing them, newest first;
- a search by example: the network alone, within the filters of ``Query.filter_text``.

Reads only, like the engine. The network's part is the engine's, unchanged: this module
takes its ranked list and adds the words' list to it."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from core.search.engine import _passage, _result, query_vector, run_search
from core.search.fusion import DEFAULT, Fusion
from core.search.language import Filters, ParsedQuery, parse_query
from core.search.query import Query, SearchResult
from core.store import SegmentInfo, Store, VectorIndexes
from core.text import read_query
from core.text.emoji import read_emoji

POOL = 50  # items read from each list before fusing
COPIES_SLACK = 10


def plan(query: Query) -> tuple[ParsedQuery, Filters]:
    """The parsed words and the filters of ``query``: those typed, with the query's own
    kinds, folder and tag added."""
    typed = query.text if query.text is not None else (query.filter_text or "")
    typed = read_emoji(typed)[0]  # "🐄" -> "cow", for the words as for the network
    parsed = parse_query(typed)
    f = parsed.filters
    kinds = frozenset(query.kinds) & f.kinds if f.kinds else frozenset(query.kinds)
    folders = f.folders
    if query.folder is not None:
        folders = (*folders, str(Path(query.folder).expanduser().absolute()))
    tags = (*f.tags, query.tag) if query.tag is not None else f.tags
    return parsed, replace(f, kinds=kinds, folders=folders, tags=tags)


def hybrid_search(store: Store, indexes: VectorIndexes, model: Any, query: Query, k: int = 20,
                  fusion: Fusion = DEFAULT) -> list[SearchResult]:
    """The ``k`` best items for ``query``, best first (see the module's docstring)."""
    query.validate()
    parsed, filters = plan(query)
    if k <= 0 or not filters.kinds:
        return []
    narrowing = replace(filters, kinds=None).active()
    allowed = frozenset(store.items.ids(filters)) if narrowing else None
    if allowed is not None and not allowed:
        return []
    base = replace(query, kinds=set(filters.kinds), folder=None, tag=None, filter_text=None,
                   only_items=allowed)
    if query.text is None:
        return sorted_by(store, run_search(store, indexes, model, base, k), query.sort)
    if not parsed.text:
        return listing(store, filters, k, sort=query.sort)
    if read_query(query.text).words_only:  # nothing the text model reads: words alone
        return sorted_by(store, words_only(store, parsed, filters, k), query.sort)
    network = run_search(store, indexes, model, replace(base, text=parsed.text), max(k, POOL))
    return sorted_by(store, with_words(store, model, parsed, filters, network, k, fusion),
                   query.sort)


def with_words(store: Store, model: Any, parsed: ParsedQuery, filters: Filters,
               network: list[SearchResult], k: int, fusion: Fusion = DEFAULT
               ) -> list[SearchResult]:
    """The network's ranking (``network``, best first) fused with full-text search's for the
    same words within ``filters``: the ``k`` best items, each once."""
    match = parsed.words_match()
    words = [i for i, _ in store.items.words(match, filters, max(POOL, k))] if match else []
    # a few more than k: a copy found by its words beside its original is dropped below
    fused = fusion.fuse([r.item_id for r in network], words)[:k + COPIES_SLACK]
    found = {r.item_id: r for r in network}
    missing = [i for i, _ in fused if i not in found]
    if missing:
        found.update(_word_results(store, model, parsed, missing))
    # Its words hold the query's words: a good match whatever the network thought.
    return _one_per_content([replace(found[i], found_by=by,
                                     good=found[i].good or by != "network")
                             for i, by in fused if i in found])[:k]


def words_only(store: Store, parsed: ParsedQuery, filters: Filters, k: int
               ) -> list[SearchResult]:
    """The items whose words hold the query's words, by full-text rank, for a text the
    network cannot read (only words of another script): no model is needed."""
    match = parsed.words_match()
    if not match:
        return []
    ids = [i for i, _ in store.items.words(match, filters, k + COPIES_SLACK)]
    found = _word_results(store, None, parsed, ids)
    return _one_per_content([replace(found[i], found_by="words", good=True)
                             for i in ids if i in found])[:k]


def _one_per_content(results: list[SearchResult]) -> list[SearchResult]:
    """Copies of one file are one result (the engine's rule): a copy that words found
    beside its original is left out, as it is listed in the original's ``copies``."""
    seen: set[Path] = set()
    out = []
    for r in results:
        if r.path in seen:
            continue
        seen.add(r.path)
        seen.update(r.copies)
        out.append(r)
    return out


def sorted_by(store: Store, results: list[SearchResult], sort: str) -> list[SearchResult]:
    """The best results in another order than relevance: by date or by name."""
    if sort == "name":
        return sorted(results, key=lambda r: (r.path.name.casefold(), str(r.path)))
    if sort in ("date", "date-oldest"):
        dates = store.items.dates([r.item_id for r in results])
        return sorted(results, key=lambda r: dates.get(r.item_id, 0.0),
                      reverse=sort == "date")
    return results


def listing(store: Store, filters: Filters | None, k: int, offset: int = 0,
            sort: str = "date") -> list[SearchResult]:
    """The items passing ``filters`` in ``sort`` order ("relevance": newest first), as
    results (score 0), ``k`` of them from ``offset`` (a page)."""
    rows = store.items.page(filters, "date" if sort == "relevance" else sort, k, offset)
    tags = store.tags.accepted_names([r.item_id for r in rows])  # every file, copies too
    return [SearchResult(r.item_id, Path(r.path), r.kind, 0.0, None, tags.get(r.item_id, ()),
                         found_by="filter") for r in rows]


def _first_word_at(path: str, words: tuple[str, ...]) -> int | None:
    """Where in the note the first of ``words`` (or its stem) first appears."""
    text = _passage(path, None, None)
    if not text:
        return None
    low = text.casefold()
    spots = []
    for w in words:
        w = w.casefold()
        for form in (w, w.rstrip("s"), w[:max(4, len(w) - 3)]):
            at = low.find(form) if form else -1
            if at >= 0:
                spots.append(at)
                break
    return min(spots) if spots else None


def _word_results(store: Store, model: Any, parsed: ParsedQuery,
                  items: list[int]) -> dict[int, SearchResult]:
    """Results for items found by their words only: their network score (the cosine of
    their best segment; 0 without a model) and, for a note, the passage holding the words."""
    q = query_vector(model, store, Query(text=parsed.text))[0] if model is not None else None
    tags = store.tags.accepted_names(items)
    copies = store.files.copies_of(items)
    out: dict[int, SearchResult] = {}
    for item in items:
        infos = store.segments.infos_of_item(item)
        if not infos:
            continue
        _, mid, vecs = store.segments.of_item(item)
        scores = (vecs @ q if q is not None and mid == model.model_id
                  and len(vecs) == len(infos) else np.zeros(len(infos), np.float32))
        best = int(np.argmax(scores))
        info: SegmentInfo = infos[best]
        if info.kind == "note":
            at = _first_word_at(info.path, (*parsed.phrases, *parsed.words))
            holding = [i for i, s in enumerate(infos) if at is not None
                       and (s.char_start or 0) <= at < (s.char_end or sys.maxsize)]
            if holding:
                best, info = holding[0], infos[holding[0]]
        out[item] = _result(item, float(scores[best]), info, tags.get(item, ()),
                            tuple(copies.get(item, ())))
    return out
