"""A search answered kind by kind: the best photos, sounds, notes and videos side by side.

One merged list ranks every kind against every other, and one kind (photos, for most typed
words) can fill it, so the best recording is never seen. Here each kind gets its own page,
ranked by that kind's own relevance (``core.search.relevance``; the good/weak cut-off is
the same), from one encoding of the query and one pass over each kind's index
(``engine.run_by_kind``). Typed words are fused with full-text search within each kind, as
``hybrid.py`` does over all kinds; filters alone list each kind's items. Reads only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.media.kinds import KINDS
from core.search.engine import run_by_kind
from core.search.fusion import DEFAULT, Fusion
from core.search.hybrid import POOL, listing, plan, sorted_by, with_words, words_only
from core.search.query import KindGroup, Query, SearchResult
from core.search.relevance import GOOD_Z
from core.store import Store, VectorIndexes
from core.text import read_query


def grouped_search(store: Store, indexes: VectorIndexes, model: Any, query: Query,
                   k: int = 10, offsets: dict[str, int] | None = None,
                   fusion: Fusion = DEFAULT) -> list[KindGroup]:
    """One ``KindGroup`` per kind searched (``query.kinds`` within the typed kind:
    filters), in the order of ``KINDS``: the ``k`` best of that kind from rank
    ``offsets[kind] + 1`` (0 by default: the first page). A kind with nothing passing the
    filters has an empty group. ``model`` may be None for filters alone or a text the
    text model cannot read."""
    query.validate()
    parsed, filters = plan(query)
    kinds = [kind for kind in KINDS if kind in filters.kinds]
    starts = {kind: max(0, int((offsets or {}).get(kind, 0))) for kind in kinds}
    if k <= 0 or not kinds:
        return []
    narrowing = replace(filters, kinds=None).active()
    allowed = frozenset(store.items.ids(filters)) if narrowing else None
    # one more than the page: whether the kind holds a next one
    want = {kind: starts[kind] + k + 1 for kind in kinds}
    if allowed is not None and not allowed:
        ranked: dict[str, list[SearchResult]] = {}
    else:
        base = replace(query, kinds=set(kinds), folder=None, tag=None, filter_text=None,
                       only_items=allowed)
        ranked = _ranked(store, indexes, model, query, base, want, fusion)
    groups = []
    for kind in kinds:
        found = ranked.get(kind, [])
        start = starts[kind]
        page = sorted_by(store, found[:start + k], query.sort)[start:]
        groups.append(KindGroup(kind, tuple(page), sum(1 for r in page if r.good), start,
                                more=len(found) > start + k))
    return groups


def _ranked(store: Store, indexes: VectorIndexes, model: Any, query: Query, base: Query,
            want: dict[str, int], fusion: Fusion) -> dict[str, list[SearchResult]]:
    """kind -> its ``want[kind]`` best results, best first."""
    parsed, filters = plan(query)

    def of_kind(kind: str) -> Any:
        return replace(filters, kinds=frozenset({kind}))

    if query.text is None:  # by example: the network alone
        return run_by_kind(store, indexes, model, base, want)
    if not parsed.text:  # filters alone: each kind's items, newest first
        return {kind: listing(store, of_kind(kind), n, sort=query.sort)
                for kind, n in want.items()}
    if read_query(query.text).words_only:  # nothing the text model reads: words alone
        return {kind: words_only(store, parsed, of_kind(kind), n) for kind, n in want.items()}
    network = run_by_kind(store, indexes, model, replace(base, text=parsed.text),
                          {kind: max(n, POOL) for kind, n in want.items()})
    return {kind: with_words(store, model, parsed, of_kind(kind), network.get(kind, []), n,
                             fusion)
            for kind, n in want.items()}


def best_matches(groups: list[KindGroup], n: int = 4) -> list[SearchResult]:
    """The ``n`` strongest good matches across the groups' pages, most relevant first
    (relevance is one scale across kinds); a match found by its words alone counts as
    just good."""
    good = [r for g in groups for r in g.results if r.good]
    return sorted(good, key=lambda r: -(GOOD_Z if r.relevance is None else r.relevance))[:n]
