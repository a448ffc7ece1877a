"""Indexing videos: videos per second and minutes of footage per minute, end to end
(scan, decode, embed, store, HNSW save), with the share of the time spent decoding and in
the network; against the same footage given as photos and sounds (its scene pictures as
JPEGs, its soundtrack as an .m4a), in the same run. And one 2-hour film: its time and the
peak memory of decoding it, against a 30 s clip's and a 20-minute video's (the longest
that is read through).

    nice python -m benchmarks.bench_video [--clips 8] [--seconds 30] [--no-film]

The footage is made once (cached in ~/.cache/synesthesia-bench/videos): demo photos
panned across a 1280x720 frame at 30 fps, a keyframe every second (as phones record),
H.264 + AAC in .mp4, the demo sounds as soundtrack; the film: 480x270, 12 fps, a keyframe
every 4 s."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import model_for_bench, save, table

DATA = Path.home() / ".cache" / "synesthesia-bench" / "videos"
REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "resources" / "demo"


def _scene(i: int, h: int, w: int) -> np.ndarray:
    import cv2

    from core.media import load_image

    photos = sorted((DEMO / "photos").iterdir())
    img = load_image(photos[i % len(photos)])
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)


def _soundtrack(i: int, seconds: float) -> np.ndarray:
    from core.media import load_audio

    sounds = sorted((DEMO / "sounds").glob("*.wav"))
    parts, n = [], int(seconds * 16000)
    k = i
    while sum(len(p) for p in parts) < n:
        parts.append(load_audio(sounds[k % len(sounds)]))
        k += 3
    return np.concatenate(parts)[:n].astype(np.float32)


def make_clips(n: int, seconds: float) -> tuple[Path, Path]:
    """``n`` phone-like clips, and the same footage as photos + sounds (the baseline)."""
    from tools.mediagen import write_image, write_sound
    from tools.videogen import write_video

    clips, same = DATA / f"clips-{n}x{int(seconds)}s", DATA / f"as-files-{n}x{int(seconds)}s"
    for i in range(n):
        p = clips / f"clip{i:02}.mp4"
        scenes = [(_scene(i * 7 + j, 720, 1280), 5.0) for j in range(int(seconds // 5))]
        wave = _soundtrack(i, seconds)
        if not p.exists():  # written beside, then renamed: an interrupted run leaves no half
            part = write_video(p.with_suffix(".part.mp4"), scenes, wave, fps=30, gop=30, pan=2)
            part.replace(p)
        for j, (rgb, _) in enumerate(scenes):
            q = same / f"clip{i:02}_{j}.jpg"
            if not q.exists():
                write_image(q, rgb)
        if not (q := same / f"clip{i:02}.m4a").exists():
            write_sound(q, wave)
    return clips, same


def make_film(hours: float = 2.0) -> Path:
    from tools.videogen import write_video

    p = DATA / f"film-{round(hours * 60)}min.mp4"
    if not p.exists():
        seconds = hours * 3600
        scenes = [(_scene(j, 270, 480), 30.0) for j in range(int(seconds // 30))]
        part = write_video(p.with_suffix(".part.mp4"), scenes, _soundtrack(0, seconds),
                           fps=12, gop=48, pan=1)
        part.replace(p)
    return p


def index_once(model, folder: Path) -> tuple[float, int, int]:
    """(seconds, files added, vectors) of one `Library.index()` of ``folder``."""
    from core.library import Library

    with tempfile.TemporaryDirectory() as tmp:
        lib = Library.open(Path(tmp) / "lib", model=model)
        lib.add_folder(folder)
        t = time.perf_counter()
        r = lib.index()
        dt = time.perf_counter() - t
        vectors = lib.stats()["segments"]
        lib.close()
    assert r.failed == 0, r
    return dt, r.added, vectors


def split(model, folder: Path) -> tuple[float, float, float]:
    """(decode seconds, network seconds, footage seconds) of the videos of ``folder``, one
    thread each, nothing else running: the indexer's decode step, then its network step."""
    from core.library.decode import decode
    from core.library.scan import ScannedFile
    from core.library.threads import torch_threads
    from core.media.video import encode_pieces

    dec = net = footage = 0.0
    for p in sorted(folder.glob("*.mp4")):
        t = time.perf_counter()
        d = decode(ScannedFile(str(p), p.stat().st_size, 0, "video", 0), None)
        dec += time.perf_counter() - t
        assert d.error is None, d.error
        footage += d.duration_s or 0.0
        with torch_threads(1):
            t = time.perf_counter()
            encode_pieces(model, d.pieces)
            net += time.perf_counter() - t
    return dec, net, footage


def peak_decode_mb(path: Path) -> tuple[float, float, int, int]:
    """(seconds, peak RSS MB over the process's own after its imports, pictures, sound
    windows) of `load_video` in a fresh process. The peak is VmHWM, which starts afresh
    at exec (ru_maxrss would carry the benchmark's own, with the network loaded)."""
    code = ("import sys,time,av,numpy,cv2;from core.media.video import load_video;"
            "r=lambda:int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])/1024;"
            "idle=r();"
            "t=time.perf_counter();v=load_video(sys.argv[1]);dt=time.perf_counter()-t;"
            "print(dt, r()-idle, len(v.frames), len(v.sounds))")
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, env=env, check=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), int(out[3])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--no-film", action="store_true")
    args = ap.parse_args()
    import torch

    load = os.getloadavg()[0]
    clips, same = make_clips(args.clips, args.seconds)
    films = [] if args.no_film else [("20-minute video (480x270)", make_film(1 / 3)),
                                     ("2-hour film (480x270)", make_film(2.0))]
    model, what = model_for_bench()
    torch.set_num_threads(1)
    print(f"model: {what}; {os.cpu_count()} cores, load average {load:.1f}", flush=True)
    dt, n, vecs = index_once(model, clips)
    dtb, nb, vecsb = index_once(model, same)
    dec, net, footage = split(model, clips)
    per_min = footage / 60 / dt  # minutes of footage per minute... of wall time, per second
    rows = [[f"{n} clips x {args.seconds:.0f} s (720p30, H.264/AAC)", n, vecs, f"{dt:.1f}",
             f"{n / dt:.2f}", f"{footage / 60 / (dt / 60):.2f}",
             f"{100 * dec / (dec + net):.0f}% / {100 * net / (dec + net):.0f}%"],
            [f"same footage as {nb} photos + sounds", nb, vecsb, f"{dtb:.1f}",
             f"{nb / dtb:.2f}", f"{footage / 60 / (dtb / 60):.2f}", "-"]]
    print(table(["set", "files", "vectors", "index s", "files/s",
                 "min of footage per min", "decode / network"], rows))
    print(f"videos cost {dt / dtb:.2f}x the time of the same footage as photos + sounds",
          flush=True)
    result = {"model": what, "load_avg_at_start": load, "clips": n, "clip_seconds": args.seconds,
              "index_s": dt, "videos_per_s": n / dt, "footage_min_per_min": per_min * 60,
              "vectors": vecs, "decode_s": dec, "network_s": net,
              "baseline_files": nb, "baseline_index_s": dtb, "ratio_to_baseline": dt / dtb}
    sizes = [("30 s clip (720p)", sorted(clips.glob("*.mp4"))[0])]
    sizes += films
    frows = []
    for name, p in sizes:
        s, mb, pics, wins = peak_decode_mb(p)
        frows.append([name, f"{p.stat().st_size / 1e6:.0f} MB", f"{s:.1f}", f"{mb:.0f}",
                      pics, wins])
        result[f"decode {name}"] = {"seconds": s, "peak_mb_over_idle": mb, "pictures": pics,
                                    "sound_windows": wins}
    print(table(["file", "size", "decode s", "peak RSS MB over idle", "pictures",
                 "sound windows"], frows))
    result["load_avg_at_end"] = os.getloadavg()[0]
    print(f"saved {save('video', result)}")


if __name__ == "__main__":
    main()
