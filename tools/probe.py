"""Probes of the real command line with bad input and SIGKILLs: counts
tracebacks and hangs. Not a test (it takes minutes); run it after changes to decoding,
indexing, doctor or the sidecars, and expect zero of both.

    python -m tools.probe bad DIR            # write ~280 bad and odd files into DIR
    python -m tools.probe fuzz DIR LIB       # index them, doctor, search, tag, export
    python -m tools.probe kill MEDIA LIB N   # N SIGKILLs while MEDIA is being indexed

fuzz and kill use the tiny random network (a checkpoint written next to LIB), so they
measure the engine, not the model. The last line is JSON: runs, tracebacks, hangs.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HANG_S = 600  # a command still running after this long counts as a hang
EXTS = ("jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif", "wav", "flac", "ogg",
        "opus", "mp3", "m4a", "aac", "txt", "md")


class Probe:
    def __init__(self, lib: Path) -> None:
        self.lib = lib
        self.runs = 0
        self.tracebacks: list[dict] = []
        self.hangs: list[str] = []
        self.ckpt = lib.parent / f"{lib.name}-tiny.pt"
        if not self.ckpt.exists():
            from core.model import ModelConfig, create_model, save_checkpoint

            save_checkpoint(create_model(ModelConfig.tiny(), seed=0), self.ckpt)

    def env(self, **extra: str) -> dict:
        return {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", **extra}

    def cli(self, *args: str, model: bool = False) -> subprocess.CompletedProcess | None:
        cmd = [sys.executable, "-m", "app.cli", "--library", str(self.lib), *args]
        if model:
            cmd += ["--model", str(self.ckpt)]
        self.runs += 1
        try:
            r = subprocess.run(cmd, cwd=REPO, env=self.env(), capture_output=True, text=True,
                               timeout=HANG_S)
        except subprocess.TimeoutExpired:
            self.hangs.append(" ".join(args))
            return None
        if "Traceback" in r.stderr + r.stdout:
            self.tracebacks.append({"cmd": " ".join(args), "tail": r.stderr[-1500:]})
        print(f"{' '.join(args)[:70]:70} -> {r.returncode}", flush=True)
        return r

    def summary(self) -> str:
        return json.dumps({"runs": self.runs, "tracebacks": self.tracebacks,
                           "hangs": self.hangs})


def write_bad(root: Path) -> int:
    """Empty, random, text-as-media, truncated and bit-flipped files of every extension;
    absurd headers, a PNG bomb, odd notes, odd names, FIFOs, link loops, deep folders,
    hostile sidecars. Returns how many were written."""
    from tools.mediagen import pattern_image, tone, write_image, write_sound

    rng = random.Random(7)
    good = root / "_good"
    good.mkdir(parents=True, exist_ok=True)
    write_image(good / "ok.jpg", pattern_image(64, 64))
    write_image(good / "ok.png", pattern_image(64, 64, seed=1))
    write_sound(good / "ok.wav", tone(1.0))
    write_sound(good / "ok.flac", tone(2.0, 300))
    (good / "ok.txt").write_text("a good note about rivers")
    files: dict[str, bytes] = {}
    for e in EXTS:
        files[f"empty.{e}"] = b""
        files[f"random.{e}"] = os.urandom(rng.randint(1, 5000))
        files[f"text.{e}"] = b"hello this is plain text\n" * 20
        files[f"nul.{e}"] = b"\x00" * 4096
        for src in sorted(good.iterdir()):
            data = src.read_bytes()
            files[f"trunc_{src.stem}{src.suffix[1:]}.{e}"] = data[: len(data) // 2]
            flip = bytearray(data)
            for _ in range(20):
                flip[rng.randrange(len(flip))] ^= 0xFF
            files[f"flip_{src.stem}{src.suffix[1:]}.{e}"] = bytes(flip)
    png, wav = (good / "ok.png").read_bytes(), (good / "ok.wav").read_bytes()

    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))

    files.update({
        "huge_dims.png": png[:16] + struct.pack(">II", 100000, 100000) + png[24:],
        "zero_dims.png": png[:16] + struct.pack(">II", 0, 0) + png[24:],
        "bmp_neg.bmp": b"BM" + b"\x00" * 16 + struct.pack("<ii", -2**31, -2**31) + bytes(100),
        "gif_big.gif": b"GIF89a" + struct.pack("<HH", 65535, 65535) + bytes(50),
        "tiff_loop.tif": b"II*\x00" + struct.pack("<IH", 8, 60000) + bytes(30),
        "webp_bad.webp": b"RIFF" + struct.pack("<I", 2**31) + b"WEBPVP8X" + b"\xff" * 30,
        "wav_huge_chunk.wav": wav[:40] + struct.pack("<I", 2**32 - 1) + wav[44:],
        "wav_zero_rate.wav": wav[:24] + struct.pack("<I", 0) + wav[28:],
        "wav_many_channels.wav": wav[:22] + struct.pack("<H", 65535) + wav[24:],
        "bomb.png": b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 200, 8,
                                                                     2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(bytes(60001 * 200), 9)) + chunk(b"IEND", b""),
        "utf16.txt": "a note in utf16 about the sea".encode("utf-16"),
        "latin1.md": "caf\xe9 cr\xe8me".encode("latin-1"),
        "controls.txt": bytes(range(1, 32)) * 50,
        "only_space.md": b"   \n\t\n  ",
        "bidi.txt": "\u202egnp.exe a note \u200b\ufeff".encode(),
        "long_line.txt": b"word" * 500000,
        "many_words.txt": b"w " * 1_500_000,
        "new\nline.jpg": (good / "ok.jpg").read_bytes(),
        " lead space.png": png,
        "a" * 250 + ".txt": b"long name note",
    })
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / os.fsdecode(b"bad\xff\xfename.jpg")).write_bytes(png)
    os.mkfifo(root / "fifo.wav")
    os.mkfifo(root / "fifo.png.xmp")
    (root / "dir.jpg").mkdir()
    (root / "loop.png").symlink_to(root / "loop.png")
    (root / "dangling.mp3").symlink_to(root / "nowhere.mp3")
    (root / "dirloop").symlink_to(root, target_is_directory=True)
    deep = root.joinpath(*["d"] * 60)
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text("deep note")
    (good / "ok.jpg.xmp").write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + "<a>" * 20000
                                     + "</a>" * 20000 + "</x:xmpmeta>")
    (good / "ok.png.xmp").write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;'
        '&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><x>&c;&c;</x>')
    (good / "ok.wav.xmp").write_bytes(os.urandom(3000))
    return len(files) + 16


def fuzz(bad: Path, lib: Path) -> Probe:
    """Every command that reads or writes the library, over the bad folder."""
    p = Probe(lib)
    p.cli("index", str(bad), "--json", model=True)
    p.cli("index", "--json", model=True)  # nothing recorded twice
    for args in (("stats",), ("doctor",), ("doctor", "--repair"), ("doctor",)):
        p.cli(*args)
    p.cli("search", "river", model=True)
    files = sorted(f for f in bad.iterdir() if f.is_file() or f.is_symlink())
    random.Random(3).shuffle(files)
    for f in files[:40]:
        p.cli("search", "--file", str(f), model=True)
    for f in ("_good/ok.jpg", "_good/ok.png", "_good/ok.wav", "utf16.txt"):
        p.cli("tags", str(bad / f), "--add", "probe|tag")
    for args in (("export-tags", "--sidecars"), ("export-tags", "--sidecars", "--style",
                                                 "file.xmp"),
                 ("export-tags", "--format", "csv"), ("export-tags", "--format", "json")):
        p.cli(*args)
    return p


def kill(media: Path, lib: Path, rounds: int) -> Probe:
    """SIGKILL each run once it has saved a batch (at a random moment up to 2 s after),
    change 30 files between runs, then index to the end and ask doctor (HNSW graphs on
    disk: SYNESTHESIA_EXACT_MAX=0)."""
    p = Probe(lib)
    rng = random.Random(11)
    env = p.env(SYNESTHESIA_EXACT_MAX="0")
    args = [sys.executable, "-m", "app.cli", "--library", str(lib), "index", str(media),
            "--model", str(p.ckpt)]

    def last_segment() -> int:
        try:
            con = sqlite3.connect(f"file:{lib}/library.sqlite?mode=ro", uri=True, timeout=30)
            try:
                return con.execute("SELECT COALESCE(MAX(id), 0) FROM segments").fetchone()[0]
            finally:
                con.close()
        except sqlite3.Error:
            return -1

    for i in range(rounds):
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        start = last_segment()
        while proc.poll() is None and last_segment() <= start:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 2.0))
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        p.runs += 1
        print(f"round {i}: killed={killed}, last segment id {last_segment()}", flush=True)
        if "Traceback" in err:
            p.tracebacks.append({"cmd": f"kill round {i}", "tail": err[-1500:]})
        for f in rng.sample(sorted(media.iterdir()), min(30, len(list(media.iterdir())))):
            os.utime(f)  # a new mtime: embedded again
            if f.suffix == ".txt":
                with open(f, "ab") as fh:
                    fh.write(b"\n")
    done = subprocess.run([*args, "--json"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=HANG_S)
    p.runs += 1
    print("final index ->", done.returncode, flush=True)
    doctor = subprocess.run([sys.executable, "-m", "app.cli", "--library", str(lib), "doctor"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=HANG_S)
    p.runs += 1
    print("doctor ->", doctor.returncode, doctor.stdout.strip()[-300:], flush=True)
    if doctor.returncode != 0:
        p.tracebacks.append({"cmd": "doctor after kills", "tail": doctor.stdout[-1500:]})
    return p


def main(argv: list[str]) -> int:
    if argv[:1] == ["bad"] and len(argv) == 2:
        print(f"{write_bad(Path(argv[1]))} files")
        return 0
    if argv[:1] == ["fuzz"] and len(argv) == 3:
        probe = fuzz(Path(argv[1]), Path(argv[2]))
    elif argv[:1] == ["kill"] and len(argv) == 4:
        probe = kill(Path(argv[1]), Path(argv[2]), int(argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(probe.summary())
    return 1 if probe.tracebacks or probe.hangs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
