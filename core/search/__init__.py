"""Cross-modal search over a Library: by text, by a file of any kind, by a recorded
waveform, or by an item already in the library ("more like this").

    from core.search import Query
    lib.search(Query(text="rain on a tin roof", kinds={"sound"}), k=10)
"""

from __future__ import annotations

from core.search.engine import Query, SearchResult, Segment, query_vector, run_search

__all__ = ["Query", "SearchResult", "Segment", "query_vector", "run_search"]
