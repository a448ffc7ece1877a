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
SYNONYM_WEIGHT = 0.75
# Pictures a word finds that show something else: an oil drum, a bell pepper.
PAIR_EXCLUDE = {
    "drum": frozenset({"oil", "barrel"}),
    "bell": frozenset({"pepper", "bottom", "bellhop", "slash"}),
    "organ": frozenset({"heart", "lung", "anatomy", "anatomical", "body"}),
    "wave": frozenset({"hand", "waving"}),
    "speak": frozenset({"monkey"}),
    "talk": frozenset({"parrot"}),
}

# What a picture of the sound's source is called when the sound's own word has no
# picture (game names like 'hoe' or 'stickfighter', or an action like 'applause').
SYNONYMS = {
    "footstep": ["shoe", "boot", "foot", "footprint"],
    "gravel": ["stone", "rock", "pebble"],
    "field": ["farm", "wheat", "harvest"],
    "hoe": ["farm", "garden", "farmer"],
    "arrow": ["bow", "archer", "archery"],
    "crossbow": ["bow", "archer"],
    "musket": ["gun", "rifle"],
    "spear": ["soldier", "knight", "warrior"],
    "pike": ["soldier", "knight", "warrior"],
    "javelin": ["soldier", "warrior"],
    "spearman": ["soldier", "knight", "warrior"],
    "stickfighter": ["soldier", "warrior", "fight"],
    "mace": ["knight", "weapon"],
    "flail": ["knight", "weapon"],
    "stab": ["knife", "dagger"],
    "flesh": ["knife", "sword"],
    "tabla": ["drum"],
    "wardrum": ["drum"],
    "dong": ["bell", "gong"],
    "bong": ["bell", "gong"],
    "hoof": ["horse"],
    "anvil": ["hammer", "blacksmith"],
    "smith": ["hammer", "blacksmith"],
    "toolsmith": ["hammer", "tool"],
    "hammering": ["hammer"],
    "health": ["hospital", "doctor"],
    "shanty": ["house", "hut"],
    "residential": ["house", "city"],
    "commune": ["house", "village"],
    "harbor": ["harbour", "port", "ship", "boat"],
    "mill": ["windmill"],
    "sawmill": ["saw", "wood"],
    "substation": ["electricity", "power"],
    "market": ["shop", "market", "store"],
    "pottery": ["pot", "vase"],
    "airship": ["balloon", "zeppelin"],
    "warship": ["ship", "boat"],
    "applause": ["clap", "clapping", "audience"],
    "waterfall": ["water", "river"],
    "lava": ["volcano"],
    "furnace": ["fire"],
    "tnt": ["bomb", "dynamite", "explosion"],
    "fuse": ["bomb", "dynamite"],
    "gunpowder": ["bomb", "dynamite"],
    "till": ["money", "cash", "shop"],
    "morse": ["telegraph", "radio"],
    "jackhammer": ["drill", "construction"],
    "skid": ["car", "tire"],
    "spaceship": ["rocket", "ufo", "spaceship"],
    "choir": ["singing", "church", "singer"],
    "harpsichord": ["piano"],
    "metronome": ["music", "piano"],
    "hawk": ["bird", "eagle"],
    "hiss": ["snake"],
    "pincer": ["crab"],
    "weaver": ["loom", "yarn", "cloth"],
    "weaving": ["loom", "yarn", "cloth"],
    "stonecutter": ["stone", "rock"],
    "stonemason": ["stone", "rock"],
    "stonegrind": ["stone", "mill"],
    "catapult": ["castle"],
    "crowd": ["people", "audience"],
    "thunder": ["lightning", "storm"],
    "engine": ["car", "motor"],
    "sling": ["stone", "rock"],
}


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

    Score: one point per shared word (0.75 for a `SYNONYMS` word), times 1.5
    when the word is in the image's first text (its title). Ties go to images
    with fewer labels (more specific).
    """
    words = {w: 1.0 for w in dict.fromkeys(labels) if w not in PAIR_STOP}
    for label in labels:
        for synonym in SYNONYMS.get(label, ()):
            words.setdefault(synonym, SYNONYM_WEIGHT)
    scores: dict[int, float] = defaultdict(float)
    for word, weight in words.items():
        for i in index.words.get(word, ()):
            if not PAIR_EXCLUDE.get(word, frozenset()).isdisjoint(images[i]["labels"]):
                continue
            scores[i] += weight * (1.5 if word in index.titles[i] else 1.0)
    if not scores:
        return []
    # Only the best-scoring tiers: a sound of 'sword' should not take every 'metal' image.
    best = max(scores.values())
    return _mixed(images, sorted((i for i in scores if scores[i] >= best - 0.5),
                                 key=lambda i: (-scores[i], len(images[i]["labels"]),
                                                images[i]["id"])), limit)


def _mixed(images: list[dict], ranked: list[int], limit: int) -> list[str]:
    """Ids of `ranked` images, taking turns across sources (the biggest source first)."""
    by_source: dict[str, list[int]] = defaultdict(list)
    for i in ranked:
        by_source[images[i]["source"]].append(i)
    mixed: list[str] = []
    while len(mixed) < limit and any(by_source.values()):
        for source in sorted(by_source, key=lambda s: -len(by_source[s])):
            if by_source[source] and len(mixed) < limit:
                mixed.append(images[by_source[source].pop(0)]["id"])
    return mixed


def match_phrase(phrase: str, images: list[dict], index: ImageIndex,
                 limit: int = MAX_IMAGES) -> list[str]:
    """Ids of images labelled with every word of `phrase` ('french horn'), best first.

    Images with the phrase's words in their title come first, then the more specific.
    """
    needed = normalise_label(phrase)
    if not needed:
        return []
    found = set(index.words.get(needed[0], ()))
    for word in needed[1:]:
        found &= set(index.words.get(word, ()))
    found = {i for i in found if all(PAIR_EXCLUDE.get(w, frozenset()).isdisjoint(images[i]["labels"])
                                     for w in needed)}
    ranked = sorted(found, key=lambda i: (-sum(w in index.titles[i] for w in needed),
                                          len(images[i]["labels"]), images[i]["id"]))
    return _mixed(images, ranked, limit)


def match_any(phrases: list[str], images: list[dict], index: ImageIndex,
              limit: int = MAX_IMAGES) -> list[str]:
    """Ids of images matching any of `phrases` (see `match_phrase`), taking turns between
    the phrases in their order, so 'acoustic guitar, guitar' leads with acoustic guitars."""
    lists = [match_phrase(p, images, index, limit) for p in phrases]
    out: list[str] = []
    while len(out) < limit and any(lists):
        for ids in lists:
            while ids and ids[0] in out:
                ids.pop(0)
            if ids and len(out) < limit:
                out.append(ids.pop(0))
    return out
