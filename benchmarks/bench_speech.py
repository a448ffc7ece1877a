"""Spoken queries: word error rate of the recogniser with its general English model (the
baseline, measured in the same run) against recognition limited to the words a search can
use (``core.text.words.search_words``).

    python -m benchmarks.bench_speech [--voices en-us,en-gb,...] [--real N] [--json]

Two sets of spoken phrases:
- synthetic: ``PHRASES`` (queries a person might say, written before any measurement) spoken
  by espeak-ng in several voices, resampled to 16 kHz;
- real: Tux Paint's English stamp descriptions ("A brown hen."), recorded by people, from the
  corpus cache (``tuxpaint-stamps-default``, unpacked by ``python -m training.corpus``);
  left out, with a line saying so, when the cache does not have them.

Vocabularies: "tags" is the bundled tag vocabulary with the small words and inflections;
"tags + library" adds the words of a library's file and folder names, as the window does:
the bundled demo library for the synthetic phrases, the stamps' own file names for the real
recordings (a library of those pictures). Reported per set and vocabulary: WER (substitutions
+ deletions + insertions over reference words), the share of the reference's content words
(not small words) heard, and seconds per phrase.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PHRASES = (
    "a dog barking on the beach", "rain on a tin roof", "church bells ringing",
    "a cat sleeping on a sofa", "birds singing in the forest", "a baby crying",
    "waves on the sea", "a car engine starting", "thunder and heavy rain", "people clapping",
    "a horse in a field", "snow on the mountains", "a train at the station",
    "children playing in the park", "someone playing the guitar", "a sunset over the lake",
    "cows on a farm", "a piano", "wind in the trees", "fireworks at night",
    "a boat in the harbour", "a red flower in the garden", "an owl at night",
    "footsteps in the snow",
)
VOICES = ("en-us", "en-gb", "en-us+klatt", "en-us+f3")
STAMPS = "tuxpaint-stamps-default/usr/share/tuxpaint/stamps"


def word_errors(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance between two word lists."""
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[-1]


def normalise(text: str) -> list[str]:
    from core.text.words import split_words

    return [w for w in split_words(text.replace("'", "")) if w]


def synthetic(voices: tuple[str, ...]) -> list[tuple[str, np.ndarray]]:
    from core.media import load_audio

    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng)")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "phrase.wav"
        for voice in voices:
            for text in PHRASES:
                subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text],
                               check=True)
                out.append((text, load_audio(wav, sample_rate=16000)))
    return out


def real(limit: int) -> tuple[list[tuple[str, np.ndarray]], list[str]]:
    """Recorded stamp descriptions with their texts, and the stamps' file names."""
    from core.media import load_audio
    from training.corpus.debs import cache_dir

    base = cache_dir() / "extracted" / STAMPS
    out, names = [], []
    for ogg in sorted(base.rglob("*_desc.ogg"))[:limit]:
        txt = ogg.with_name(ogg.name[: -len("_desc.ogg")] + ".txt")
        first = txt.read_text(encoding="utf-8", errors="replace").splitlines()[:1] if txt.exists() else []
        if first and first[0].strip():
            out.append((first[0].strip(), load_audio(ogg, sample_rate=16000)))
            names.append(txt.stem)
    return out, names


def demo_library_words() -> list[str]:
    """What ``library_words`` gives for the demo library: its file and folder names."""
    from core.text.words import split_words

    demo = REPO / "resources" / "demo"
    return [w for p in sorted(demo.rglob("*"))
            if p.is_file() and p.name not in ("PROVENANCE.md", "demo_ids.txt")
            for w in split_words(" ".join([*p.relative_to(demo).parent.parts, p.stem]))]


def measure(clips: list[tuple[str, np.ndarray]], words: list[str] | None) -> dict:
    from app.gui.services.recognise import decode, decoder
    from core.text.words import FUNCTION_WORDS

    dec = decoder(words)
    errors = n = content = heard = 0
    t0 = time.perf_counter()
    examples = []
    for text, samples in clips:
        pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
        hyp = normalise(decode(dec, pcm))
        ref = normalise(text)
        errors += word_errors(ref, hyp)
        n += len(ref)
        wanted = [w for w in ref if w not in FUNCTION_WORDS]
        content += len(wanted)
        heard += sum(1 for w in wanted if w in hyp)
        if len(examples) < 3:
            examples.append(f"{text!r} -> {' '.join(hyp)!r}")
    return {"wer": errors / max(n, 1), "content_heard": heard / max(content, 1),
            "s_per_phrase": (time.perf_counter() - t0) / max(len(clips), 1),
            "phrases": len(clips), "examples": examples}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_speech",
                                description=__doc__.split("\n")[0])
    p.add_argument("--voices", default=",".join(VOICES))
    p.add_argument("--real", type=int, default=200, help="at most this many recordings")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    from core.tagging.vocabulary import load_vocabulary
    from core.text.words import search_words

    tags = load_vocabulary().words
    sets = {"synthetic (espeak-ng)": (synthetic(tuple(a.voices.split(","))),
                                      demo_library_words())}
    recorded, names = real(a.real)
    notes = []
    if recorded:
        sets["real (Tux Paint stamps)"] = (recorded, names)
    else:
        notes.append("real recordings: not measured (no tuxpaint-stamps-default in the "
                     "corpus cache; `python -m training.corpus build` unpacks it)")
    rows = []
    for name, (clips, library) in sets.items():
        base = measure(clips, None)
        rows.append((name, "general English model (before)", base, base))
        rows.append((name, "tags", measure(clips, search_words(tags)), base))
        rows.append((name, "tags + library", measure(clips, search_words(tags, library)), base))
    if a.json:
        print(json.dumps({"rows": [{"set": s, "vocabulary": v, **m} for s, v, m, _ in rows],
                          "notes": notes}, indent=1))
        return 0
    print(f"Spoken queries, {os.cpu_count()} CPUs; PocketSphinx en-us acoustic model\n")
    print("| set | recogniser | phrases | WER | content words heard | s/phrase | "
          "WER vs before |")
    print("|---|---|---|---|---|---|---|")
    for name, vocab, m, base in rows:
        print(f"| {name} | {vocab} | {m['phrases']} | {m['wer']:.3f} | "
              f"{m['content_heard']:.3f} | {m['s_per_phrase']:.2f} | "
              f"{m['wer'] / max(base['wer'], 1e-9):.2f}x |")
    for name, vocab, m, _ in rows:
        print(f"\n{name}, {vocab}: " + "; ".join(m["examples"]))
    for note in notes:
        print(f"\n{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
