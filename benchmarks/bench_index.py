"""Indexing throughput, end to end (scan, decode, embed, store, HNSW save), for photos of
0.3, 3 and 12 megapixels, sounds and notes; against the same pipeline with a CLIP
ViT-B/32 image encoder, in the same run. Also the share of the machine's FLOP-bound
ceiling that the image path reaches, and for every set the share of its slower bound (its
own decode step alone, or its network alone) that indexing reaches.

    nice python -m benchmarks.bench_index [--photos 48] [--sets "photos 0.3,notes"]
    nice python -m benchmarks.bench_index --photos 480 --notes 3000 --policy 3 --sets ...

Each set is indexed from a folder holding exactly the count asked for (hard links to a
pool of generated files), so runs of 48 and of 480 photos can follow each other.
``--policy N`` also indexes each set with the stop-20 budget (one torch thread beside two
decoders, always), alternating with today's budget, N times each, best of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import matmul_peak_gflops, model_for_bench, save, table

DATA = Path.home() / ".cache" / "synesthesia-bench"
PHOTO_SIZES = {"0.3 MP": (480, 640), "3 MP": (1500, 2000), "12 MP": (3000, 4000)}


def photo(h: int, w: int, seed: int) -> np.ndarray:
    """A photo-like RGB image: smooth shapes plus sensor-like noise (JPEG sizes like a
    camera's, which matters for decoding time)."""
    import cv2

    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(12, 16, 3), dtype=np.uint8)
    img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    img += rng.normal(0, 6, size=img.shape).astype(np.int16)
    return np.clip(img, 0, 255).astype(np.uint8)


def exactly(pool: Path, names: list[str]) -> Path:
    """A folder holding exactly ``names`` of ``pool`` (hard links; copies where links fail)."""
    d = DATA / "sets" / f"{pool.name}-{len(names)}"
    d.mkdir(parents=True, exist_ok=True)
    for stale in set(os.listdir(d)) - set(names):
        (d / stale).unlink()
    for n in names:
        if not (d / n).exists():
            try:
                os.link(pool / n, d / n)
            except OSError:
                shutil.copy2(pool / n, d / n)
    return d


def make_data(n_photos: int, n_sounds: int, n_notes: int, only: str = "") -> dict[str, Path]:
    """The generated files (a pool per set, grown as needed), as folders of the counts
    asked for; ``only``: comma-separated beginnings of the names of the sets wanted."""
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    sets = make_pools(n_photos, n_sounds, n_notes,
                      lambda name: not wanted or any(name.startswith(w) for w in wanted))
    counts = {"sounds (10 s)": n_sounds, "notes": n_notes}
    for name, pool in sets.items():
        names = sorted(os.listdir(pool))[: counts.get(name, n_photos)]
        sets[name] = exactly(pool, names)
    return sets


def make_pools(n_photos: int, n_sounds: int, n_notes: int, wanted=lambda name: True
               ) -> dict[str, Path]:
    import cv2

    from tools.mediagen import write_sound

    sets = {}
    for name, (h, w) in PHOTO_SIZES.items():
        if not wanted(f"photos {name}"):
            continue
        d = DATA / f"photos-{name.replace(' ', '').replace('.', '_')}"
        d.mkdir(parents=True, exist_ok=True)
        for i in range(n_photos):
            p = d / f"p{i:03}.jpg"
            if not p.exists():
                cv2.imwrite(str(p), photo(h, w, i)[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])
        sets[f"photos {name}"] = d
    d = DATA / "sounds"
    d.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n_sounds if wanted("sounds (10 s)") else 0):
        ext = [".wav", ".flac", ".mp3", ".ogg"][i % 4]
        p = d / f"s{i:03}{ext}"
        if not p.exists():
            t = np.arange(10 * 16000) / 16000
            wave = 0.3 * np.sin(2 * np.pi * (200 + 20 * i) * t) + 0.05 * rng.standard_normal(
                len(t))
            write_sound(p, wave.astype(np.float32))
    if wanted("sounds (10 s)"):
        sets["sounds (10 s)"] = d
    d = DATA / "notes"
    d.mkdir(exist_ok=True)
    words = "rain river dog bell train forest night sea wind fire birds city music".split()
    for i in range(n_notes if wanted("notes") else 0):
        p = d / f"n{i:04}.md"
        if not p.exists():
            p.write_text(" ".join(rng.choice(words, 40)) + ".\n")
    if wanted("notes"):
        sets["notes"] = d
    return sets


def index_once(model, folder: Path, budget=None, report: list | None = None
               ) -> tuple[float, int]:
    from core.library import Library

    with tempfile.TemporaryDirectory() as tmp:
        lib = Library.open(Path(tmp) / "lib", model=model)
        lib.add_folder(folder)
        t = time.perf_counter()
        r = lib.index(budget=budget)
        dt = time.perf_counter() - t
        lib.close()
    assert r.failed == 0, r
    if report is not None:
        report.append(r)
    return dt, r.added


POLICY_HEADERS = ["set", "files", "today files/s", "stop-20 budget files/s", "ratio",
                  "cores taken as free files/s", "today's batches on every core",
                  "others' CPU use (cores)"]


def policy_rows(model, sets: dict[str, Path], repeat: int) -> list[list]:
    """Today's budget against the stop-20 one (a fixed torch thread beside the decoders),
    and today's with the cores taken as free whatever other programs do (as on an idle
    machine; NetworkPace still holds batches back after a slow one), each first in turn,
    ``repeat`` times each, best of each; with how many of today's batches ran on every
    core and how busy other programs kept the machine meanwhile."""
    from core.library import ThreadBudget
    from core.library.threads import WATCH

    fixed = ThreadBudget(decoders=2, model=1, graph=2)
    variants = [("today", None), ("fixed", fixed), ("wide", None)]
    rows = []
    for name, folder in sets.items():
        best = dict.fromkeys(("today", "fixed", "wide"), 0.0)
        reports: list = []
        others = []
        for i in range(repeat):
            for which, budget in variants[i % 3:] + variants[:i % 3]:  # each goes first
                WATCH.others_busy()
                if which == "wide":  # the watch overruled: the idle machine's choice
                    WATCH.cores_free = lambda: True  # type: ignore[method-assign]
                try:
                    dt, n = index_once(model, folder, budget,
                                       reports if which == "today" else None)
                finally:
                    WATCH.__dict__.pop("cores_free", None)
                others.append(WATCH.others_busy() or 0.0)
                best[which] = max(best[which], n / dt)
        wide = sum(r.wide_batches for r in reports)
        rows.append([name, n, f"{best['today']:.1f}", f"{best['fixed']:.1f}",
                     f"{best['today'] / best['fixed']:.2f}x", f"{best['wide']:.1f}",
                     f"{wide} in {repeat} runs", f"{min(others):.2f}-{max(others):.2f}"])
        print(table(POLICY_HEADERS, rows[-1:]), flush=True)
    return rows


def decode_rate(folder: Path, decoders: int) -> float:
    """Files/s through the indexer's own decode step (read, hash, decode at reduced size,
    cut to the network's square; for sounds decode and resample; for notes read and cut
    into passages) on `decoders` threads, nothing else running."""
    return decode_all(folder, decoders)[0]


def decode_all(folder: Path, decoders: int) -> tuple[float, list]:
    """(files/s, the decoded files) of `decode_rate`."""
    from concurrent.futures import ThreadPoolExecutor

    from core.library.decode import decode
    from core.library.scan import ScannedFile
    from core.media import kind_of

    files = [ScannedFile(str(p), p.stat().st_size, 0, kind_of(p), 0)
             for p in sorted(folder.iterdir()) if kind_of(p) is not None]
    t = time.perf_counter()
    with ThreadPoolExecutor(decoders) as pool:
        out = list(pool.map(lambda f: decode(f, None), files))
    assert all(d.error is None for d in out)
    return len(files) / (time.perf_counter() - t), out


def pieces_rate(model, decoded: list) -> float:
    """Files/s of the kind's network alone on already decoded files (sounds: waveforms at
    16 kHz; notes: passages), in the indexer's batch sizes, nothing else running; the best
    of 1 thread and every core."""
    from core.library.embed import BATCH
    from core.library.threads import torch_threads

    kind = decoded[0].file.kind
    encode = {"sound": model.encode_sounds, "note": model.encode_texts}[kind]
    pieces = [p for d in decoded for p in d.pieces]
    encode(pieces[: BATCH[kind]])  # warm-up at the batch size
    best = 0.0
    for threads in (1, os.cpu_count() or 1):
        with torch_threads(threads):
            t = time.perf_counter()
            for s in range(0, len(pieces), BATCH[kind]):
                encode(pieces[s : s + BATCH[kind]])
            best = max(best, len(decoded) / (time.perf_counter() - t))
    return best


def network_rate(model, n: int = 64) -> float:
    """Images/s of the whole image path (224 px arrays in, embeddings out), nothing else
    running, on the best of 1 thread and every core (on a loaded machine two OpenMP
    threads can be slower than one)."""
    from core.library.threads import torch_threads

    rng = np.random.default_rng(0)
    imgs = [rng.integers(0, 255, (224, 224, 3), dtype=np.uint8) for _ in range(n)]
    model.encode_images(imgs[:32])
    best = 0.0
    for threads in (1, os.cpu_count() or 1):
        with torch_threads(threads):
            t = time.perf_counter()
            model.encode_images(imgs)
            best = max(best, n / (time.perf_counter() - t))
    return best


def budget_sweep(model, sets: dict[str, Path]) -> list[list]:
    """Indexing photos with other thread budgets (decoders, torch threads)."""
    from core.library import ThreadBudget

    rows = []
    heads = ["set", "decoders", "torch threads", "threads while the cores are free", "files/s"]
    for name in [n for n in ("photos 0.3 MP", "photos 12 MP") if n in sets]:
        for dec, net, idle in ((2, 1, 2), (2, 1, None), (1, 1, 2), (2, 2, None), (1, 2, None),
                               (3, 1, 2)):
            b = ThreadBudget(decoders=dec, model=net, model_idle=idle)
            dt, n = index_once(model, sets[name], b)
            rows.append([name, dec, net, idle or net, f"{n / dt:.1f}"])
            print(table(heads, rows[-1:]), flush=True)
    return rows


def image_gflops(model) -> tuple[float, float]:
    """GFLOP per image of our image path and of CLIP ViT-B/32 (2 FLOPs per multiply-add)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from benchmarks.clip_baseline import ViTB32
    x = torch.randn(1, 3, 224, 224, device=model.device)
    with FlopCounterMode(display=False) as fc:
        # gradients on: the plain convolutions (the same work), which the counter knows;
        # not teacher_outputs, whose inference_mode runs oneDNN's fused ones
        _, logits = model.teacher(x.contiguous(memory_format=torch.channels_last))
        with torch.inference_mode():
            model.net.embed_image_logits(logits.detach())
    ours = fc.get_total_flops() / 1e9
    with FlopCounterMode(display=False) as fc, torch.inference_mode():
        ViTB32(out=model.dim).to(model.device)(x)
    return ours, fc.get_total_flops() / 1e9


HEADERS = ["set", "files", "ours files/s", "CLIP B/32 files/s", "ratio", "network alone/s",
           "decode alone/s", "ours / slower bound", "ours % FLOP ceiling"]


def measure_set(name: str, folder: Path, ours, base, bounds: dict, g_ours: float,
                peak: float) -> tuple[dict, list]:
    dt, n = index_once(ours, folder)
    entry = {"files": n, "ours_files_per_s": n / dt}
    if not name.startswith("photos"):  # the bounds of its own decode step and network
        dec, decoded = max((decode_all(folder, bounds["decoders"]) for _ in range(3)),
                           key=lambda r: r[0])
        net = max(pieces_rate(ours, decoded) for _ in range(3))
        entry.update(decode_alone=dec, network_alone=net,
                     share_of_bound=(n / dt) / min(dec, net))
        return entry, [name, n, f"{n / dt:.1f}", "(same path)", "-", f"{net:.0f}",
                       f"{dec:.0f}", f"{entry['share_of_bound'] * 100:.0f}%", "-"]
    dtb, nb = index_once(base, folder)
    # the bounds measured next to this set (the machine's load drifts): best of three
    dec = max(decode_rate(folder, bounds["decoders"]) for _ in range(3))
    bounds["network"] = max(network_rate(ours) for _ in range(3))
    bound = min(bounds["network"], dec)
    entry.update(clip_files_per_s=nb / dtb, ratio=(n / dt) / (nb / dtb), decode_alone=dec,
                 network_alone=bounds["network"], share_of_bound=(n / dt) / bound,
                 share_of_flop_ceiling=(n / dt) * g_ours / peak)
    return entry, [name, n, f"{n / dt:.1f}", f"{nb / dtb:.1f}", f"{entry['ratio']:.1f}x",
                   f"{bounds['network']:.0f}", f"{dec:.0f}",
                   f"{entry['share_of_bound'] * 100:.0f}%",
                   f"{entry['share_of_flop_ceiling'] * 100:.0f}%"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=64)
    ap.add_argument("--sounds", type=int, default=24)
    ap.add_argument("--notes", type=int, default=300)
    ap.add_argument("--budgets", action="store_true", help="also sweep thread budgets")
    ap.add_argument("--device", default=None, help="cpu, cuda (default: as the app picks)")
    ap.add_argument("--sets", default="", help="comma-separated beginnings of set names "
                    "(default: every set)")
    ap.add_argument("--policy", type=int, default=0, metavar="N", help="only compare today's "
                    "thread budget with the stop-20 one, alternated N times")
    args = ap.parse_args()
    from benchmarks.clip_baseline import ClipBaselineModel
    from core.library import ThreadBudget

    load = os.getloadavg()[0]
    sets = make_data(args.photos, args.sounds, args.notes, args.sets)
    ours, what = model_for_bench(args.device)
    # Warm-up at the batch sizes indexing uses: the first forward pass of each input
    # shape allocates and picks kernels (seconds on a busy machine).
    first = sorted(make_pools(32, 0, 0, lambda n: n == "photos 0.3 MP")["photos 0.3 MP"]
                   .glob("*.jpg"))[:32]
    ours.encode_images(first)
    ours.encode_texts(["warm up"] * 64)
    if args.policy:
        print(f"model: {what} on {ours.device}; {os.cpu_count()} cores, load average "
              f"{load:.1f}; today's budget {ThreadBudget.for_machine(ours)}")
        res = {"model": what, "load_avg_start": load,
               "policy": policy_rows(ours, sets, args.policy)}
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        print(f"results: {save('index-policy', res)}")
        return
    base = ClipBaselineModel(ours)
    base.encode_images(first)
    peak = matmul_peak_gflops()
    g_ours, g_clip = image_gflops(ours)
    budget = ThreadBudget.for_machine(ours)
    print(f"model: {what} on {ours.device}; {os.cpu_count()} cores, load average {load:.1f}; "
          f"indexing budget {budget}; fp32 matmul peak {peak:.0f} GFLOP/s; image path "
          f"{g_ours:.2f} GFLOP/image (CLIP ViT-B/32 {g_clip:.2f})")
    bounds = {"network": network_rate(ours), "decoders": budget.decoders}
    rows, res = [], {"model": what, "device": str(ours.device), "matmul_peak_gflops": peak,
                     "gflop_per_image": g_ours, "clip_gflop_per_image": g_clip,
                     "load_avg_start": load, "sets": {}}
    for name, folder in sets.items():
        res["sets"][name], row = measure_set(name, folder, ours, base, bounds, g_ours, peak)
        rows.append(row)
        print(table(HEADERS, rows[-1:]), flush=True)
    print("\n" + table(HEADERS, rows))
    if args.budgets:
        res["budgets"] = budget_sweep(ours, sets)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    print(f"results: {save('index' if ours.device == 'cpu' else 'index-gpu', res)}")


if __name__ == "__main__":
    main()
