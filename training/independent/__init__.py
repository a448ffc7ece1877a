"""Independent evaluation on the Debian packages reserved for it: `scratch` and `gcompris-qt-data`.

Neither package is used by the training corpus (see `training.corpus.debs.RESERVED`), so
the numbers measured here are free of any training or tuning on the same media.

    python -m training.independent build            # fetch, unpack, convert, write the manifest
    python -m training.independent eval [--checkpoint PATH] [--json] [--no-baseline]

The builder fetches both packages with `apt-get download` into
`~/.cache/synesthesia/independent/debs`, unpacks them with `dpkg-deb -x` (no root install),
reads GCompris's Qt resource bundles (`.rcc`), renders SVG/SVGZ with `rsvg-convert`,
flattens transparent images onto white and writes `independent/manifest.jsonl` in the format
of the training manifest. Only real-world concepts are kept (animals, vehicles, weather,
instruments, tools, food, everyday objects, places); people's names, letters, numbers,
colours, fantasy creatures, user-interface sounds, speech and music are dropped. An item's
concepts come from its file name through a fixed concept vocabulary (`CONCEPTS`).

The evaluator embeds every item with the model and reports retrieval in six directions
(relevant = sharing a concept) with chance levels, plus zero-shot classification of images
and sounds against the concept words.
"""

from training.evalsets import DIRECTIONS, concept_pairs, relevance, summary, zero_shot
from training.independent.build import build, cache_dir, find_rsvg, load_manifest, select
from training.independent.cli import main
from training.independent.evaluate import (
    baseline_img_txt,
    directional,
    evaluate,
    format_report,
    text_queries,
)
from training.independent.names import CONCEPTS, REJECT_WORDS, concepts_of, name_words
from training.independent.sources import (
    PACKAGES,
    Candidate,
    Unpacked,
    fetch,
    gcompris_candidates,
    parse_copyright,
    rcc_entries,
    scratch_candidates,
)

__all__ = ["CONCEPTS", "DIRECTIONS", "PACKAGES", "REJECT_WORDS", "Candidate", "Unpacked",
           "baseline_img_txt", "build", "cache_dir", "concept_pairs", "concepts_of",
           "directional", "evaluate", "fetch", "find_rsvg", "format_report",
           "gcompris_candidates", "load_manifest", "main", "name_words", "parse_copyright",
           "rcc_entries", "relevance", "scratch_candidates", "select", "summary",
           "text_queries", "zero_shot"]
