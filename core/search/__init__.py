"""Cross-modal search over a library: by text, by a file of any kind, by a recorded
waveform, or by an item already in the library ("more like this").

    from core.search import Query
    lib.search(Query(text="rain on a tin roof", kinds={"sound"}), k=10)

``query.py`` is plain data (what the GUI imports); ``engine.py`` runs a search and
only reads. Neither imports torch (the model passed in loads it) or core.library.
"""

from __future__ import annotations

from core.search.engine import query_vector, run_search
from core.search.query import Query, SearchResult, Segment

__all__ = ["Query", "SearchResult", "Segment", "query_vector", "run_search"]
