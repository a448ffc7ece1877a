"""Pairing sounds with images by their concept words."""

from __future__ import annotations

from collections import defaultdict

from training.corpus.labels import normalise_label

# Words too broad or too action-like to tie a sound to a picture.
PAIR_STOP = frozenset(
    """attack die hit walk fly death move moving select running walking open close high low
    med full empty light fast slow start end work off on make sound noise day part smith
    health field arrow symbol icon""".split()
)
MAX_IMAGES = 20


class ImageIndex:
    """Word -> positions of images whose labels contain it (whole-word match)."""

    def __init__(self, images: list[dict]) -> None:
        self.words: dict[str, list[int]] = defaultdict(list)
        self.titles: list[set[str]] = []
        for i, image in enumerate(images):
            for word in set(image["labels"]):
                self.words[word].append(i)
            texts = image["texts"]
            self.titles.append(set(normalise_label(texts[0])) if texts else set())


def build_index(images: list[dict]) -> ImageIndex:
    """Index the labels and titles of `images` for `match_images`."""
    return ImageIndex(images)


def match_images(labels: list[str], images: list[dict], index: ImageIndex,
                 limit: int = MAX_IMAGES) -> list[str]:
    """Ids of images sharing the sound's concept words, best first, mixed across sources.

    Score: number of shared words, plus half a point per word in the image's
    first text (its title). Ties go to images with fewer labels (more specific).
    """
    words = [w for w in dict.fromkeys(labels) if w not in PAIR_STOP]
    scores: dict[int, float] = defaultdict(float)
    for word in words:
        for i in index.words.get(word, ()):
            scores[i] += 1.0 + (0.5 if word in index.titles[i] else 0.0)
    if not scores:
        return []
    # Only the best-scoring tiers: a sound of 'sword' should not take every 'metal' image.
    best = max(scores.values())
    ranked = sorted((i for i in scores if scores[i] >= best - 0.5),
                    key=lambda i: (-scores[i], len(images[i]["labels"]), images[i]["id"]))
    by_source: dict[str, list[int]] = defaultdict(list)
    for i in ranked:
        by_source[images[i]["source"]].append(i)
    mixed: list[str] = []
    while len(mixed) < limit and any(by_source.values()):
        for source in sorted(by_source, key=lambda s: -len(by_source[s])):
            if by_source[source] and len(mixed) < limit:
                mixed.append(images[by_source[source].pop(0)]["id"])
    return mixed
