"""Tagging across the senses: zero-shot tags from a vocabulary, tags learned from a few
examples, concept units of the shared layers, and XMP sidecars.

    from core.tagging import LibraryTagger
    tagger = LibraryTagger(library)              # a core.library.Library
    tagger.tag_library(min_score=0.5)            # proposals, kept apart from accepted tags
    tagger.accept(item_id, "beach"); tagger.reject(item_id, "dog")
    tagger.learn("rainy day", positive_ids, negative_ids)
    tagger.concepts()                            # cross-kind concept units first
    tagger.export_sidecars(); tagger.export_table("csv")

``service.py`` is the facade; the work is in ``proposals`` (zero-shot), ``learned``
(classifier transfer), ``concepts`` (units), ``sidecars`` (XMP in and out) and
``export`` (CSV/JSON), all over the store's tag repository.

Importing this package does not import torch.
"""

from __future__ import annotations

from core.tagging.errors import SidecarError, SidecarNotWritable, SidecarUnreadable, TaggingError
from core.tagging.reports import (
    ConceptUnitView,
    LearnReport,
    SidecarReport,
    TagProgress,
    TagReport,
    UnitItem,
)
from core.tagging.service import LibraryTagger, Tag
from core.tagging.sidecars import import_sidecar_keywords
from core.tagging.vocabulary import TagVocabulary, VocabularyError, load_vocabulary

__all__ = [
    "ConceptUnitView",
    "LearnReport",
    "LibraryTagger",
    "SidecarError",
    "SidecarNotWritable",
    "SidecarReport",
    "SidecarUnreadable",
    "Tag",
    "TagProgress",
    "TagReport",
    "TagVocabulary",
    "TaggingError",
    "UnitItem",
    "VocabularyError",
    "import_sidecar_keywords",
    "load_vocabulary",
]
