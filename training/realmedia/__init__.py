"""Second real-media evaluation set: real photos and real recordings, labelled by hand.

    python -m training.realmedia build [--cache DIR] [--json]
    python -m training.realmedia eval [--checkpoint PATH ...] [--manifest PATH] [--json]
                                      [--no-baselines | --no-checkpoint]

The items are listed in `resources/realmedia/labels.tsv` (committed): for each, the
Debian package (or PyPI project) it ships in, its path inside it, 1-3 concepts from
`VOCABULARY` and a one-line description written by hand, which is also used as a text
query. Photos were labelled by looking at each one; recordings from their titles (and a
look at a spectrogram where a title is vague). Only real photographs and real recordings
are listed: renders, abstract wallpapers, drawings, synthesised and toy sounds are left out.

Sources (none of them is read by the training corpus, the sound bank or the reserved
evaluations: `tests/test_realmedia.py` checks them against `training.corpus.debs.RESERVED`):

- photos: scikit-image's sample photos inside its wheel (`skimage/data/`, not the ones
  fetched by pooch), Debian `lomiri-wallpapers-16.04`/`-20.04`, `plasma-workspace-wallpapers`,
  `scribus-template`, `python3-sklearn`. `mate-backgrounds` is not used: its photos are
  training data (`training.corpus.images`); `ukui-wallpapers` and `gnome-backgrounds` hold
  renders only.
- recordings: `simutrans-pak64`, `micropolis-data`, `heroes-sound-effects`,
  `extremetuxracer-data`, `crrcsim-data`, `freetennis-common`, `bambam`, `tuxfootball`,
  `pingus-data`, `kolf`, `granatier`, `tuxpaint-data`, `tuxpaint-plugins-default`,
  `sound-icons`.
- texts: every concept as a plain query word, and every item's description.

The builder fetches the packages with `apt-get download` into
`~/.cache/synesthesia/realmedia/debs` (the wheel with `pip download` into `wheels/`),
unpacks only the listed files (`dpkg-deb --fsys-tarfile | tar -x`), shrinks the photos to at
most 1024 px (RGB JPEG) and writes `realmedia/manifest.jsonl` in the format of
`training.independent` (with package, version, license and origin per item).

The evaluator takes any number of encoders: objects with `name`, `encode_images(paths)`,
`encode_sounds(paths)` and `encode_texts(strings)`, each returning (n, D) float32 rows (the
evaluator normalises them again). An encoder may raise NotImplementedError for a modality;
the directions that need it are then reported as missing. For each encoder it reports, in
the six directions img->txt, txt->img, img->snd, snd->img, txt->snd, snd->txt, R@1, R@10 and
the median rank of the first relevant candidate (relevant = sharing a concept), over the
queries that have a relevant candidate, with chance levels by random permutation; and
zero-shot top-1 of photos and recordings against the concepts of their modality with the
fixed prompts of `PROMPTS`. The set is for evaluation only: never train or tune on it.
"""

from training.evalsets import DIRECTIONS
from training.realmedia.build import build, cache_dir, load_manifest, summary
from training.realmedia.cli import ModelEncoder, load_baselines, main
from training.realmedia.evaluate import evaluate, format_report, text_queries
from training.realmedia.fetch import fetch_deb, fetch_wheel
from training.realmedia.labels import (
    COLUMNS,
    LABELS,
    PROMPTS,
    VOCABULARY,
    WHEELS,
    Label,
    debian_packages,
    load_labels,
)

__all__ = ["COLUMNS", "DIRECTIONS", "LABELS", "PROMPTS", "VOCABULARY", "WHEELS", "Label",
           "ModelEncoder", "build", "cache_dir", "debian_packages", "evaluate", "fetch_deb",
           "fetch_wheel", "format_report", "load_baselines", "load_labels", "load_manifest",
           "main", "summary", "text_queries"]
