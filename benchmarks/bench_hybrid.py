"""Hybrid ranking on labelled queries: the network alone, full-text search alone, and the
two fused (reciprocal rank fusion, equal and weighted), by nDCG@10.

The library is the bundled demo (26 photos, 16 sounds, 10 notes; real media) plus what a
person's library has beside it: 30 everyday notes (a few holding a rare word: an invoice, a
passport...), user tags on some photos, and copies of photos under telling file names.
Four groups of queries, each with its relevant items written down here:

- note words: a word that only some notes hold ("invoice");
- tags: an accepted tag ("pets"), relevant = the items tagged so;
- file names: words of a file's name ("grandma birthday");
- meaning: synonyms no file holds in words ("puppy", "automobile"): the network's job;
- words + meaning: a word some relevant items hold and others do not ("rain": rain.wav,
  and the storm photo).

    python -m benchmarks.bench_hybrid            # the default checkpoint (bundled model)
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import model_for_bench, save, table

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"
FILLER = ["Call the bank about the new card.", "Buy bread, milk and eggs on the way home.",
          "Book club meets on Thursday; read chapters four to six.",
          "Fix the squeaky door hinge in the hall.", "Water the tomatoes twice this week.",
          "Ideas for the weekend: museum, long walk, cinema.", "Remember to call mum on Sunday.",
          "The car needs new tyres before winter.", "Recipe: lentil soup with cumin and lemon.",
          "Meeting notes: budget review moved to Friday.", "Pack the tent and sleeping bags.",
          "Return the library books by the twelfth.", "Paint samples: sage green or pale blue.",
          "Running plan: three short runs and one long run.", "Dinner with Sam at eight.",
          "Gift ideas: a scarf, a book of poems, a plant.", "The boiler makes a noise at night.",
          "Ask the neighbours to feed the fish.", "Clean the gutters in October.",
          "Renew the gym membership next month.", "Photos to print for the album.",
          "Order new glasses.", "Take the recycling out on Tuesday."]
RARE = {"invoice": "The invoice from the plumber arrived: 240 euros, due end of May.",
        "passport": "Passport expires next spring; renew it before the trip.",
        "dentist": "Dentist appointment on the 14th at 9:30.",
        "mortgage": "Mortgage rate review letter: fixed for five more years.",
        "wifi": "Guest wifi network name is Garden and the password is on the fridge.",
        "vaccination": "The cat's vaccination is due in March."}
TAGS = {"pets": ["dog.png", "white_kitten.png"], "farm trip": ["cow.png", "sheep.png",
                                                               "horse.png", "rooster.png"],
        "wedding": ["violin.png", "jingle_bells.png"], "to print": ["sailboats_in_sunset.png",
                                                                     "lighthouse.png"]}
NAMED = {"grandma_birthday_2019.png": "yellow_flower.jpg",
         "IMG_4031_mont_saint_michel.png": "trip_to_the_beach.png",
         "scan_tax_receipt.png": "electric_kettle.png"}
MEANING = {"puppy": ["dog.png", "dog_barking.wav", "beach_walk_with_the_dog.md"],
           "automobile": ["sedan_car.png", "car_engine_accelerating.wav",
                          "storm_on_the_road.md"],
           "ocean": ["sea_waves.wav", "sail_boat.png", "sailing_day.md",
                     "trip_to_the_beach.png", "sailboats_in_sunset.png",
                     "beach_walk_with_the_dog.md", "dune_grass_by_the_sea.jpg"],
           "kitty": ["white_kitten.png"], "poultry": ["rooster.png", "rooster_crowing.wav"],
           "thunderstorm": ["storm_clouds_over_road.jpg", "storm_on_the_road.md", "rain.wav",
                            "rainy_afternoon.md"],
           "railway": ["locomotive.png", "steam_train_departing.wav", "train_journey.md"],
           "orchestra music": ["violin.png", "concert_evening.md", "applause.wav"]}
# Words some relevant items hold and others do not: both lists are needed.
BOTH = {"dog": ["dog.png", "dog_barking.wav", "beach_walk_with_the_dog.md"],
        "horse": ["horse.png", "horse_neighing.wav", "farm_visit.md"],
        "rain": ["rain.wav", "rainy_afternoon.md", "raindrops_on_leaves.jpg",
                 "storm_clouds_over_road.jpg", "storm_on_the_road.md"],
        "sea": ["sea_waves.wav", "dune_grass_by_the_sea.jpg", "sailing_day.md", "sail_boat.png",
                "sailboats_in_sunset.png", "trip_to_the_beach.png",
                "beach_walk_with_the_dog.md"],
        "bells": ["bell_ringing.wav", "jingle_bells.png"],
        "fire": ["fire.png", "fire_crackling.wav", "campfire_night.md"]}


def build(root: Path) -> tuple[Path, dict[str, dict[str, list[str]]]]:
    media = root / "media"
    shutil.copytree(DEMO, media, ignore=shutil.ignore_patterns("*.txt", "PROVENANCE.md"))
    diary = media / "diary"
    diary.mkdir()
    for i, text in enumerate(FILLER):
        (diary / f"note_{i:02}.txt").write_text(text + "\n")
    for word, text in RARE.items():
        (diary / f"note_{word[:3]}{len(text)}.txt").write_text(text + "\n")
    for new, old in NAMED.items():
        src = next(media.rglob(old))
        shutil.copy(src, media / "photos" / new)
    groups = {
        "note words": {w: [f"note_{w[:3]}{len(t)}.txt"] for w, t in RARE.items()},
        "tags": {t: names for t, names in TAGS.items()},
        "file names": {"grandma birthday": ["grandma_birthday_2019.png"],
                       "mont saint michel": ["IMG_4031_mont_saint_michel.png"],
                       "tax receipt": ["scan_tax_receipt.png"]},
        "meaning": MEANING,
        "words + meaning": BOTH,
    }
    return media, groups


def ndcg(ranked: list[str], relevant: list[str], k: int = 10) -> float:
    gains = sum(1 / math.log2(i + 2) for i, name in enumerate(ranked[:k]) if name in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gains / ideal if ideal else 0.0


def rankings(lib, text: str, fusions: dict) -> dict[str, list[str]]:
    from core.search import Query, parse_query, run_search

    names = {i: Path(p).name for i, p in lib.store.files.indexed_paths()}
    network = run_search(lib.store, lib.indexes, lib.model, Query(text=text), k=50)
    net = [r.item_id for r in network]
    match = parse_query(text).words_match()
    words = [i for i, _ in lib.store.items.words(match, None, 50)] if match else []
    out = {"network": [names[i] for i in net], "words": [names[i] for i in words]}
    for label, fusion in fusions.items():
        out[label] = [names[i] for i, _ in fusion.fuse(net, words)]
    return out


def main() -> None:
    from core.library import Library
    from core.search.fusion import DEFAULT, Fusion

    argparse.ArgumentParser(description=__doc__).parse_args()
    fusions = {"RRF 1:1": Fusion(1.0, 1.0), f"RRF 1:{DEFAULT.words_weight:g} (default)": DEFAULT,
               "RRF 1:3": Fusion(1.0, 3.0), "words first": Fusion(1.0, 1000.0)}
    model, which = model_for_bench()
    with tempfile.TemporaryDirectory() as tmp:
        media, groups = build(Path(tmp))
        with Library.open(Path(tmp) / "lib", model=model) as lib:
            lib.add_folder(media)
            lib.index()
            ids = {Path(p).name: i for i, p in lib.store.files.indexed_paths()}
            for tag, names in TAGS.items():
                for n in names:
                    lib.store.tags.decide(ids[n], tag, "accepted")
            methods = ["network", "words", *fusions]
            scores: dict[str, dict[str, list[float]]] = {g: {m: [] for m in methods}
                                                         for g in groups}
            for group, queries in groups.items():
                for text, relevant in queries.items():
                    ranked = rankings(lib, text, fusions)
                    for m in methods:
                        scores[group][m].append(ndcg(ranked[m], relevant))
            lat = latency(lib, [t for q in groups.values() for t in q])
    rows = []
    for group in groups:
        rows.append([group, len(groups[group])]
                    + [f"{sum(v) / len(v):.3f}" for v in scores[group].values()])
    every = {m: [x for g in groups for x in scores[g][m]] for m in methods}
    rows.append(["all", sum(len(q) for q in groups.values())]
                + [f"{sum(v) / len(v):.3f}" for v in every.values()])
    print(f"nDCG@10 by query group ({which}; demo library + notes, tags, named copies)")
    print(table(["queries", "n", *methods], rows))
    print(f"median latency per query, text encoding included: network alone {lat[0]:.1f} ms, "
          f"hybrid (network + full text + fusion) {lat[1]:.1f} ms")
    save("hybrid", {"model": which, "ndcg10": {g: {m: sum(v) / len(v) for m, v in s.items()}
                                               for g, s in scores.items()},
                    "all": {m: sum(v) / len(v) for m, v in every.items()},
                    "latency_ms": {"network": lat[0], "hybrid": lat[1]}})


def latency(lib, texts: list[str]) -> tuple[float, float]:
    """Median ms of the network's search alone and of the whole hybrid search."""
    from core.search import Query, run_search

    net, hyb = [], []
    for text in texts * 3:
        t = time.perf_counter()
        run_search(lib.store, lib.indexes, lib.model, Query(text=text), k=10)
        net.append(time.perf_counter() - t)
        t = time.perf_counter()
        lib.search(Query(text=text), k=10)
        hyb.append(time.perf_counter() - t)
    return statistics.median(net) * 1000, statistics.median(hyb) * 1000


if __name__ == "__main__":
    main()
