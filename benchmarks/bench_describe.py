"""The describe phase of indexing (metadata and words) against reading the same files.

A folder of photos with EXIF and GPS (Pillow writes them, as a camera would), tagged sounds
and notes is indexed once with the small test network; then every file's details are
dropped and the describe phase alone is timed (``core.library.describe``: EXIF through
Pillow, tags through mutagen, place names offline, FTS5 rows). Baseline: reading every
file's bytes once (``open().read()``), warm cache. The place table's one-off load (about a
second) is timed apart.

    python -m benchmarks.bench_describe [--photos 600 --sounds 100 --notes 300]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from benchmarks.common import save, table


def build(root: Path, photos: int, sounds: int, notes: int) -> list[Path]:
    from tools.mediagen import pattern_image, tag_sound, tone, write_photo, write_sound

    rng = random.Random(0)
    out = []
    for i in range(photos):
        out.append(write_photo(
            root / "photos" / f"IMG_{i:05}.jpg", pattern_image(480, 640, seed=i),
            taken=f"20{rng.randint(10, 24)}:0{rng.randint(1, 9)}:1{rng.randint(0, 9)} 12:00:00",
            camera=("Canon", "Canon EOS 5D"),
            gps=(rng.uniform(-60, 70), rng.uniform(-180, 180))))
    for i in range(sounds):
        out.append(tag_sound(write_sound(root / "sounds" / f"rec{i:04}.flac", tone(2.0)),
                             title=f"Recording {i}", artist="Ann"))
    (root / "notes").mkdir()
    for i in range(notes):
        p = root / "notes" / f"note{i:04}.md"
        p.write_text(f"# Note {i}\n" + "Words of a note about the day. " * 40)
        out.append(p)
    return out


def main() -> None:
    from core.library import Library
    from core.library.describe import describe
    from core.library.progress import Progress
    from core.media.places import place_names
    from core.model import ModelConfig, create_model

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--photos", type=int, default=600)
    ap.add_argument("--sounds", type=int, default=100)
    ap.add_argument("--notes", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = build(Path(tmp) / "media", args.photos, args.sounds, args.notes)
        t = time.perf_counter()
        place_names([(48.85, 2.35)])
        table_load = time.perf_counter() - t
        for p in files:  # warm the page cache
            p.read_bytes()
        t = time.perf_counter()
        for p in files:
            p.read_bytes()
        read_s = time.perf_counter() - t
        with Library.open(Path(tmp) / "lib", model=create_model(ModelConfig.tiny(), seed=0)) as lib:
            lib.add_folder(Path(tmp) / "media")
            lib.index()
            ids = [i for i, _ in lib.store.files.indexed_paths()]
            lib.store.details.mark_stale(ids)
            t = time.perf_counter()
            n = describe(lib.store, Progress(None), lambda: False, threads=2)
            describe_s = time.perf_counter() - t
            assert n == len(files)
    rows = [["read every file's bytes", f"{len(files) / read_s:.0f}", "1.00"],
            ["describe phase (2 threads)", f"{len(files) / describe_s:.0f}",
             f"{read_s / describe_s:.2f}"]]
    print(f"{args.photos} photos (640x480, EXIF + GPS), {args.sounds} tagged sounds, "
          f"{args.notes} notes; files/s (place table loaded once: {table_load:.1f} s)")
    print(table(["step", "files/s", "x reading"], rows))
    save("describe", {"files": len(files), "rows": rows, "place_table_s": table_load})


if __name__ == "__main__":
    main()
