"""Cross-modal search over a library: by text, by a file of any kind, by a recorded
waveform, or by an item already in the library ("more like this").

    from core.search import Query
    lib.search(Query(text="rain on a tin roof", kinds={"sound"}), k=10)

``query.py`` is plain data (what the GUI imports); ``engine.py`` runs a search and
only reads. Neither imports torch (the model passed in loads it) or core.library.
"""

from __future__ import annotations

from typing import Any

from core.search.query import (
    Filters,
    KindGroup,
    ParsedQuery,
    Query,
    SearchResult,
    Segment,
    parse_query,
)

__all__ = ["Filters", "KindGroup", "ParsedQuery", "Query", "SearchResult", "Segment",
           "grouped_search", "hybrid_search", "parse_query", "query_vector", "run_search"]


def __getattr__(name: str) -> Any:
    # The engine (numpy, the store) is imported on first use, so that importing the query
    # types (the GUI does at start-up) stays cheap.
    if name in ("query_vector", "run_search"):
        from core.search import engine

        return getattr(engine, name)
    if name == "grouped_search":
        from core.search import groups

        return groups.grouped_search
    if name == "hybrid_search":
        from core.search import hybrid

        return hybrid.hybrid_search
    raise AttributeError(f"module 'core.search' has no attribute {name!r}")
